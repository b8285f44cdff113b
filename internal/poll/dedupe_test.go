package poll

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// heldConsumer holds its first delivery until release is closed, then answers
// it with firstErr; later deliveries pass at once.
type heldConsumer struct {
	next     *recorder
	entered  chan struct{}
	release  chan struct{}
	firstErr error
	calls    atomic.Int64
}

func newHeld(next *recorder, firstErr error) *heldConsumer {
	return &heldConsumer{next: next, entered: make(chan struct{}), release: make(chan struct{}), firstErr: firstErr}
}

func (c *heldConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if c.calls.Add(1) == 1 {
		close(c.entered)
		<-c.release
		if c.firstErr != nil {
			return c.firstErr
		}
	}
	return c.next.ConsumeLogs(ctx, ld)
}

func (*heldConsumer) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func pushed(id string, t time.Time) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
	lr.Attributes().PutStr(schema.AttrEventID, id)
	return ld
}

// A webhook copy arriving while the pass delivers the same event is dropped:
// the pass's claim stands until its delivery is settled, and a pass whose
// delivery fails reads the page again.
func TestWebhookCopyDuringPollDeliveryIsDroppedOnce(t *testing.T) {
	for name, firstErr := range map[string]error{"poll delivers": nil, "poll delivery fails": errors.New("pipeline full")} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			at := h.clock.Now().Add(-time.Hour)
			h.api.add("e1", at)
			held := newHeld(h.rec, firstErr)
			p := h.startConsumer(t, testConfig(), "fp", held)
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			<-held.entered // the pass has claimed e1 and is delivering it
			require.NoError(t, SharedStream(p, held, nil).ConsumeLogs(context.Background(), pushed("e1", at)))
			close(held.release)
			h.waitDelivered(t, 1)
			require.Eventually(t, func() bool { return p.Watermark().After(at) }, 5*time.Second, 5*time.Millisecond)
			assert.Equal(t, 1, h.rec.seen["e1"])
			assert.Equal(t, int64(1), h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))
		})
	}
}

// A pass reading an event a webhook is delivering waits for that delivery: it
// drops the event once the webhook delivered it, and delivers it itself when
// the webhook's delivery failed (the sender may never retry).
func TestPollWaitsForAWebhookDeliveryOfTheSameEvent(t *testing.T) {
	for name, tc := range map[string]struct {
		hookErr error
		dups    int64
	}{"webhook delivers": {nil, 1}, "webhook delivery fails": {errors.New("pipeline full"), 0}} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			at := h.clock.Now().Add(-time.Hour)
			h.api.add("e1", at)
			h.api.gate = make(chan struct{})
			held := newHeld(h.rec, tc.hookErr)
			p := h.startConsumer(t, testConfig(), "fp", held)
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			waiting := make(chan struct{}, 1)
			p.onClaimWait = func() { waiting <- struct{}{} }
			hookDone := make(chan error, 1)
			go func() { hookDone <- SharedStream(p, held, nil).ConsumeLogs(context.Background(), pushed("e1", at)) }()
			<-held.entered    // the webhook has claimed e1 and is delivering it
			close(h.api.gate) // let the pass read e1
			<-waiting         // the pass waits for the webhook's claim
			close(held.release)
			assert.Equal(t, tc.hookErr, <-hookDone)
			h.waitDelivered(t, 1)
			require.Eventually(t, func() bool { return p.Watermark().After(at) }, 5*time.Second, 5*time.Millisecond)
			assert.Equal(t, 1, h.rec.seen["e1"])
			if tc.dups == 0 {
				_, err := h.tel.GetMetric("otelcol_authtrail_poll_duplicates_dropped")
				assert.Error(t, err, "nothing was dropped as a duplicate")
			} else {
				assert.Equal(t, tc.dups, h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))
			}
		})
	}
}

// sharedOnly is the match of the tests below: ids starting with "s" are the
// events both ways report.
func sharedOnly(lr plog.LogRecord) bool {
	id, _ := lr.Attributes().Get(schema.AttrEventID)
	return strings.HasPrefix(id.Str(), "s")
}

func pushedAll(t time.Time, ids ...string) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, id := range ids {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
		lr.Attributes().PutStr(schema.AttrEventID, id)
	}
	return ld
}

