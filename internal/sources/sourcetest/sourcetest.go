// Package sourcetest holds the checks every source's tests share: golden files
// (testdata/<vendor>/*.json → expected plog YAML), the record shape of
// docs/schema.md (D15, D16, the log record), and validation of OCSF ids against
// the OCSF facts in testdata/facts. Only tests import it.
package sourcetest // import "github.com/authtrail/authtrail/internal/sources/sourcetest"

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/facts"
	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
)

// UpdateEnv names the environment variable that rewrites golden files.
const UpdateEnv = "UPDATE_GOLDEN"

// Scope is the scope golden files are written with.
var Scope = schema.Scope{Name: "github.com/authtrail/authtrail/test", Version: "test"}

// Observed is the fixed receipt time of golden conversions.
var Observed = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// RepoRoot walks up from the working directory to the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "internal", "schema")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "repository root not found")
		dir = parent
	}
}

// Inputs lists testdata/<vendor>/*.json.
func Inputs(t testing.TB, vendor string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(RepoRoot(t), "testdata", vendor, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no inputs in testdata/%s", vendor)
	return files
}

// Golden converts every input of vendor and compares it with its .yaml twin.
// It returns the converted logs by input base name for further assertions.
func Golden(t *testing.T, vendor string, decode sources.Decoder) map[string]plog.Logs {
	out := map[string]plog.Logs{}
	for _, in := range Inputs(t, vendor) {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			got, err := decode(raw, sources.Options{Scope: Scope, Observed: Observed})
			require.NoError(t, err)
			CheckLogs(t, got)
			expected := strings.TrimSuffix(in, ".json") + ".yaml"
			if os.Getenv(UpdateEnv) != "" {
				require.NoError(t, golden.WriteLogs(t, expected, got))
			}
			want, err := golden.ReadLogs(expected)
			require.NoError(t, err, "missing golden file; run with %s=1 to create it", UpdateEnv)
			require.NoError(t, plogtest.CompareLogs(want, got))
			out[name] = got
		})
	}
	return out
}

// Records returns every log record of ld.
func Records(ld plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				out = append(out, lrs.At(k))
			}
		}
	}
	return out
}

// CheckLogs asserts the invariants every normalized record keeps.
func CheckLogs(t testing.TB, ld plog.Logs) {
	t.Helper()
	require.Positive(t, ld.LogRecordCount())
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		res := ld.ResourceLogs().At(i).Resource().Attributes()
		name, ok := res.Get(schema.AttrServiceName)
		require.True(t, ok, "resource lacks service.name")
		ns, _ := res.Get(schema.AttrServiceNamespace)
		assert.Equal(t, schema.ServiceNamespace, ns.AsString())
		for _, lr := range recordsOf(ld.ResourceLogs().At(i)) {
			CheckRecord(t, lr, name.Str())
		}
	}
}

func recordsOf(rl plog.ResourceLogs) []plog.LogRecord {
	ld := plog.NewLogs()
	rl.CopyTo(ld.ResourceLogs().AppendEmpty())
	return Records(ld)
}

// CheckRecord asserts the record shape of docs/schema.md#the-log-record, D15 and D16 on one record.
func CheckRecord(t testing.TB, lr plog.LogRecord, vendor string) {
	t.Helper()
	a := lr.Attributes()
	action, ok := a.Get(schema.AttrEventAction)
	require.True(t, ok, "event.action missing")
	assert.Equal(t, schema.EventNamePrefix+action.Str(), lr.EventName())
	_, known := schema.Spec(schema.Action(action.Str()))
	assert.True(t, known, "action %q not in the vocabulary", action.Str())
	assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type(), "body must be a string")
	assert.NotEmpty(t, lr.Body().Str(), "body must not be empty")
	provider, _ := a.Get(schema.AttrEventProvider)
	assert.Equal(t, vendor, provider.Str())
	code, _ := a.Get(schema.AttrEventCode)
	assert.NotEmpty(t, code.Str(), "event.code missing")
	for _, k := range []string{schema.AttrEventOutcome, schema.AttrEventKind, schema.AttrSeverity} {
		_, ok := a.Get(k)
		assert.True(t, ok, "%s missing", k)
	}
	sev, _ := a.Get(schema.AttrSeverity)
	s, ok := schema.ParseSeverity(sev.Str())
	require.True(t, ok, "bad authtrail.severity %q", sev.Str())
	assert.Equal(t, schema.DefaultSeverityMapping[s].Number, lr.SeverityNumber())
	a.Range(func(k string, v pcommon.Value) bool {
		switch v.Type() {
		case pcommon.ValueTypeMap, pcommon.ValueTypeBytes, pcommon.ValueTypeEmpty:
			t.Errorf("attribute %s is %s: attributes must be flat scalars or string arrays", k, v.Type())
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				if v.Slice().At(i).Type() != pcommon.ValueTypeStr {
					t.Errorf("attribute %s holds a non-string element", k)
				}
			}
		}
		return true
	})
	if _, ok := a.Get(schema.AttrOCSFClassUID); ok {
		CheckOCSF(t, a)
	}
}

