package identityprocessor

import (
	"encoding/json"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// TestPIIModesLeaveNoPersonalData runs every sample in testdata/ through
// pii: hash and pii: drop in every profile: as the receivers' decoders write it
// with include_original on, and replayed as a map body and as JSON text, named
// as its vendor and as a vendor the processor has no decoder for. It then
// searches the whole exported record (resource, attributes and body at any
// depth, map keys too) for every personal value the sample holds.
func TestPIIModesLeaveNoPersonalData(t *testing.T) {
	root := filepath.Join(sourcetest.RepoRoot(t), "testdata")
	var samples []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			samples = append(samples, path)
		}
		return err
	}))
	require.Greater(t, len(samples), 60)
	found := 0
	vendors := map[string]bool{}
	for _, path := range samples {
		rel, err := filepath.Rel(root, path)
		require.NoError(t, err)
		dir := strings.Split(rel, string(filepath.Separator))[0]
		vendor := strings.ReplaceAll(dir, "_", "-")
		if _, ok := registry.Decoder(vendor); !ok {
			continue // testdata/facts: vendor facts, not events
		}
		vendors[vendor] = true
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		values := personalValuesOf(t, raw)
		found += len(values)
		for name, in := range piiInputs(t, vendor, raw) {
			for _, profile := range []string{ProfileOTel, ProfileECS, ProfileOCSF} {
				for _, mode := range []string{PIIHash, PIIDrop} {
					cfg := defaults()
					cfg.Profile, cfg.PII, cfg.PIISalt = profile, mode, "pepper"
					ld := plog.NewLogs()
					in.CopyTo(ld)
					out := run(t, cfg, ld)
					for _, leak := range leaks(out, values) {
						t.Errorf("%s (%s, %s, pii: %s): %s", rel, name, profile, mode, leak)
					}
				}
			}
		}
	}
	require.Greater(t, found, 100, "the extractor finds the samples' personal values")
	require.Len(t, vendors, 5, "every vendor's samples")
}

// piiInputs are the ways a sample reaches the processor.
func piiInputs(t *testing.T, vendor string, raw []byte) map[string]plog.Logs {
	inputs := map[string]plog.Logs{}
	opts := sources.Options{IncludeOriginal: true}
	event := raw
	if vendor == authgear.Vendor {
		// The receiver polls pages; a webhook or a replay carries one audit
		// log entry's data.
		if page, err := authgear.DecodePage(raw, "proj", opts); err == nil {
			inputs["receiver"] = page.Logs
		}
		var page struct {
			Data struct {
				AuditLogs struct {
					Edges []struct {
						Node struct {
							Data json.RawMessage `json:"data"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"auditLogs"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(raw, &page))
		require.NotEmpty(t, page.Data.AuditLogs.Edges)
		event = page.Data.AuditLogs.Edges[0].Node.Data
	} else {
		decode, ok := registry.Decoder(vendor)
		require.True(t, ok, vendor)
		if logs, err := decode(raw, opts); err == nil {
			inputs["receiver"] = logs
		}
	}
	inputs["text body"] = rawRecord(t, event, vendor, false)
	inputs["text body, unknown vendor"] = rawRecord(t, event, "okta", false)
	if json.Valid(event) { // a malformed sample only arrives as text
		inputs["map body"] = rawRecord(t, event, vendor, true)
		inputs["map body, unknown vendor"] = rawRecord(t, event, "okta", true)
	}
	return inputs
}

var (
	sampleEmail   = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	samplePhone   = regexp.MustCompile(`\+[0-9][0-9 ()-]{5,}[0-9]`)
	sampleIP      = regexp.MustCompile(`[0-9A-Fa-f:.]{3,}`)
	trailingComma = regexp.MustCompile(`,(\s*[}\]])`)
	// Keys whose values are personal names or login names, lower-cased
	// without separators, and the objects whose "name" is a person's.
	sampleNameKeys = map[string]bool{
		"givenname": true, "familyname": true, "firstname": true, "lastname": true, "fullname": true,
		"displayname": true, "nickname": true, "username": true, "preferredusername": true, "loginid": true,
	}
	samplePersonObjects = map[string]bool{"actor": true, "user": true, "target": true, "member": true, "producer": true}
)

// personalValuesOf extracts a sample's personal values: email addresses,
// phone numbers and full IP addresses in any string; names under name-like
// keys, in claims ({"uri": ".../givenname", "value": …}) and as the "name" of
// a user object.
func personalValuesOf(t *testing.T, raw []byte) map[string]bool {
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		// A malformed sample (a trailing comma) is read after repair.
		require.NoError(t, json.Unmarshal(trailingComma.ReplaceAll(raw, []byte("$1")), &doc))
	}
	out := map[string]bool{}
	add := func(v string) {
		if len(v) >= 3 {
			out[v] = true
		}
	}
	var walk func(v any, key, parentKey string, parent map[string]any)
	walk = func(v any, key, parentKey string, parent map[string]any) {
		switch v := v.(type) {
		case map[string]any:
			for _, claimKey := range []string{"uri", "name"} {
				if c, ok := v[claimKey].(string); ok && sampleNameKeys[normalizedKey(c)] {
					if s, ok := v["value"].(string); ok {
						add(s)
					}
				}
			}
			for k, e := range v {
				walk(e, k, key, v)
			}
		case []any:
			for _, e := range v {
				walk(e, key, parentKey, parent)
			}
		case string:
			for _, m := range sampleEmail.FindAllString(v, -1) {
				add(m)
			}
			for _, m := range samplePhone.FindAllString(v, -1) {
				add(m)
			}
			for _, m := range sampleIP.FindAllString(v, -1) {
				if addr, err := netip.ParseAddr(m); err == nil && truncateAddr(addr) != m {
					add(m)
				}
			}
			typ, _ := parent["type"].(string)
			if sampleNameKeys[normalizedKey(key)] ||
				(key == "name" && samplePersonObjects[parentKey] && (typ == "" || typ == "user" || typ == "member")) {
				add(v)
			}
		}
	}
	walk(doc, "", "", nil)
	return out
}

func normalizedKey(k string) string {
	k = k[strings.LastIndexAny(k, "/.")+1:]
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k))
}

// leaks lists where the output holds one of values.
func leaks(ld plog.Logs, values map[string]bool) []string {
	var out []string
	check := func(where, s string) {
		for v := range values {
			if strings.Contains(s, v) {
				out = append(out, where+" holds "+v)
			}
		}
	}
	var walk func(where string, v pcommon.Value)
	walk = func(where string, v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			for k, e := range v.Map().All() {
				check(where+" key", k)
				walk(where+"."+k, e)
			}
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				walk(where, v.Slice().At(i))
			}
		case pcommon.ValueTypeBytes:
			check(where, string(v.Bytes().AsRaw()))
		default:
			check(where, v.AsString())
		}
	}
	walkMap := func(where string, m pcommon.Map) {
		v := pcommon.NewValueEmpty()
		m.CopyTo(v.SetEmptyMap())
		walk(where, v)
	}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		walkMap("resource", rl.Resource().Attributes())
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				walkMap("attributes", lrs.At(k).Attributes())
				walk("body", lrs.At(k).Body())
				check("event name", lrs.At(k).EventName())
			}
		}
	}
	return out
}
