//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

const replayConfigTemplate = `
receivers:
  vgs:
    endpoint: 127.0.0.1:%[1]d
    required_header: {name: X-Authtrail-Token, value: %[3]s}
  asgardeo:
    endpoint: 127.0.0.1:%[2]d
    signature: {secret: %[4]s}
  file_log:
    include: [%[5]s/*/*.jsonl]
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
  identity: {}
exporters:
  otlp_http:
    logs_endpoint: %[6]s/v1/logs
    compression: none
    retry_on_failure: {enabled: false}
    sending_queue: {enabled: false}
service:
  telemetry:
    metrics: {level: none}
  pipelines:
    logs/live:
      receivers: [vgs, asgardeo]
      exporters: [otlp_http]
    logs/replay:
      receivers: [file_log]
      processors: [identity]
      exporters: [otlp_http]
`

// TestReplayEqualsLive: the same vendor events, received live by the webhook
// receivers and replayed from a JSON-lines export through filelog and the
// identity processor, produce identical normalized attributes.
func TestReplayEqualsLive(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	root := sourcetest.RepoRoot(t)
	dir := t.TempDir()
	replay := filepath.Join(dir, "replay")
	want := 0
	for _, vendor := range []string{"vgs", "asgardeo"} {
		writeReplay(t, filepath.Join(replay, vendor), vendor)
		want += len(sourcetest.Inputs(t, vendor))
	}
	capt := newCapture(t)
	vgsPort, asgPort := freePort(t), freePort(t)
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(replayConfigTemplate,
		vgsPort, asgPort, vgsToken, asgardeoSecret, replay, capt.srv.URL)), 0o600))
	startPollingCollector(t, otelcol, dir, cfg)
	require.Eventually(t, func() bool { return capt.count() >= want }, 30*time.Second, 20*time.Millisecond, "replayed records")
	for _, u := range []string{fmt.Sprintf("http://127.0.0.1:%d", vgsPort), fmt.Sprintf("http://127.0.0.1:%d", asgPort)} {
		require.Eventually(t, func() bool { return healthy(u) }, 10*time.Second, 50*time.Millisecond)
	}
	runSim(t, sim, "-vendor", "asgardeo", "-url", fmt.Sprintf("http://127.0.0.1:%d/events", asgPort), "-secret", asgardeoSecret,
		"-samples", filepath.Join(root, "testdata", "asgardeo"), "-count", "0")
	runSim(t, sim, "-vendor", "vgs", "-url", fmt.Sprintf("http://127.0.0.1:%d/events", vgsPort), "-token-header", "X-Authtrail-Token",
		"-token", vgsToken, "-samples", filepath.Join(root, "testdata", "vgs"), "-count", "0")
	require.Equal(t, 2*want, capt.count())

	live, replayed := map[string]plog.LogRecord{}, map[string]plog.LogRecord{}
	capt.mu.Lock()
	for _, lr := range capt.records {
		k := sourcetest.Attr(lr, schema.AttrEventProvider) + "|" + key(lr)
		if _, ok := lr.Attributes().Get("log.file.path"); ok {
			replayed[k] = lr
		} else {
			live[k] = lr
		}
	}
	capt.mu.Unlock()
	require.Len(t, live, want)
	require.Len(t, replayed, want)
	for k, l := range live {
		r, ok := replayed[k]
		if !assert.True(t, ok, "no replayed twin of %s", k) {
			continue
		}
		ra := r.Attributes().AsRaw()
		for name := range ra {
			if strings.HasPrefix(name, "log.file.") {
				delete(ra, name)
			}
		}
		assert.Equal(t, l.Attributes().AsRaw(), ra, k)
		assert.Equal(t, l.EventName(), r.EventName(), k)
		assert.Equal(t, l.Timestamp(), r.Timestamp(), k)
		assert.Equal(t, l.SeverityNumber(), r.SeverityNumber(), k)
		assert.Equal(t, l.Body().AsRaw(), r.Body().AsRaw(), k)
	}
}