// CheckOCSF validates the ocsf.* ids of a record against the OCSF 1.8.0 facts.
func CheckOCSF(t testing.TB, a pcommon.Map) {
	t.Helper()
	get := func(k string) int64 {
		v, ok := a.Get(k)
		require.True(t, ok, "%s missing", k)
		return v.Int()
	}
	class, activity := get(schema.AttrOCSFClassUID), get(schema.AttrOCSFActivityID)
	CheckOCSFIDs(t, schema.OCSF{Class: class, Activity: activity})
	assert.Equal(t, class/1000, get(schema.AttrOCSFCategoryUID))
	assert.Equal(t, class*100+activity, get(schema.AttrOCSFTypeUID))
	sev := get(schema.AttrOCSFSeverityID)
	assert.True(t, sev >= 1 && sev <= 5, "severity_id %d", sev)
	st := get(schema.AttrOCSFStatusID)
	assert.True(t, st >= 0 && st <= 2, "status_id %d", st)
	name, hasName := a.Get(schema.AttrOCSFActivityName)
	assert.Equal(t, activity == schema.OCSFActivityOther, hasName && name.Str() != "",
		"ocsf.activity_name is set exactly when activity_id is 99")
}

// CheckOCSFIDs asserts that ids name a class and activity of OCSF 1.8.0 and,
// where they switch for OCSF 1.9, a class and activity of 1.9.
func CheckOCSFIDs(t testing.TB, ids schema.OCSF) {
	t.Helper()
	f := OCSFFacts(t)
	c, ok := f.Class18(ids.Class)
	if assert.True(t, ok, "class_uid %d is not an OCSF %s class of %s", ids.Class, f.Version, facts.OCSFFile) {
		assert.Contains(t, c.Activities, ids.Activity, "activity_id %d is not defined for OCSF %s class %d", ids.Activity, f.Version, ids.Class)
	}
	v19 := ids.V19()
	c, ok = f.Class19(v19.Class)
	if assert.True(t, ok, "class_uid %d is not an OCSF %s class of %s", v19.Class, f.V19.Version, facts.OCSFFile) {
		assert.Contains(t, c.Activities, v19.Activity, "activity_id %d is not defined for OCSF %s class %d", v19.Activity, f.V19.Version, v19.Class)
	}
}

var (
	ocsfOnce  sync.Once
	ocsfFacts facts.OCSF
	ocsfErr   error
)

// OCSFFacts returns the OCSF facts of testdata/facts (read once).
func OCSFFacts(t testing.TB) *facts.OCSF {
	t.Helper()
	root := RepoRoot(t)
	ocsfOnce.Do(func() { ocsfErr = facts.Read(filepath.Join(root, "testdata", "facts", facts.OCSFFile), &ocsfFacts) })
	require.NoError(t, ocsfErr)
	return &ocsfFacts
}

// Attr returns attribute k of lr as a string ("" when absent), for assertions.
func Attr(lr plog.LogRecord, k string) string {
	v, ok := lr.Attributes().Get(k)
	if !ok {
		return ""
	}
	return v.AsString()
}

// CountByEventID counts the records of every batch per event.id.
func CountByEventID(batches []plog.Logs) map[string]int {
	out := map[string]int{}
	for _, ld := range batches {
		for _, lr := range Records(ld) {
			out[Attr(lr, schema.AttrEventID)]++
		}
	}
	return out
}

// OCSFRequired lists the attributes OCSF 1.8.0 requires of a class (its own,
// its parents' through "extends", and the base event's).
func OCSFRequired(t testing.TB, classUID int64) []string {
	t.Helper()
	c, ok := OCSFFacts(t).Class18(classUID)
	require.True(t, ok, "class %d not in the OCSF 1.8.0 facts", classUID)
	return c.Required
}
