package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// Every copy of an event, polled or pushed, is claimed before it is handed to
// the pipeline: checking "already delivered?" and marking it happen under one
// lock, so two copies racing through the poll and a webhook cannot both pass.
// A claim is settled (the id is remembered as delivered) once the pipeline
// accepted it, and released if it refused: a failed delivery is retried, never
// deduped.
//
// A pass's claim is durable: if its delivery fails, the pass reads the page
// again until it is delivered (or dropped for good), so another copy meeting it
// may be dropped at once. A webhook's claim is tentative (the sender decides
// whether to retry), so a copy meeting it waits for its outcome.
type claim struct {
	durable bool
	done    chan struct{} // closed when settled or released
}

// claimRecords removes from ld the records whose event.id was delivered, is
// claimed durably, or repeats within ld or skip, and claims the rest; it waits
// for tentative claims on them first. Only records match accepts (nil: all)
// are considered; the others are kept and not claimed. It returns the ids and
// times claimed and the number of records removed.
func (p *Poller) claimRecords(ctx context.Context, ld plog.Logs, durable bool, skip map[string]struct{}, match func(plog.LogRecord) bool) ([]idTime, int, error) {
	for {
		p.mu.Lock()
		if wait := p.tentativeClaim(ld, match); wait != nil {
			p.mu.Unlock()
			if p.onClaimWait != nil {
				p.onClaimWait()
			}
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, 0, fmt.Errorf("waiting for another delivery of the same event: %w", ctx.Err())
			}
		}
		kept, dropped := p.claimAll(ld, durable, skip, match)
		p.mu.Unlock()
		return kept, dropped, nil
	}
}

// tentativeClaim returns the done channel of a tentative claim on the id of
// one of ld's matching records, if any; the caller holds p.mu.
func (p *Poller) tentativeClaim(ld plog.Logs, match func(plog.LogRecord) bool) <-chan struct{} {
	var wait chan struct{}
	forEachEventID(ld, func(id string, lr plog.LogRecord) bool {
		if c, ok := p.claims[id]; ok && !c.durable && matches(match, lr) {
			wait = c.done
			return false
		}
		return true
	})
	return wait
}

// claimAll drops and claims as claimRecords says; the caller holds p.mu.
func (p *Poller) claimAll(ld plog.Logs, durable bool, skip map[string]struct{}, match func(plog.LogRecord) bool) (kept []idTime, dropped int) {
	inBatch := map[string]struct{}{}
	removeByEventID(ld, func(id string, lr plog.LogRecord) bool {
		if !matches(match, lr) {
			return false
		}
		_, skipped := skip[id]
		_, again := inBatch[id]
		_, claimed := p.claims[id]
		if skipped || again || claimed || p.delivered(id) {
			dropped++
			return true
		}
		inBatch[id] = struct{}{}
		p.claims[id] = &claim{durable: durable, done: make(chan struct{})}
		kept = append(kept, idTime{id, int64(lr.Timestamp())})
		return false
	})
	return kept, dropped
}

// settle ends the claims on ids: remembered as delivered when keep says so
// (nil: all), forgotten otherwise; the caller holds p.mu.
func (p *Poller) settle(ids []idTime, delivered bool, keep func(idTime) bool) {
	for _, it := range ids {
		if c, ok := p.claims[it.id]; ok {
			close(c.done)
			delete(p.claims, it.id)
		}
		if delivered && p.cp != nil && (keep == nil || keep(it)) {
			p.remember(it.id, it.t)
		}
	}
}

// sharedBy makes q, a poller whose consumer is s, a sharer of s.p: s.p keeps
// its delivered ids for q (see keepFloor), and a copy of q's that the pipeline
// refuses for good is settled as q's pass settles it (see ConsumeLogs).
func (s *sharedStream) sharedBy(q *Poller) {
	s.byPass = true
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.sharers = append(s.p.sharers, q)
}

// keepFloor is the earliest event time whose delivered ids p keeps: what p's
// lanes and its sharers' lanes can still read. A stream reporting some of p's
// events may be hours behind p (catching up, say) and still meet p's copies.
// It publishes p's own floor for the pollers p shares with; the caller holds
// p.mu.
func (p *Poller) keepFloor() time.Time {
	f := p.publishFloor()
	for _, q := range p.sharers {
		if qf := time.Unix(0, q.readFrom.Load()); qf.Before(f) {
			f = qf
		}
	}
	return f
}

// publishFloor publishes floor() for the pollers p shares a stream with and
// returns it. A new stream's floor precedes any event (its first window is not
// done yet): published as Unix time 0, it holds back everything.
func (p *Poller) publishFloor() time.Time {
	f := p.floor()
	var ns int64
	if f.After(time.Unix(0, 0)) {
		ns = f.UnixNano()
	}
	p.readFrom.Store(ns)
	return f
}

func matches(match func(plog.LogRecord) bool, lr plog.LogRecord) bool {
	return match == nil || match(lr)
}

