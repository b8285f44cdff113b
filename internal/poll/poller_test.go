package poll

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/poll/polltest"
	"github.com/authtrail/authtrail/internal/schema"
)

var testType = component.MustNewType("poll_test")

// fakeAPI is a vendor-free audit API: events sorted by time, pages addressed by
// offset (like Authgear's cursors, so inserts shift them), with fault injection.
type fakeAPI struct {
	mu       sync.Mutex
	events   []fakeEvent
	pageSize int
	faults   []error // returned, in order, before serving
	failing  error   // when set, returned by every call
	calls    atomic.Int64
	served   atomic.Int64  // records returned
	gate     chan struct{} // when set, each Fetch waits for a token
	// precision, when set, truncates the requested range like a vendor whose
	// range parameters have that resolution.
	precision time.Duration
	// lastCtx is the context of the latest Fetch: the poll loop's, so a test
	// can wait until Shutdown cancelled it.
	lastCtx atomic.Value
	// keeps, when set, is the oldest event time the API accepts at a clock's
	// now: like a vendor's retention, an older start is rejected.
	keeps func() time.Time
}

type fakeEvent struct {
	id string
	t  time.Time
}

func (f *fakeAPI) add(id string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, fakeEvent{id, t})
	sort.SliceStable(f.events, func(i, j int) bool { return f.events[i].t.Before(f.events[j].t) })
}

// addAll adds events in one sort.
func (f *fakeAPI) addAll(evs []fakeEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, evs...)
	sort.SliceStable(f.events, func(i, j int) bool { return f.events[i].t.Before(f.events[j].t) })
}

func (f *fakeAPI) setFailing(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = err
}

func (f *fakeAPI) Fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	f.calls.Add(1)
	f.lastCtx.Store(ctx)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Page{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return Page{}, f.failing
	}
	if len(f.faults) > 0 {
		err := f.faults[0]
		f.faults = f.faults[1:]
		return Page{}, err
	}
	if f.keeps != nil && w.Start.Before(f.keeps()) {
		return Page{}, &APIError{Class: ClassRejected, Err: errors.New("400: start time is before the retention")}
	}
	if f.precision > 0 {
		w.Start, w.End = w.Start.Truncate(f.precision), w.End.Truncate(f.precision)
	}
	offset := 0
	if cursor != "" {
		offset, _ = strconv.Atoi(cursor)
	}
	from := sort.Search(len(f.events), func(i int) bool { return !f.events[i].t.Before(w.Start) })
	to := sort.Search(len(f.events), func(i int) bool { return !f.events[i].t.Before(w.End) })
	in := f.events[from:max(from, to)]
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	end := min(offset+f.pageSize, len(in))
	for _, e := range in[min(offset, len(in)):end] {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(e.t))
		lr.Attributes().PutStr(schema.AttrEventID, e.id)
	}
	f.served.Add(int64(end - min(offset, end)))
	next := ""
	if end < len(in) {
		next = strconv.Itoa(end)
	}
	return Page{Logs: ld, Next: next}, nil
}

// recorder counts deliveries per event id.
type recorder struct {
	mu   sync.Mutex
	seen map[string]int
	fail atomic.Int64 // fail this many ConsumeLogs calls
}

func newRecorder() *recorder { return &recorder{seen: map[string]int{}} }

func (r *recorder) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	if r.fail.Load() > 0 {
		r.fail.Add(-1)
		return errors.New("pipeline full")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
		for k := 0; k < lrs.Len(); k++ {
			id, _ := lrs.At(k).Attributes().Get(schema.AttrEventID)
			r.seen[id.Str()]++
		}
	}
	return nil
}

func (*recorder) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (r *recorder) counts() (total, distinct, dup int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		total += n
		distinct++
		if n > 1 {
			dup++
		}
	}
	return
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testConfig() Config {
	cfg := NewDefaultConfig(20*time.Millisecond, 10*time.Minute, 0)
	cfg.Overlap = 2 * time.Minute
	cfg.InitialLookback = 6 * time.Hour
	cfg.MaxWindow = time.Hour
	cfg.BackOff.InitialInterval = 5 * time.Millisecond
	cfg.BackOff.MaxInterval = 20 * time.Millisecond
	return cfg
}

type harness struct {
	api   *fakeAPI
	rec   *recorder
	clock *clock
	store *memClient
	tel   *componenttest.Telemetry
	host  *polltest.Host
	logs  *observer.ObservedLogs
}