// sharing makes two pollers as a receiver does, before either starts: the
// first polls the harness's API into next, the second polls other into the
// shared stream over the first.
func (h *harness) sharing(t *testing.T, cfg Config, other *fakeAPI, next consumer.Logs) (first, second *Poller) {
	t.Helper()
	firstCfg, secondCfg := cfg, cfg
	first, err := New(&firstCfg, h.settings("fp"), h.rec)
	require.NoError(t, err)
	set := h.settings("fp2")
	set.Source, set.Stream = other, "other"
	second, err = New(&secondCfg, set, SharedStream(first, next, sharedOnly))
	require.NoError(t, err)
	return first, second
}

// run starts p on store; it is shut down when the test ends.
func (h *harness) run(t *testing.T, p *Poller, store *memClient) {
	t.Helper()
	require.NoError(t, p.startWith(context.Background(), h.host, store))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
}

// showLate adds ids to the API at t, behind what p read, and waits until p's
// first re-read (15m with lateConfig) has passed over them.
func (h *harness) showLate(t *testing.T, p *Poller, at time.Time, ids ...string) {
	t.Helper()
	for _, id := range ids {
		h.api.add(id, at)
	}
	h.clock.advance(10 * time.Minute)
	h.waitCaughtUp(t, p)
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[id]
}

// A shared stream restricted to matching records dedupes those against the
// poller and remembers them; the others pass through untouched, delivered or
// not, and the poller's seen-set does not grow with them.
func TestSharedStreamDedupesOnlyMatchingRecords(t *testing.T) {
	h := newHarness(t)
	at := h.clock.Now().Add(-time.Hour)
	h.api.add("s1", at)
	h.api.add("n1", at)
	p := h.start(t, lateConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.waitDelivered(t, 2)
	h.waitCaughtUp(t, p)
	wm := p.Watermark()

	shared := SharedStream(p, h.rec, sharedOnly)
	require.NoError(t, shared.ConsumeLogs(context.Background(), pushedAll(wm.Add(-time.Minute), "s1", "n1", "s2", "n2")))
	assert.Equal(t, 1, h.rec.count("s1"), "a matching record the poller delivered is dropped")
	assert.Equal(t, 2, h.rec.count("n1"), "a record that does not match passes untouched")
	assert.Equal(t, 1, h.rec.count("s2"))
	assert.Equal(t, 1, h.rec.count("n2"))
	assert.True(t, p.Seen("s2"), "a matching record delivered is remembered")
	assert.False(t, p.Seen("n2"), "a record that does not match is not remembered")
	assert.Equal(t, int64(1), h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))

	// The vendor shows both late: the first re-read drops s2 and delivers n2.
	h.showLate(t, p, wm.Add(-time.Minute), "s2", "n2")
	assert.Equal(t, 2, h.rec.count("n2"))
	assert.Equal(t, 1, h.rec.count("s2"))
}

type refusing struct{ err error }

func (r refusing) ConsumeLogs(context.Context, plog.Logs) error { return r.err }
func (refusing) Capabilities() consumer.Capabilities            { return consumer.Capabilities{} }

// A copy the pipeline refuses, for now or for good, releases its claim and is
// not remembered: the poller delivers its own copy when it reads it.
func TestSharedStreamRefusalReleasesTheClaim(t *testing.T) {
	for name, refusal := range map[string]error{
		"retryable": errors.New("pipeline full"), "permanent": consumererror.NewPermanent(errors.New("rejected")),
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			p := h.start(t, lateConfig(), "fp")
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			h.waitCaughtUp(t, p)
			wm := p.Watermark()
			err := SharedStream(p, refusing{refusal}, sharedOnly).ConsumeLogs(context.Background(), pushedAll(wm.Add(-time.Minute), "s3"))
			require.ErrorIs(t, err, refusal)
			assert.False(t, p.Seen("s3"))
			p.mu.Lock()
			assert.Empty(t, p.claims, "the claim is released")
			p.mu.Unlock()
			h.showLate(t, p, wm.Add(-time.Minute), "s3")
			assert.Equal(t, 1, h.rec.count("s3"))
		})
	}
}

