package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// dedupeEntryBytes is what one remembered key costs in memory: 24 bytes in the
// ring plus a map entry (16-byte key, 8-byte time, the map's own overhead).
// TestDedupeMemoryPerEntry measures about 60 and holds it to this bound.
const dedupeEntryBytes = 80

// dedupeLoadBatch is how many stored slots one storage round trip reads at start.
const dedupeLoadBatch = 512

// KeyFunc names a delivery for dedupe: retries of one delivery must give the
// same key and distinct deliveries different keys. nil means the delivery
// cannot be named and is never deduplicated. The intake hashes the key, so
// its length does not matter.
type KeyFunc func(raw []byte, ld plog.Logs) []byte

// EventIDKey keys a delivery by the event.id of its records, for vendors
// whose event id is unique per event. A record without an id leaves the
// delivery unnamed.
func EventIDKey(_ []byte, ld plog.Logs) []byte {
	var key []byte
	named := true
	schema.EachRecord(ld, func(lr plog.LogRecord) bool {
		id, ok := lr.Attributes().Get(schema.AttrEventID)
		if named = ok && id.Str() != ""; named {
			key = append(append(key, id.Str()...), 0)
		}
		return named
	})
	if !named {
		return nil
	}
	return key
}

// BodyKey keys a delivery by its raw body, for vendors whose id may repeat
// across distinct events: a retry repeats the body byte for byte.
func BodyKey(raw []byte, _ plog.Logs) []byte { return raw }

type dedupeKey [16]byte

type dedupeEntry struct {
	key dedupeKey
	at  int64 // unix nanoseconds of acceptance; 0 marks an empty slot
}

type verdict int

const (
	fresh     verdict = iota // not seen: forward it
	duplicate                // accepted within the window: answer 200, forward nothing
	inFlight                 // another request with this key is in the pipeline now
)

// deduper remembers accepted keys in a fixed ring of max_entries slots, so
// memory never grows with traffic; a storage client, when set, mirrors the
// ring slot by slot so that a restart keeps the window.
type deduper struct {
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	seen    map[dedupeKey]int64
	pending map[dedupeKey]struct{}
	ring    []dedupeEntry
	next    int
	last    int64
	client  storage.Client
}

func newDeduper(cfg DedupeConfig) *deduper {
	return &deduper{
		window:  cfg.Window,
		now:     time.Now,
		seen:    make(map[dedupeKey]int64),
		pending: make(map[dedupeKey]struct{}),
		ring:    make([]dedupeEntry, cfg.MaxEntries),
	}
}

// hashKey is 128 bits of xxhash (two seeds): stable across restarts, as the
// stored ring needs, and fast on a whole body. It need not resist forgery: a
// sender who could make a body collide with a future event could as well send
// that event.
func hashKey(key []byte) dedupeKey {
	var k dedupeKey
	var d xxhash.Digest
	d.ResetWithSeed(dedupeSeed)
	_, _ = d.Write(key)
	binary.BigEndian.PutUint64(k[:8], xxhash.Sum64(key))
	binary.BigEndian.PutUint64(k[8:], d.Sum64())
	return k
}

// dedupeSeed seeds the second half of a key's hash; stored keys depend on it.
const dedupeSeed = 0x6175746874726169 // "authtrai"

// begin judges a delivery and, when it is fresh, marks it in flight until
// commit or abort.
func (d *deduper) begin(k dedupeKey) verdict {
	d.mu.Lock()
	defer d.mu.Unlock()
	if at, ok := d.seen[k]; ok && d.now().UnixNano()-at < int64(d.window) {
		return duplicate
	}
	if _, ok := d.pending[k]; ok {
		return inFlight
	}
	d.pending[k] = struct{}{}
	return fresh
}

// abort forgets an in-flight key whose delivery the pipeline did not accept,
// so that the sender's retry goes through.
func (d *deduper) abort(k dedupeKey) {
	d.mu.Lock()
	delete(d.pending, k)
	d.mu.Unlock()
}

// commit remembers an accepted key, overwriting the oldest slot, and writes
// the slot to storage when there is one.
func (d *deduper) commit(ctx context.Context, k dedupeKey) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.pending, k)
	at := max(d.now().UnixNano(), d.last+1)
	d.last = at
	slot := d.next
	if old := d.ring[slot]; old.at != 0 && d.seen[old.key] == old.at {
		delete(d.seen, old.key)
	}
	d.ring[slot] = dedupeEntry{key: k, at: at}
	d.seen[k] = at
	d.next = (slot + 1) % len(d.ring)
	if d.client == nil {
		return nil
	}
	var v [24]byte
	binary.BigEndian.PutUint64(v[:8], uint64(at))
	copy(v[8:], k[:])
	if err := d.client.Set(ctx, slotKey(slot), v[:]); err != nil {
		return fmt.Errorf("storing dedupe slot %d: %w", slot, err)
	}
	return nil
}

func slotKey(slot int) string { return "dedupe." + strconv.Itoa(slot) }

// load fills the ring from client and keeps client for later commits. Slots
// are written in order from 0, so the first missing one ends the stored ring.
func (d *deduper) load(ctx context.Context, client storage.Client) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.client = client
	for start := 0; start < len(d.ring); start += dedupeLoadBatch {
		ops := make([]*storage.Operation, 0, dedupeLoadBatch)
		for slot := start; slot < min(start+dedupeLoadBatch, len(d.ring)); slot++ {
			ops = append(ops, storage.GetOperation(slotKey(slot)))
		}
		if err := client.Batch(ctx, ops...); err != nil {
			return fmt.Errorf("reading dedupe slots from %d: %w", start, err)
		}
		for i, op := range ops {
			if len(op.Value) != 24 {
				return nil
			}
			e := dedupeEntry{at: int64(binary.BigEndian.Uint64(op.Value[:8]))}
			copy(e.key[:], op.Value[8:])
			slot := start + i
			d.ring[slot] = e
			if e.at > d.seen[e.key] {
				d.seen[e.key] = e.at
			}
			if e.at > d.last {
				d.last = e.at
				d.next = (slot + 1) % len(d.ring)
			}
		}
	}
	return nil
}
