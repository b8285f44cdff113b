package poll

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap/zapcore"

	"github.com/authtrail/authtrail/internal/contracttest"
	"github.com/authtrail/authtrail/internal/poll/polltest"
)

func (h *harness) eligibleIDs() []string {
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	horizon := h.clock.Now().Add(-10 * time.Minute)
	var ids []string
	for _, e := range h.api.events {
		if e.t.Before(horizon) {
			ids = append(ids, e.id)
		}
	}
	return ids
}

func (h *harness) counter(t *testing.T, name string) int64 {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	require.NoError(t, err)
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		n += dp.Value
	}
	return n
}

// The collector's receiver contract, keyed by event.id: whatever the pipeline
// answers, every event is accepted or dropped exactly once.
func TestConsumeContract(t *testing.T) {
	polltest.CheckConsumeContract(t, func(t *testing.T, _ uint64, c *contracttest.Consumer) []string {
		h := newHarness(t)
		h.seed(300, 5*time.Hour)
		p := h.startConsumer(t, testConfig(), "fp", c)
		t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
		return h.eligibleIDs()
	})
}

// refuseOnce refuses for good the first batch holding id, and accepts the rest.
type refuseOnce struct {
	*recorder
	id      string
	refused []string
}

func (r *refuseOnce) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	ids := contracttest.EventIDs(ld)
	for _, id := range ids {
		if id == r.id && r.refused == nil {
			r.refused = ids
			return consumererror.NewPermanent(errors.New("exporter: 400 Bad Request"))
		}
	}
	return r.recorder.ConsumeLogs(ctx, ld)
}

// A page the pipeline refuses for good is dropped, counted and logged with its
// window and first ids; the stream goes on past it and never offers it again.
func TestPermanentRefusalDropsThePageAndGoesOn(t *testing.T) {
	h := newHarness(t)
	h.seed(100, 2*time.Hour)
	cons := &refuseOnce{recorder: h.rec, id: "e0050"}
	p := h.startConsumer(t, testConfig(), "fp", cons)
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	want := h.eligible() - 7 // one page of seven
	h.waitDelivered(t, want)
	require.Eventually(t, func() bool { return !p.Watermark().Before(h.clock.Now().Add(-10 * time.Minute)) }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // more passes, over the overlap too
	total, distinct, _ := h.rec.counts()
	assert.Equal(t, want, distinct)
	assert.Equal(t, want, total)
	require.Len(t, cons.refused, 7)
	h.rec.mu.Lock()
	for _, id := range cons.refused {
		assert.Zero(t, h.rec.seen[id], "refused %s offered again", id)
	}
	h.rec.mu.Unlock()
	assert.Equal(t, int64(7), h.counter(t, "otelcol_authtrail_poll_records_dropped"))
	logged := h.logs.FilterMessageSnippet("refused a page for good").All()
	require.Len(t, logged, 1)
	assert.Equal(t, zapcore.ErrorLevel, logged[0].Level)
	fields := logged[0].ContextMap()
	assert.Equal(t, int64(7), fields["records"])
	assert.Equal(t, "audit", fields["stream"])
	assert.Contains(t, fields, "window_start")
	assert.Contains(t, fields, "window_end")
	assert.Equal(t, []any{cons.refused[0], cons.refused[1], cons.refused[2], cons.refused[3], cons.refused[4]}, fields["first_event_ids"])
}

// A stream that keeps failing logs the first failure at once, then at most
// once a minute with a count, and its recovery; its status follows.
func TestFailuresAreLoudButRateLimited(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	h.api.setFailing(&APIError{Class: ClassUnavailable, Err: errors.New("HTTP 503")})
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.Eventually(t, func() bool { return h.api.calls.Load() > 20 }, 5*time.Second, time.Millisecond)
	failed := h.logs.FilterMessageSnippet("failed").All()
	require.Len(t, failed, 1, "twenty failures within a minute: one log")
	assert.Equal(t, zapcore.WarnLevel, failed[0].Level)
	assert.Equal(t, "https://vendor.example", failed[0].ContextMap()["endpoint"])
	assert.Equal(t, "poll_test", failed[0].ContextMap()["receiver"])
	assert.Contains(t, failed[0].ContextMap()["error"], "HTTP 503")
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, h.host.Statuses())

	h.clock.advance(time.Minute)
	require.Eventually(t, func() bool { return h.logs.FilterMessageSnippet("still failing").Len() == 1 }, 5*time.Second, time.Millisecond)
	again := h.logs.FilterMessageSnippet("still failing").All()[0]
	assert.Greater(t, again.ContextMap()["failures"], int64(20))
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("still failing").Len())

	h.api.setFailing(nil)
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return h.logs.FilterMessageSnippet("recovered").Len() == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, zapcore.InfoLevel, h.logs.FilterMessageSnippet("recovered").All()[0].Level)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, h.host.Statuses())
}

// A request only a configuration change can fix is reported Permanent once,
// and the stream stops asking.
func TestRejectedRequestStopsTheStream(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	h.api.setFailing(&APIError{Class: ClassRejected, Err: errors.New("HTTP 404: no such endpoint")})
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.Eventually(t, func() bool { return len(h.host.Statuses()) > 0 }, 5*time.Second, time.Millisecond)
	time.Sleep(100 * time.Millisecond) // five poll intervals
	assert.Equal(t, int64(1), h.api.calls.Load())
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusPermanentError}, h.host.Statuses())
	logged := h.logs.FilterMessageSnippet("this stream stops").All()
	require.Len(t, logged, 1)
	assert.Equal(t, zapcore.ErrorLevel, logged[0].Level)
}

