package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// idHash is a delivered event id, kept as 12 bytes of its SHA-256: the odds
// that two distinct ids collide among millions are below 2⁻⁵⁰, and the key is
// small whatever the vendor's ids look like.
type idHash [12]byte

func hashID(id string) idHash {
	sum := sha256.Sum256([]byte(id))
	return idHash(sum[:12])
}

// seenIDs is the dedupe set over everything a lane may still read: delivered
// ids in buckets by delivery time, each written to storage in chunks as they
// fill (one chunk per committed page, never rewritten) and forgotten whole
// once every event time in it is older than any lane reads (or, at
// max_recent_ids, the oldest first). So a commit writes the page's new ids and
// this small index, not the whole set.
type seenIDs struct {
	Buckets []*seenBucket `json:"buckets,omitempty"`
	// NextChunk numbers the next chunk written.
	NextChunk uint64 `json:"next_chunk"`
	total     int
	deletes   []*storage.Operation // chunks of forgotten buckets, deleted at the next write
}

type seenBucket struct {
	// Chunks [FirstChunk, NextChunk) hold the bucket's ids in storage.
	FirstChunk uint64    `json:"first_chunk"`
	NextChunk  uint64    `json:"next_chunk"`
	Opened     time.Time `json:"opened"`
	// MaxTime is the newest event time in the bucket (Unix ns).
	MaxTime int64 `json:"max_time"`
	ids     map[idHash]struct{}
	pending []idHash // added since the last write
}

func chunkKey(n uint64) string { return fmt.Sprintf("seen/%d", n) }

// bucketWidth: about 32 buckets over the horizon, so pruning and eviction
// work in steps of about 3 %.
func bucketWidth(horizon time.Duration) time.Duration {
	return max(time.Minute, horizon/32)
}

func (s *seenIDs) contains(h idHash) bool {
	for i := len(s.Buckets) - 1; i >= 0; i-- {
		if _, ok := s.Buckets[i].ids[h]; ok {
			return true
		}
	}
	return false
}

// add records a delivered id at delivery time now; the bucket it goes to
// closes after width or a 32nd of limit ids, whichever comes first.
func (s *seenIDs) add(id string, t int64, now time.Time, width time.Duration, limit int) {
	h := hashID(id)
	if s.contains(h) {
		return
	}
	n := len(s.Buckets)
	if n == 0 || now.Sub(s.Buckets[n-1].Opened) >= width || len(s.Buckets[n-1].ids) >= max(limit/32, 1) {
		s.Buckets = append(s.Buckets, &seenBucket{FirstChunk: s.NextChunk, NextChunk: s.NextChunk, Opened: now, ids: map[idHash]struct{}{}})
		n++
	}
	b := s.Buckets[n-1]
	b.ids[h] = struct{}{}
	b.pending = append(b.pending, h)
	b.MaxTime = max(b.MaxTime, t)
	s.total++
}

// prune forgets the buckets whose events are all older than floor, then the
// oldest while more than limit ids are kept. It returns how many ids were
// evicted for the limit.
func (s *seenIDs) prune(floor time.Time, limit int) (evicted int) {
	kept := s.Buckets[:0]
	for i, b := range s.Buckets {
		old := b.MaxTime < floor.UnixNano()
		over := s.total > limit && i < len(s.Buckets)-1
		if !old && !over {
			kept = append(kept, b)
			continue
		}
		if !old {
			evicted += len(b.ids)
		}
		s.total -= len(b.ids)
		for c := b.FirstChunk; c < b.NextChunk; c++ {
			s.deletes = append(s.deletes, storage.DeleteOperation(chunkKey(c)))
		}
	}
	clear(s.Buckets[len(kept):])
	s.Buckets = kept
	return evicted
}

// flush returns the writes since the last flush: a chunk per bucket with new
// ids, and the deletes of forgotten buckets.
func (s *seenIDs) flush() []*storage.Operation {
	ops := s.deletes
	s.deletes = nil
	for _, b := range s.Buckets {
		if len(b.pending) == 0 {
			continue
		}
		raw := make([]byte, 0, len(b.pending)*len(idHash{}))
		for _, h := range b.pending {
			raw = append(raw, h[:]...)
		}
		if b.FirstChunk == b.NextChunk { // its first chunk: only the last bucket adds more
			b.FirstChunk = s.NextChunk
		}
		ops = append(ops, storage.SetOperation(chunkKey(s.NextChunk), raw))
		s.NextChunk++
		b.NextChunk, b.pending = s.NextChunk, nil
	}
	return ops
}

// load reads the buckets' chunks back.
func (s *seenIDs) load(ctx context.Context, c storage.Client) error {
	s.total = 0
	for _, b := range s.Buckets {
		b.ids = map[idHash]struct{}{}
		for n := b.FirstChunk; n < b.NextChunk; n++ {
			raw, err := c.Get(ctx, chunkKey(n))
			if err != nil {
				return fmt.Errorf("reading delivered ids: %w", err)
			}
			for len(raw) >= len(idHash{}) {
				b.ids[idHash(raw[:len(idHash{})])] = struct{}{}
				raw = raw[len(idHash{}):]
			}
		}
		s.total += len(b.ids)
	}
	return nil
}
