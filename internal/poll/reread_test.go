package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

func TestSchedule(t *testing.T) {
	for name, tc := range map[string]struct {
		horizon, lag time.Duration
		want         []time.Duration
	}{
		"google default":         {6 * time.Hour, 3 * time.Minute, []time.Duration{45 * time.Minute, 3 * time.Hour, 6 * time.Hour}},
		"authgear default":       {10 * time.Minute, 30 * time.Second, []time.Duration{75 * time.Second, 5 * time.Minute, 10 * time.Minute}},
		"off":                    {0, 3 * time.Minute, nil},
		"main pass covers 1/8":   {8 * time.Minute, 3 * time.Minute, []time.Duration{4 * time.Minute, 8 * time.Minute}},
		"horizon within the lag": {2 * time.Minute, 3 * time.Minute, nil},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Schedule(tc.horizon, tc.lag))
		})
	}
	assert.Equal(t, time.Minute, rereadStep(75*time.Second, time.Minute), "never more often than the main pass")
	assert.Equal(t, 45*time.Minute, rereadStep(6*time.Hour, time.Minute))
}

// lateEvent is an event the API shows only from its event time + lateness.
type lateEvent struct {
	id       string
	t        time.Time
	lateness time.Duration
}

// lateScenario is an hour-long stream (one event every 20s) in which every
// fifth event shows up late, at ages up to and past the horizon.
func lateScenario(start time.Time, horizon time.Duration) []lateEvent {
	ages := []time.Duration{0, 11 * time.Minute, 40 * time.Minute, horizon - 10*time.Minute, horizon + 30*time.Minute}
	var evs []lateEvent
	for i := range 180 {
		e := lateEvent{id: fmt.Sprintf("e%04d", i), t: start.Add(time.Duration(i) * 20 * time.Second)}
		if i%5 == 0 {
			e.lateness = ages[(i/5)%len(ages)]
		}
		evs = append(evs, e)
	}
	return evs
}

// publish adds the events the API shows by now; it returns the rest.
func (h *harness) publish(pending []lateEvent) []lateEvent {
	var rest []lateEvent
	var shown []fakeEvent
	for _, e := range pending {
		if e.t.Add(e.lateness).After(h.clock.Now()) {
			rest = append(rest, e)
			continue
		}
		shown = append(shown, fakeEvent{e.id, e.t})
	}
	h.api.addAll(shown)
	return rest
}

// waitCaughtUp waits until every lane of p has read all it may at the
// harness's (stopped) clock.
func (h *harness) waitCaughtUp(t *testing.T, p *Poller) {
	t.Helper()
	require.Eventually(t, func() bool { return h.caughtUp(p) }, 10*time.Second, time.Millisecond)
}

func (h *harness) caughtUp(p *Poller) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := h.clock.Now()
	for _, l := range p.lanes {
		limit := p.limit(now, l)
		if l.state.Pass != nil || (!l.reread() && l.state.Watermark.Before(limit)) ||
			(l.reread() && limit.Sub(l.state.Watermark) >= p.step(l)) {
			return false
		}
	}
	return true
}

func lateConfig() Config {
	cfg := testConfig()
	cfg.Overlap = 0
	cfg.LateArrivals.Horizon = 2 * time.Hour // re-reads at 15m, 1h and 2h
	return cfg
}

// Every event that shows up within the horizon is delivered exactly once, the
// late ones by a re-read; one later than the horizon is never delivered (its
// cost), and nothing is delivered twice.
func TestLateEventsWithinTheHorizonArriveOnce(t *testing.T) {
	h := newHarness(t)
	cfg := lateConfig()
	start := h.clock.Now()
	pending := h.publish(lateScenario(start, cfg.LateArrivals.Horizon))
	p := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	for h.clock.Now().Before(start.Add(4 * time.Hour)) {
		h.waitCaughtUp(t, p)
		h.clock.advance(2 * time.Minute)
		pending = h.publish(pending)
	}
	h.waitCaughtUp(t, p)
	h.assertLateDelivery(t, lateScenario(start, cfg.LateArrivals.Horizon), cfg.LateArrivals.Horizon)
	// 21 events show up 11m, 40m or 1h50m late; those 40m and 1h50m late
	// (14) only a re-read can find; the main pass may find some 11m late ones.
	recovered := h.counter(t, "otelcol_authtrail_poll_late_events_recovered")
	assert.GreaterOrEqual(t, recovered, int64(14))
	assert.LessOrEqual(t, recovered, int64(21))
}

