package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
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
// fill (one chunk per committed page) and forgotten whole once every event
// time in it is older than any lane reads (or, at max_recent_ids, the oldest
// first). So a commit writes the page's new ids and this small index, not the
// whole set.
//
// A bucket's chunks are one range of numbers, so that the index stays small:
// chunk numbers are handed out in order and never reused, each bucket's next
// chunk follows its last (see extends), and only buckets whose ranges join are
// merged. A chunk counts as stored only once the batch that wrote it succeeded
// (see flush and written).
type seenIDs struct {
	Buckets []*seenBucket `json:"buckets,omitempty"`
	// NextChunk numbers the next chunk handed out.
	NextChunk uint64 `json:"next_chunk"`
	total     int
	deletes   []*storage.Operation // chunks of forgotten buckets, deleted once a write succeeds
}

type seenBucket struct {
	// Chunks [FirstChunk, NextChunk) hold the bucket's ids in storage (the
	// last, while unsaved, once a write succeeds).
	FirstChunk uint64    `json:"first_chunk"`
	NextChunk  uint64    `json:"next_chunk"`
	Opened     time.Time `json:"opened"`
	// MaxTime is the newest event time in the bucket (Unix ns).
	MaxTime int64 `json:"max_time"`
	ids     map[idHash]struct{}
	// pending are the ids not yet in a chunk known to be stored.
	pending []idHash
	// unsaved: the last chunk was handed to a write not known to have
	// succeeded; each write until one does rewrites it with all of pending.
	unsaved bool
}

func (b *seenBucket) hasChunks() bool { return b.FirstChunk < b.NextChunk }

func chunkKey(n uint64) string { return fmt.Sprintf("seen/%d", n) }

// bucketWidth: about 32 buckets over the horizon, so pruning and eviction
// work in steps of about 3 %.
func bucketWidth(horizon time.Duration) time.Duration {
	return max(time.Minute, horizon/32)
}

// maxSeenBuckets bounds the buckets (the checkpoint's index and the buckets a
// lookup checks) when the floor stands still, as while the vendor API fails
// and webhooks keep arriving: then adjacent buckets are merged.
const maxSeenBuckets = 64

func (s *seenIDs) contains(h idHash) bool {
	for i := len(s.Buckets) - 1; i >= 0; i-- {
		if _, ok := s.Buckets[i].ids[h]; ok {
			return true
		}
	}
	return false
}

// notHeld returns the ids the set does not hold.
func (s *seenIDs) notHeld(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !s.contains(hashID(id)) {
			out = append(out, id)
		}
	}
	return out
}

// add records a delivered id at delivery time now; the bucket it goes to
// closes after width or a 32nd of limit ids, whichever comes first.
func (s *seenIDs) add(id string, t int64, now time.Time, width time.Duration, limit int) {
	h := hashID(id)
	if s.contains(h) {
		return
	}
	n := len(s.Buckets)
	if n == 0 || !s.takes(s.Buckets[n-1], now, width, limit) {
		s.compact(maxSeenBuckets - 1)
		s.Buckets = append(s.Buckets, &seenBucket{FirstChunk: s.NextChunk, NextChunk: s.NextChunk, Opened: now, ids: map[idHash]struct{}{}})
		n = len(s.Buckets)
	}
	b := s.Buckets[n-1]
	b.ids[h] = struct{}{}
	b.pending = append(b.pending, h)
	b.MaxTime = max(b.MaxTime, t)
	s.total++
}

// takes reports whether the newest bucket b takes another id.
func (s *seenIDs) takes(b *seenBucket, now time.Time, width time.Duration, limit int) bool {
	return now.Sub(b.Opened) < width && len(b.ids) < max(limit/32, 1) && s.extends(b)
}

// extends reports whether the next chunk handed out would follow b's chunks,
// so b may gain pending ids. It does not once a newer bucket got a chunk, even
// if that bucket was pruned since (then the newest bucket takes ids again only
// if the clock stepped back).
func (s *seenIDs) extends(b *seenBucket) bool {
	return !b.hasChunks() || b.NextChunk == s.NextChunk
}

// compact merges adjacent buckets until at most n are left or no pair can be
// merged, the pair with the fewest ids first: the buckets stay even, so
// pruning and eviction stay fine-grained.
func (s *seenIDs) compact(n int) {
	for len(s.Buckets) > n {
		best := -1
		for i := range len(s.Buckets) - 1 {
			if s.mergeable(i) && (best < 0 || s.pairSize(i) < s.pairSize(best)) {
				best = i
			}
		}
		if best < 0 {
			return // only while writes fail: unsaved buckets wait for a write
		}
		s.merge(best)
	}
}

