package poll

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// Buckets are forgotten whole once all their events are older than the floor,
// the oldest first beyond the limit; what is kept survives a reload from its
// chunks, and a write holds only the ids added since the last one.
func TestSeenIDsPruneAndReload(t *testing.T) {
	var s seenIDs
	store := newMemClient()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func() int {
		n := 0
		w := s.flush()
		for _, op := range w.chunks {
			n += len(op.Value)
		}
		require.NoError(t, store.Batch(context.Background(), append(w.chunks, w.deletes...)...))
		s.written(w)
		return n
	}
	for i := range 50 { // one bucket a minute, event time i
		s.add(fmt.Sprint(i), int64(i), at.Add(time.Duration(i)*time.Minute), time.Minute, 1000)
		assert.Equal(t, len(idHash{}), write(), "a write holds only the new id")
	}
	assert.Zero(t, write())
	assert.Len(t, s.Buckets, 50)
	s.prune(time.Unix(0, 10), 1000)
	assert.False(t, s.contains(hashID("9")))
	assert.True(t, s.contains(hashID("10")))
	assert.Equal(t, 10, s.prune(time.Time{}, 30), "evicted for the limit")
	assert.Equal(t, 30, s.total)
	write()
	assert.Len(t, store.m, 30, "forgotten buckets' chunks are deleted")

	again := seenIDs{Buckets: s.Buckets, NextChunk: s.NextChunk}
	missing, err := again.load(context.Background(), store)
	require.NoError(t, err)
	assert.Zero(t, missing)
	assert.Equal(t, 30, again.total)
	assert.True(t, again.contains(hashID("49")))
	assert.False(t, again.contains(hashID("19")))
}

// A bucket closes at a 32nd of the limit, so eviction stays fine-grained
// however fast ids arrive.
func TestSeenIDsBucketsCloseAtTheirShare(t *testing.T) {
	var s seenIDs
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3200 {
		s.add(fmt.Sprint(i), int64(i), at, time.Hour, 3200)
	}
	assert.Len(t, s.Buckets, 32)
	s.add("again", 0, at, time.Hour, 3200)
	assert.Equal(t, 100, s.prune(time.Time{}, 3200))
	assert.True(t, s.contains(hashID("again")))
}

// A flush's ids count as stored, and its deletes as done, only once written
// confirms its batch: after a failed batch the next flush writes the same
// chunk again with everything pending since, and the deletes again; chunk
// numbers are never handed out twice.
func TestSeenWriteCountsOnlyOnceStored(t *testing.T) {
	var s seenIDs
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		s.add(fmt.Sprint(i), int64(i), at, time.Minute, 1000)
	}
	s.add("next minute", 3, at.Add(time.Minute), time.Minute, 1000)
	s.prune(time.Unix(0, 3), 1000) // the first bucket goes
	failed := s.flush()            // its batch fails
	require.Len(t, failed.chunks, 1)
	require.Len(t, failed.deletes, 0, "the first bucket had no chunk yet")
	s.add("same minute", 4, at.Add(time.Minute), time.Minute, 1000)
	s.add("third minute", 5, at.Add(2*time.Minute), time.Minute, 1000)

	w := s.flush()
	require.Len(t, w.chunks, 2)
	assert.Equal(t, failed.chunks[0].Key, w.chunks[0].Key, "the failed chunk is written again under its number")
	assert.Len(t, w.chunks[0].Value, 2*len(idHash{}), "with all the bucket's pending ids")
	assert.Equal(t, chunkKey(1), w.chunks[1].Key)
	assert.Equal(t, uint64(2), s.NextChunk)
	s.add("during the write", 6, at.Add(2*time.Minute), time.Minute, 1000)
	s.prune(time.Unix(0, 5), 1000) // the second bucket goes while its write is in flight
	s.written(w)
	assert.Equal(t, []*storage.Operation{storage.DeleteOperation(chunkKey(0))}, s.deletes, "its chunk is deleted by the next write")
	assert.Len(t, s.Buckets[0].pending, 1, "an id added during the write waits for the next")
	next := s.flush()
	assert.Equal(t, chunkKey(2), next.chunks[0].Key, "a new chunk, right after the bucket's first")
	assert.Equal(t, uint64(1), s.Buckets[0].FirstChunk)
	assert.Equal(t, uint64(3), s.Buckets[0].NextChunk)
}