func (h *harness) assertLateDelivery(t *testing.T, evs []lateEvent, horizon time.Duration) {
	t.Helper()
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	for _, e := range evs {
		want := 1
		if e.lateness > horizon {
			want = 0
		}
		assert.Equal(t, want, h.rec.seen[e.id], "%s, %s late", e.id, e.lateness)
	}
}

// interruptingAPI fails the second page of the first re-read pass that has
// one, then hangs every call until cancelled: the stream stops in the middle
// of a re-read.
type interruptingAPI struct {
	*fakeAPI
	lag  time.Duration
	now  func() time.Time
	hit  chan struct{}
	once sync.Once
	hung bool
}

func (a *interruptingAPI) Fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	interrupt := false
	if cursor != "" && w.End.Before(a.now().Add(-a.lag)) {
		a.once.Do(func() { interrupt = true })
	}
	a.fakeAPI.mu.Lock()
	hung := a.hung
	a.hung = a.hung || interrupt
	a.fakeAPI.mu.Unlock()
	switch {
	case interrupt:
		close(a.hit)
		return Page{}, &APIError{Class: ClassAuth, Err: errors.New("interrupted")}
	case hung:
		<-ctx.Done()
		return Page{}, ctx.Err()
	}
	return a.fakeAPI.Fetch(ctx, w, cursor)
}

// A restart in the middle of a re-read resumes it at its cursor: every event
// within the horizon is still delivered exactly once.
func TestRestartInTheMiddleOfAReread(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 3 // re-read windows span several pages
	cfg := lateConfig()
	start := h.clock.Now()
	end := start.Add(4 * time.Hour)
	pending := h.publish(lateScenario(start, cfg.LateArrivals.Horizon))
	api := &interruptingAPI{fakeAPI: h.api, lag: cfg.Lag, now: h.clock.Now, hit: make(chan struct{})}
	set := h.settings("fp")
	set.Source = api
	first, err := New(&cfg, set, h.rec)
	require.NoError(t, err)
	require.NoError(t, first.startWith(context.Background(), h.host, h.store))
	interrupted := func() bool {
		select {
		case <-api.hit:
			return true
		default:
			return false
		}
	}
	for !interrupted() {
		require.True(t, h.clock.Now().Before(end), "no re-read ran over several pages")
		require.Eventually(t, func() bool { return interrupted() || h.caughtUp(first) }, 10*time.Second, time.Millisecond)
		if !interrupted() {
			h.clock.advance(2 * time.Minute)
			pending = h.publish(pending)
		}
	}
	require.NoError(t, first.Shutdown(context.Background()))

	raw, err := h.store.Get(context.Background(), checkpointKey)
	require.NoError(t, err)
	var saved checkpoint
	require.NoError(t, json.Unmarshal(raw, &saved))
	var resumed bool
	for _, r := range saved.Rereads {
		resumed = resumed || (r.Pass != nil && r.Pass.Cursor != "")
	}
	require.True(t, resumed, "the checkpoint holds the re-read's cursor")

	p := h.start(t, cfg, "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	for h.clock.Now().Before(end) {
		h.waitCaughtUp(t, p)
		h.clock.advance(2 * time.Minute)
		pending = h.publish(pending)
	}
	h.waitCaughtUp(t, p)
	h.assertLateDelivery(t, lateScenario(start, cfg.LateArrivals.Horizon), cfg.LateArrivals.Horizon)
}

// syncPoller drives one poller's passes synchronously on the harness's clock,
// on a checkpoint store that outlives it (a restart is a new syncPoller).
type syncPoller struct {
	h *harness
	p *Poller
}

func newSyncPoller(t testing.TB, h *harness, cfg Config, store storage.Client) *syncPoller {
	return newSyncPollerOn(t, h, cfg, store, h.api)
}

func newSyncPollerOn(t testing.TB, h *harness, cfg Config, store storage.Client, src Source) *syncPoller {
	t.Helper()
	set := h.settings("fp")
	set.Source = src
	p, err := New(&cfg, set, h.rec)
	require.NoError(t, err)
	p.health.report = func(*componentstatus.Event) {}
	p.client = store
	p.cp, err = p.loadCheckpoint(context.Background())
	require.NoError(t, err)
	p.setLanes(h.clock.Now())
	t.Cleanup(func() { p.tb.Shutdown() })
	return &syncPoller{h, p}
}

// runUntil moves the clock a minute at a time until end, publishing what the
// API shows by then and running every due pass; it returns what is still
// unpublished.
func (s *syncPoller) runUntil(t testing.TB, end time.Time, pending []lateEvent) []lateEvent {
	t.Helper()
	for s.h.clock.Now().Before(end) {
		s.h.clock.advance(time.Minute)
		pending = s.h.publish(pending)
		for range 10_000 {
			caughtUp, err := s.p.passes(context.Background(), context.Background())
			require.NoError(t, err)
			if caughtUp {
				break
			}
		}
	}
	return pending
}

