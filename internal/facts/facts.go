// Package facts is the layout of testdata/facts/: what the tests know about the
// schemas authtrail targets (OCSF, Authgear's Admin API), in the project's own
// compact form. internal/factsgen writes the files from the published schemas;
// tests read them, so that nothing outside the repository is needed.
package facts // import "github.com/authtrail/authtrail/internal/facts"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// Files in testdata/facts/.
const (
	OCSFFile     = "ocsf-1.8.0.json"
	AuthgearFile = "authgear-auditlogs.json"
	// AuthgearActivityTypesFile lists AuditLogActivityType's values, one a line
	// under a "#" comment header.
	AuthgearActivityTypesFile = "authgear-activity-types.txt"
)

// OCSF is the OCSF classes authtrail may emit: the IAM and Application Activity
// categories and the other classes the code uses, at 1.8.0, and the 1.9 classes
// the code's "OCSF 1.9" ids switch to.
type OCSF struct {
	Source    string  `json:"source"`
	Generator string  `json:"generator"`
	Required  string  `json:"required_means"`
	Version   string  `json:"version"`
	Classes   []Class `json:"classes"`
	V19       OCSF19  `json:"ocsf_1_9"`
}

// OCSF19 holds the 1.9 classes whose ids differ from 1.8.0, with their source.
type OCSF19 struct {
	Source    string  `json:"source"`
	Unchanged string  `json:"unchanged"`
	Version   string  `json:"version"`
	Classes   []Class `json:"classes"`
}

// Class is one OCSF event class.
type Class struct {
	UID         int64      `json:"uid"`
	Name        string     `json:"name"`
	Caption     string     `json:"caption"`
	CategoryUID int64      `json:"category_uid"`
	Activities  Activities `json:"activities"`
	// Required lists the attributes the class requires, inherited ones included.
	Required []string `json:"required"`
}

// Activities maps activity_id to its caption; it is written in id order.
type Activities map[int64]string

// MarshalJSON writes the activities in id order.
func (a Activities) MarshalJSON() ([]byte, error) {
	ids := make([]int64, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(a[id])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", strconv.FormatInt(id, 10), name)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Class18 returns the OCSF 1.8.0 class uid.
func (o *OCSF) Class18(uid int64) (Class, bool) { return find(o.Classes, uid) }

// Class19 returns the OCSF 1.9 class uid: the 1.9 section's, or the 1.8.0 class
// where 1.9 left it unchanged.
func (o *OCSF) Class19(uid int64) (Class, bool) {
	if c, ok := find(o.V19.Classes, uid); ok {
		return c, true
	}
	return find(o.Classes, uid)
}

func find(classes []Class, uid int64) (Class, bool) {
	i := slices.IndexFunc(classes, func(c Class) bool { return c.UID == uid })
	if i < 0 {
		return Class{}, false
	}
	return classes[i], true
}

// Authgear is the part of Authgear's Admin API the receiver's auditLogs query
// relies on: the field's arguments and result type, and the types it selects.
type Authgear struct {
	Source    string           `json:"source"`
	Generator string           `json:"generator"`
	Query     map[string]Field `json:"query"`
	Types     map[string]Type  `json:"types"`
}

// Field is a GraphQL field: its arguments' types and its type, in SDL notation
// ("[ID!]", "DateTime!").
type Field struct {
	Args map[string]string `json:"args,omitempty"`
	Type string            `json:"type"`
}

// Type is a GraphQL type: an object's fields or an enum's values. Types the
// query does not select into, and enums whose values live elsewhere, carry
// their kind alone.
type Type struct {
	Kind   string            `json:"kind"`
	Fields map[string]string `json:"fields,omitempty"`
	Values []string          `json:"values,omitempty"`
	Note   string            `json:"note,omitempty"`
}

// Read decodes the facts file at path into v (*OCSF or *Authgear), refusing
// fields the layout does not know.
func Read(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Write encodes v as indented JSON at path.
func Write(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