// Whatever the order of adds, prunes, merges and writes (failed ones, and
// ones in flight while webhooks add ids and buckets are pruned), every
// bucket's chunks stay one range of stored chunks: each index a batch writes
// names only chunks storage holds once the batch succeeded, and a reload of
// the last one gives back exactly the set's ids.
func TestSeenChunksStayContiguousAndStored(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 11))
		var s seenIDs
		store := newMemClient()
		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var inflight *seenWrite
		var inflightIndex []byte
		n := 0
		finish := func(ok bool) {
			if inflight == nil {
				return
			}
			if ok {
				require.NoError(t, store.Batch(context.Background(), append(inflight.chunks, inflight.deletes...)...))
				s.written(*inflight)
				var idx seenIDs
				require.NoError(t, json.Unmarshal(inflightIndex, &idx))
				missing, err := idx.load(context.Background(), store)
				require.NoError(t, err)
				require.Zero(t, missing, "seed %d: a stored index names a chunk storage lacks", seed)
			}
			inflight = nil
		}
		perBucket := 32 * (1 + r.IntN(10)) // buckets close at 1 to 10 ids, or after a minute
		for range 1000 {
			switch x := r.IntN(40); {
			case x < 20: // webhooks and pages: ids of events up to 2h old (re-reads)
				for range r.IntN(4) {
					s.add(fmt.Sprint(n), at.Add(-time.Duration(r.IntN(120))*time.Minute).UnixNano(), at, time.Minute, perBucket)
					n++
				}
				at = at.Add(time.Duration(r.IntN(4)-1) * time.Minute) // the wall clock may step back
			case x < 21: // the floor moves, or max_recent_ids evicts
				s.prune(at.Add(-time.Duration(60+r.IntN(200))*time.Minute), 200+r.IntN(2000))
			case x < 33: // a commit: the previous write ends, succeeded or not
				finish(r.IntN(4) > 0)
				w := s.flush()
				idx, err := json.Marshal(&s)
				require.NoError(t, err)
				inflight, inflightIndex = &w, idx
			default:
				finish(r.IntN(4) > 0)
			}
			unsaved := 0
			for _, b := range s.Buckets {
				if b.unsaved {
					unsaved++
				}
			}
			require.LessOrEqual(t, len(s.Buckets), maxSeenBuckets+unsaved, "seed %d", seed)
		}
		finish(true)
		w := s.flush()
		inflight, inflightIndex = &w, must(json.Marshal(&s))
		finish(true)
		again := seenIDs{}
		require.NoError(t, json.Unmarshal(inflightIndex, &again))
		_, err := again.load(context.Background(), store)
		require.NoError(t, err)
		require.Equal(t, s.total, again.total, "seed %d", seed)
		for i, b := range s.Buckets {
			require.Equal(t, b.ids, again.Buckets[i].ids, "seed %d", seed)
		}
		chunks := 0
		for k := range store.m {
			if strings.HasPrefix(k, "seen/") {
				chunks++
			}
		}
		named := 0
		for _, b := range s.Buckets {
			named += int(b.NextChunk - b.FirstChunk)
		}
		require.Equal(t, named, chunks, "seed %d: the forgotten buckets' chunks are deleted", seed)
	}
}