// everyMinute is one on-time event a minute over [from, from+d).
func everyMinute(prefix string, from time.Time, d time.Duration) []lateEvent {
	var evs []lateEvent
	for i := range int(d / time.Minute) {
		evs = append(evs, lateEvent{id: fmt.Sprintf("%s%04d", prefix, i), t: from.Add(time.Duration(i) * time.Minute)})
	}
	return evs
}

func (h *harness) duplicates() []string {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var dups []string
	for id, n := range h.rec.seen {
		if n > 1 {
			dups = append(dups, id)
		}
	}
	return dups
}

// Turning re-reads on (or growing the horizon) must not re-read windows whose
// delivered ids were pruned long ago (the floor was the watermark − overlap):
// their events would all be delivered a second time.
func TestTurningRereadsOnDoesNotRedeliverForgottenWindows(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 50
	start := h.clock.Now()
	pending := h.publish(everyMinute("e", start.Add(-time.Hour), 8*time.Hour))

	before := testConfig() // no re-reads: overlap 2m, lag 10m
	before.InitialLookback = 61 * time.Minute
	first := newSyncPoller(t, h, before, h.store)
	pending = first.runUntil(t, start.Add(4*time.Hour), pending)
	require.Empty(t, h.duplicates())

	after := lateConfig() // the same stream with late_arrivals.horizon: 2h
	after.InitialLookback = before.InitialLookback
	second := newSyncPoller(t, h, after, h.store)
	second.runUntil(t, start.Add(7*time.Hour), pending)
	assert.Empty(t, h.duplicates(), "events the stream delivered before re-reads were turned on are delivered again")
}

// The same through a version-1 checkpoint: its migrated ids cover only the old
// overlap, so the new lanes must not re-read behind its watermark.
func TestVersion1UpgradeDoesNotRedeliver(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	wm := now.Add(-10 * time.Minute) // the old default lag
	// The old version delivered everything before its watermark; it kept the
	// ids of its 2m overlap.
	recent := ""
	for _, e := range everyMinute("old", now.Add(-3*time.Hour), 3*time.Hour) {
		if !e.t.Before(wm) {
			e.id = "new" + e.id // not delivered yet: the upgrade delivers it
		}
		h.api.add(e.id, e.t)
		if !e.t.Before(wm.Add(-2*time.Minute)) && e.t.Before(wm) {
			recent += fmt.Sprintf(",%q:%d", e.id, e.t.UnixNano())
		}
	}
	raw := fmt.Sprintf(`{"version":1,"fingerprint":"fp","watermark":%q,"recent":{%s}}`,
		wm.Format(time.RFC3339Nano), recent[1:])
	require.NoError(t, h.store.Set(context.Background(), checkpointKey, []byte(raw)))

	s := newSyncPoller(t, h, lateConfig(), h.store)
	s.runUntil(t, now.Add(3*time.Hour), nil)
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	again := 0
	for id := range h.rec.seen {
		if strings.HasPrefix(id, "old") { // the old version delivered these
			again++
		}
	}
	assert.Zero(t, again, "events before the version-1 watermark, delivered by the old version, are delivered again after the upgrade")
}

// When the horizon shrinks (or any lane's age changes), the old lanes are
// dropped; a new lane starts where no remaining lane of its age has read yet,
// so an event 1h45m late, inside both the old (6h) and the new (2h) horizon,
// is still delivered.
func TestHorizonChangeKeepsWindowsTheDroppedLanesHadNotReread(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 50
	start := h.clock.Now()
	restart := start.Add(3 * time.Hour)
	late := lateEvent{id: "late", t: restart.Add(-2*time.Hour - 10*time.Minute), lateness: 105 * time.Minute}
	pending := h.publish(append(everyMinute("e", start.Add(-time.Hour), 6*time.Hour), late))

	before := lateConfig()
	before.LateArrivals.Horizon = 6 * time.Hour // re-reads at 45m, 3h, 6h
	before.InitialLookback = 61 * time.Minute
	first := newSyncPoller(t, h, before, h.store)
	pending = first.runUntil(t, restart, pending)
	h.rec.mu.Lock()
	require.Zero(t, h.rec.seen["late"], "not published yet")
	h.rec.mu.Unlock()

	after := before
	after.LateArrivals.Horizon = 2 * time.Hour // re-reads at 15m, 1h, 2h
	second := newSyncPoller(t, h, after, h.store)
	second.runUntil(t, restart.Add(5*time.Hour), pending)
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	assert.Equal(t, 1, h.rec.seen["late"], "an event 1h45m late, within both horizons, is delivered")
}

