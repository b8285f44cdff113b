//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/vendorsim"
)

const (
	mockBacklog   = 150 // rows per mock stream (Authgear; each Google application)
	generatedHook = 30  // generated webhook events per webhook vendor
)

// googleApps is how many Reports applications the mock serves; the example
// reads the receiver's default applications, which are the same.
var googleApps = len(vendorsim.GoogleApplications())

// TestVictoriaLogsExample runs examples/victorialogs/config.yaml as shipped
// (environment variables only) against a real VictoriaLogs, feeds it all five
// vendors, checks how VictoriaLogs stored every documented sample, and runs
// every LogsQL query of the READMEs verbatim, comparing each answer with the
// answer computed from what was sent.
func TestVictoriaLogsExample(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	root := sourcetest.RepoRoot(t)
	dir := t.TempDir()
	vl := startVictoriaLogs(t)

	// The mock vendor APIs: backlogs spread over the last 40 minutes, no new rows.
	d := newDeployment(t, sim, dir, mockBacklog, 40*time.Minute)
	authgearIDs := simIDs(t, d.authgearAddr, time.Now().Add(time.Hour))
	require.Len(t, authgearIDs, mockBacklog)

	// Exports to replay: Fillout's audit log, and Google activities as an
	// export of them would carry them.
	writeReplay(t, filepath.Join(d.env["AUTHTRAIL_REPLAY_DIR"], "fillout"), "fillout")
	writeReplay(t, filepath.Join(d.env["AUTHTRAIL_REPLAY_DIR"], "google-workspace"), "google_workspace")

	d.env["VICTORIALOGS_ENDPOINT"] = vl.url()
	for _, poller := range []string{"AUTHGEAR", "GOOGLE_WORKSPACE"} {
		d.env[poller+"_POLL_INTERVAL"], d.env[poller+"_LAG"] = "1s", "2s"
	}
	d.start(t, otelcol, "victorialogs", dir)
	asgardeo := []string{"-vendor", "asgardeo", "-url", d.asgardeoURL + "/events", "-secret", asgardeoSecret}
	vgs := []string{"-vendor", "vgs", "-url", d.vgsURL + "/events", "-token-header", "X-Authtrail-Token", "-token", vgsToken}
	for _, args := range [][]string{asgardeo, vgs} {
		runSim(t, sim, append(args, "-samples", filepath.Join(root, "testdata", args[1]), "-count", strconv.Itoa(generatedHook), "-seed", "7")...)
	}

	samples := goldenSamples(t, "vgs", "asgardeo", "fillout", "google_workspace")
	want := map[string]int{
		"vgs":              samples.count("vgs") + generatedHook,
		"asgardeo":         samples.count("asgardeo") + generatedHook,
		"fillout":          samples.count("fillout"),
		"google-workspace": samples.count("google-workspace") + googleApps*mockBacklog,
		"authgear":         mockBacklog,
	}
	all := waitForRecords(t, vl, want, 3*time.Minute)

	t.Run("every polled row stored once", func(t *testing.T) {
		perID := map[string]int{}
		google := map[string]int{}
		for _, r := range all {
			switch r["service.name"] {
			case "authgear":
				perID[r["event.id"]]++
			case "google-workspace":
				if r["log.file.name"] == "" {
					google[r["event.id"]]++
				}
			}
		}
		for _, id := range authgearIDs {
			assert.Equal(t, 1, perID[id], "authgear event %s", id)
		}
		assert.Len(t, google, googleApps*mockBacklog, "distinct polled Google events")
	})

	t.Run("stored as documented", func(t *testing.T) {
		stored := map[string]map[string]string{}
		times := map[string]int{}
		for _, r := range all {
			k := r["service.name"] + "|" + r["event.code"] + "|" + r["event.id"]
			stored[k] = r
			times[k]++
		}
		for _, s := range samples {
			got, ok := stored[s.key]
			if !assert.True(t, ok, "sample %s not stored", s.key) {
				continue
			}
			assert.Equal(t, 1, times[s.key], "sample %s stored once", s.key)
			for name, v := range s.fields {
				assertStored(t, s.key, name, v, got[name])
			}
			assert.True(t, s.time.Equal(storedTime(t, got)), "%s: _time %s, sent %s", s.key, got["_time"], s.time)
			assert.Contains(t, got["_stream"], `service.name="`+s.vendor+`"`, "resource attributes are stream fields")
			assert.Contains(t, got["_stream"], `event_name="`+s.fields["event_name"]+`"`, "EventName is a stream field")
		}
	})

	queries := append(readmeQueries(t, filepath.Join(root, "examples", "victorialogs", "README.md")),
		readmeQueries(t, filepath.Join(root, "README.md"))...)
	asked := map[string]bool{}
	for _, q := range queries {
		t.Run(q.question, func(t *testing.T) {
			check, ok := readmeQuestions[q.question]
			require.True(t, ok, "README query %q: no expected answer for this question in the test", q.question)
			asked[q.question] = true
			check(t, vl.query(t, q.query), all, samples)
		})
	}
	for question := range readmeQuestions {
		assert.True(t, asked[question], "the READMEs no longer ask %q", question)
	}
}

