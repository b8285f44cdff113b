package authgear

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/authtrail/authtrail/internal/facts"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func adminAPIFacts(t *testing.T) *facts.Authgear {
	t.Helper()
	var f facts.Authgear
	require.NoError(t, facts.Read(filepath.Join(sourcetest.RepoRoot(t), "testdata", "facts", facts.AuthgearFile), &f))
	require.Contains(t, f.Query, "auditLogs")
	return &f
}

// The poller's query asks only for arguments and fields the Admin API has, with
// variable types its arguments accept.
func TestQueryUsesOnlyTheAdminAPIsArgumentsAndFields(t *testing.T) {
	assert.Empty(t, queryProblems(t, adminAPIFacts(t), Query))
}

// The check fails on what the server would refuse.
func TestQueryCheckCatchesWhatTheServerRefuses(t *testing.T) {
	f := adminAPIFacts(t)
	for name, tc := range map[string]struct{ old, new, problem string }{
		"unknown node field":    {"        userAgent\n", "        userAgent\n        actorName\n", "AuditLog has no field actorName"},
		"unknown argument":      {"sortDirection: ASC", "sortDirection: ASC, search: $after", "auditLogs has no argument search"},
		"wrong variable type":   {"$first: Int!", "$first: String!", "$first is String!, auditLogs(first) takes Int"},
		"list for a scalar":     {"$rangeFrom: DateTime!", "$rangeFrom: [DateTime!]", "$rangeFrom is [DateTime!], auditLogs(rangeFrom) takes DateTime"},
		"object without fields": {"    pageInfo {\n      hasNextPage\n      endCursor\n    }\n", "    pageInfo\n", "AuditLogConnection.pageInfo is an object: select its fields"},
		"unknown enum value":    {"sortDirection: ASC", "sortDirection: OLDEST_FIRST", "OLDEST_FIRST is not a SortDirection"},
		"unknown root field":    {"auditLogs(", "auditLog(", "Query has no field auditLog"},
		"selecting into a leaf": {"        createdAt\n", "        createdAt { seconds }\n", "DateTime has no fields to select"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, Query, tc.old)
			assert.Contains(t, queryProblems(t, f, strings.Replace(Query, tc.old, tc.new, 1)), tc.problem)
		})
	}
}

// queryProblems parses q without a schema and lists every argument, field,
// variable type and enum literal the facts do not allow.
func queryProblems(t *testing.T, f *facts.Authgear, q string) []string {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Name: "Query", Input: q})
	require.NoError(t, err)
	require.Len(t, doc.Operations, 1)
	op := doc.Operations[0]
	require.Equal(t, ast.Query, op.Operation)
	var problems []string
	for _, sel := range op.SelectionSet {
		field, ok := sel.(*ast.Field)
		require.True(t, ok, "only plain fields at the root")
		def, ok := f.Query[field.Name]
		if !ok {
			problems = append(problems, "Query has no field "+field.Name)
			continue
		}
		problems = append(problems, argumentProblems(f, field, def, op.VariableDefinitions)...)
		problems = append(problems, selectionProblems(f, namedType(def.Type), field.SelectionSet)...)
	}
	return problems
}

func argumentProblems(f *facts.Authgear, field *ast.Field, def facts.Field, vars ast.VariableDefinitionList) []string {
	var problems []string
	for _, arg := range field.Arguments {
		want, ok := def.Args[arg.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no argument %s", field.Name, arg.Name))
			continue
		}
		switch arg.Value.Kind {
		case ast.Variable:
			v := vars.ForName(arg.Value.Raw)
			if v == nil {
				problems = append(problems, "undeclared variable $"+arg.Value.Raw)
			} else if got := v.Type.String(); got != want && got != want+"!" {
				// A variable may be stricter than the argument only at the top.
				problems = append(problems, fmt.Sprintf("$%s is %s, %s(%s) takes %s", v.Variable, got, field.Name, arg.Name, want))
			}
		case ast.EnumValue:
			enum := f.Types[namedType(want)]
			if !slices.Contains(enum.Values, arg.Value.Raw) {
				problems = append(problems, fmt.Sprintf("%s is not a %s", arg.Value.Raw, namedType(want)))
			}
		default:
			problems = append(problems, fmt.Sprintf("%s(%s): pass a variable or an enum value, not %s", field.Name, arg.Name, arg.Value.String()))
		}
	}
	return problems
}

func selectionProblems(f *facts.Authgear, typeName string, set ast.SelectionSet) []string {
	if len(set) == 0 {
		return nil
	}
	fields := f.Types[typeName].Fields
	if len(fields) == 0 {
		return []string{typeName + " has no fields to select"}
	}
	var problems []string
	for _, sel := range set {
		field, ok := sel.(*ast.Field)
		if !ok {
			problems = append(problems, "fragments in "+typeName)
			continue
		}
		typ, ok := fields[field.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no field %s", typeName, field.Name))
			continue
		}
		if len(field.Arguments) > 0 {
			problems = append(problems, fmt.Sprintf("%s.%s takes no arguments in the facts", typeName, field.Name))
		}
		if f.Types[namedType(typ)].Kind == "OBJECT" && len(field.SelectionSet) == 0 {
			problems = append(problems, fmt.Sprintf("%s.%s is an object: select its fields", typeName, field.Name))
		}
		problems = append(problems, selectionProblems(f, namedType(typ), field.SelectionSet)...)
	}
	return problems
}

// namedType strips list brackets and non-null marks: "[AuditLogEdge]" → "AuditLogEdge".
func namedType(sdl string) string { return strings.Trim(sdl, "[]!") }