// Two streams report some of the same events (ids starting with "s"): the
// second stream's consumer is the shared stream over the first. Every event is
// delivered once, whichever stream reads it first, also when one stream's copy
// shows up late and a later pass finds it; the first stream remembers only the
// shared events of the second.
func TestCrossStreamDedupe(t *testing.T) {
	h := newHarness(t)
	at := h.clock.Now().Add(-time.Hour)
	other := &fakeAPI{pageSize: 5}
	for i := range 20 {
		id := fmt.Sprintf("s%02d", i)
		h.api.add(id, at.Add(time.Duration(i)*time.Second))
		other.add(id, at.Add(time.Duration(i)*time.Second))
		h.api.add(fmt.Sprintf("a%02d", i), at)
		other.add(fmt.Sprintf("b%02d", i), at)
	}
	first, second := h.sharing(t, lateConfig(), other, h.rec)
	h.run(t, first, h.store)
	h.run(t, second, newMemClient())
	h.waitDelivered(t, 60)
	h.waitCaughtUp(t, first)
	h.waitCaughtUp(t, second)
	wm := first.Watermark()

	// One copy shows up late in one stream, found by a re-read; the other
	// copy shows up later still, in the other stream.
	h.api.add("s-first", wm.Add(-time.Minute))
	other.add("s-second", wm.Add(-time.Minute))
	h.clock.advance(10 * time.Minute)
	h.waitCaughtUp(t, first)
	h.waitCaughtUp(t, second)
	assert.Equal(t, 1, h.rec.count("s-first"))
	assert.Equal(t, 1, h.rec.count("s-second"))
	other.add("s-first", wm.Add(-time.Minute))
	h.api.add("s-second", wm.Add(-time.Minute))
	h.clock.advance(time.Hour)
	h.waitCaughtUp(t, first)
	h.waitCaughtUp(t, second)

	total, distinct, dup := h.rec.counts()
	assert.Equal(t, 62, distinct)
	assert.Equal(t, distinct, total, "nothing twice")
	assert.Zero(t, dup)
	assert.False(t, first.Seen("b00"), "the second stream's own events are not remembered by the first")
	assert.True(t, first.Seen("s-second"), "its shared events are")
	assert.Positive(t, h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))
}

// An id settled through a shared stream after the poller's last commit is
// saved at shutdown: the restarted poller still drops the event's other copy.
func TestSharedStreamIDsSurviveARestart(t *testing.T) {
	h := newHarness(t)
	p := h.start(t, lateConfig(), "fp")
	h.waitCaughtUp(t, p)
	wm := p.Watermark()
	require.NoError(t, SharedStream(p, h.rec, sharedOnly).ConsumeLogs(context.Background(), pushedAll(wm.Add(-time.Minute), "s1")))
	require.NoError(t, p.Shutdown(context.Background()))

	restarted := h.start(t, lateConfig(), "fp")
	defer func() { require.NoError(t, restarted.Shutdown(context.Background())) }()
	assert.True(t, restarted.Seen("s1"))
	h.showLate(t, restarted, wm.Add(-time.Minute), "s1")
	assert.Equal(t, 1, h.rec.count("s1"))
}

// A stream that shares events with another may be hours behind it (it starts
// later, or catches up more slowly): the first keeps its delivered ids until
// the second has read past them, whatever its own horizon.
func TestSharerBehindStillMeetsTheFirstStreamsIDs(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	other := &fakeAPI{pageSize: 5}
	for i := range 20 {
		id, at := fmt.Sprintf("s%02d", i), now.Add(-5*time.Hour+time.Duration(i)*10*time.Minute)
		h.api.add(id, at)
		other.add(id, at)
	}
	// No re-reads: the first's own floor is 2m behind its watermark.
	first, second := h.sharing(t, testConfig(), other, h.rec)
	h.run(t, first, h.store)
	h.waitCaughtUp(t, first)
	time.Sleep(100 * time.Millisecond) // passes every 20ms prune the first's seen-set

	h.run(t, second, newMemClient())
	h.waitCaughtUp(t, second)
	total, distinct, _ := h.rec.counts()
	assert.Equal(t, 20, distinct)
	assert.Equal(t, 20, total, "the second stream's copies are dropped")

	time.Sleep(100 * time.Millisecond) // once the second is past them, the first forgets them
	assert.False(t, first.Seen("s00"))
}

// refusedFor refuses for good every batch holding the id, else passes it on.
type refusedFor struct {
	id   string
	next consumer.Logs
}