// Buckets are merged only where one range of chunk numbers covers them both:
// not across the chunks of a pruned bucket between them, and not when the
// merged bucket's pending ids would go to a chunk after such a gap.
func TestSeenMergeNeverSpansAPrunedBucket(t *testing.T) {
	var s seenIDs
	store := newMemClient()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func() {
		w := s.flush()
		require.NoError(t, store.Batch(context.Background(), append(w.chunks, w.deletes...)...))
		s.written(w)
	}
	s.add("a", 100, at, time.Minute, 1000) // chunk 0
	write()
	s.add("b", 1, at.Add(time.Minute), time.Minute, 1000) // chunk 1, whose events go below the floor first
	write()
	s.add("c", 100, at.Add(2*time.Minute), time.Minute, 1000) // pending
	s.prune(time.Unix(0, 50), 1000)
	require.Len(t, s.Buckets, 2)
	s.compact(1)
	assert.Len(t, s.Buckets, 2, "c's chunk will be 2: a's range would span the pruned 1")
	write()
	s.compact(1)
	assert.Len(t, s.Buckets, 2, "chunks 0 and 2 are no range")
	again := seenIDs{Buckets: s.Buckets, NextChunk: s.NextChunk}
	missing, err := again.load(context.Background(), store)
	require.NoError(t, err)
	assert.Zero(t, missing)
	assert.True(t, again.contains(hashID("a")) && again.contains(hashID("c")))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Beyond maxSeenBuckets, the adjacent pair with the fewest ids is merged: the
// merged bucket keeps the older opening and the newer event time, so pruning
// forgets it only once all its events are below the floor.
func TestSeenBucketsMergeTheSmallestPair(t *testing.T) {
	var s seenIDs
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range maxSeenBuckets { // one bucket a minute, bucket i holding i+1 ids
		for j := range i + 1 {
			s.add(fmt.Sprintf("%d-%d", i, j), int64(i), at.Add(time.Duration(i)*time.Minute), time.Minute, 1_000_000)
		}
	}
	s.written(s.flush())
	require.Len(t, s.Buckets, maxSeenBuckets)
	s.add("one more", maxSeenBuckets, at.Add(maxSeenBuckets*time.Minute), time.Minute, 1_000_000)
	require.Len(t, s.Buckets, maxSeenBuckets)
	first := s.Buckets[0]
	assert.Len(t, first.ids, 3, "the first two buckets (1 and 2 ids) are one")
	assert.Equal(t, at, first.Opened)
	assert.Equal(t, int64(1), first.MaxTime)
	assert.Equal(t, uint64(0), first.FirstChunk)
	assert.Equal(t, uint64(2), first.NextChunk)
	assert.True(t, s.contains(hashID("0-0")) && s.contains(hashID("1-1")))
	s.prune(time.Unix(0, 1), 1_000_000)
	assert.True(t, s.contains(hashID("0-0")), "kept while one of its events is at the floor")
	s.prune(time.Unix(0, 2), 1_000_000)
	assert.False(t, s.contains(hashID("1-1")))
	assert.ElementsMatch(t, []*storage.Operation{storage.DeleteOperation(chunkKey(0)), storage.DeleteOperation(chunkKey(1))}, s.deletes)
}

// A version-1 checkpoint (ids inline) keeps its watermark and its ids.
func TestVersion1CheckpointIsMigrated(t *testing.T) {
	h := newHarness(t)
	raw := `{"version":1,"fingerprint":"fp","watermark":"2026-03-01T11:50:00Z","recent":{"old-1":1772365740000000000}}`
	require.NoError(t, h.store.Set(context.Background(), checkpointKey, []byte(raw)))
	p := h.start(t, testConfig(), "fp")
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	assert.True(t, p.Seen("old-1"))
	assert.Equal(t, time.Date(2026, 3, 1, 11, 50, 0, 0, time.UTC), p.Watermark())
	assert.Zero(t, h.logs.FilterMessageSnippet("starting a new stream").Len())
}

// steadyTenant is a stream in steady state for a tenant of one million events
// an hour at Google's defaults (poll every minute, lag 3m, horizon 6h; ids are
// kept the horizon plus its last re-read's step), pages of 1000 (Google's
// maximum), Google's 32-character event ids. Built once: it takes seconds.
var steadyTenant = sync.OnceValue(func() *tenantSim {
	s := newTenantSim()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	end := s.at.Add(6*time.Hour + rereadStep(6*time.Hour, time.Minute) + time.Hour)
	for s.at.Before(end) {
		s.commit()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s.heapPerID = float64(after.HeapAlloc-before.HeapAlloc) / float64(s.p.cp.Seen.total)
	return s
})

const tenantPerHour, tenantPage = 1_000_000, 1000

// tenantSim commits the main pass's pages through Poller.commit on a clock of
// its own, into a store that counts the bytes written and keeps nothing.
type tenantSim struct {
	p         *Poller
	store     *countingClient
	at        time.Time
	n         int
	heapPerID float64
}

func newTenantSim() *tenantSim {
	s := &tenantSim{at: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), store: &countingClient{Client: storage.NewNopClient()}}
	cfg := NewDefaultConfig(time.Minute, 3*time.Minute, 6*time.Hour)
	cfg.MaxRecentIDs = 10_000_000
	set := Settings{Receiver: receivertest.NewNopSettings(testType), Stream: "login", Fingerprint: "fp", Now: func() time.Time { return s.at }}
	p, err := New(&cfg, set, consumertest.NewNop())
	if err != nil {
		panic(err)
	}
	p.client = s.store
	p.cp = &checkpoint{Fingerprint: "fp", laneState: laneState{Watermark: s.at.Add(-cfg.Lag)}}
	p.setLanes(s.at)
	s.p = p
	return s
}

func googleID(n int) string { return fmt.Sprintf("%032x", n) }

// commit delivers and commits the main pass's next page, 1000 events at the
// lag, and returns the bytes written. A window is a minute (poll_interval), so
// most pages are in the middle of one (a cursor follows); at a window's end the
// re-reads move on as they would, each by its step.
func (s *tenantSim) commit() int {
	main := s.p.lanes[0]
	if main.state.Pass == nil {
		wm := main.state.Watermark
		main.state.Pass = &passState{Start: wm, End: wm.Add(time.Minute)}
	}
	handled, seen := make([]idTime, tenantPage), make([]string, tenantPage)
	for i := range handled {
		seen[i] = googleID(s.n)
		handled[i] = idTime{seen[i], s.at.Add(-s.p.cfg.Lag).UnixNano()}
		s.n++
	}
	next := ""
	at := s.at.Add(time.Hour / (tenantPerHour / tenantPage))
	if at.Truncate(time.Minute).Equal(s.at.Truncate(time.Minute)) {
		next = fmt.Sprint(s.n)
	}
	before := s.store.written
	s.p.commit(context.Background(), main, main.state.Pass, next, handled, seen)
	if next == "" {
		for _, l := range s.p.lanes[1:] {
			if limit := s.p.limit(at, l); limit.Sub(l.state.Watermark) >= s.p.step(l) {
				l.state.Watermark = limit
			}
		}
	}
	s.at = at
	return s.store.written - before
}

// countingClient counts the bytes (keys and values) of the batches written.
type countingClient struct {
	storage.Client
	written int
}

func (c *countingClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		c.written += len(op.Key) + len(op.Value)
	}
	return c.Client.Batch(ctx, ops...)
}

