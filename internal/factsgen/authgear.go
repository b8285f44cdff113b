package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authtrail/authtrail/internal/facts"
)

// The auditLogs field, the types of its result the receiver reads, and the
// enums its arguments take as literals.
var (
	authgearObjects = []string{"AuditLogConnection", "AuditLogEdge", "AuditLog", "PageInfo"}
	authgearEnums   = []string{"SortDirection"}
)

var activityTypesNote = "values in " + facts.AuthgearActivityTypesFile

func writeAuthgear(sdlPath, commit, path string) error {
	sdl, err := os.ReadFile(sdlPath)
	if err != nil {
		return err
	}
	s, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: filepath.Base(sdlPath), Input: string(sdl)})
	if gqlErr != nil {
		return fmt.Errorf("%s: %w", sdlPath, gqlErr)
	}
	field := s.Query.Fields.ForName("auditLogs")
	if field == nil {
		return fmt.Errorf("%s: Query has no auditLogs field", sdlPath)
	}
	out := facts.Authgear{
		Source:    "Authgear Admin API GraphQL schema, github.com/authgear/authgear-server portal/src/graphql/adminapi/schema.graphql at commit " + commit,
		Generator: "go run ./internal/factsgen -authgear <schema.graphql> -out testdata/facts",
		Query:     map[string]facts.Field{"auditLogs": {Args: map[string]string{}, Type: field.Type.String()}},
		Types:     map[string]facts.Type{},
	}
	for _, a := range field.Arguments {
		out.Query["auditLogs"].Args[a.Name] = a.Type.String()
		out.Types[a.Type.Name()] = kindOnly(s, a.Type.Name())
	}
	for _, name := range authgearObjects {
		def := s.Types[name]
		if def == nil {
			return fmt.Errorf("%s: no type %s", sdlPath, name)
		}
		t := facts.Type{Kind: string(def.Kind), Fields: map[string]string{}}
		for _, f := range def.Fields {
			t.Fields[f.Name] = f.Type.String()
			if _, listed := out.Types[f.Type.Name()]; !listed {
				out.Types[f.Type.Name()] = kindOnly(s, f.Type.Name())
			}
		}
		out.Types[name] = t
	}
	for _, name := range authgearEnums {
		def := s.Types[name]
		if def == nil || def.Kind != ast.Enum {
			return fmt.Errorf("%s: no enum %s", sdlPath, name)
		}
		t := facts.Type{Kind: string(def.Kind)}
		for _, v := range def.EnumValues {
			t.Values = append(t.Values, v.Name)
		}
		out.Types[name] = t
	}
	if err := write(path, out); err != nil {
		return err
	}
	return writeActivityTypes(s, commit, filepath.Join(filepath.Dir(path), facts.AuthgearActivityTypesFile))
}

// writeActivityTypes writes AuditLogActivityType's values, sorted, one a line,
// under the file's existing comment header (or a new one naming the source).
func writeActivityTypes(s *ast.Schema, commit, path string) error {
	def := s.Types["AuditLogActivityType"]
	if def == nil || def.Kind != ast.Enum {
		return errors.New("no enum AuditLogActivityType")
	}
	var b strings.Builder
	if old, err := os.ReadFile(path); err == nil {
		for _, line := range strings.SplitAfter(string(old), "\n") {
			if strings.HasPrefix(line, "#") {
				b.WriteString(line)
			}
		}
	}
	if b.Len() == 0 {
		fmt.Fprintf(&b, "# The AuditLogActivityType values of Authgear's Admin API schema at authgear-server commit %s, one a line, sorted.\n", commit)
	}
	values := make([]string, 0, len(def.EnumValues))
	for _, v := range def.EnumValues {
		values = append(values, v.Name)
	}
	slices.Sort(values)
	b.WriteString(strings.Join(values, "\n") + "\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func kindOnly(s *ast.Schema, name string) facts.Type {
	t := facts.Type{Kind: string(s.Types[name].Kind)}
	if name == "AuditLogActivityType" {
		t.Note = activityTypesNote
	}
	return t
}