// readmeQuestions computes, per documented question, the answer from every
// stored record and compares it with the answer of the README's query.
var readmeQuestions = map[string]func(t *testing.T, got, all []map[string]string, samples sampleSet){
	"Failed logins per user in the last hour:": func(t *testing.T, got, all []map[string]string, samples sampleSet) {
		since := time.Now().Add(-time.Hour)
		failed := filter(all, func(r map[string]string) bool {
			return r["event.action"] == "authentication.login" && r["event.outcome"] == "failure" && storedTime(t, r).After(since)
		})
		assert.GreaterOrEqual(t, vendorsOf(failed), 3, "failed logins of several vendors in the last hour")
		older := filter(all, func(r map[string]string) bool {
			return r["event.action"] == "authentication.login" && r["event.outcome"] == "failure" && !storedTime(t, r).After(since)
		})
		assert.Len(t, older, len(samples.where("authentication.login", "failure")), "the samples' failed logins are older")
		want := map[string]string{}
		for _, r := range failed {
			n, _ := strconv.Atoi(want[r["user.name"]])
			want[r["user.name"]] = strconv.Itoa(n + 1)
		}
		gotCounts := map[string]string{}
		for i, row := range got {
			gotCounts[row["user.name"]] = row["failures"]
			if i > 0 {
				prev, _ := strconv.Atoi(got[i-1]["failures"])
				cur, _ := strconv.Atoi(row["failures"])
				assert.GreaterOrEqual(t, prev, cur, "sorted by failures, most first")
			}
		}
		assert.Equal(t, want, gotCounts)
	},
	"Every MFA disable:": func(t *testing.T, got, all []map[string]string, samples sampleSet) {
		want := filter(all, func(r map[string]string) bool { return r["event.action"] == "mfa.disable" })
		assertRows(t, got, want, samples.where("mfa.disable", ""))
		assert.GreaterOrEqual(t, vendorsOf(want), 3)
	},
	"Everything one user did, or had done to them:": func(t *testing.T, got, all []map[string]string, samples sampleSet) {
		want := filter(all, func(r map[string]string) bool {
			var users []string
			_ = json.Unmarshal([]byte(r["related.user"]), &users)
			return slices.Contains(users, "bob@example.com")
		})
		fromSamples := samples.relatedTo("bob@example.com")
		assertRows(t, got, want, fromSamples)
		assert.Len(t, want, len(fromSamples), "only the samples name bob@example.com")
		assert.GreaterOrEqual(t, vendorsOf(want), 2, "one person across vendors")
	},
	"Every role or permission change, with actor and target:": func(t *testing.T, got, all []map[string]string, samples sampleSet) {
		actions := []string{"user.role_change", "user.permission_update", "user.permission_remove", "group.permission_update"}
		want := filter(all, func(r map[string]string) bool { return slices.Contains(actions, r["event.action"]) })
		var fromSamples sampleSet
		for _, a := range actions {
			fromSamples = append(fromSamples, samples.where(a, "")...)
		}
		assertRows(t, got, want, fromSamples)
		for _, row := range got {
			assert.True(t, row["user.name"] != "" || row["user.email"] != "" || row["authtrail.actor.type"] != "", "actor of %v", row)
			assert.True(t, row["user.target.name"] != "" || row["user.target.id"] != "" || row["group.name"] != "", "target of %v", row)
		}
	},
	"Records per vendor and action:": func(t *testing.T, got, all []map[string]string, _ sampleSet) {
		want := map[string]int{}
		for _, r := range all {
			want[r["service.name"]+" "+r["event.action"]]++
		}
		gotCounts := map[string]int{}
		for _, row := range got {
			n, err := strconv.Atoi(row["events"])
			require.NoError(t, err)
			gotCounts[row["service.name"]+" "+row["event.action"]] = n
		}
		assert.Equal(t, want, gotCounts)
	},
}

