//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// pollConfigTemplate is a collector with one polling receiver (%[2]s, its
// settings %[3]s indented under it) whose checkpoints are in file_storage
// (%[1]s), exporting to the capture (%[4]s), its own metrics served in the
// Prometheus format on 127.0.0.1:%[5]d.
const pollConfigTemplate = `
extensions:
  file_storage:
    directory: %[1]s
receivers:
  %[2]s:
%[3]s
    storage: file_storage
    retry_on_failure: {initial_interval: 50ms, max_interval: 200ms}
exporters:
  otlp_http:
    logs_endpoint: %[4]s/v1/logs
    compression: none
    retry_on_failure: {enabled: false}
    sending_queue: {enabled: false}
service:
  extensions: [file_storage]
  telemetry:
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus: {host: 127.0.0.1, port: %[5]d}
  pipelines:
    logs:
      receivers: [%[2]s]
      exporters: [otlp_http]
`

// writePollConfig writes dir/config.yaml for receiver with settings (YAML at
// four spaces), its checkpoints in dir/storage; it returns the file and the
// address of the collector's own metrics.
func writePollConfig(t *testing.T, dir, receiver, settings, captureURL string) (cfg, metricsAddr string) {
	storage := filepath.Join(dir, "storage")
	require.NoError(t, os.MkdirAll(storage, 0o700))
	port := freePort(t)
	cfg = filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(pollConfigTemplate,
		storage, receiver, strings.Trim(settings, "\n"), captureURL, port)), 0o600))
	return cfg, fmt.Sprintf("127.0.0.1:%d", port)
}

// authgearSettings reads the sim (%[1]s) with its key (%[2]s), time compressed.
const authgearSettings = `
    endpoint: http://%[1]s
    project_id: simapp
    key_id: sim-key
    private_key_file: %[2]s
    poll_interval: 1s
    lag: 5s
    overlap: 0s
    late_arrivals: {horizon: 60s}
    initial_lookback: 12h
    max_window: 1h`

