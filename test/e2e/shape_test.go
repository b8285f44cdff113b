//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

const shapeConfigTemplate = `
receivers:
  file_log:
    include: [%[1]s/*/*.jsonl]
    start_at: beginning
    include_file_path: true
    operators:
      - type: json_parser
        parse_to: body
      - type: regex_parser
        parse_from: attributes["log.file.path"]
        regex: '/(?P<vendor>[^/]+)/[^/]+\.jsonl$'
      - type: move
        from: attributes.vendor
        to: attributes["event.provider"]
processors:
  identity:
    profile: ecs
exporters:
  otlp_http:
    logs_endpoint: %[2]s/v1/logs
    compression: none
service:
  telemetry:
    metrics: {level: none}
  pipelines:
    logs:
      receivers: [file_log]
      processors: [identity]
      exporters: [otlp_http]
`

var attrName = regexp.MustCompile(`^[a-z0-9_.]+$`)

// TestBackendShape: records of all five vendors, sent over OTLP/HTTP as the
// Loki, Elasticsearch and Splunk HEC paths receive them, follow docs/schema.md#d16-flat-attributes:
// a non-empty string body, event.action, flat scalar-or-string-array attributes
// with [a-z0-9_.] names of which none is also a prefix, the source's identity on
// the resource, the client IP on the record, and the vendor time.
func TestBackendShape(t *testing.T) {
	otelcol := binary(t, "AUTHTRAIL_OTELCOL")
	dir := t.TempDir()
	replay := filepath.Join(dir, "replay")
	want := 0
	for vendor, testdata := range map[string]string{
		"vgs": "vgs", "asgardeo": "asgardeo", "authgear": "authgear", "google-workspace": "google_workspace", "fillout": "fillout",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(replay, vendor), 0o700))
		var lines bytes.Buffer
		for _, in := range sourcetest.Inputs(t, testdata) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			if vendor == "authgear" { // a polled page: replay its event, as a webhook carries it
				var page struct {
					Data struct {
						AuditLogs struct {
							Edges []struct {
								Node struct{ Data json.RawMessage }
							}
						}
					}
				}
				require.NoError(t, json.Unmarshal(raw, &page))
				raw = page.Data.AuditLogs.Edges[0].Node.Data
			}
			require.NoError(t, json.Compact(&lines, raw))
			lines.WriteByte('\n')
			decode, ok := registry.Decoder(vendor)
			require.True(t, ok, vendor)
			ld, err := decode(raw, sources.Options{})
			require.NoError(t, err, in)
			want += ld.LogRecordCount() // a Google activity can hold several events
		}
		require.NoError(t, os.WriteFile(filepath.Join(replay, vendor, "export.jsonl"), lines.Bytes(), 0o600))
	}
	capt := newCapture(t)
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(shapeConfigTemplate, replay, capt.srv.URL)), 0o600))
	startPollingCollector(t, otelcol, dir, cfg)
	require.Eventually(t, func() bool { return capt.count() >= want }, 30*time.Second, 20*time.Millisecond)

	capt.mu.Lock()
	defer capt.mu.Unlock()
	vendors := map[string]bool{}
	for _, ld := range capt.logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			res := rl.Resource().Attributes()
			svc, ok := res.Get(schema.AttrServiceName)
			require.True(t, ok, "service.name on the resource")
			vendors[svc.Str()] = true
			_, ok = res.Get(schema.AttrOrganizationID)
			assert.True(t, ok, "%s: organization.id on the resource", svc.Str())
			_, ok = res.Get(schema.AttrClientAddress)
			assert.False(t, ok, "client.address belongs on the record")
			lrs := rl.ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				sourcetest.CheckRecord(t, lr, svc.Str()) // string body, event.action = EventName, flat values
				a := lr.Attributes()
				_, ok := a.Get("event.name")
				assert.False(t, ok, "no deprecated event.name attribute")
				assert.NotZero(t, lr.Timestamp(), "vendor time")
				var names []string
				a.Range(func(name string, _ pcommon.Value) bool {
					names = append(names, name)
					assert.Regexp(t, attrName, name, "%s: attribute name", svc.Str())
					return true
				})
				for _, n1 := range names {
					for _, n2 := range names {
						assert.False(t, strings.HasPrefix(n2, n1+"."), "%s is both a leaf and a prefix of %s", n1, n2)
					}
				}
				if ip, ok := a.Get(schema.AttrClientAddress); ok {
					src, _ := a.Get("source.ip")
					assert.Equal(t, ip.Str(), src.Str(), "ecs profile copies the client IP")
				}
			}
		}
	}
	assert.Len(t, vendors, 5, "all five vendors: %v", vendors)
	assert.Len(t, capt.records, want, "one record per decoded event")
}