func TestFailedPassIsLoggedWithRetriesDisabled(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	h.api.faults = []error{&APIError{Class: ClassNetwork, Err: errors.New("connection refused")}}
	cfg := testConfig()
	cfg.BackOff.Enabled = false
	p := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	logged := h.logs.FilterMessageSnippet("failed; retrying at the next poll").All()
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0].ContextMap()["error"], "connection refused")
}

func TestStartSaysWhatItPolls(t *testing.T) {
	h := newHarness(t)
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	started := h.logs.FilterMessage("polling").All()
	require.Len(t, started, 1)
	assert.Equal(t, zapcore.InfoLevel, started[0].Level)
	fields := started[0].ContextMap()
	assert.Equal(t, "audit", fields["stream"])
	assert.Equal(t, "https://vendor.example", fields["endpoint"])
	assert.Equal(t, "a new stream, from initial_lookback", fields["from"])
}

// A checkpoint that cannot be used is not silently replaced: the reason and
// what happens next are logged at warn, and the stream starts again.
func TestCheckpointResetIsLogged(t *testing.T) {
	for name, tc := range map[string]struct {
		raw, reason string
	}{
		"unreadable":   {`{"version":1,`, "the checkpoint is unreadable"},
		"version":      {`{"version":99,"fingerprint":"fp"}`, "another version of authtrail"},
		"fingerprint":  {`{"version":1,"fingerprint":"other"}`, "the configuration that defines the stream"},
		"fingerprint2": {`{"version":1,"fingerprint":"other","watermark":"2026-03-01T11:00:00Z"}`, "the configuration that defines the stream"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.seed(20, time.Hour)
			require.NoError(t, h.store.Set(context.Background(), checkpointKey, []byte(tc.raw)))
			p := h.start(t, testConfig(), "fp")
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			h.waitDelivered(t, h.eligible())
			logged := h.logs.FilterMessageSnippet(tc.reason).All()
			require.Len(t, logged, 1)
			assert.Equal(t, zapcore.WarnLevel, logged[0].Level)
			assert.Contains(t, logged[0].Message, "starting a new stream from initial_lookback")
		})
	}
}

// stuckConsumer blocks until its context is cancelled.
type stuckConsumer struct {
	*recorder
	entered chan struct{}
}

func (s *stuckConsumer) ConsumeLogs(ctx context.Context, _ plog.Logs) error {
	close(s.entered)
	<-ctx.Done()
	return ctx.Err()
}

func TestShutdownReleasesStorageWhenItsContextExpires(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	stuck := &stuckConsumer{recorder: h.rec, entered: make(chan struct{})}
	p := h.startConsumer(t, testConfig(), "fp", stuck)
	<-stuck.entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := p.Shutdown(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, h.store.closes(), "the storage client is closed all the same")
	<-p.done // the cancelled delivery lets the loop end (goleak checks it)
	require.NoError(t, p.Shutdown(context.Background()), "a second shutdown")
	assert.Equal(t, 1, h.store.closes(), "closes once")
}

// The recent-id set stays within max_recent_ids while passes keep failing and
// webhooks keep adding ids.
func TestRecentIDsStayWithinTheirBound(t *testing.T) {
	h := newHarness(t)
	h.api.setFailing(&APIError{Class: ClassUnavailable, Err: errors.New("HTTP 503")})
	cfg := testConfig()
	cfg.MaxRecentIDs = 1000
	p := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	now := h.clock.Now()
	most := 0
	for i := range 10000 {
		p.Remember(fmt.Sprintf("hook-%05d", i), now.Add(time.Duration(i)*time.Millisecond))
		p.mu.Lock()
		most = max(most, p.cp.Seen.total)
		p.mu.Unlock()
	}
	assert.LessOrEqual(t, most, 1000)
	assert.True(t, p.Seen("hook-09999"), "the newest are kept")
	assert.False(t, p.Seen("hook-00000"), "the oldest go first")
	assert.Equal(t, int64(10000-p.cp.Seen.total), h.counter(t, "otelcol_authtrail_poll_recent_ids_evicted"))
}

// Streams of one receiver share its status: one stream's success does not
// hide another's failure.
func TestGroupReportsTheWorstStream(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	other := &fakeAPI{pageSize: 7}
	other.setFailing(&APIError{Class: ClassNetwork, Err: errors.New("connection refused")})
	cfg := testConfig()
	healthy, err := New(&cfg, h.settings("a"), h.rec)
	require.NoError(t, err)
	failingSet := h.settings("b")
	failingSet.Source, failingSet.Name = other, "b"
	failing, err := New(&cfg, failingSet, newRecorder())
	require.NoError(t, err)
	g := NewGroup(healthy, failing)
	g.host = h.host
	require.NoError(t, healthy.startWith(context.Background(), h.host, newMemClient()))
	require.NoError(t, failing.startWith(context.Background(), h.host, newMemClient()))
	defer func() { require.NoError(t, g.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return other.calls.Load() > 5 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, h.host.Statuses())
	other.setFailing(nil)
	require.Eventually(t, func() bool { return h.host.Last() == componentstatus.StatusOK }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, h.host.Statuses())
}

// A stream whose checkpoint cannot be saved says so in its status, though
// every fetch succeeds: a restart would deliver its events again. The next
// saved checkpoint clears it.
func TestCheckpointSaveFailureShowsInStatus(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	h.store.failing.Store(true)
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return len(h.host.Statuses()) > 0 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, h.host.Statuses())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("saving the checkpoint failed").Len())

	h.store.failing.Store(false)
	h.clock.advance(10 * time.Minute)
	require.Eventually(t, func() bool { return h.host.Last() == componentstatus.StatusOK }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, h.host.Statuses())
}