// assertRows checks that a query returned exactly the wanted records (as the
// query projects them, in time order) and that they include the samples.
func assertRows(t *testing.T, got, want []map[string]string, samples sampleSet) {
	t.Helper()
	require.Len(t, got, len(want))
	require.NotEmpty(t, samples)
	if len(got) == 0 {
		return
	}
	fields := map[string]bool{} // what the query keeps; VictoriaLogs may omit empty ones
	for _, row := range got {
		for name := range row {
			fields[name] = true
		}
	}
	project := func(r map[string]string) string {
		p := map[string]string{}
		for name := range fields {
			if r[name] != "" {
				p[name] = r[name]
			}
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	var g, w []string
	for i := range got {
		g, w = append(g, project(got[i])), append(w, project(want[i]))
		if i > 0 {
			assert.False(t, storedTime(t, got[i]).Before(storedTime(t, got[i-1])), "sorted by time")
		}
	}
	assert.ElementsMatch(t, w, g)
	for _, s := range samples {
		found := false
		for _, row := range got {
			found = found || (storedTime(t, row).Equal(s.time) && row["service.name"] == s.vendor && row["_msg"] == s.fields["_msg"])
		}
		assert.True(t, found, "sample %s in the answer", s.key)
	}
}

func filter(rows []map[string]string, keep func(map[string]string) bool) []map[string]string {
	var out []map[string]string
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func vendorsOf(rows []map[string]string) int {
	v := map[string]bool{}
	for _, r := range rows {
		v[r["service.name"]] = true
	}
	return len(v)
}

func storedTime(t *testing.T, r map[string]string) time.Time {
	ts, err := time.Parse(time.RFC3339Nano, r["_time"])
	require.NoError(t, err, "_time of %v", r)
	return ts
}

// waitForRecords polls VictoriaLogs until it holds exactly want records per
// vendor, and returns them all.
func waitForRecords(t *testing.T, vl *victoriaLogs, want map[string]int, within time.Duration) []map[string]string {
	t.Helper()
	var got map[string]int
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		all := vl.query(t, "*")
		got = map[string]int{}
		for _, r := range all {
			got[r["service.name"]]++
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return all
		}
		time.Sleep(250 * time.Millisecond)
	}
	require.Equal(t, want, got, "records per vendor in VictoriaLogs after %s", within)
	return nil
}

// writeReplay writes a vendor's documented samples as a JSON-lines export.
func writeReplay(t *testing.T, dir, vendor string) {
	require.NoError(t, os.MkdirAll(dir, 0o700))
	var lines bytes.Buffer
	for _, in := range sourcetest.Inputs(t, vendor) {
		raw, err := os.ReadFile(in)
		require.NoError(t, err)
		require.NoError(t, json.Compact(&lines, raw))
		lines.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "export.jsonl"), lines.Bytes(), 0o600))
}

