package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/authtrail/authtrail/internal/poll/internal/metadata"
)

// Settings is what a receiver hands the loop besides its configuration.
type Settings struct {
	Receiver receiver.Settings
	Source   Source
	// Name tells apart the streams of one receiver (e.g. one per application);
	// it names the receiver's storage client.
	Name string
	// Fingerprint identifies the stream (tenant, application, filters): a
	// checkpoint written under another fingerprint is not reused.
	Fingerprint string
	// Retention is how far back the vendor keeps events (zero: unlimited).
	Retention time.Duration
	// Precision is the resolution of the vendor's event times and range
	// parameters (Authgear: 1s). Windows are aligned to it so that the window
	// the vendor is asked for is exactly the one the loop dedupes over.
	Precision time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Poller runs passes over a vendor API until shut down.
type Poller struct {
	cfg     *Config
	set     Settings
	next    consumer.Logs
	logger  *zap.Logger
	tb      *metadata.TelemetryBuilder
	obsrecv *receiverhelper.ObsReport
	attrs   metric.MeasurementOption

	host   component.Host
	client storage.Client
	cp     *checkpoint
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex // guards cp for Checkpoint()
}

// New prepares a poller; nothing runs until Start.
func New(cfg *Config, set Settings, next consumer.Logs) (*Poller, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.Receiver.ID, Transport: "http", ReceiverCreateSettings: set.Receiver,
	})
	if err != nil {
		return nil, fmt.Errorf("creating receiver telemetry: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.Receiver.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating poll telemetry: %w", err)
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	return &Poller{
		cfg: cfg, set: set, next: next, logger: set.Receiver.Logger, tb: tb, obsrecv: obsrecv,
		attrs: metric.WithAttributeSet(attribute.NewSet(attribute.String("receiver", set.Receiver.ID.String()))),
	}, nil
}

// Start opens the checkpoint store and starts polling in the background.
func (p *Poller) Start(ctx context.Context, host component.Host) error {
	client, err := p.storageClient(ctx, host)
	if err != nil {
		return err
	}
	return p.startWith(ctx, host, client)
}

func (p *Poller) startWith(ctx context.Context, host component.Host, client storage.Client) error {
	p.host, p.client = host, client
	cp, err := loadCheckpoint(ctx, client)
	if err != nil {
		return err
	}
	switch {
	case cp == nil:
		cp = &checkpoint{Fingerprint: p.set.Fingerprint}
	case cp.Fingerprint != p.set.Fingerprint:
		p.logger.Info("the configuration that defines the stream changed; starting a new stream from initial_lookback")
		cp = &checkpoint{Fingerprint: p.set.Fingerprint}
	}
	if cp.Recent == nil {
		cp.Recent = map[string]int64{}
	}
	p.cp = cp
	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go p.run(runCtx)
	return nil
}

func (p *Poller) storageClient(ctx context.Context, host component.Host) (storage.Client, error) {
	if p.cfg.StorageID == nil {
		p.logger.Warn("no storage extension configured: the checkpoint lives in memory, so a restart re-reads initial_lookback and may deliver events twice")
		return newMemClient(), nil
	}
	ext, ok := host.GetExtensions()[*p.cfg.StorageID]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found; add it to service.extensions", p.cfg.StorageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", p.cfg.StorageID)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, p.set.Receiver.ID, p.set.Name)
	if err != nil {
		return nil, fmt.Errorf("storage: opening %q: %w", p.cfg.StorageID, err)
	}
	return client, nil
}

