package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/authtrail/authtrail/internal/facts"
)

// schemaClass is the part of an OCSF event class file (or base/category event)
// the facts need.
type schemaClass struct {
	UID        *int64                     `json:"uid"`
	Name       string                     `json:"name"`
	Caption    string                     `json:"caption"`
	Extends    string                     `json:"extends"`
	Attributes map[string]json.RawMessage `json:"attributes"`
}

type schemaAttr struct {
	Requirement string `json:"requirement"`
	Enum        map[string]struct {
		Caption string `json:"caption"`
	} `json:"enum"`
}

func (c schemaClass) attr(name string) (schemaAttr, bool) {
	raw, ok := c.Attributes[name]
	if !ok {
		return schemaAttr{}, false
	}
	var a schemaAttr
	// "$include" is a list, not an attribute; it fails to decode and is skipped.
	return a, json.Unmarshal(raw, &a) == nil
}

func writeOCSF(dir, extra, path string) error {
	var version struct{ Version string }
	if err := readJSON(filepath.Join(dir, "version.json"), &version); err != nil {
		return err
	}
	var cats struct {
		Attributes map[string]struct{ UID int64 } `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		return err
	}
	byName := map[string]schemaClass{}
	type located struct {
		class    schemaClass
		category int64
	}
	var classes []located
	files, err := filepath.Glob(filepath.Join(dir, "events", "*.json"))
	if err != nil {
		return err
	}
	nested, err := filepath.Glob(filepath.Join(dir, "events", "*", "*.json"))
	if err != nil {
		return err
	}
	for _, f := range append(files, nested...) {
		var c schemaClass
		if err := readJSON(f, &c); err != nil {
			return err
		}
		byName[c.Name] = c
		// A class file names no category; its folder does (events/iam/…).
		if cat, ok := cats.Attributes[filepath.Base(filepath.Dir(f))]; ok && c.UID != nil {
			classes = append(classes, located{c, cat.UID})
		}
	}
	wanted := map[int64]bool{}
	for _, s := range strings.Split(extra, ",") {
		if s = strings.TrimSpace(s); s != "" {
			uid, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("-ocsf-classes: %q: %w", s, err)
			}
			wanted[uid] = true
		}
	}
	out := facts.OCSF{
		Source:    fmt.Sprintf("OCSF schema %s (github.com/ocsf/ocsf-schema, tag %s): version.json, categories.json, events/**/*.json", version.Version, version.Version),
		Generator: "go run ./internal/factsgen -ocsf <ocsf-schema checkout> -out testdata/facts",
		Required:  "attributes whose requirement is \"required\" in the class, in the classes it extends and in base_event (the nearest definition wins); optional profiles add none",
		Version:   version.Version,
		V19:       v19Facts(),
	}
	for _, l := range classes {
		uid := l.category*1000 + *l.class.UID
		if l.category != 3 && l.category != 6 && !wanted[uid] {
			continue
		}
		delete(wanted, uid)
		c, err := flatten(l.class, byName)
		if err != nil {
			return err
		}
		c.UID, c.CategoryUID = uid, l.category
		out.Classes = append(out.Classes, c)
	}
	if len(wanted) > 0 {
		return fmt.Errorf("-ocsf-classes: not in the schema: %v", wanted)
	}
	slices.SortFunc(out.Classes, func(a, b facts.Class) int { return int(a.UID - b.UID) })
	return write(path, out)
}

// flatten resolves a class's activities and required attributes through its
// "extends" chain up to base_event; the nearest definition of an attribute wins.
func flatten(c schemaClass, byName map[string]schemaClass) (facts.Class, error) {
	out := facts.Class{Name: c.Name, Caption: c.Caption, Activities: facts.Activities{}}
	seen := map[string]bool{}
	for cur, depth := c, 0; ; depth++ {
		if depth > 10 {
			return out, fmt.Errorf("class %s: extends chain too long", c.Name)
		}
		for name := range cur.Attributes {
			a, ok := cur.attr(name)
			if !ok || seen[name] || a.Requirement == "" {
				continue
			}
			seen[name] = true
			if a.Requirement == "required" {
				out.Required = append(out.Required, name)
			}
		}
		if a, ok := cur.attr("activity_id"); ok {
			for id, e := range a.Enum {
				n, err := strconv.ParseInt(id, 10, 64)
				if err != nil {
					return out, fmt.Errorf("class %s: activity id %q: %w", c.Name, id, err)
				}
				if _, dup := out.Activities[n]; !dup {
					out.Activities[n] = e.Caption
				}
			}
		}
		if cur.Extends == "" {
			break
		}
		next, ok := byName[cur.Extends]
		if !ok {
			return out, fmt.Errorf("class %s extends unknown %q", cur.Name, cur.Extends)
		}
		cur = next
	}
	slices.Sort(out.Required)
	return out, nil
}

// v19Facts are the OCSF 1.9 classes the code switches to. OCSF 1.9 is not
// released and the 1.8.0 schema does not hold them, so they are data here, with
// their source.
func v19Facts() facts.OCSF19 {
	base := []string{"activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"}
	with := func(extra string) []string { r := append(slices.Clone(base), extra); slices.Sort(r); return r }
	return facts.OCSF19{
		Source: "OCSF 1.9.0-dev, unreleased (github.com/ocsf/ocsf-schema main branch: events/iam/user_management.json, " +
			"added by \"Added user_management and role_management (#1603)\", and events/iam/group_management.json); " +
			"the classes the code's \"OCSF 1.9\" ids use (docs/schema.md#d6-ocsf-versions), not generated from the 1.8.0 schema",
		Unchanged: "classes not listed keep their 1.8.0 ids; 3001 and 3005 are deprecated in 1.9 in favour of 3007",
		Version:   "1.9.0",
		Classes: []facts.Class{
			{UID: 3006, Name: "group_management", Caption: "Group Management", CategoryUID: 3, Required: with("group"),
				Activities: facts.Activities{0: "Unknown", 1: "Assign Privileges", 2: "Revoke Privileges", 3: "Add User", 4: "Remove User",
					5: "Delete", 6: "Create", 7: "Add Subgroup", 8: "Remove Subgroup", 9: "Update", 10: "Attach Policies",
					11: "Detach Policies", 12: "Assign Roles", 13: "Remove Roles", 99: "Other"}},
			{UID: 3007, Name: "user_management", Caption: "User Management", CategoryUID: 3, Required: with("user"),
				Activities: facts.Activities{0: "Unknown", 1: "Create", 2: "Update", 3: "Delete", 4: "Enable", 5: "Disable", 6: "Lock",
					7: "Unlock", 8: "Password Change", 9: "Password Reset", 10: "Attach Policies", 11: "Detach Policies",
					12: "MFA Factor Enable", 13: "MFA Factor Disable", 14: "Assign Privileges", 15: "Remove Privileges",
					16: "Assign Roles", 17: "Remove Roles", 99: "Other"}},
		},
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// write writes v to path, creating its directory.
func write(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return facts.Write(path, v)
}