// sample is one record of a vendor sample's golden file, as VictoriaLogs
// should store it.
type sample struct {
	vendor, key string
	time        time.Time
	fields      map[string]string // stored field → value
	related     []string
}

type sampleSet []sample

func goldenSamples(t *testing.T, vendors ...string) sampleSet {
	var out sampleSet
	keys := map[string]bool{}
	for _, vendor := range vendors {
		for _, in := range sourcetest.Inputs(t, vendor) {
			ld, err := golden.ReadLogs(strings.TrimSuffix(in, ".json") + ".yaml")
			require.NoError(t, err)
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				rl := ld.ResourceLogs().At(i)
				for j := 0; j < rl.ScopeLogs().Len(); j++ {
					lrs := rl.ScopeLogs().At(j).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						g := storedForm(rl.Resource().Attributes(), lrs.At(k))
						require.False(t, keys[g.key], "two samples share the key %s", g.key)
						keys[g.key] = true
						out = append(out, g)
					}
				}
			}
		}
	}
	return out
}

// storedForm is how VictoriaLogs stores a record, as its README says:
// attribute names with their dots, arrays as JSON text, numbers as text, the
// body as _msg, the time as _time, empty values absent.
func storedForm(resource pcommon.Map, lr plog.LogRecord) sample {
	f := map[string]string{
		"_msg":          lr.Body().Str(),
		"event_name":    lr.EventName(),
		"severity_text": lr.SeverityText(),
	}
	put := func(name string, v pcommon.Value) bool {
		switch v.Type() {
		case pcommon.ValueTypeSlice:
			b, _ := json.Marshal(v.Slice().AsRaw())
			f[name] = string(b)
		default:
			f[name] = v.AsString()
		}
		if f[name] == "" {
			delete(f, name)
		}
		return true
	}
	resource.Range(put)
	lr.Attributes().Range(put)
	g := sample{vendor: f[schema.AttrServiceName], fields: f, time: lr.Timestamp().AsTime()}
	g.key = g.vendor + "|" + f[schema.AttrEventCode] + "|" + f[schema.AttrEventID]
	_ = json.Unmarshal([]byte(f["related.user"]), &g.related)
	return g
}

func (gs sampleSet) count(vendor string) int {
	n := 0
	for _, g := range gs {
		if g.vendor == vendor {
			n++
		}
	}
	return n
}

func (gs sampleSet) where(action, outcome string) sampleSet {
	var out sampleSet
	for _, g := range gs {
		if g.fields["event.action"] == action && (outcome == "" || g.fields["event.outcome"] == outcome) {
			out = append(out, g)
		}
	}
	return out
}

func (gs sampleSet) relatedTo(user string) sampleSet {
	var out sampleSet
	for _, g := range gs {
		if slices.Contains(g.related, user) {
			out = append(out, g)
		}
	}
	return out
}

// assertStored compares a stored field with the sample's value; arrays and
// floats compare by value, since their text form is VictoriaLogs' own.
func assertStored(t *testing.T, key, name, want, got string) {
	t.Helper()
	if strings.HasPrefix(want, "[") {
		var w, g any
		if json.Unmarshal([]byte(want), &w) == nil && assert.NoError(t, json.Unmarshal([]byte(got), &g), "%s %s = %q: JSON text", key, name, got) {
			assert.Equal(t, w, g, "%s %s", key, name)
			return
		}
	}
	if wf, err := strconv.ParseFloat(want, 64); err == nil && strings.ContainsAny(want, ".eE") {
		gf, err := strconv.ParseFloat(got, 64)
		assert.NoError(t, err, "%s %s = %q", key, name, got)
		assert.InDelta(t, wf, gf, 1e-9*max(1, wf), "%s %s", key, name)
		return
	}
	assert.Equal(t, want, got, "%s %s", key, name)
}
