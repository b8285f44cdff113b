package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// A pass reads one window page by page, in four steps:
//
//  1. nextPass: resume the pass a restart or failure interrupted, or open the
//     window after the watermark.
//  2. readAhead: fetch pages (the next one while the current is delivered).
//  3. deliver: drop ids already delivered, hand the rest to the pipeline.
//  4. commit: checkpoint the page: the next cursor, or after the last page the
//     window's end as the new watermark.
//
// A page is committed only once the pipeline accepted it, or refused it for
// good (then it is dropped and counted, see dropPage); any other failure ends
// the pass, and the next one starts again at the saved cursor.
//
// A re-read runs the same four steps over a window of its lane (see lane).
func (p *Poller) pass(ctx, deliverCtx context.Context, l lane) (caughtUp bool, err error) {
	now := p.set.Now()
	ps, limit := p.nextPass(now, l)
	if ps == nil {
		return true, nil
	}
	w := Window{Start: ps.Start, End: ps.End}
	caughtUp = limit.Sub(w.End) < p.step(l)
	pages := p.readAhead(ctx, w, ps.Cursor)
	defer pages.stop()
	for {
		page, err := pages.next()
		if err != nil {
			return false, err
		}
		// A fetched page is delivered and committed even when shutdown begins
		// meanwhile: stopping between the two would deliver it again after a
		// restart. Shutdown's deadline cancels deliverCtx.
		handled, emitted, seen, err := p.deliver(deliverCtx, l, w, page, ps.Previous)
		if err != nil {
			return false, err
		}
		// Counted before the commit, so that whoever sees the lane move on
		// also sees the page's reads in the metrics.
		if l.reread() {
			p.countReread(deliverCtx, l, now, len(seen), emitted, page.Next == "")
		}
		p.commit(deliverCtx, l, ps, page.Next, handled, seen)
		if page.Next == "" && !l.reread() {
			p.tb.AuthtrailPollLag.Record(deliverCtx, now.Sub(w.End).Seconds(), p.measure())
		}
		if page.Next == "" {
			return caughtUp, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
}

// nextPass returns the lane's pass to run, or nil when no window is due yet,
// and how far the lane may read now.
func (p *Poller) nextPass(now time.Time, l lane) (*passState, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	limit := p.limit(now, l)
	if ps := l.state.Pass; ps != nil && p.pastRetention(now, ps.Start) {
		// Resumed after a long failure or stop: the vendor refuses a window
		// it no longer keeps. A new window opens inside what it keeps.
		p.logger.Warn("the pass in progress starts before what the vendor keeps: events older than that are gone; reading its kept part again",
			zap.Time("window_start", ps.Start), zap.Time("window_end", ps.End), zap.Duration("retention", p.set.Retention))
		l.state.Pass = nil
	}
	if l.state.Pass == nil {
		w, ok := p.openWindow(now, l, limit)
		if !ok {
			return nil, limit
		}
		l.state.Pass = &passState{Start: w.Start, End: w.End}
	}
	return l.state.Pass, limit
}

// limit is where the lane's windows end: now − lag for the main pass; now −
// age for a re-read, but never past the main watermark.
func (p *Poller) limit(now time.Time, l lane) time.Time {
	if !l.reread() {
		return now.Add(-p.cfg.Lag)
	}
	end := now.Add(-l.age)
	if p.cp.Watermark.Before(end) {
		end = p.cp.Watermark
	}
	return end
}

// step is the shortest window a lane opens once caught up.
func (p *Poller) step(l lane) time.Duration {
	if !l.reread() {
		return p.cfg.PollInterval
	}
	return rereadStep(l.age, p.cfg.PollInterval)
}

// openWindow is [watermark − overlap, limit) for the main pass, from
// initial_lookback on a new stream; [watermark, limit) for a re-read, at least
// its step long. Inside the vendor's retention, at most max_window long,
// aligned to the vendor's precision.
func (p *Poller) openWindow(now time.Time, l lane, limit time.Time) (Window, bool) {
	start := l.state.Watermark
	if !l.reread() {
		start = start.Add(-p.cfg.Overlap)
		if l.state.Watermark.IsZero() {
			start = now.Add(-p.cfg.InitialLookback)
		}
	} else if limit.Sub(start) < p.step(l) {
		return Window{}, false
	}
	if oldest := p.oldestStart(now); start.Before(oldest) {
		start = oldest
	}
	end := limit
	if end.Sub(start) > p.cfg.MaxWindow {
		end = start.Add(p.cfg.MaxWindow)
	}
	start, end = p.align(start), p.align(end)
	return Window{Start: start, End: end}, end.After(start)
}

// pastRetention reports whether t is older than the vendor keeps events.
func (p *Poller) pastRetention(now, t time.Time) bool {
	return p.set.Retention > 0 && t.Before(now.Add(-p.set.Retention))
}

// retentionMargin is how far inside the vendor's retention windows open (at
// most a quarter of it): the vendor's horizon moves while a pass reads its
// pages, is restarted or waits for the pipeline, and a start past it is
// refused.
const retentionMargin = 24 * time.Hour

// oldestStart is the earliest start a new window takes; zero when the vendor
// keeps events for good.
func (p *Poller) oldestStart(now time.Time) time.Time {
	r := p.set.Retention
	if r <= 0 {
		return time.Time{}
	}
	return now.Add(-r + min(retentionMargin, r/4))
}

// pageReader fetches the next page while the current one is delivered: the
// vendor renders while the pipeline consumes. Only a committed page moves the
// checkpoint, so a page read ahead and never delivered is read again.
type pageReader struct {
	p       *Poller
	ctx     context.Context
	cancel  context.CancelFunc
	w       Window
	pending <-chan fetched
}

type fetched struct {
	page Page
	err  error
}

func (p *Poller) readAhead(ctx context.Context, w Window, cursor string) *pageReader {
	ctx, cancel := context.WithCancel(ctx)
	r := &pageReader{p: p, ctx: ctx, cancel: cancel, w: w}
	r.pending = r.fetch(cursor)
	return r
}

func (r *pageReader) fetch(cursor string) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		page, err := r.p.fetch(r.ctx, r.w, cursor)
		ch <- fetched{page, err}
	}()
	return ch
}