func (r refusedFor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	refused := false
	forEachEventID(ld, func(id string, _ plog.LogRecord) bool { refused = refused || id == r.id; return !refused })
	if refused {
		return consumererror.NewPermanent(errors.New("rejected"))
	}
	return r.next.ConsumeLogs(ctx, ld)
}
func (refusedFor) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// When the pipeline refuses another stream's copy for good, that stream drops
// it (dropPage) and the first stream drops its own copy too: the event is
// dropped once, not dropped by one stream and accepted from the other.
func TestSharerCopyRefusedForGoodIsDroppedOnce(t *testing.T) {
	h := newHarness(t)
	at := h.clock.Now().Add(-time.Hour)
	other := &fakeAPI{pageSize: 5}
	other.add("s1", at)
	first, second := h.sharing(t, lateConfig(), other, refusedFor{"s1", h.rec})
	h.run(t, first, h.store)
	h.run(t, second, newMemClient())
	h.waitCaughtUp(t, second)
	assert.True(t, first.Seen("s1"), "settled as the second stream's pass settles it")

	h.showLate(t, first, at, "s1") // the first stream's copy
	assert.Zero(t, h.rec.count("s1"))
	assert.Equal(t, int64(1), h.counter(t, "otelcol_authtrail_poll_records_dropped"), "the second stream's refused page")
	assert.Positive(t, h.counter(t, "otelcol_authtrail_poll_reread_events_read"), "the first stream's copy, read by its re-reads")
}

// sharedEventsInBoth puts 20 shared events ("s00".."s19") in both APIs,
// between 5h and about 3h before now: inside initial_lookback (6h), older
// than the 2h horizon of lateConfig.
func sharedEventsInBoth(h *harness, other *fakeAPI) {
	now := h.clock.Now()
	for i := range 20 {
		id, at := fmt.Sprintf("s%02d", i), now.Add(-5*time.Hour+time.Duration(i)*6*time.Minute)
		h.api.add(id, at)
		other.add(id, at)
	}
}

// A sharer stopped for good (a request only a configuration change can fix)
// holds none of the owner's ids back: the owner forgets them past its own
// lanes, as alone.
func TestStoppedSharerDoesNotPinTheOwnersSeenSet(t *testing.T) {
	h := newHarness(t)
	other := &fakeAPI{pageSize: 5}
	other.setFailing(&APIError{Class: ClassRejected, Err: errors.New("400 bad request")})
	sharedEventsInBoth(h, other)
	first, second := h.sharing(t, lateConfig(), other, h.rec)
	h.run(t, first, h.store)
	h.run(t, second, newMemClient())
	h.waitDelivered(t, 20)
	require.Eventually(t, func() bool {
		select {
		case <-second.done:
			return true
		default:
			return false
		}
	}, 5*time.Second, 5*time.Millisecond, "the sharer stopped for good")

	// Ten hours later (five horizons), the owner's lanes are far past s00.
	for range 60 {
		h.clock.advance(10 * time.Minute)
		h.waitCaughtUp(t, first)
	}
	first.mu.Lock()
	own := first.floor()
	first.mu.Unlock()
	require.True(t, own.After(h.clock.Now().Add(-3*time.Hour)), "the owner's own floor moved on: %s", own)
	assert.False(t, first.Seen("s00"), "an id 15h old, past every lane that still runs, is forgotten")
}

// A sharer counts as emitted (and as late events recovered) only the records
// it hands to the pipeline, not the copies the owner had delivered.
func TestSharerCountsOnlyWhatItEmits(t *testing.T) {
	h := newHarness(t)
	other := &fakeAPI{pageSize: 5}
	sharedEventsInBoth(h, other)
	first, second := h.sharing(t, lateConfig(), other, h.rec)
	h.run(t, first, h.store)
	h.waitCaughtUp(t, first)
	h.waitDelivered(t, 20)
	h.run(t, second, newMemClient())
	h.waitCaughtUp(t, second)
	total, _, _ := h.rec.counts()
	require.Equal(t, 20, total, "the sharer's 20 copies were dropped")
	require.Equal(t, int64(20), h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))

	// A late copy in each stream: the owner's re-read delivers it, the
	// sharer's re-read reads the other copy, which is dropped.
	wm := first.Watermark()
	h.api.add("s-late", wm.Add(-time.Minute))
	h.clock.advance(20 * time.Minute)
	h.waitCaughtUp(t, first)
	h.waitCaughtUp(t, second)
	other.add("s-late", wm.Add(-time.Minute))
	h.clock.advance(time.Hour)
	h.waitCaughtUp(t, first)
	h.waitCaughtUp(t, second)
	require.Equal(t, 1, h.rec.count("s-late"))

	assert.Equal(t, int64(21), h.counter(t, "otelcol_authtrail_poll_events_emitted"), "records sent down the pipeline")
	assert.Equal(t, int64(1), h.counter(t, "otelcol_authtrail_poll_late_events_recovered"), "late events delivered")
}
