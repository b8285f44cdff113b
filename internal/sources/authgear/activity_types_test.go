package authgear

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// activityTypes reads the project's facts list of Authgear's AuditLogActivityType values.
func activityTypes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(sourcetest.RepoRoot(t), "testdata", "facts", "authgear-activity-types.txt"))
	require.NoError(t, err)
	defer f.Close()
	var types []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			types = append(types, line)
		}
	}
	require.NoError(t, sc.Err())
	return types
}

// Every activity type Authgear documents maps to an action or passes through
// for a reason docs/schema.md gives; the tables name no type Authgear lacks.
func TestEveryActivityTypeIsMappedOrPassesThrough(t *testing.T) {
	types := activityTypes(t)
	require.Len(t, types, 129, "the Admin API schema of 2026-08-21 has 129 AuditLogActivityType values")
	known := map[string]bool{}
	for _, typ := range types {
		known[typ] = true
		_, mapped := mappings[typ]
		reason, passes := passThrough[typ]
		assert.True(t, mapped != passes, "%s must be mapped or pass through, not both or neither", typ)
		if passes {
			assert.NotEmpty(t, reason, "%s passes through without a reason", typ)
		}
	}
	for key := range mappings {
		typ, variant, hasVariant := strings.Cut(key, "/")
		assert.True(t, known[typ], "mapping row %s names no AuditLogActivityType", key)
		if hasVariant {
			assert.NotEmpty(t, variant, key)
			assert.Contains(t, variants, typ, "row %s needs the payload field of its variant", key)
			assert.Contains(t, mappings, typ, "variant row %s needs the row of its type as fallback", key)
		}
	}
	for typ := range passThrough {
		assert.True(t, known[typ], "pass-through %s is no AuditLogActivityType", typ)
	}
	for typ := range readers {
		assert.Contains(t, mappings, typ, "payload reader of %s, which no row maps", typ)
	}
}