// idlessAPI serves fakeAPI's pages with the event.id of some records removed,
// like vendor rows without an id.
type idlessAPI struct {
	*fakeAPI
	ids map[string]bool
}

func (a *idlessAPI) Fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	page, err := a.fakeAPI.Fetch(ctx, w, cursor)
	forEachEventID(page.Logs, func(id string, lr plog.LogRecord) bool {
		if a.ids[id] {
			lr.Attributes().Remove(schema.AttrEventID)
		}
		return true
	})
	return page, err
}

// Records without event.id are deduped by their content: the main pass and
// the three re-reads of their window deliver each once, and two of them that
// differ are two.
func TestRecordWithoutEventIDIsDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	evs := everyMinute("e", start.Add(-time.Hour), 2*time.Hour)
	pending := h.publish(evs)
	cfg := lateConfig()
	cfg.InitialLookback = 61 * time.Minute
	s := newSyncPollerOn(t, h, cfg, h.store, &idlessAPI{fakeAPI: h.api, ids: map[string]bool{evs[70].id: true, evs[71].id: true}})
	s.runUntil(t, start.Add(4*time.Hour), pending)
	total, distinct, _ := h.rec.counts()
	h.rec.mu.Lock()
	idless := h.rec.seen[""]
	h.rec.mu.Unlock()
	assert.Equal(t, 2, idless, "each record without event.id is delivered once (%d records, %d distinct ids)", total, distinct)
}

// A pass resumed after its start fell out of the vendor's retention (a long
// outage, a stopped collector) reads the part the vendor still keeps instead
// of asking for what the vendor refuses, which would stop the stream for good.
func TestResumedPassPastRetentionReadsWhatTheVendorKeeps(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 5
	start := h.clock.Now()
	var evs []lateEvent
	for i := range 30 {
		at := start.Add(-90*time.Minute + time.Duration(i)*2*time.Minute)
		evs = append(evs, lateEvent{id: fmt.Sprintf("e%02d", i), t: at})
	}
	h.publish(evs)
	const retention = 2 * time.Hour
	h.api.keeps = func() time.Time { return h.clock.Now().Add(-retention) }
	s := newSyncPoller(t, h, testConfig(), h.store)
	s.p.set.Retention = retention
	s.p.cp.Pass = &passState{Start: start.Add(-100 * time.Minute), End: start.Add(-40 * time.Minute), Cursor: "5"}

	h.clock.advance(time.Hour) // the pass's start is now 2h40m old
	s.runUntil(t, h.clock.Now().Add(time.Minute), nil)
	require.Equal(t, 1, h.logs.FilterMessageSnippet("starts before what the vendor keeps").Len())
	opened := h.clock.Now().Add(-retention + retention/4) // the margin of a short retention
	for _, e := range evs {
		if !e.t.Before(opened) {
			assert.Equal(t, 1, h.rec.count(e.id), "%s, inside the retention", e.id)
		}
	}
}

// A window opens a margin inside the vendor's retention, so a pass opened
// there and resumed minutes later (a restart, a refused delivery) still starts
// inside what the vendor keeps, and is read on, its oldest events included.
func TestResumedPassInsideTheVendorsRetentionIsNotCut(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 5
	start := h.clock.Now()
	const kept = 3 * time.Hour
	var evs []lateEvent
	for i := range 30 {
		evs = append(evs, lateEvent{id: fmt.Sprintf("e%02d", i), t: start.Add(-kept + time.Hour + time.Duration(i)*time.Minute)})
	}
	h.publish(evs)
	h.api.keeps = func() time.Time { return h.clock.Now().Add(-kept) }
	cfg := testConfig()
	cfg.InitialLookback = kept
	s := newSyncPoller(t, h, cfg, h.store)
	s.p.set.Retention = kept
	s.p.mu.Lock()
	w, ok := s.p.openWindow(start, s.p.lanes[0], s.p.limit(start, s.p.lanes[0]))
	s.p.mu.Unlock()
	require.True(t, ok)
	require.Equal(t, start.Add(-kept+kept/4), w.Start, "opened a margin inside the retention")
	// The pass opened there, interrupted before its end.
	s.p.cp.Pass = &passState{Start: w.Start, End: w.Start.Add(30 * time.Minute)}

	h.clock.advance(5 * time.Minute)
	s.runUntil(t, h.clock.Now().Add(time.Minute), nil)
	assert.Zero(t, h.logs.FilterMessageSnippet("starts before what the vendor keeps").Len())
	for _, e := range evs {
		assert.Equal(t, 1, h.rec.count(e.id), "%s: the vendor still keeps it", e.id)
	}
}