func (s *seenIDs) pairSize(i int) int { return len(s.Buckets[i].ids) + len(s.Buckets[i+1].ids) }

// mergeable reports whether bucket i and the next can become one whose chunks
// are one range, and whose pending ids the next chunk handed out extends.
// Chunks of adjacent buckets join (the newer's first follows the older's last)
// unless a chunk between them was pruned with its bucket; a bucket with an
// unsaved chunk waits: its write may still be in flight.
func (s *seenIDs) mergeable(i int) bool {
	a, b := s.Buckets[i], s.Buckets[i+1]
	if a.unsaved || b.unsaved {
		return false
	}
	if a.hasChunks() && b.hasChunks() && a.NextChunk != b.FirstChunk {
		return false
	}
	last := b
	if !b.hasChunks() {
		last = a
	}
	return len(a.pending)+len(b.pending) == 0 || s.extends(last)
}

// merge makes buckets i and i+1 one: the older's opening, the newest event
// time of both (so it is pruned once all its events are below the floor).
func (s *seenIDs) merge(i int) {
	a, b := s.Buckets[i], s.Buckets[i+1]
	ids, other := a.ids, b.ids
	if len(other) > len(ids) {
		ids, other = other, ids
	}
	for h := range other {
		ids[h] = struct{}{}
	}
	m := &seenBucket{FirstChunk: a.FirstChunk, NextChunk: a.NextChunk, Opened: a.Opened,
		MaxTime: max(a.MaxTime, b.MaxTime), ids: ids, pending: append(a.pending, b.pending...)}
	switch {
	case !a.hasChunks():
		m.FirstChunk, m.NextChunk = b.FirstChunk, b.NextChunk
	case b.hasChunks():
		m.NextChunk = b.NextChunk
	}
	s.Buckets[i] = m
	s.Buckets = slices.Delete(s.Buckets, i+1, i+2)
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

// seenWrite is what one flush asks storage to write.
type seenWrite struct {
	chunks  []*storage.Operation // a chunk per bucket with pending ids
	deletes []*storage.Operation // the chunks of forgotten buckets
	written []chunkWrite
}

type chunkWrite struct {
	b       *seenBucket
	pending int // how many of b.pending the chunk holds
}

// flush returns the writes the set needs: a chunk with the pending ids of each
// bucket that has some, and the deletes of forgotten buckets. A bucket's chunk
// is a new number after its others, or the unsaved one written again. The
// index (the buckets' ranges) names these chunks from now on; the ids stay
// pending and the deletes queued until written confirms the write, so a failed
// write is done again by the next.
func (s *seenIDs) flush() seenWrite {
	w := seenWrite{deletes: slices.Clone(s.deletes)}
	for _, b := range s.Buckets {
		if len(b.pending) == 0 {
			continue
		}
		if !b.unsaved {
			if !b.hasChunks() {
				b.FirstChunk = s.NextChunk
			}
			s.NextChunk++
			b.NextChunk, b.unsaved = s.NextChunk, true
		}
		raw := make([]byte, 0, len(b.pending)*len(idHash{}))
		for _, h := range b.pending {
			raw = append(raw, h[:]...)
		}
		w.chunks = append(w.chunks, storage.SetOperation(chunkKey(b.NextChunk-1), raw))
		w.written = append(w.written, chunkWrite{b, len(b.pending)})
	}
	return w
}

// written records that storage holds w: its ids are stored and its deletes
// done. Ids added since the flush stay pending; deletes queued since stay
// queued.
func (s *seenIDs) written(w seenWrite) {
	s.deletes = slices.Delete(s.deletes, 0, len(w.deletes))
	for _, c := range w.written {
		c.b.pending = slices.Clone(c.b.pending[c.pending:])
		c.b.unsaved = false
	}
}

// load reads the buckets' chunks back. It returns how many chunks the index
// names that storage does not hold (a missing key reads as nil: a chunk is
// never empty).
func (s *seenIDs) load(ctx context.Context, c storage.Client) (missing int, err error) {
	s.total = 0
	for _, b := range s.Buckets {
		b.ids = map[idHash]struct{}{}
		for n := b.FirstChunk; n < b.NextChunk; n++ {
			raw, err := c.Get(ctx, chunkKey(n))
			if err != nil {
				return missing, fmt.Errorf("reading delivered ids: %w", err)
			}
			if len(raw) == 0 {
				missing++
			}
			for len(raw) >= len(idHash{}) {
				b.ids[idHash(raw[:len(idHash{})])] = struct{}{}
				raw = raw[len(idHash{}):]
			}
		}
		s.total += len(b.ids)
	}
	s.compact(maxSeenBuckets)
	return missing, nil
}