func newHarness(t testing.TB) *harness {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	return &harness{
		api: &fakeAPI{pageSize: 7}, rec: newRecorder(), store: newMemClient(), tel: tel, host: &polltest.Host{},
		clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
	}
}

// settings are a poller's settings on the harness's API, clock, telemetry and
// an observed logger.
func (h *harness) settings(fingerprint string) Settings {
	set := receivertest.NewNopSettings(testType)
	set.ID = component.NewID(testType)
	set.TelemetrySettings = h.tel.NewTelemetrySettings()
	core, logs := observer.New(zapcore.InfoLevel)
	set.Logger = zap.New(core)
	h.logs = logs
	return Settings{Receiver: set, Source: h.api, Stream: "audit", Endpoint: "https://vendor.example", Fingerprint: fingerprint, Now: h.clock.Now}
}

// start runs a poller sharing the harness's API, clock and checkpoint store.
func (h *harness) start(t *testing.T, cfg Config, fingerprint string) *Poller {
	return h.startConsumer(t, cfg, fingerprint, h.rec)
}

func (h *harness) startConsumer(t *testing.T, cfg Config, fingerprint string, next consumer.Logs) *Poller {
	t.Helper()
	p, err := New(&cfg, h.settings(fingerprint), next)
	require.NoError(t, err)
	require.NoError(t, p.startWith(context.Background(), h.host, h.store))
	return p
}

// seed spreads n events over the hours before the clock's now.
func (h *harness) seed(n int, over time.Duration) {
	now := h.clock.Now()
	for i := range n {
		h.api.add(fmt.Sprintf("e%04d", i), now.Add(-over+time.Duration(i)*over/time.Duration(n)))
	}
}

func (h *harness) eligible() int {
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	horizon := h.clock.Now().Add(-10 * time.Minute)
	n := 0
	for _, e := range h.api.events {
		if e.t.Before(horizon) {
			n++
		}
	}
	return n
}

func (h *harness) waitDelivered(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { _, d, _ := h.rec.counts(); return d >= n }, 10*time.Second, 5*time.Millisecond,
		"want %d distinct events", n)
}

func TestCatchUpThenSteadyState(t *testing.T) {
	h := newHarness(t)
	h.seed(300, 5*time.Hour)
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return !p.Watermark().Before(h.clock.Now().Add(-10 * time.Minute)) }, 5*time.Second, 5*time.Millisecond)
	total, distinct, dup := h.rec.counts()
	assert.Equal(t, h.eligible(), distinct, "events inside the lag are not read yet")
	assert.Zero(t, dup)
	assert.Equal(t, distinct, total)

	// New events arrive; time moves on past the lag.
	now := h.clock.Now()
	for i := range 20 {
		h.api.add(fmt.Sprintf("n%02d", i), now.Add(time.Duration(i)*time.Second))
	}
	h.clock.advance(15 * time.Minute)
	h.waitDelivered(t, 320)
	time.Sleep(100 * time.Millisecond) // several more passes over the overlap
	total, distinct, dup = h.rec.counts()
	assert.Equal(t, 320, distinct)
	assert.Zero(t, dup, "overlap re-reads are deduped")
	assert.Equal(t, 320, total)
}

func TestLateEventInsideOverlapIsDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	h.seed(50, 2*time.Hour)
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	// Caught up: the watermark is at the horizon (the clock stands still here).
	horizon := h.clock.Now().Add(-10 * time.Minute)
	require.Eventually(t, func() bool { return p.Watermark().Equal(horizon) }, 5*time.Second, 5*time.Millisecond)
	wm := p.Watermark()
	// An event that the vendor indexes late, timestamped just behind the watermark.
	h.api.add("late", wm.Add(-time.Minute))
	h.waitDelivered(t, h.eligible())
	time.Sleep(100 * time.Millisecond)
	h.rec.mu.Lock()
	assert.Equal(t, 1, h.rec.seen["late"])
	h.rec.mu.Unlock()
	_, _, dup := h.rec.counts()
	assert.Zero(t, dup)
}

func TestConsumerErrorDoesNotAdvance(t *testing.T) {
	h := newHarness(t)
	h.seed(40, time.Hour)
	h.rec.fail.Store(3)
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	total, distinct, _ := h.rec.counts()
	assert.Equal(t, h.eligible(), distinct, "nothing skipped")
	assert.Equal(t, distinct, total, "nothing twice")
}

func TestRestartMidStreamDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.seed(200, 4*time.Hour)
	h.api.gate = make(chan struct{})
	p := h.start(t, testConfig(), "fp")
	for range 9 { // let nine pages through, then stop mid-pass
		h.api.gate <- struct{}{}
	}
	require.Eventually(t, func() bool { _, d, _ := h.rec.counts(); return d >= 35 }, 5*time.Second, time.Millisecond)
	require.NoError(t, p.Shutdown(context.Background()))
	_, before, _ := h.rec.counts()
	require.Less(t, before, h.eligible(), "stopped mid-stream")

	h.api.gate = nil
	p2 := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p2.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	time.Sleep(100 * time.Millisecond)
	total, distinct, dup := h.rec.counts()
	assert.Equal(t, h.eligible(), distinct)
	assert.Zero(t, dup, "a restart resumes at the saved cursor")
	assert.Equal(t, distinct, total)
}

// Rows inserted behind the cursor shift an offset cursor: the next page starts
// with rows already delivered, which must be dropped. (The inserted rows
// themselves lie behind the cursor; the lag exists so that this does not happen
// to real events, and the overlap catches those that land near the watermark.)
func TestShiftedOffsetsAreDeduped(t *testing.T) {
	h := newHarness(t)
	h.seed(30, time.Hour)
	want := h.eligible()
	h.api.gate = make(chan struct{})
	cfg := testConfig()
	cfg.InitialLookback = 61 * time.Minute // the first page holds events
	p := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.shiftUnderFirstPage(t, want)
	_, _, dup := h.rec.counts()
	assert.Zero(t, dup, "rows re-read after the shift are dropped")
	m, err := h.tel.GetMetric("otelcol_authtrail_poll_duplicates_dropped")
	require.NoError(t, err)
	dropped := m.Data.(metricdata.Sum[int64]).DataPoints[0].Value
	assert.GreaterOrEqual(t, dropped, int64(2), "the two shifted rows, plus overlap re-reads")
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.seed(10, time.Hour)
	h.api.faults = []error{
		&APIError{Class: ClassRateLimited, RetryAfter: 150 * time.Millisecond, Err: errors.New("429")},
		&APIError{Class: ClassUnavailable, Err: errors.New("503")},
		errors.New("connection reset"),
	}
	t0 := time.Now()
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	assert.GreaterOrEqual(t, time.Since(t0), 150*time.Millisecond, "Retry-After honoured")
	m, err := h.tel.GetMetric("otelcol_authtrail_poll_api_errors")
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(m.Data), "rate_limited")
	assert.Contains(t, fmt.Sprint(m.Data), "network")
}

// Refused credentials can be restored without touching the collector, and a
// GraphQL error may be the vendor's own failure: the stream says so at error,
// is Recoverable, retries at the poll interval and reports OK once the vendor
// accepts again.
func TestAuthAndQueryErrorsAreRecoverableAndLoggedAtError(t *testing.T) {
	for _, class := range []ErrorClass{ClassAuth, ClassQueryError} {
		t.Run(string(class), func(t *testing.T) {
			h := newHarness(t)
			h.seed(10, time.Hour)
			h.api.faults = []error{&APIError{Class: class, Err: errors.New("refused")}}
			p := h.start(t, testConfig(), "fp")
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			h.waitDelivered(t, h.eligible())
			assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, h.host.Statuses())
			failed := h.logs.FilterMessageSnippet("polling the vendor API failed; retrying at the next poll").All()
			require.Len(t, failed, 1)
			assert.Equal(t, zapcore.ErrorLevel, failed[0].Level)
			assert.Equal(t, string(class)+": refused", failed[0].ContextMap()["error"])
		})
	}
}