// BenchmarkCheckpointPerPage reports the bytes a page's commit writes (the
// checkpoint, with the pass in progress, and the page's chunk of ids; with
// -benchtime 1x a page in the middle of a window, else the mean over the
// pages of windows) and the heap the delivered ids take, for steadyTenant.
func BenchmarkCheckpointPerPage(b *testing.B) {
	s := steadyTenant()
	b.ResetTimer()
	written := 0
	for range b.N {
		written += s.commit()
	}
	b.ReportMetric(float64(written)/float64(b.N), "B_written/page")
	b.ReportMetric(s.heapPerID, "heap_B/id")
	b.ReportMetric(float64(s.p.cp.Seen.total), "ids_kept")
}

// BenchmarkSeenLookupPage reports the cost of checking one page of 1000 ids
// against steadyTenant's set: new ids (a main pass) and delivered ones (a
// re-read finding what it already delivered).
func BenchmarkSeenLookupPage(b *testing.B) {
	s := steadyTenant()
	seen := &s.p.cp.Seen
	var fresh, delivered [tenantPage]idHash
	for i := range tenantPage {
		fresh[i] = hashID(fmt.Sprintf("fresh-%d", i))
		delivered[i] = hashID(googleID(s.n - 1 - i*997%seen.total))
	}
	for _, c := range []struct {
		name string
		ids  *[tenantPage]idHash
		want bool
	}{{"new", &fresh, false}, {"delivered", &delivered, true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				for _, h := range c.ids {
					if seen.contains(h) != c.want {
						b.Fatal("wrong answer")
					}
				}
			}
			b.ReportMetric(float64(seen.total), "ids_kept")
		})
	}
}
