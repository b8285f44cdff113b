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
func (p *Poller) pass(ctx, deliverCtx context.Context) (caughtUp bool, err error) {
	now := p.set.Now()
	ps := p.nextPass(now)
	if ps == nil {
		return true, nil
	}
	w := Window{Start: ps.Start, End: ps.End}
	caughtUp = now.Add(-p.cfg.Lag).Sub(w.End) < p.cfg.PollInterval
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
		handled, seen, err := p.deliver(deliverCtx, w, page, ps.Previous)
		if err != nil {
			return false, err
		}
		p.commit(deliverCtx, ps, page.Next, handled, seen)
		if page.Next == "" {
			p.tb.AuthtrailPollLag.Record(deliverCtx, now.Sub(w.End).Seconds(), p.measure())
			return caughtUp, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
}

// nextPass returns the pass to run, or nil when no window is due yet.
func (p *Poller) nextPass(now time.Time) *passState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cp.Pass == nil {
		w, ok := p.openWindow(now)
		if !ok {
			return nil
		}
		p.cp.Pass = &passState{Start: w.Start, End: w.End}
	}
	return p.cp.Pass
}

// openWindow is [watermark − overlap, now − lag), from initial_lookback on a
// new stream, inside the vendor's retention, at most max_window long, aligned
// to the vendor's precision.
func (p *Poller) openWindow(now time.Time) (Window, bool) {
	start := p.cp.Watermark.Add(-p.cfg.Overlap)
	if p.cp.Watermark.IsZero() {
		start = now.Add(-p.cfg.InitialLookback)
	}
	if r := p.set.Retention; r > 0 && start.Before(now.Add(-r)) {
		start = now.Add(-r).Add(time.Minute) // the vendor's horizon moves while we read
	}
	end := now.Add(-p.cfg.Lag)
	if end.Sub(start) > p.cfg.MaxWindow {
		end = start.Add(p.cfg.MaxWindow)
	}
	if prec := p.set.Precision; prec > 0 {
		start, end = start.Truncate(prec), end.Truncate(prec)
	}
	return Window{Start: start, End: end}, end.After(start)
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
// pipeline refused for good) and every id of the page. Any other refusal is
// returned: the page is not committed and is read again at the next poll.
func (p *Poller) deliver(ctx context.Context, w Window, page Page, previous []string) (handled []idTime, seen []string, err error) {
	handled, seen = p.dedupe(page.Logs, previous)
	n := page.Logs.LogRecordCount()
	if n == 0 {
		return handled, seen, nil
	}
	opCtx := p.obsrecv.StartLogsOp(ctx)
	err = p.next.ConsumeLogs(opCtx, page.Logs)
	p.obsrecv.EndLogsOp(opCtx, "json", n, err)
	switch {
	case err == nil:
		p.tb.AuthtrailPollEventsEmitted.Add(ctx, int64(n), p.measure())
		p.drainFails.recovered()
	case consumererror.IsPermanent(err):
		p.dropPage(ctx, w, n, handled, err)
		p.drainFails.recovered()
	default:
		p.drainFails.failed(zapcore.WarnLevel, err, "the page is read again at the next poll")
		return nil, nil, err
	}
	return handled, seen, nil
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

// dedupe drops records whose event.id was already handled (the overlap, or a
// shifted offset cursor re-reading the previous page). It returns the ids and
// times of the records kept, and every id of the page.
func (p *Poller) dedupe(ld plog.Logs, previous []string) (kept []idTime, seen []string) {
	prev := make(map[string]struct{}, len(previous))
	for _, id := range previous {
		prev[id] = struct{}{}
	}
	inPage := map[string]struct{}{}
	var dropped int64
	p.mu.Lock()
	defer p.mu.Unlock()
	removeByEventID(ld, func(id string, lr plog.LogRecord) bool {
		seen = append(seen, id)
		_, inPrev := prev[id]
		_, inRecent := p.cp.Recent[id]
		_, again := inPage[id]
		if inPrev || inRecent || again {
			dropped++
			return true
		}
		inPage[id] = struct{}{}
		kept = append(kept, idTime{id, int64(lr.Timestamp())})
		return false
	})
	if dropped > 0 {
		p.tb.AuthtrailPollDuplicatesDropped.Add(context.Background(), dropped, p.measure())
	}
	return kept, seen
}

// commit records a handled page and saves the checkpoint. Ids that can
// reappear in the next pass's overlap are remembered.
func (p *Poller) commit(ctx context.Context, ps *passState, next string, handled []idTime, seen []string) {
	keepFrom := ps.End.Add(-p.cfg.Overlap).UnixNano()
	p.mu.Lock()
	for _, h := range handled {
		if h.t >= keepFrom {
			p.remember(h.id, h.t)
		}
	}
	cp := p.cp
	if next == "" {
		cp.Watermark, cp.Pass = ps.End, nil
		cp.prune(ps.End.Add(-p.cfg.Overlap), p.cfg.MaxRecentIDs)
	} else {
		cp.Pass.Cursor, cp.Pass.Previous = next, seen
	}
	raw, err := cp.encode()
	p.mu.Unlock()
	if err == nil {
		err = saveCheckpoint(ctx, p.client, raw)
	}
	if err != nil {
		p.logger.Error("could not save the checkpoint; events may be delivered again after a restart", zap.Error(err))
	}
}