func TestFingerprintChangeStartsANewStream(t *testing.T) {
	h := newHarness(t)
	h.seed(20, time.Hour)
	p := h.start(t, testConfig(), "fp-a")
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return !p.Watermark().IsZero() }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Shutdown(context.Background()))
	h.rec = newRecorder()
	p2 := h.start(t, testConfig(), "fp-b")
	defer func() { require.NoError(t, p2.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	total, _, _ := h.rec.counts()
	assert.Equal(t, h.eligible(), total, "a new stream reads initial_lookback again")
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Config)
		msg    string
	}{
		"interval":  {func(c *Config) { c.PollInterval = time.Millisecond }, "poll_interval"},
		"lag":       {func(c *Config) { c.Lag = -time.Second }, "lag"},
		"overlap":   {func(c *Config) { c.Overlap = -time.Second }, "overlap"},
		"lookback":  {func(c *Config) { c.InitialLookback = 200 * 24 * time.Hour }, "initial_lookback: the vendor keeps"},
		"window":    {func(c *Config) { c.MaxWindow = time.Second }, "max_window"},
		"recent":    {func(c *Config) { c.MaxRecentIDs = 10 }, "max_recent_ids"},
		"multipler": {func(c *Config) { c.BackOff.Multiplier = -1 }, "retry_on_failure"},
		"horizon":   {func(c *Config) { c.LateArrivals.Horizon = -time.Second }, "late_arrivals.horizon: must not be negative"},
		"horizon beyond retention": {func(c *Config) { c.LateArrivals.Horizon = 200 * 24 * time.Hour },
			"late_arrivals.horizon: the vendor keeps"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := NewDefaultConfig(time.Minute, time.Minute, 0)
			tc.mutate(&cfg)
			err := cfg.Validate(180 * 24 * time.Hour)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	cfg := NewDefaultConfig(time.Minute, time.Minute, 0)
	assert.NoError(t, cfg.Validate(180*24*time.Hour))
}

// With a coarse vendor precision, events in a window's boundary second must not
// be read twice: windows are aligned to the precision.
func TestWindowsAlignToPrecision(t *testing.T) {
	h := newHarness(t)
	h.clock.now = h.clock.now.Add(500 * time.Millisecond) // windows would start mid-second
	now := h.clock.Now()
	for i := range 400 {
		h.api.add(fmt.Sprintf("s%03d", i), now.Add(-3*time.Hour+time.Duration(i)*27*time.Second).Truncate(time.Second))
	}
	h.api.precision = time.Second
	cfg := testConfig()
	cfg.InitialLookback = 4 * time.Hour
	set := receivertest.NewNopSettings(testType)
	p, err := New(&cfg, Settings{Receiver: set, Source: h.api, Fingerprint: "fp", Now: h.clock.Now, Precision: time.Second}, h.rec)
	require.NoError(t, err)
	require.NoError(t, p.startWith(context.Background(), componenttest.NewNopHost(), h.store))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	require.Eventually(t, func() bool { return !p.Watermark().Before(now.Add(-11 * time.Minute)) }, 5*time.Second, 5*time.Millisecond)
	assert.Zero(t, p.Watermark().Nanosecond(), "windows end on whole seconds")
	_, _, dup := h.rec.counts()
	assert.Zero(t, dup)
}

// blockingRecorder holds ConsumeLogs until release is closed.
type blockingRecorder struct {
	*recorder
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingRecorder) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	b.once.Do(func() {
		close(b.entered)
		<-b.release
	})
	if ctx.Err() != nil {
		return ctx.Err() // an exporter that honours cancellation
	}
	return b.recorder.ConsumeLogs(ctx, ld)
}

// Shutdown while a page is in the pipeline: the page is delivered and
// checkpointed, so the next start does not deliver it again.
func TestShutdownDuringConsumeDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.seed(100, 2*time.Hour)
	block := &blockingRecorder{recorder: h.rec, entered: make(chan struct{}), release: make(chan struct{})}
	cfg := testConfig()
	cfg.InitialLookback = 121 * time.Minute
	set := receivertest.NewNopSettings(testType)
	p, err := New(&cfg, Settings{Receiver: set, Source: h.api, Fingerprint: "fp", Now: h.clock.Now}, block)
	require.NoError(t, err)
	require.NoError(t, p.startWith(context.Background(), componenttest.NewNopHost(), h.store))
	<-block.entered
	done := make(chan error)
	go func() { done <- p.Shutdown(context.Background()) }()
	<-h.api.lastCtx.Load().(context.Context).Done() // shutdown has cancelled the loop
	close(block.release)
	require.NoError(t, <-done)
	_, first, _ := h.rec.counts()
	require.Equal(t, 7, first, "the page in flight was delivered")

	p2 := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p2.Shutdown(context.Background())) }()
	h.waitDelivered(t, h.eligible())
	time.Sleep(50 * time.Millisecond)
	_, _, dup := h.rec.counts()
	assert.Zero(t, dup)
}
