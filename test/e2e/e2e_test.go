//go:build e2e

// Package e2e runs the built otelcol-authtrail against authtrail-sim: signed
// vendor webhooks in, OTLP/HTTP out to a capture server in this test, and every
// sample event checked field by field against its golden record. `make e2e` builds
// both binaries and passes their paths in AUTHTRAIL_OTELCOL and AUTHTRAIL_SIM.
package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

const (
	asgardeoSecret = "e2e-asgardeo-secret"
	vgsToken       = "e2e-vgs-token"
)

func binary(t *testing.T, env string) string {
	t.Helper()
	p := os.Getenv(env)
	require.NotEmpty(t, p, "%s must name the built binary; run `make e2e`", env)
	_, err := os.Stat(p)
	require.NoError(t, err, "%s=%s", env, p)
	return p
}

// capture is an OTLP/HTTP logs endpoint that keeps what it receives, or answers
// 503 while failing is set.
type capture struct {
	mu      sync.Mutex
	records []plog.LogRecord
	logs    []plog.Logs
	failing atomic.Bool
	srv     *httptest.Server
}

func newCapture(t *testing.T) *capture {
	c := &capture{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.failing.Load() {
			http.Error(w, "backend down", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.logs = append(c.logs, req.Logs())
		c.records = append(c.records, sourcetest.Records(req.Logs())...)
		c.mu.Unlock()
		resp, _ := plogotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.records)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

const configTemplate = `
receivers:
  vgs:
    endpoint: 127.0.0.1:%[1]d
    required_header: {name: X-Authtrail-Token, value: %[3]s}
  asgardeo:
    endpoint: 127.0.0.1:%[2]d
    signature: {secret: %[4]s}
exporters:
  otlp_http:
    logs_endpoint: %[5]s/v1/logs
    compression: none
    retry_on_failure: {enabled: false}
    sending_queue: {enabled: false}
  otlp_http/jsonl:
    logs_endpoint: %[6]s/v1/logs
    retry_on_failure: {enabled: false}
    sending_queue: {enabled: false}
service:
  telemetry:
    metrics: {level: none}
  pipelines:
    logs:
      receivers: [vgs, asgardeo]
      exporters: [otlp_http, otlp_http/jsonl]
`

type collector struct {
	vgsURL, asgardeoURL string
	cmd                 *exec.Cmd
	out                 string
	jsonl               string
}

// startCollector runs the collector exporting to captureURL and, as a second
// output, to `authtrail-sim sink`, which appends what it gets to c.jsonl.
func startCollector(t *testing.T, otelcol, sim, captureURL string) *collector {
	dir := t.TempDir()
	vgsPort, asgPort, sinkPort := freePort(t), freePort(t), freePort(t)
	c := &collector{
		vgsURL:      fmt.Sprintf("http://127.0.0.1:%d", vgsPort),
		asgardeoURL: fmt.Sprintf("http://127.0.0.1:%d", asgPort),
		out:         filepath.Join(dir, "collector.log"),
		jsonl:       filepath.Join(dir, "events.jsonl"),
	}
	sinkAddr := fmt.Sprintf("127.0.0.1:%d", sinkPort)
	sink := exec.Command(sim, "sink", "-listen", sinkAddr, "-out", c.jsonl)
	require.NoError(t, sink.Start())
	t.Cleanup(func() {
		_ = sink.Process.Signal(syscall.SIGTERM)
		_ = sink.Wait()
	})
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", sinkAddr)
		if err == nil {
			_ = conn.Close()
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "authtrail-sim sink did not listen on %s", sinkAddr)
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(configTemplate,
		vgsPort, asgPort, vgsToken, asgardeoSecret, captureURL, "http://"+sinkAddr)), 0o600))
	logf, err := os.Create(c.out)
	require.NoError(t, err)
	c.cmd = exec.Command(otelcol, "--config", cfg)
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
	for _, u := range []string{c.vgsURL, c.asgardeoURL} {
		require.Eventually(t, func() bool { return healthy(u) }, 30*time.Second, 100*time.Millisecond,
			"collector did not become healthy at %s", u)
	}
	return c
}

func healthy(base string) bool {
	resp, err := http.Get(base + "/health")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (c *collector) stop(t *testing.T) {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		t.Error("collector did not stop within 20s of SIGTERM")
	}
}

