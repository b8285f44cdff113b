//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// googleSettings read the sim (%[1]s) with its service-account key (%[2]s),
// admin and user_accounts, time compressed: the main pass reads up to now −
// 1s every second. The horizon and the rest follow (%[3]s).
const googleSettings = `
    endpoint: http://%[1]s/
    credentials_file: %[2]s
    subject: admin@example.com
    customer_id: C0sim
    applications: [admin, user_accounts]
    poll_interval: 1s
    lag: 1s
    max_window: 1m
%[3]s`

// lateSettings: late_arrivals.horizon 60s re-reads every window at ages 7.5s,
// 30s and 60s (internal/poll Schedule), in windows of at least 1s, 3.75s and
// 7.5s. Pages of 10 make the re-reads span several.
const lateSettings = `
    page_size: 10
    overlap: 0s
    late_arrivals: {horizon: 60s}
    initial_lookback: 4m`

// googleActivity is what the sim's POST /sim/google/late returns.
type googleActivity struct {
	Time            string
	UniqueQualifier int64
	Application     string
}

func (a googleActivity) key() string { return fmt.Sprintf("%s/%d", a.Application, a.UniqueQualifier) }

// activityKey names a record by its Reports activity (application and
// id.uniqueQualifier, unique across the sim's activities) rather than by
// event.id, whose derivation may change for some applications.
func activityKey(lr plog.LogRecord) string {
	app := strings.TrimPrefix(sourcetest.Attr(lr, schema.AttrEventDataset), "google_workspace.")
	return app + "/" + sourcetest.Attr(lr, "google_workspace.id.unique_qualifier")
}