// SharedStream returns a consumer for events that reach the receiver another
// way while p polls the same events: a vendor webhook, or another stream
// reporting some of p's events too. It drops the events p delivered or is
// delivering, and once next accepted the rest, p drops them when a pass reads
// them. Only records match accepts (nil: all) are deduped and remembered;
// the others pass through untouched, so p's seen-set grows only with events
// both ways carry. When it is another poller's consumer, p keeps its
// delivered ids until that poller's lanes are past them too.
//
// A copy the pipeline refuses is forgotten, so that p delivers its own, but
// for a poller's copy refused for good: that poller drops it and goes on (see
// dropPage), and p drops its own copy too, so an event is dropped once or
// accepted once, never both.
func SharedStream(p *Poller, next consumer.Logs, match func(plog.LogRecord) bool) consumer.Logs {
	return &sharedStream{p: p, next: next, match: match}
}

type sharedStream struct {
	p      *Poller
	next   consumer.Logs
	match  func(plog.LogRecord) bool
	byPass bool // the consumer of another poller (see sharedBy)
}

func (s *sharedStream) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (s *sharedStream) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	claimed, err := s.claim(ctx, ld)
	if err != nil {
		return err
	}
	if ld.LogRecordCount() > 0 {
		err = s.next.ConsumeLogs(ctx, ld)
	}
	s.settle(claimed, err)
	return err
}

// claim drops from ld the copies s.p delivered or is delivering, and claims
// the rest in s.p until settle.
func (s *sharedStream) claim(ctx context.Context, ld plog.Logs) ([]idTime, error) {
	claimed, dropped, err := s.p.claimRecords(ctx, ld, false, nil, s.match)
	if err != nil {
		return nil, err
	}
	s.p.countDuplicates(dropped)
	return claimed, nil
}

// settle ends claim's claims once next answered err.
func (s *sharedStream) settle(claimed []idTime, err error) {
	handled := err == nil || (s.byPass && consumererror.IsPermanent(err))
	s.p.mu.Lock()
	s.p.settle(claimed, handled, nil)
	s.p.mu.Unlock()
}

// meetSharedCopies drops, when p's consumer is a SharedStream, the copies of
// ld's records its owner delivered, before they are counted. It returns the
// consumer to hand the rest to, the handled ids still in ld, and what settles
// the owner's claims once that consumer answered.
func (p *Poller) meetSharedCopies(ctx context.Context, ld plog.Logs, handled []idTime) (consumer.Logs, []idTime, func(error), error) {
	s, ok := p.next.(*sharedStream)
	if !ok {
		return p.next, handled, func(error) {}, nil
	}
	claimed, err := s.claim(ctx, ld)
	if err != nil {
		return nil, nil, nil, err
	}
	left := map[string]struct{}{}
	forEachEventID(ld, func(id string, _ plog.LogRecord) bool { left[id] = struct{}{}; return true })
	var emitted []idTime
	for _, h := range handled {
		if _, ok := left[h.id]; ok {
			emitted = append(emitted, h)
		}
	}
	return s.next, emitted, func(err error) { s.settle(claimed, err) }, nil
}

// release gives up the claims of a delivery that failed.
func (p *Poller) release(ids []idTime) {
	p.mu.Lock()
	p.settle(ids, false, nil)
	p.mu.Unlock()
}

func (p *Poller) countDuplicates(n int) {
	if n > 0 {
		p.tb.AuthtrailPollDuplicatesDropped.Add(context.Background(), int64(n), p.measure())
	}
}

// removeByEventID drops the records for which drop returns true, given their
// dedupe key (see eventKey).
func removeByEventID(ld plog.Logs, drop func(id string, lr plog.LogRecord) bool) {
	schema.RemoveRecords(ld, func(lr plog.LogRecord) bool { return drop(eventKey(lr), lr) })
}

// forEachEventID calls f with each record's dedupe key until f returns false.
func forEachEventID(ld plog.Logs, f func(id string, lr plog.LogRecord) bool) {
	schema.EachRecord(ld, func(lr plog.LogRecord) bool { return f(eventKey(lr), lr) })
}

// eventKey is a record's dedupe key: its event.id or, for a record a vendor
// sent without one, a hash of its content (time, name, body, attributes; not
// the observed time, which every read sets anew), so that the re-reads of its
// window do not deliver it again. Two records alike in all of that are one.
func eventKey(lr plog.LogRecord) string {
	if v, ok := lr.Attributes().Get(schema.AttrEventID); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
		return v.Str()
	}
	h := sha256.New()
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(lr.Timestamp()))
	h.Write(ts[:])
	for _, part := range []string{lr.EventName(), lr.Body().AsString()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	attrs, _ := json.Marshal(lr.Attributes().AsRaw()) // sorted keys: stable
	h.Write(attrs)
	var sum [sha256.Size]byte
	return "content:" + hex.EncodeToString(h.Sum(sum[:0])[:16])
}