// Shutdown stops polling; a page in flight is not acknowledged, so it is read
// again after the next start.
func (p *Poller) Shutdown(ctx context.Context) error {
	if p.cancel != nil {
		p.cancel()
		select {
		case <-p.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var err error
	if p.client != nil {
		err = p.client.Close(ctx)
	}
	p.tb.Shutdown()
	return err
}

func (p *Poller) run(ctx context.Context) {
	defer close(p.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		caughtUp, err := p.pass(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := p.cfg.PollInterval
		if err == nil && !caughtUp {
			wait = 0 // catching up: the next window at once
		}
		timer.Reset(wait)
	}
}

// pass reads one window page by page. The watermark advances to the window's
// end only after every page was consumed; after each consumed page the
// checkpoint records where to resume.
func (p *Poller) pass(ctx context.Context) (caughtUp bool, err error) {
	now := p.set.Now()
	horizon := now.Add(-p.cfg.Lag)
	cp := p.cp
	if cp.Pass == nil {
		start := cp.Watermark.Add(-p.cfg.Overlap)
		if cp.Watermark.IsZero() {
			start = now.Add(-p.cfg.InitialLookback)
		}
		if r := p.set.Retention; r > 0 && start.Before(now.Add(-r)) {
			start = now.Add(-r).Add(time.Minute) // the vendor's horizon moves while we read
		}
		end := horizon
		if end.Sub(start) > p.cfg.MaxWindow {
			end = start.Add(p.cfg.MaxWindow)
		}
		if prec := p.set.Precision; prec > 0 {
			start, end = start.Truncate(prec), end.Truncate(prec)
		}
		if !end.After(start) {
			return true, nil
		}
		cp.Pass = &passState{Start: start, End: end}
	}
	w := Window{Start: cp.Pass.Start, End: cp.Pass.End}
	caughtUp = horizon.Sub(w.End) < p.cfg.PollInterval
	keepFrom := w.End.Add(-p.cfg.Overlap).UnixNano() // ids that can reappear next pass

	// The next page is fetched while the current one is delivered: the vendor
	// renders while the pipeline consumes. Only a delivered page moves the
	// checkpoint, so a prefetched page that is never delivered is read again.
	// A prefetch still in flight when the pass ends is cancelled and awaited.
	fetchCtx, cancel := context.WithCancel(ctx)
	var pending <-chan fetched
	defer func() {
		cancel()
		if pending != nil {
			<-pending
		}
	}()
	pending = p.prefetch(fetchCtx, w, cp.Pass.Cursor)
	for {
		res := <-pending
		pending = nil
		if res.err != nil {
			return false, res.err
		}
		page := res.page
		if page.Next != "" {
			pending = p.prefetch(fetchCtx, w, page.Next)
		}
		fresh, seen := p.dedupe(page.Logs, cp.Pass.Previous)
		// A fetched page is delivered and checkpointed even when shutdown begins
		// meanwhile: cancelling between the two would deliver it again after a
		// restart. Shutdown's own deadline bounds the wait.
		deliverCtx := context.WithoutCancel(ctx)
		if n := page.Logs.LogRecordCount(); n > 0 {
			opCtx := p.obsrecv.StartLogsOp(deliverCtx)
			err := p.next.ConsumeLogs(opCtx, page.Logs)
			p.obsrecv.EndLogsOp(opCtx, "json", n, err)
			if err != nil {
				p.logger.Warn("the pipeline refused a page; the pass stops and resumes at the next poll",
					zap.Error(err), zap.Time("window_start", w.Start), zap.Time("window_end", w.End))
				return false, err
			}
			p.tb.AuthtrailPollEventsEmitted.Add(deliverCtx, int64(n), p.attrs)
		}
		p.mu.Lock()
		for id, t := range fresh {
			if t >= keepFrom {
				cp.Recent[id] = t
			}
		}
		if page.Next == "" {
			cp.Watermark, cp.Pass = w.End, nil
			cp.prune(w.End.Add(-p.cfg.Overlap), p.cfg.MaxRecentIDs)
		} else {
			cp.Pass.Cursor, cp.Pass.Previous = page.Next, seen
		}
		raw, err := cp.encode()
		p.mu.Unlock()
		if err == nil {
			err = saveCheckpoint(deliverCtx, p.client, raw)
		}
		if err != nil {
			p.logger.Error("could not save the checkpoint; events may be delivered again after a restart", zap.Error(err))
		}
		if page.Next == "" {
			p.tb.AuthtrailPollLag.Record(deliverCtx, now.Sub(w.End).Seconds(), p.attrs)
			return caughtUp, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
}

type fetched struct {
	page Page
	err  error
}

// prefetch fetches the page at cursor in the background.
func (p *Poller) prefetch(ctx context.Context, w Window, cursor string) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		page, err := p.fetch(ctx, w, cursor)
		ch <- fetched{page, err}
	}()
	return ch
}

// dedupe drops records whose event.id was already delivered (the overlap, or a
// shifted offset cursor re-reading the previous page). It returns the event
// times of the records kept, and every id of the page.
func (p *Poller) dedupe(ld plog.Logs, previous []string) (fresh map[string]int64, seen []string) {
	fresh = map[string]int64{}
	var dropped int64
	prev := make(map[string]struct{}, len(previous))
	for _, id := range previous {
		prev[id] = struct{}{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	removeByEventID(ld, func(id string, lr plog.LogRecord) bool {
		seen = append(seen, id)
		_, inPrev := prev[id]
		_, inRecent := p.cp.Recent[id]
		_, inPage := fresh[id]
		if inPrev || inRecent || inPage {
			dropped++
			return true
		}
		fresh[id] = int64(lr.Timestamp())
		return false
	})
	if dropped > 0 {
		p.tb.AuthtrailPollDuplicatesDropped.Add(context.Background(), dropped, p.attrs)
	}
	return fresh, seen
}

// fetch gets one page, retrying 429, 5xx, network and malformed answers with
// exponential backoff and jitter, and never sooner than the vendor's Retry-After.
func (p *Poller) fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     p.cfg.BackOff.InitialInterval,
		RandomizationFactor: p.cfg.BackOff.RandomizationFactor,
		Multiplier:          p.cfg.BackOff.Multiplier,
		MaxInterval:         p.cfg.BackOff.MaxInterval,
	}
	bo.Reset()
	failing := false
	for {
		page, err := p.set.Source.Fetch(ctx, w, cursor)
		if err == nil {
			p.tb.AuthtrailPollPagesFetched.Add(ctx, 1, p.attrs)
			if failing {
				componentstatus.ReportStatus(p.host, componentstatus.NewEvent(componentstatus.StatusOK))
			}
			return page, nil
		}
		if ctx.Err() != nil {
			return Page{}, ctx.Err()
		}
		apiErr := Classify(err)
		p.tb.AuthtrailPollAPIErrors.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
			attribute.String("receiver", p.set.Receiver.ID.String()), attribute.String("class", string(apiErr.Class)))))
		if !apiErr.Retryable() {
			componentstatus.ReportStatus(p.host, componentstatus.NewPermanentErrorEvent(apiErr))
			p.logger.Error("the vendor API refused the request; fix the configuration, polling retries at the next interval",
				zap.Error(apiErr))
			return Page{}, apiErr
		}
		if !p.cfg.BackOff.Enabled {
			return Page{}, apiErr
		}
		if !failing {
			componentstatus.ReportStatus(p.host, componentstatus.NewRecoverableErrorEvent(apiErr))
			failing = true
		}
		wait := bo.NextBackOff()
		if apiErr.RetryAfter > wait {
			wait = apiErr.RetryAfter
		}
		p.logger.Debug("vendor API call failed; retrying", zap.Error(apiErr), zap.Duration("wait", wait))
		select {
		case <-ctx.Done():
			return Page{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Seen reports whether an event id was already delivered (by a pass, or through
// Remember).
func (p *Poller) Seen(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cp == nil {
		return false
	}
	_, ok := p.cp.Recent[id]
	return ok
}

// Remember records an event delivered another way (a vendor webhook), so that
// the pass that later reads it drops it.
func (p *Poller) Remember(id string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cp != nil {
		p.cp.Recent[id] = t.UnixNano()
	}
}

// Watermark returns the end of the last completed pass (for tests and status).
func (p *Poller) Watermark() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cp == nil {
		return time.Time{}
	}
	return p.cp.Watermark
}

// memClient is the in-memory checkpoint store used without a storage extension.
type memClient struct {
	mu sync.Mutex
	m  map[string][]byte
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

func (*memClient) Close(context.Context) error { return nil }
