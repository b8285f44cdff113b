package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap/zapcore"
)

// memClient is a storage client whose contents outlive a poller, so that tests
// restart a stream on the checkpoint an earlier poller saved. A batch is one
// transaction, as with file_storage: while failing is set, it fails whole,
// like on a full disk.
type memClient struct {
	mu      sync.Mutex
	m       map[string][]byte
	closed  int
	failing atomic.Bool
	batches []int // the bytes (keys and values) of each batch written
}

func newMemClient() *memClient { return &memClient{m: map[string][]byte{}} }

func (c *memClient) Get(_ context.Context, k string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k], nil
}

func (c *memClient) Set(_ context.Context, k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
	return nil
}

func (c *memClient) Delete(_ context.Context, k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
	return nil
}

func (c *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if c.failing.Load() {
		return errors.New("disk full")
	}
	n := 0
	for _, op := range ops {
		n += len(op.Key) + len(op.Value)
	}
	c.mu.Lock()
	c.batches = append(c.batches, n)
	c.mu.Unlock()
	for _, op := range ops {
		var err error
		switch op.Type {
		case storage.Get:
			op.Value, err = c.Get(ctx, op.Key)
		case storage.Set:
			err = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			err = c.Delete(ctx, op.Key)
		default:
			err = errors.New("unknown storage operation")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *memClient) Close(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed++
	return nil
}

func (c *memClient) closes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// assertOnce asserts that every event was delivered exactly once.
func (h *harness) assertOnce(t *testing.T, evs []lateEvent) {
	t.Helper()
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	for _, e := range evs {
		assert.Equal(t, 1, h.rec.seen[e.id], e.id)
	}
}

// assertIndexStored asserts that storage holds every chunk of delivered ids
// that the stored checkpoint names, and no other.
func (h *harness) assertIndexStored(t *testing.T) {
	t.Helper()
	raw, err := h.store.Get(context.Background(), checkpointKey)
	require.NoError(t, err)
	var cp checkpoint
	require.NoError(t, json.Unmarshal(raw, &cp))
	named := map[string]bool{}
	for _, b := range cp.Seen.Buckets {
		for c := b.FirstChunk; c < b.NextChunk; c++ {
			named[chunkKey(c)] = true
		}
	}
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	for k := range named {
		assert.NotNil(t, h.store.m[k], "the checkpoint names %s, which storage lacks", k)
	}
	for k := range h.store.m {
		if strings.HasPrefix(k, "seen/") {
			assert.True(t, named[k], "%s is stored but named by no checkpoint", k)
		}
	}
}

// A commit whose storage batch fails keeps its ids pending and its deletes
// queued: the next commit writes them, under the chunk number the failed one
// had, so the stored checkpoint never names a chunk storage lacks, and a
// restart on it delivers nothing twice. The failure is logged once at error,
// the recovery at info.
func TestFailedCheckpointWriteKeepsItsIds(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 50
	start := h.clock.Now()
	evs := everyMinute("e", start.Add(-time.Hour), 4*time.Hour)
	pending := h.publish(evs)
	cfg := lateConfig()
	cfg.InitialLookback = 61 * time.Minute
	first := newSyncPoller(t, h, cfg, h.store)
	logs := h.logs
	pending = first.runUntil(t, start.Add(time.Hour), pending)
	h.store.failing.Store(true)
	pending = first.runUntil(t, start.Add(time.Hour+3*time.Minute), pending) // three minutes of commits fail
	h.store.failing.Store(false)
	failed := logs.FilterMessageSnippet("saving the checkpoint failed").All()
	require.Len(t, failed, 1, "logged once, not per page")
	assert.Equal(t, zapcore.ErrorLevel, failed[0].Level)
	pending = first.runUntil(t, start.Add(time.Hour+4*time.Minute), pending)
	assert.Equal(t, 1, logs.FilterMessageSnippet("saving the checkpoint recovered").Len())
	h.assertIndexStored(t)

	second := newSyncPoller(t, h, cfg, h.store)
	assert.Zero(t, h.logs.FilterMessageSnippet("missing from storage").Len())
	second.runUntil(t, start.Add(4*time.Hour), pending)
	h.assertOnce(t, evs)
	h.assertIndexStored(t)
}

// A chunk the stored index names but storage lacks (lost, or left by a
// version that indexed chunks whose write had failed) costs its ids, not the
// stream: the start warns with the count and the other chunks' ids load.
func TestMissingChunkIsLoggedAndTheOthersLoad(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 50
	start := h.clock.Now()
	pending := h.publish(everyMinute("e", start.Add(-time.Hour), 2*time.Hour))
	cfg := lateConfig()
	cfg.InitialLookback = 61 * time.Minute
	newSyncPoller(t, h, cfg, h.store).runUntil(t, start.Add(30*time.Minute), pending)
	require.NoError(t, h.store.Delete(context.Background(), chunkKey(0)))

	s := newSyncPoller(t, h, cfg, h.store)
	warned := h.logs.FilterMessageSnippet("chunks of delivered ids are missing from storage").All()
	require.Len(t, warned, 1)
	assert.Equal(t, zapcore.WarnLevel, warned[0].Level)
	assert.Equal(t, int64(1), warned[0].ContextMap()["missing_chunks"])
	assert.False(t, s.p.Seen("e0000"), "the first page's ids were in chunk 0")
	assert.True(t, s.p.Seen("e0070"))
}

// While the vendor API fails, the floor stands still and webhook events keep
// opening a bucket a minute (Authgear's horizon of 10m: buckets of a minute).
// Adjacent buckets are merged beyond maxSeenBuckets, so after a day the
// checkpoint's index is as small as before; the merged ids survive a restart
// (the catch-up reads every webhook event from the API and delivers none
// again), and once the floor passes them their buckets are forgotten and
// their chunks deleted.
func TestCheckpointIndexStaysBoundedDuringAnAPIOutage(t *testing.T) {
	h := newHarness(t)
	cfg := lateConfig()
	cfg.LateArrivals.Horizon = 10 * time.Minute // Authgear's defaults
	cfg.Lag = 30 * time.Second
	cfg.InitialLookback = 10 * time.Minute
	start := h.clock.Now()
	pending := h.publish(everyMinute("e", start.Add(-10*time.Minute), 40*time.Minute))
	s := newSyncPoller(t, h, cfg, h.store)
	pending = s.runUntil(t, start.Add(30*time.Minute), pending)
	steady, err := h.store.Get(context.Background(), checkpointKey)
	require.NoError(t, err)

	h.api.setFailing(&APIError{Class: ClassAuth, Err: errors.New("key revoked")})
	hook := SharedStream(s.p, h.rec, nil)
	var hooks []lateEvent
	for i := range 24 * 60 { // a day of one webhook event a minute
		h.clock.advance(time.Minute)
		e := lateEvent{id: fmt.Sprintf("w%04d", i), t: h.clock.Now()}
		hooks = append(hooks, e)
		require.NoError(t, hook.ConsumeLogs(context.Background(), pushed(e.id, e.t)))
		h.api.add(e.id, e.t) // the audit log holds it too
		_, err := s.p.passes(context.Background(), context.Background())
		require.Error(t, err)
	}
	s.p.mu.Lock()
	assert.LessOrEqual(t, len(s.p.cp.Seen.Buckets), maxSeenBuckets)
	s.p.mu.Unlock()
	h.api.setFailing(nil) // the key is fixed
	_, err = s.p.passes(context.Background(), context.Background())
	require.NoError(t, err)
	after, err := h.store.Get(context.Background(), checkpointKey)
	require.NoError(t, err)
	t.Logf("checkpoint: %d B in steady state, %d B after the outage", len(steady), len(after))
	assert.Less(t, len(after), 8_000, "at most 64 buckets in the index")

	restarted := newSyncPoller(t, h, cfg, h.store)
	for _, e := range hooks {
		require.True(t, restarted.p.Seen(e.id), "%s survives the restart", e.id)
	}
	restarted.runUntil(t, h.clock.Now().Add(time.Hour), pending)
	h.assertOnce(t, append(everyMinute("e", start.Add(-10*time.Minute), 40*time.Minute), hooks...))
	assert.False(t, restarted.p.Seen(hooks[len(hooks)-1].id), "forgotten once the floor passed it")
	restarted.p.mu.Lock()
	assert.LessOrEqual(t, len(restarted.p.cp.Seen.Buckets), 16, "about the horizon's buckets again")
	restarted.p.mu.Unlock()
	h.assertIndexStored(t)
}

// A page's commit in the middle of a window writes its new ids (12 bytes
// each) and a checkpoint that does not repeat them: the seen set holds them,
// so the pass's Previous is empty (here: Google's defaults and 32-character
// ids, which Previous used to hold in full, about three times the bytes).
func TestMidWindowCommitWritesOnlyTheNewIds(t *testing.T) {
	h := newHarness(t)
	h.api.pageSize = 1000
	now := h.clock.Now()
	var evs []fakeEvent
	for i := range 3000 {
		evs = append(evs, fakeEvent{googleID(i), now.Add(-30*time.Minute + time.Duration(i)*time.Second/2)})
	}
	h.api.addAll(evs)
	cfg := NewDefaultConfig(time.Minute, 3*time.Minute, 6*time.Hour)
	cfg.InitialLookback = 31 * time.Minute
	s := newSyncPoller(t, h, cfg, h.store)
	_, err := s.p.passes(context.Background(), context.Background())
	require.NoError(t, err)
	require.Len(t, h.store.batches, 3, "a window of three pages")
	t.Logf("bytes written per page: %v", h.store.batches)
	for _, n := range h.store.batches {
		assert.Less(t, n, 1000*len(idHash{})+1000, "the page's ids and a checkpoint of under 1 KB")
	}
}

// untimedAPI serves fakeAPI's pages with the event time of some records
// removed: their ids are below every floor, so the seen set does not keep them.
type untimedAPI struct {
	*fakeAPI
	ids map[string]bool
}

func (a *untimedAPI) Fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	page, err := a.fakeAPI.Fetch(ctx, w, cursor)
	if err != nil {
		return page, err
	}
	forEachEventID(page.Logs, func(id string, lr plog.LogRecord) bool {
		if a.ids[id] {
			lr.SetTimestamp(0)
		}
		return true
	})
	return page, err
}

// Rows inserted behind an offset cursor shift the next page onto rows already
// delivered. The seen set drops those it holds; the pass's Previous keeps the
// others, so they are dropped too.
func TestShiftedRowsTheSeenSetDoesNotHoldAreDeduped(t *testing.T) {
	h := newHarness(t)
	h.seed(30, time.Hour)
	want := h.eligible()
	h.api.gate = make(chan struct{})
	cfg := testConfig()
	wm := h.clock.Now().Add(-59 * time.Minute) // a stream under way: the first page holds events
	require.NoError(t, h.store.Set(context.Background(), checkpointKey,
		fmt.Appendf(nil, `{"version":%d,"fingerprint":"fp","watermark":%q}`, checkpointVersion, wm.Format(time.RFC3339))))
	set := h.settings("fp")
	set.Source = &untimedAPI{fakeAPI: h.api, ids: map[string]bool{"e0005": true, "e0006": true}} // the first page's last
	p, err := New(&cfg, set, h.rec)
	require.NoError(t, err)
	require.NoError(t, p.startWith(context.Background(), h.host, h.store))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	h.shiftUnderFirstPage(t, want)
	require.False(t, p.Seen("e0006"))
	_, _, dup := h.rec.counts()
	assert.Zero(t, dup, "e0005 and e0006, shown again by the second page, are dropped")
}

// shiftUnderFirstPage lets a gated stream's first page (7 events) through,
// inserts two rows before it, so that every offset shifts by two, lets the
// rest through and waits until want events were delivered, and a little more.
func (h *harness) shiftUnderFirstPage(t *testing.T, want int) {
	t.Helper()
	h.api.gate <- struct{}{}
	require.Eventually(t, func() bool { _, d, _ := h.rec.counts(); return d == 7 }, 5*time.Second, time.Millisecond)
	h.api.mu.Lock()
	start := h.api.events[0].t
	h.api.mu.Unlock()
	h.api.add("shift1", start.Add(-time.Second))
	h.api.add("shift2", start.Add(-time.Second))
	close(h.api.gate)
	h.waitDelivered(t, want)
	time.Sleep(50 * time.Millisecond)
}
