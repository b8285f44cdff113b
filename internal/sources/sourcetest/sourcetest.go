// Package sourcetest holds the checks every source's tests share: golden files
// (testdata/<vendor>/*.json → expected plog YAML), the record invariants of
// docs/schema.md (D15, D16, the log record), and validation of OCSF ids against the OCSF 1.8.0 schema
// in ../shared. Only tests import it.
package sourcetest // import "github.com/authtrail/authtrail/internal/sources/sourcetest"

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// CheckOCSF validates the ocsf.* ids of a record against the OCSF 1.8.0 schema.
func CheckOCSF(t testing.TB, a pcommon.Map) {
	t.Helper()
	get := func(k string) int64 {
		v, ok := a.Get(k)
		require.True(t, ok, "%s missing", k)
		return v.Int()
	}
	class, activity := get(schema.AttrOCSFClassUID), get(schema.AttrOCSFActivityID)
	classes := loadOCSF(t)
	acts, ok := classes[class]
	require.True(t, ok, "class_uid %d is not an OCSF 1.8.0 class", class)
	_, ok = acts[activity]
	assert.True(t, ok, "activity_id %d is not defined for OCSF class %d", activity, class)
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

var (
	ocsfOnce    sync.Once
	ocsfClasses map[int64]map[int64]string
	ocsfErr     error
)

// loadOCSF reads class uids and activity ids from ../shared/ocsf-schema-1.8.0.
func loadOCSF(t testing.TB) map[int64]map[int64]string {
	t.Helper()
	root := RepoRoot(t)
	ocsfOnce.Do(func() { ocsfClasses, ocsfErr = readOCSF(filepath.Join(root, "..", "shared", "ocsf-schema-1.8.0")) })
	require.NoError(t, ocsfErr, "the OCSF 1.8.0 schema must be at ../shared/ocsf-schema-1.8.0")
	return ocsfClasses
}

func readOCSF(dir string) (map[int64]map[int64]string, error) {
	var cats struct {
		Attributes map[string]struct{ UID int64 } `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "events", "*", "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no OCSF event classes under %s", dir)
	}
	out := map[int64]map[int64]string{}
	for _, f := range files {
		var c struct {
			UID        *int64 `json:"uid"`
			Attributes struct {
				ActivityID struct {
					Enum map[string]struct{ Caption string } `json:"enum"`
				} `json:"activity_id"`
			} `json:"attributes"`
		}
		if err := readJSON(f, &c); err != nil {
			return nil, err
		}
		// A class file names no category; its folder does (events/iam/…).
		cat, ok := cats.Attributes[filepath.Base(filepath.Dir(f))]
		if c.UID == nil || !ok {
			continue
		}
		acts := map[int64]string{0: "Unknown", 99: "Other"}
		for id, e := range c.Attributes.ActivityID.Enum {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: activity id %q: %w", f, id, err)
			}
			acts[n] = e.Caption
		}
		out[cat.UID*1000+*c.UID] = acts
	}
	return out, nil
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

// OCSFRequired lists the attributes the OCSF 1.8.0 schema requires of a class
// (its own, its parents' through "extends", and the base event's).
func OCSFRequired(t testing.TB, classUID int64) []string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "ocsf-schema-1.8.0")
	files, err := filepath.Glob(filepath.Join(dir, "events", "*", "*.json"))
	require.NoError(t, err)
	type class struct {
		UID        *int64 `json:"uid"`
		Name       string `json:"name"`
		Extends    string `json:"extends"`
		Attributes map[string]json.RawMessage
	}
	byName := map[string]class{}
	var target class
	cats := map[string]int64{"iam": 3, "network": 4, "application": 6, "system": 1, "findings": 2, "discovery": 5, "remediation": 7, "unmanned_systems": 8}
	for _, f := range files {
		var c class
		require.NoError(t, readJSON(f, &c))
		byName[c.Name] = c
		if c.UID != nil && cats[filepath.Base(filepath.Dir(f))]*1000+*c.UID == classUID {
			target = c
		}
	}
	var base class
	require.NoError(t, readJSON(filepath.Join(dir, "events", "base_event.json"), &base))
	byName["base_event"] = base
	require.NotEmpty(t, target.Name, "class %d not in OCSF 1.8.0", classUID)
	var required []string
	for c, seen := target, 0; seen < 10; seen++ {
		for name, raw := range c.Attributes {
			var attr struct{ Requirement string }
			if json.Unmarshal(raw, &attr) == nil && attr.Requirement == "required" {
				required = append(required, name)
			}
		}
		if c.Extends == "" {
			break
		}
		c = byName[c.Extends]
	}
	return required
}
