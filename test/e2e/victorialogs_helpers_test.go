//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// victoriaLogs is a VictoriaLogs server on loopback with its own data directory;
// `make e2e` builds it and passes its path in AUTHTRAIL_VICTORIALOGS.
type victoriaLogs struct {
	bin, dir, addr string
	cmd            *exec.Cmd
}

func startVictoriaLogs(t *testing.T) *victoriaLogs {
	vl := &victoriaLogs{
		bin:  binary(t, "AUTHTRAIL_VICTORIALOGS"),
		dir:  t.TempDir(),
		addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
	}
	vl.start(t)
	t.Cleanup(func() {
		vl.stop(t)
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(vl.dir, "victorialogs.log"))
			t.Logf("VictoriaLogs output:\n%s", b)
		}
	})
	return vl
}

func (vl *victoriaLogs) url() string { return "http://" + vl.addr }

// start runs VictoriaLogs (again) on the same address and data. The retention
// covers the vendors' documented samples, which are months old.
func (vl *victoriaLogs) start(t *testing.T) {
	logf, err := os.OpenFile(filepath.Join(vl.dir, "victorialogs.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	defer logf.Close()
	vl.cmd = exec.Command(vl.bin, "-storageDataPath="+filepath.Join(vl.dir, "data"),
		"-httpListenAddr="+vl.addr, "-retentionPeriod=100y", "-loggerLevel=WARN")
	vl.cmd.Stdout, vl.cmd.Stderr = logf, logf
	require.NoError(t, vl.cmd.Start())
	require.Eventually(t, func() bool { return healthy(vl.url()) }, 60*time.Second, 50*time.Millisecond,
		"VictoriaLogs did not answer on %s", vl.addr)
}

// stop ends VictoriaLogs gracefully (it flushes what it ingested).
func (vl *victoriaLogs) stop(t *testing.T) {
	if vl.cmd == nil || vl.cmd.ProcessState != nil {
		return
	}
	_ = vl.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- vl.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = vl.cmd.Process.Kill()
		<-done
		t.Error("VictoriaLogs did not stop within 30s of SIGTERM")
	}
}

// query runs a LogsQL query over all time and returns its rows.
func (vl *victoriaLogs) query(t *testing.T, q string) []map[string]string {
	t.Helper()
	resp, err := http.PostForm(vl.url()+"/select/logsql/query", url.Values{"query": {q}})
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, "LogsQL %q: %s", q, b)
	}
	var rows []map[string]string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var row map[string]string
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row), "LogsQL %q row %s", q, sc.Text())
		rows = append(rows, row)
	}
	require.NoError(t, sc.Err())
	return rows
}

// startExample runs otelcol-authtrail with examples/<example>/config.yaml as
// shipped, configured by env alone: nothing of the test's own environment
// leaks in.
func startExample(t *testing.T, otelcol, example, dir string, env map[string]string) *collector {
	cmd := exec.Command(otelcol, "--config", filepath.Join(sourcetest.RepoRoot(t), "examples", example, "config.yaml"))
	cmd.Dir = dir
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return runCollector(t, dir, cmd)
}

// deployment is what a production example's environment points at: the mock
// vendor APIs of `authtrail-sim serve` and free loopback ports for the webhook
// intakes.
type deployment struct {
	env                 map[string]string
	vgsURL, asgardeoURL string
	authgearAddr        string
}

// newDeployment starts the mock Authgear and Google APIs with backlog rows per
// stream spread over span, and returns the environment the examples read,
// their storage and replay directories under dir.
func newDeployment(t *testing.T, sim, dir string, backlog int, span time.Duration) *deployment {
	agKey, gKey := filepath.Join(dir, "authgear.pem"), filepath.Join(dir, "google-sa.json")
	gAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	agAddr := startSim(t, sim, "-authgear-key", agKey, "-google", gAddr, "-google-key", gKey,
		"-backlog", strconv.Itoa(backlog), "-backlog-span", span.String(), "-rate", "0")
	vgs, asgardeo := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	return &deployment{
		vgsURL: "http://" + vgs, asgardeoURL: "http://" + asgardeo, authgearAddr: agAddr,
		env: map[string]string{
			"AUTHTRAIL_STORAGE_DIR":             filepath.Join(dir, "storage"),
			"AUTHTRAIL_REPLAY_DIR":              filepath.Join(dir, "replay"),
			"AUTHTRAIL_METRICS_PORT":            strconv.Itoa(freePort(t)),
			"HEALTH_CHECK_ENDPOINT":             fmt.Sprintf("127.0.0.1:%d", freePort(t)),
			"PPROF_ENDPOINT":                    fmt.Sprintf("127.0.0.1:%d", freePort(t)),
			"VGS_ENDPOINT":                      vgs,
			"VGS_TOKEN":                         vgsToken,
			"ASGARDEO_ENDPOINT":                 asgardeo,
			"ASGARDEO_WEBHOOK_SECRET":           asgardeoSecret,
			"AUTHGEAR_ENDPOINT":                 "http://" + agAddr,
			"AUTHGEAR_PROJECT_ID":               "simapp",
			"AUTHGEAR_KEY_ID":                   "sim-key",
			"AUTHGEAR_PRIVATE_KEY_FILE":         agKey,
			"GOOGLE_WORKSPACE_ENDPOINT":         "http://" + gAddr + "/",
			"GOOGLE_WORKSPACE_CREDENTIALS_FILE": gKey,
			"GOOGLE_WORKSPACE_SUBJECT":          "admin@example.com",
			"GOOGLE_WORKSPACE_CUSTOMER_ID":      "C0sim",
		},
	}
}

// start runs the example and waits until its health_check extension and its
// webhook intakes answer, and its pprof extension serves profiles.
func (d *deployment) start(t *testing.T, otelcol, example, dir string) *collector {
	c := startExample(t, otelcol, example, dir, d.env)
	require.Eventually(t, func() bool { return get("http://"+d.env["HEALTH_CHECK_ENDPOINT"]+"/") == http.StatusOK },
		60*time.Second, 50*time.Millisecond, "health_check extension")
	for _, u := range []string{d.vgsURL, d.asgardeoURL} {
		require.Eventually(t, func() bool { return healthy(u) }, 60*time.Second, 50*time.Millisecond, "webhook intake %s", u)
	}
	require.Equal(t, http.StatusOK, get("http://"+d.env["PPROF_ENDPOINT"]+"/debug/pprof/"), "pprof extension")
	return c
}

// get returns the status of a GET, 0 when there is no answer.
func get(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// kill ends the collector with SIGKILL: no shutdown, no flush.
func (c *collector) kill(t *testing.T) {
	require.NoError(t, c.cmd.Process.Kill())
	_ = c.cmd.Wait()
}

// docQuery is a query block of a README and the sentence that introduces it.
type docQuery struct {
	question, query string
}

var fence = regexp.MustCompile("(?s)\n([^\n]+)\n\n```logsql\n(.*?)```")

// readmeQueries returns every ```logsql block of a README, verbatim, with the
// line above it, so the test runs exactly what a reader copies.
func readmeQueries(t *testing.T, path string) []docQuery {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []docQuery
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		out = append(out, docQuery{question: strings.TrimSpace(m[1]), query: m[2]})
	}
	require.Equal(t, strings.Count(string(b), "```logsql"), len(out), "%s: every logsql block follows its question and a blank line", path)
	return out
}
