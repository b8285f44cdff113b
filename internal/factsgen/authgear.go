package main

import (
	"fmt"
	"os"
	"path/filepath"

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

const activityTypesNote = "values in authgear-activity-types.txt"

func writeAuthgear(sdlPath, date, path string) error {
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
		Source:    "Authgear Admin API GraphQL schema, github.com/authgear/authgear-server portal/src/graphql/adminapi/schema.graphql at the commit of " + date,
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
	return write(path, out)
}

func kindOnly(s *ast.Schema, name string) facts.Type {
	t := facts.Type{Kind: string(s.Types[name].Kind)}
	if name == "AuditLogActivityType" {
		t.Note = activityTypesNote
	}
	return t
}
