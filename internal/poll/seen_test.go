package poll

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		ops := s.flush()
		for _, op := range ops {
			n += len(op.Value)
		}
		require.NoError(t, store.Batch(context.Background(), ops...))
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
	require.NoError(t, again.load(context.Background(), store))
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

// steadyTenant is a dedupe set in steady state for a tenant of one million
// events an hour, pages of 1000 (Google's maximum), ids kept over Google's
// default horizon (6h, plus its last re-read's step). Built once: it takes
// seconds.
var steadyTenant = sync.OnceValue(func() *tenantSim {
	s := &tenantSim{at: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), cp: &checkpoint{Fingerprint: "fp"}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	end := s.at.Add(tenantKeep + time.Hour)
	for s.at.Before(end) {
		if _, err := s.commit(); err != nil {
			panic(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s.heapPerID = float64(after.HeapAlloc-before.HeapAlloc) / float64(s.cp.Seen.total)
	return s
})

const tenantPerHour, tenantPage = 1_000_000, 1000

var tenantKeep = 6*time.Hour + rereadStep(6*time.Hour, time.Minute)

type tenantSim struct {
	at        time.Time
	cp        *checkpoint
	n         int
	heapPerID float64
}

// commit delivers a page 3 minutes behind its delivery time and returns the
// bytes the commit writes (keys and values).
func (s *tenantSim) commit() (int, error) {
	for range tenantPage {
		s.cp.Seen.add(fmt.Sprintf("activity-%012d", s.n), s.at.Add(-3*time.Minute).UnixNano(), s.at, bucketWidth(6*time.Hour), 10_000_000)
		s.n++
	}
	s.at = s.at.Add(time.Hour / (tenantPerHour / tenantPage))
	s.cp.Seen.prune(s.at.Add(-tenantKeep), 10_000_000)
	ops, err := s.cp.encode()
	written := 0
	for _, op := range ops {
		written += len(op.Key) + len(op.Value)
	}
	return written, err
}

// BenchmarkCheckpointPerPage reports the bytes a page's commit writes and the
// heap the delivered ids take, for steadyTenant.
func BenchmarkCheckpointPerPage(b *testing.B) {
	s := steadyTenant()
	b.ResetTimer()
	written := 0
	for range b.N {
		n, err := s.commit()
		require.NoError(b, err)
		written += n
	}
	b.ReportMetric(float64(written)/float64(b.N), "B_written/page")
	b.ReportMetric(s.heapPerID, "heap_B/id")
	b.ReportMetric(float64(s.cp.Seen.total), "ids_kept")
}

// BenchmarkSeenLookupPage reports the cost of checking one page of 1000 ids
// against steadyTenant's set: new ids (a main pass) and delivered ones (a
// re-read finding what it already delivered).
func BenchmarkSeenLookupPage(b *testing.B) {
	s := steadyTenant()
	var fresh, delivered [tenantPage]idHash
	for i := range tenantPage {
		fresh[i] = hashID(fmt.Sprintf("fresh-%d", i))
		delivered[i] = hashID(fmt.Sprintf("activity-%012d", s.n-1-i*997%s.cp.Seen.total))
	}
	for _, c := range []struct {
		name string
		ids  *[tenantPage]idHash
		want bool
	}{{"new", &fresh, false}, {"delivered", &delivered, true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				for _, h := range c.ids {
					if s.cp.Seen.contains(h) != c.want {
						b.Fatal("wrong answer")
					}
				}
			}
			b.ReportMetric(float64(s.cp.Seen.total), "ids_kept")
		})
	}
}
