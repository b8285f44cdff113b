package sources_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/asgardeo"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/sources/fillout"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/sources/vgs"
)

// The tables of docs/schema.md between "<!-- generated:NAME -->" and
// "<!-- /generated:NAME -->" are rendered from the code; this test fails when
// they drift and rewrites them with UPDATE_GOLDEN=1.
func TestSchemaDocMatchesCode(t *testing.T) {
	path := filepath.Join(sourcetest.RepoRoot(t), "docs", "schema.md")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(raw)
	sections := map[string]string{
		"vocabulary":           vocabularyTable(),
		"vgs":                  mappingTable(vgs.Mappings()),
		"asgardeo":             mappingTable(asgardeo.Mappings()),
		"authgear":             mappingTable(authgear.Mappings()),
		"authgear-passthrough": passThroughTable(authgear.PassThrough()),
		"google":               mappingTable(googleworkspace.Mappings()),
		"fillout":              mappingTable(fillout.Mappings()),
	}
	want := doc
	for name, table := range sections {
		re := regexp.MustCompile(`(?s)(<!-- generated:` + name + ` -->\n).*?(<!-- /generated:` + name + ` -->)`)
		require.True(t, re.MatchString(want), "docs/schema.md lacks the generated:%s markers", name)
		want = re.ReplaceAllLiteralString(want, "<!-- generated:"+name+" -->\n"+table+"<!-- /generated:"+name+" -->")
	}
	if os.Getenv(sourcetest.UpdateEnv) != "" {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, doc, "docs/schema.md is out of step with the code; run with %s=1", sourcetest.UpdateEnv)
}

func vocabularyTable() string {
	var b strings.Builder
	b.WriteString("| action (`event.action`) | `event.category` | `event.type` | base severity |\n|---|---|---|---|\n")
	actions := schema.Actions()
	slices.Sort(actions)
	for _, a := range actions {
		s, _ := schema.Spec(a)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", a, strings.Join(s.Category, ", "), strings.Join(s.Type, ", "), s.Severity)
	}
	return b.String()
}

func mappingTable(m map[string]schema.Mapping) string {
	var b strings.Builder
	b.WriteString("| vendor event | action | outcome | OCSF 1.8 class/activity | OCSF 1.9 | severity | fixed attributes |\n|---|---|---|---|---|---|---|\n")
	for _, c := range sortedKeys(m) {
		r := m[c]
		outcome := string(r.Outcome)
		if outcome == "" {
			outcome = string(schema.OutcomeSuccess)
		}
		o := fmt.Sprintf("%d/%d", r.OCSF.Class, r.OCSF.Activity)
		if r.OCSF.ActivityName != "" {
			o += fmt.Sprintf(" %q", r.OCSF.ActivityName)
		}
		o19 := "same"
		if r.OCSF.Class19 != 0 {
			o19 = fmt.Sprintf("%d/%d", r.OCSF.Class19, r.OCSF.Activity19)
		}
		sev := "rules"
		if r.Severity != schema.SeverityUnset {
			sev = r.Severity.String()
		}
		var fixed []string
		for _, kv := range [][2]string{{"auth.method", r.AuthMethod}, {"auth.factor", r.AuthFactor}, {"error.type", r.ErrorType}, {"change.field", r.ChangeField}, {"target.type", r.TargetType}} {
			if kv[1] != "" {
				fixed = append(fixed, kv[0]+"="+kv[1])
			}
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s | %s |\n", c, r.Action, outcome, o, o19, sev, strings.Join(fixed, ", "))
	}
	return b.String()
}

func passThroughTable(m map[string]string) string {
	var b strings.Builder
	b.WriteString("| vendor event | why it passes through |\n|---|---|\n")
	for _, c := range sortedKeys(m) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", c, m[c])
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