func startSim(t *testing.T, sim string, args ...string) string {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(sim, append([]string{"serve", "-authgear", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/sim/stats")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "sim did not start")
	return addr
}

func simIDs(t *testing.T, addr string, before time.Time) []string {
	resp, err := http.Get(fmt.Sprintf("http://%s/sim/authgear/ids?before=%d", addr, before.Unix()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var ids []string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ids))
	return ids
}

// simLate asks the sim to insert an event that shows up late (path: the
// vendor's late endpoint and its query) and decodes the answer into out.
func simLate(t *testing.T, addr, path string, out any) {
	resp, err := http.Post("http://"+addr+"/sim/"+path, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

func eventID(lr plog.LogRecord) string { return sourcetest.Attr(lr, schema.AttrEventID) }

func (c *capture) perID() map[string]int { return c.countBy(eventID) }

// countBy counts the records received per key.
func (c *capture) countBy(key func(plog.LogRecord) string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, lr := range c.records {
		out[key(lr)]++
	}
	return out
}

// hasAll reports whether a record of every key was received.
func (c *capture) hasAll(key func(plog.LogRecord) string, keys []string) bool {
	got := c.countBy(key)
	for _, k := range keys {
		if got[k] == 0 {
			return false
		}
	}
	return true
}

// awaitLastReread returns once every re-read has passed over the late events
// inserted so far, the youngest of which happened at youngest. It waits until
// an event ago late (an age only the last re-read has still to reach) would be
// younger than that, has insert put such sentinels in, and waits until they
// arrive: re-reads read windows in time order, so by then any second delivery
// of an earlier event would have happened. It returns the sentinels' keys.
func awaitLastReread(t *testing.T, c *capture, key func(plog.LogRecord) string, youngest time.Time, ago time.Duration,
	insert func(ago string) []string,
) []string {
	time.Sleep(time.Until(youngest.Add(ago + time.Second)))
	sentinels := insert(ago.String())
	require.Eventually(t, func() bool { return c.hasAll(key, sentinels) }, 30*time.Second, 20*time.Millisecond,
		"the last re-read delivered the sentinels %v", sentinels)
	return sentinels
}

// logRepeats names every record whose key was received more than once, with
// its event time and when the receiver observed it.
func (c *capture) logRepeats(t *testing.T, key func(plog.LogRecord) string) {
	got := c.countBy(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, lr := range c.records {
		if k := key(lr); got[k] > 1 {
			t.Logf("duplicate %s (record %d): time %s, observed %s", k, i, lr.Timestamp().AsTime(), lr.ObservedTimestamp().AsTime().Format("15:04:05.000"))
		}
	}
}

func startPollingCollector(t *testing.T, otelcol, dir, cfg string) *collector {
	return runCollector(t, dir, exec.Command(otelcol, "--config", cfg))
}

// runCollector starts cmd, a collector whose output goes to dir/collector.log
// (shown when the test fails), and stops it when the test ends.
func runCollector(t *testing.T, dir string, cmd *exec.Cmd) *collector {
	logf, err := os.OpenFile(filepath.Join(dir, "collector.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	c := &collector{out: logf.Name(), cmd: cmd}
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	require.NoError(t, c.cmd.Start())
	t.Cleanup(func() {
		c.stop(t)
		_ = logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(c.out)
			t.Logf("collector output:\n%s", b)
		}
	})
	return c
}

// TestAuthgearRestartAndLateEvents: a backlog polled through 429s, 503s and
// truncated answers; the collector stopped mid-stream and started again on the
// same file_storage; then rows that appear late, behind the windows already
// read, within the late-arrival horizon and past it. Every row within it
// reaches the exporter once and only once.
func TestAuthgearRestartAndLateEvents(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	dir := t.TempDir()
	key := filepath.Join(dir, "authgear-key.pem")
	simAddr := startSim(t, sim, "-authgear-key", key, "-backlog", "3000", "-backlog-span", "6h", "-rate", "0",
		"-fault-429-every", "7", "-fault-503-every", "11", "-fault-truncate-every", "13")
	capt := newCapture(t)
	cfg, _ := writePollConfig(t, dir, "authgear", fmt.Sprintf(authgearSettings, simAddr, key), capt.srv.URL)
	want := simIDs(t, simAddr, time.Now().Add(-5*time.Second))
	require.Len(t, want, 3000)

	first := startPollingCollector(t, otelcol, dir, cfg)
	require.Eventually(t, func() bool { return capt.count() >= 1000 }, 60*time.Second, 20*time.Millisecond)
	first.stop(t) // mid-stream
	stoppedAt := capt.count()
	require.Less(t, stoppedAt, len(want), "stopped before the backlog was read")

	startPollingCollector(t, otelcol, dir, cfg)
	require.Eventually(t, func() bool { return len(capt.perID()) >= len(want) }, 60*time.Second, 20*time.Millisecond)

	// Rows Authgear's replica shows late, behind the windows already read:
	// within the 60s horizon (time compressed), a re-read delivers them;
	// past it, none is read.
	lateRow := func(ago string) string {
		var late struct{ ID string }
		simLate(t, simAddr, "authgear/late?ago="+ago, &late)
		return late.ID
	}
	lates := []string{lateRow("15s"), lateRow("40s")}
	tooLate := lateRow("3m")
	insertedAt := time.Now()
	require.Eventually(t, func() bool { return capt.hasAll(eventID, lates) }, 60*time.Second, 20*time.Millisecond)
	// 45s late is past the 30s re-read's reach (it trails now by under 37 s:
	// its age, its 3.75s window, a poll and Authgear's 1 s precision).
	lates = append(lates, awaitLastReread(t, capt, eventID, insertedAt.Add(-15*time.Second), 45*time.Second,
		func(ago string) []string { return []string{lateRow(ago)} })...)
	assert.Zero(t, capt.perID()[tooLate], "a row later than the horizon is not read")

	capt.logRepeats(t, eventID)
	got := capt.perID()
	for _, id := range append(want, lates...) {
		assert.Equal(t, 1, got[id], "event %s delivered %d times", id, got[id])
	}
	assert.Len(t, got, len(want)+len(lates), "nothing else delivered")
	t.Logf("stopped after %d of %d events; all %d delivered once after the restart",
		stoppedAt, len(want), len(want)+len(lates))
}

// A misspelled setting of a polling receiver fails `validate` instead of
// silently keeping its default.
func TestPollingReceiversRejectUnknownKeys(t *testing.T) {
	otelcol := binary(t, "AUTHTRAIL_OTELCOL")
	root := sourcetest.RepoRoot(t)
	for receiver, settings := range map[string]string{
		"authgear": "endpoint: https://myapp.authgear.cloud\n    key_id: k\n    private_key_file: " +
			filepath.Join(root, "receiver/authgearreceiver/testdata/test-key.pem"),
		"google_workspace": "subject: admin@example.com\n    credentials_file: " +
			filepath.Join(root, "receiver/googleworkspacereceiver/testdata/service-account.json"),
	} {
		t.Run(receiver, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			write := func(extra string) {
				require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
receivers:
  %s:
    %s
    %s
exporters:
  debug: {}
service:
  pipelines:
    logs: {receivers: [%[1]s], exporters: [debug]}
`, receiver, settings, extra)), 0o600))
			}
			write("overlap: 5m")
			out, err := exec.Command(otelcol, "validate", "--config", cfg).CombinedOutput()
			require.NoError(t, err, "%s", out)
			write("overlapp: 5m")
			out, err = exec.Command(otelcol, "validate", "--config", cfg).CombinedOutput()
			require.Error(t, err)
			assert.Contains(t, string(out), "has invalid keys: overlapp")
		})
	}
}