func runSim(t *testing.T, sim string, args ...string) string {
	t.Helper()
	out, err := exec.Command(sim, append([]string{"send", "-quiet"}, args...)...).CombinedOutput()
	require.NoError(t, err, "authtrail-sim %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func TestWebhooksEndToEnd(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	root := sourcetest.RepoRoot(t)
	capt := newCapture(t)
	col := startCollector(t, otelcol, sim, capt.srv.URL)
	asgardeo := []string{"-vendor", "asgardeo", "-url", col.asgardeoURL + "/events", "-secret", asgardeoSecret}
	vgs := []string{"-vendor", "vgs", "-url", col.vgsURL + "/events", "-token-header", "X-Authtrail-Token", "-token", vgsToken}

	// Seed samples first: with no batching and no queue, a 200 means exported.
	runSim(t, sim, append(asgardeo, "-samples", filepath.Join(root, "testdata", "asgardeo"), "-count", "0")...)
	runSim(t, sim, append(vgs, "-samples", filepath.Join(root, "testdata", "vgs"), "-count", "0")...)
	samples := len(sourcetest.Inputs(t, "asgardeo")) + len(sourcetest.Inputs(t, "vgs"))
	require.Equal(t, samples, capt.count(), "every 200 must already be exported")

	t.Run("seed events field by field", func(t *testing.T) {
		exported := map[string]plog.LogRecord{}
		capt.mu.Lock()
		for _, ld := range capt.logs {
			for _, lr := range sourcetest.Records(ld) {
				exported[key(lr)] = lr
			}
		}
		resources := capt.logs
		capt.mu.Unlock()
		for _, vendor := range []string{"vgs", "asgardeo"} {
			for _, in := range sourcetest.Inputs(t, vendor) {
				want, err := golden.ReadLogs(strings.TrimSuffix(in, ".json") + ".yaml")
				require.NoError(t, err)
				wantLR := sourcetest.Records(want)[0]
				got, ok := exported[key(wantLR)]
				if !assert.True(t, ok, "%s: no exported record %s", filepath.Base(in), key(wantLR)) {
					continue
				}
				assert.Equal(t, wantLR.EventName(), got.EventName(), in)
				assert.Equal(t, wantLR.Timestamp(), got.Timestamp(), in)
				assert.Equal(t, wantLR.SeverityNumber(), got.SeverityNumber(), in)
				assert.Equal(t, wantLR.SeverityText(), got.SeverityText(), in)
				assert.Equal(t, wantLR.Body().AsRaw(), got.Body().AsRaw(), in)
				assert.Equal(t, wantLR.Attributes().AsRaw(), got.Attributes().AsRaw(), in)
				assert.NotZero(t, got.ObservedTimestamp(), in)
			}
		}
		for _, ld := range resources {
			sourcetest.CheckLogs(t, ld)
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				rl := ld.ResourceLogs().At(i)
				scope := rl.ScopeLogs().At(0).Scope()
				assert.True(t, strings.HasPrefix(scope.Name(), "github.com/authtrail/authtrail/receiver/"), scope.Name())
				assert.Equal(t, "0.1.0", scope.Version())
				_, ok := rl.Resource().Attributes().Get(schema.AttrOrganizationID)
				assert.True(t, ok, "tenant on the resource")
			}
		}
	})

	t.Run("generated events", func(t *testing.T) {
		before := capt.count()
		runSim(t, sim, append(asgardeo, "-count", "60", "-concurrency", "4")...)
		runSim(t, sim, append(vgs, "-count", "60", "-concurrency", "4")...)
		require.Equal(t, before+120, capt.count())
	})

	t.Run("bad signatures are refused", func(t *testing.T) {
		before := capt.count()
		runSim(t, sim, "-vendor", "asgardeo", "-url", col.asgardeoURL+"/events", "-secret", "wrong", "-count", "5", "-expect", "401")
		runSim(t, sim, "-vendor", "vgs", "-url", col.vgsURL+"/events", "-count", "5", "-expect", "401")
		assert.Equal(t, before, capt.count())
	})

	t.Run("backend down gives 503 with Retry-After", func(t *testing.T) {
		before := capt.count()
		capt.failing.Store(true)
		defer capt.failing.Store(false)
		body, err := os.ReadFile(filepath.Join(root, "testdata", "vgs", "user_mfa_deleted.json"))
		require.NoError(t, err)
		// A byte more than the sample already accepted: not a repeat to dedupe.
		req, err := http.NewRequest(http.MethodPost, col.vgsURL+"/events", strings.NewReader(string(body)+"\n"))
		require.NoError(t, err)
		req.Header.Set("X-Authtrail-Token", vgsToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Equal(t, "5", resp.Header.Get("Retry-After"))
		runSim(t, sim, append(asgardeo, "-count", "3", "-expect", "503")...)
		assert.Equal(t, before, capt.count())
	})

	t.Run("WebSub verification", func(t *testing.T) {
		resp, err := http.Get(col.asgardeoURL + "/events?hub.mode=subscribe&hub.topic=x&hub.challenge=e2e-challenge")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "e2e-challenge", string(b))
	})

	t.Run("JSON-lines file", func(t *testing.T) {
		col.stop(t)
		b, err := os.ReadFile(col.jsonl)
		require.NoError(t, err)
		var n int
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(line))
			require.NoError(t, err)
			n += ld.LogRecordCount()
		}
		// A fan-out is at-least-once: the 4 requests answered 503 reached the sink
		// although the other OTLP exporter failed, and a retry would repeat them.
		assert.Equal(t, capt.count()+refusedWith503, n, "the file holds what OTLP got plus the 503'd requests")
	})
}

// refusedWith503 is how many requests the backend-down subtest sends.
const refusedWith503 = 1 + 3

func key(lr plog.LogRecord) string {
	return sourcetest.Attr(lr, schema.AttrEventCode) + "|" + sourcetest.Attr(lr, schema.AttrEventID)
}