// TestGoogleWorkspaceLateEventsAndRestart: a backlog in two applications, then
// activities Google shows late, behind the windows already read: each re-read
// of the 60s horizon delivers those of its band of lateness, the collector is
// stopped in the middle of a re-read pass and started again on the same
// file_storage, and activities later than the horizon are never read. Every
// activity within the horizon reaches the exporter once and only once.
func TestGoogleWorkspaceLateEventsAndRestart(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	const backlog, batch = 300, 45 // per application; late admin rows read by one re-read pass
	apps := []string{"admin", "user_accounts"}
	dir := t.TempDir()
	googleAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	saKey := filepath.Join(dir, "google-service-account.json")
	// Every Reports API answer takes 100 ms, so that a re-read pass of several
	// pages lasts long enough to be interrupted between two of them.
	simAddr := startSim(t, sim, "-authgear-key", filepath.Join(dir, "authgear-key.pem"),
		"-google", googleAddr, "-google-key", saKey, "-backlog", strconv.Itoa(backlog), "-backlog-span", "3m", "-rate", "0",
		"-fault-slow-every", "1", "-fault-slow", "100ms")
	capt := newCapture(t)
	cfg, metricsAddr := writePollConfig(t, dir, "google_workspace", fmt.Sprintf(googleSettings, googleAddr, saKey, lateSettings), capt.srv.URL)

	first := startPollingCollector(t, otelcol, dir, cfg)
	require.Eventually(t, func() bool { return len(capt.countBy(activityKey)) >= len(apps)*backlog },
		60*time.Second, 20*time.Millisecond, "the backlog")
	// The main pass has caught up once it reads windows ending at now − lag.
	require.Eventually(t, func() bool {
		m := scrapeMetrics(t, metricsAddr)
		for _, app := range apps {
			if lag, ok := m.value("otelcol_authtrail_poll_lag", `stream="`+app+`"`); !ok || lag > 1.5 {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "the main pass caught up")

	// Late activities, each of an age no read has reached yet but the main
	// pass (its watermark trails now by lag + poll_interval + a round of
	// requests: under 3 s) has passed. Which re-read recovers one follows
	// from the reach of the one before it, which trails now by its age + its
	// window + about 1.5 s: 7s is only reachable by the 7.5s re-read; 20s
	// by the 30s one (the 7.5s one is past 10s); 45–55s by the 60s one (the
	// 30s one is past 35s). 90s and 3m are past the horizon: with overlap 0 no
	// window is ever read again after its 60s re-read, so these are never
	// read at all.
	lane := map[string]string{} // activity → the re-read (its metric label) that recovers it
	var past []googleActivity
	late := func(app, ago string) googleActivity {
		var a googleActivity
		simLate(t, simAddr, "google/late?app="+app+"&ago="+ago, &a)
		require.Equal(t, app, a.Application)
		return a
	}
	for _, app := range apps {
		for ago, reread := range map[string]string{"7s": "7.5s", "20s": "30s", "55s": "1m0s"} {
			lane[late(app, ago).key()] = reread
		}
		past = append(past, late(app, "90s"), late(app, "3m"))
	}
	// A batch larger than a page, all in one window of the 60s re-read.
	var batchKeys []string
	for range batch {
		a := late("admin", "50s")
		lane[a.key()] = "1m0s"
		batchKeys = append(batchKeys, a.key())
	}
	inserted := time.Now()

	// The 7.5s re-read recovers its two before the 60s one reaches the batch.
	require.Eventually(t, func() bool {
		m := scrapeMetrics(t, metricsAddr)
		for _, app := range apps {
			if n, _ := m.value("otelcol_authtrail_poll_late_events_recovered", `stream="`+app+`"`, `reread="7.5s"`); n != 1 {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "the 7.5s re-read recovered one activity per application")

	// Stop once the 60s re-read delivered part of the batch: its pass is saved
	// at a page cursor, to be resumed by the next collector.
	batchDelivered := func() int {
		got, n := capt.countBy(activityKey), 0
		for _, k := range batchKeys {
			n += min(got[k], 1)
		}
		return n
	}
	require.Eventually(t, func() bool { return batchDelivered() > 0 }, 30*time.Second, 2*time.Millisecond,
		"the 60s re-read reached the batch")
	firstRun := scrapeMetrics(t, metricsAddr)
	first.stop(t)
	stoppedAt, batchBefore := capt.count(), batchDelivered()
	require.Less(t, batchBefore, batch, "stopped in the middle of the re-read pass over the batch")
	assert.Positive(t, valueOf(firstRun, "otelcol_authtrail_poll_reread_pages", `stream="admin"`, `reread="1m0s"`))

	startPollingCollector(t, otelcol, dir, cfg)
	within := slices.Collect(maps.Keys(lane))
	require.Eventually(t, func() bool { return capt.hasAll(activityKey, within) }, 40*time.Second, 20*time.Millisecond,
		"every late activity within the horizon, after the restart")

	// Sentinels, 45s late: past the 30s re-read's reach, so only the 60s
	// re-read delivers them; once it has, it passed over every late activity.
	awaitLastReread(t, capt, activityKey, inserted.Add(-7*time.Second), 45*time.Second, func(ago string) []string {
		var keys []string
		for _, app := range apps {
			a := late(app, ago)
			lane[a.key()], keys = "1m0s", append(keys, a.key())
		}
		return keys
	})
	// The sink has a page before the poller counts it: scrape once the
	// counters caught up with the capture (the checks below say if never).
	recovered := 0
	for _, lr := range capt.since(stoppedAt) {
		if _, ok := lane[activityKey(lr)]; ok {
			recovered++
		}
	}
	secondRun := scrapeWhen(t, metricsAddr, func(m promText) bool {
		return valueOf(m, "otelcol_authtrail_poll_late_events_recovered") >= float64(recovered)
	})

	checkDeliveredOnce(t, capt, backlog, lane, past)
	after := checkRereadMetrics(t, capt.since(stoppedAt), lane, secondRun)
	t.Logf("stopped after %d of %d batch activities (%d records); late activities recovered after the restart: %v",
		batchBefore, batch, stoppedAt, after)
}

// checkDeliveredOnce: every backlog activity (backlog per application) and
// every late one within the horizon (lane's keys) once; none of past; nothing
// else.
func checkDeliveredOnce(t *testing.T, capt *capture, backlog int, lane map[string]string, past []googleActivity) {
	capt.logRepeats(t, activityKey)
	got := capt.countBy(activityKey)
	for k := range lane {
		assert.Equal(t, 1, got[k], "late activity %s delivered %d times", k, got[k])
	}
	for _, a := range past {
		assert.Zero(t, got[a.key()], "activity %s, later than the horizon, is not read", a.key())
	}
	// The sim's activities are unique by (application, uniqueQualifier) and it
	// has `backlog` per application besides the late ones, so that many
	// distinct keys, each once, are all of them.
	perApp := map[string]int{}
	for k, n := range got {
		assert.Equal(t, 1, n, "activity %s delivered %d times", k, n)
		if _, ok := lane[k]; !ok {
			perApp[strings.Split(k, "/")[0]]++
		}
	}
	assert.Equal(t, map[string]int{"admin": backlog, "user_accounts": backlog}, perApp, "every backlog activity, nothing else")
	for id, n := range capt.perID() {
		assert.Equal(t, 1, n, "event.id %s delivered %d times", id, n)
	}
	assert.Equal(t, len(perApp)*backlog+len(lane), capt.count(), "nothing else delivered")
}

// checkRereadMetrics compares the collector's own metrics of a run with the
// records it delivered: per stream and re-read, the late activities recovered
// and how late they were (the 60s re-read reads only windows over 60 s old,
// the others none that old); and every re-read ran. It returns the late
// activities per "stream re-read".
func checkRereadMetrics(t *testing.T, records []plog.LogRecord, lane map[string]string, m promText) map[string]int {
	recovered := map[string]int{}
	for _, lr := range records {
		if reread, ok := lane[activityKey(lr)]; ok {
			recovered[strings.Split(activityKey(lr), "/")[0]+" "+reread]++
		}
	}
	for _, app := range []string{"admin", "user_accounts"} {
		for _, reread := range []string{"7.5s", "30s", "1m0s"} {
			labels := []string{`stream="` + app + `"`, `reread="` + reread + `"`}
			n := float64(recovered[app+" "+reread])
			assert.Equal(t, n, valueOf(m, "otelcol_authtrail_poll_late_events_recovered", labels...),
				"late events the %s re-read of %s recovered", reread, app)
			assert.Equal(t, n, valueOf(m, "otelcol_authtrail_poll_late_event_age_count", labels...), "%s %s: ages", app, reread)
			underAMinute := n
			if reread == "1m0s" {
				underAMinute = 0
			}
			assert.Equal(t, underAMinute, valueOf(m, "otelcol_authtrail_poll_late_event_age_bucket", append(labels, `le="60"`)...),
				"%s %s: recovered under 60 s late", app, reread)
			assert.Positive(t, valueOf(m, "otelcol_authtrail_poll_reread_passes", labels...), "%s re-read of %s ran", reread, app)
		}
	}
	return recovered
}

// since returns the records received after the first n.
func (c *capture) since(n int) []plog.LogRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.records[n:])
}

// promText is one scrape of a collector's own metrics, Prometheus text format.
type promText []string

// scrapeMetrics reads the collector's own metrics from its Prometheus reader.
func scrapeMetrics(t *testing.T, addr string) promText {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil // not listening yet
	}
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var lines promText
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for s.Scan() {
		if line := s.Text(); line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	require.NoError(t, s.Err())
	return lines
}

// scrapeWhen scrapes until ok holds, for at most 10 s, and returns the last
// scrape.
func scrapeWhen(t *testing.T, addr string, ok func(promText) bool) promText {
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrapeMetrics(t, addr)
		if ok(m) || time.Now().After(deadline) {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// value sums the samples of metric name whose labels include every one given
// (as `key="value"`); ok is false when there is none.
func (p promText) value(name string, labels ...string) (sum float64, ok bool) {
	for _, line := range p {
		i := strings.LastIndexByte(line, ' ')
		metric, rest, _ := strings.Cut(line[:max(i, 0)], "{")
		if i < 0 || metric != name {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(rest, l)
		}
		if f, err := strconv.ParseFloat(line[i+1:], 64); err == nil && match {
			sum, ok = sum+f, true
		}
	}
	return sum, ok
}

func valueOf(p promText, name string, labels ...string) float64 {
	v, _ := p.value(name, labels...)
	return v
}