// next waits for the page in flight and starts reading the one after it.
func (r *pageReader) next() (Page, error) {
	res := <-r.pending
	r.pending = nil
	if res.err == nil && res.page.Next != "" {
		r.pending = r.fetch(res.page.Next)
	}
	return res.page, res.err
}

// stop cancels a read still in flight and waits for it.
func (r *pageReader) stop() {
	r.cancel()
	if r.pending != nil {
		<-r.pending
	}
}

// idTime is a handled event id and its event time (Unix ns).
type idTime struct {
	id string
	t  int64
}

// maxLoggedIDs bounds the event ids named in one log line.
const maxLoggedIDs = 5

// deliver hands the page's new records to the pipeline. It returns what the
// commit needs: the ids handled (delivered, or dropped with a page the
// pipeline refused for good), still claimed until the commit, and every id of
// the page; and the ids it emitted (handled, less the copies another stream
// delivered, see SharedStream). Any other refusal releases the claims and is
// returned: the page is not committed and is read again at the next poll. A
// re-read reads delivered events by design: they are not counted as
// duplicates (its reads are, in reread_events_read).
func (p *Poller) deliver(ctx context.Context, l lane, w Window, page Page, previous []string) (handled, emitted []idTime, seen []string, err error) {
	forEachEventID(page.Logs, func(id string, _ plog.LogRecord) bool { seen = append(seen, id); return true })
	prev := make(map[string]struct{}, len(previous))
	for _, id := range previous {
		prev[id] = struct{}{}
	}
	handled, dropped, err := p.claimRecords(ctx, page.Logs, true, prev, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if !l.reread() {
		p.countDuplicates(dropped)
	}
	next, emitted, settleShared, err := p.meetSharedCopies(ctx, page.Logs, handled)
	if err != nil {
		p.release(handled)
		return nil, nil, nil, err
	}
	n := page.Logs.LogRecordCount()
	if n == 0 {
		settleShared(nil)
		return handled, emitted, seen, nil
	}
	opCtx := p.obsrecv.StartLogsOp(ctx)
	err = next.ConsumeLogs(opCtx, page.Logs)
	p.obsrecv.EndLogsOp(opCtx, "json", n, err)
	settleShared(err)
	switch {
	case err == nil:
		p.tb.AuthtrailPollEventsEmitted.Add(ctx, int64(n), p.measure())
		p.drainFails.recovered()
	case consumererror.IsPermanent(err):
		p.dropPage(ctx, w, n, handled, err)
		p.drainFails.recovered()
	default:
		p.release(handled)
		p.drainFails.failed(zapcore.WarnLevel, err, "the page is read again at the next poll")
		return nil, nil, nil, err
	}
	return handled, emitted, seen, nil
}

// dropPage counts and logs a page the pipeline refused for good: retrying the
// same data cannot succeed (consumererror), and would stop the stream behind it.
func (p *Poller) dropPage(ctx context.Context, w Window, records int, ids []idTime, err error) {
	p.tb.AuthtrailPollRecordsDropped.Add(ctx, int64(records), p.measure())
	named := make([]string, 0, maxLoggedIDs)
	for _, it := range ids[:min(len(ids), maxLoggedIDs)] {
		named = append(named, it.id)
	}
	p.logger.Error("the pipeline refused a page for good: its records are dropped and the stream goes on",
		zap.Error(err), zap.Time("window_start", w.Start), zap.Time("window_end", w.End),
		zap.Int("records", records), zap.Strings("first_event_ids", named))
}

// commit records a handled page and saves the checkpoint. Ids that can
// reappear in the next pass's overlap are remembered.
func (p *Poller) commit(ctx context.Context, l lane, ps *passState, next string, handled []idTime, seen []string) {
	p.mu.Lock()
	cp := p.cp
	if next == "" {
		l.state.Watermark, l.state.Pass = ps.End, nil
	} else {
		ps.Cursor = next
	}
	floor := p.keepFloor()
	keepFrom := floor.UnixNano()
	p.settle(handled, true, func(h idTime) bool { return h.t >= keepFrom })
	if next == "" {
		cp.Seen.prune(floor, p.cfg.MaxRecentIDs)
	} else {
		// The seen set drops the page's rows that a shifted offset shows
		// again; Previous needs only those it does not hold (normally none).
		ps.Previous = cp.Seen.notHeld(seen)
	}
	ops, w, err := cp.encode()
	p.mu.Unlock()
	if err == nil {
		err = p.save(ctx, ops, w)
	}
	p.health.saveResult(err)
	if err != nil {
		p.saveFails.failed(zapcore.ErrorLevel, err, "retrying with the next page; a restart before then delivers again what was delivered since the last checkpoint saved")
		return
	}
	p.saveFails.recovered()
}
