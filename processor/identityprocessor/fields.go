package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
)

// fieldIndex names an attribute the policy reads.
type fieldIndex uint8

const (
	fieldAction fieldIndex = iota
	fieldProvider
	fieldSeverity
	fieldOCSFSeverity
	fieldChangedRoles
	fieldClientAddress
	fieldUserID
	fieldUserEmail
	fieldUserName
	numFields
)

// fieldKeys are the attribute keys of the fields, by index.
var fieldKeys = [numFields]string{
	fieldAction:        schema.AttrEventAction,
	fieldProvider:      schema.AttrEventProvider,
	fieldSeverity:      schema.AttrSeverity,
	fieldOCSFSeverity:  schema.AttrOCSFSeverityID,
	fieldChangedRoles:  schema.ChangesKeys.Roles,
	fieldClientAddress: schema.AttrClientAddress,
	fieldUserID:        schema.ActorKeys.ID,
	fieldUserEmail:     schema.ActorKeys.Email,
	fieldUserName:      schema.ActorKeys.Name,
}

// fieldLengths marks the lengths of the field keys: most attribute keys are
// ruled out by their length alone.
var fieldLengths = func() (l [64]bool) {
	for _, k := range fieldKeys {
		l[len(k)] = true
	}
	return l
}()

func fieldOf(k string) (fieldIndex, bool) {
	if len(k) >= len(fieldLengths) || !fieldLengths[len(k)] {
		return 0, false
	}
	for i, fk := range fieldKeys {
		if k == fk {
			return fieldIndex(i), true
		}
	}
	return 0, false
}

// fields are the policy's attributes of one record, found in one pass over
// the map instead of one scan per key. The values point into the map and are
// valid until it grows.
type fields struct {
	vals  [numFields]pcommon.Value
	found uint16
}

func readFields(a pcommon.Map) fields {
	var f fields
	for k, v := range a.All() {
		if i, ok := fieldOf(k); ok {
			f.vals[i] = v
			f.found |= 1 << i
		}
	}
	return f
}

func (f *fields) has(i fieldIndex) bool { return f.found&(1<<i) != 0 }

// str is the field as a string, or "" when absent.
func (f *fields) str(i fieldIndex) string {
	if !f.has(i) {
		return ""
	}
	return f.vals[i].Str()
}
