package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
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
	// Stream names the stream in logs and metrics (e.g. "audit_log", "login").
	Stream string
	// Endpoint is where the stream is read from, for logs.
	Endpoint string
	// Fingerprint identifies the stream (see Fingerprint): a checkpoint
	// written under another fingerprint is not reused.
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

// Poller runs passes over one stream of a vendor API until shut down.
type Poller struct {
	cfg     *Config
	set     Settings
	next    consumer.Logs
	logger  *zap.Logger
	tb      *metadata.TelemetryBuilder
	obsrecv *receiverhelper.ObsReport
	attrs   attribute.Set

	host       component.Host
	client     storage.Client
	health     streamHealth
	apiFails   failureLog
	drainFails failureLog
	saveFails  failureLog

	cancel context.CancelFunc
	// abandon cancels deliveries, which otherwise outlive the loop's context
	// (see deliver), when Shutdown's own deadline passes.
	abandon context.CancelFunc
	done    chan struct{}

	closeClient sync.Once

	mu     sync.Mutex // guards cp and claims: webhooks claim ids while a pass runs
	cp     *checkpoint
	lanes  []lane            // the main pass, then the re-reads (see setLanes)
	claims map[string]*claim // ids being delivered (see claimRecords)
	// onClaimWait, when set (by tests), is called each time a delivery waits
	// for another copy's claim.
	onClaimWait func()

	// sharers are the pollers whose consumer is SharedStream(p, …): p keeps
	// delivered ids until their lanes are past them too (see keepFloor).
	sharers []*Poller
	// readFrom is floor() as of the last commit (Unix ns), for the pollers
	// this one shares a stream with.
	readFrom atomic.Int64
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
	logger := set.Receiver.Logger.With(zap.String("receiver", set.Receiver.ID.String()),
		zap.String("stream", set.Stream), zap.String("endpoint", set.Endpoint))
	p := &Poller{
		cfg: cfg, set: set, next: next, logger: logger, tb: tb, obsrecv: obsrecv, claims: map[string]*claim{},
		attrs:      attribute.NewSet(attribute.String("receiver", set.Receiver.ID.String()), attribute.String("stream", set.Stream)),
		apiFails:   failureLog{logger: logger, now: set.Now, what: "polling the vendor API"},
		drainFails: failureLog{logger: logger, now: set.Now, what: "delivering to the pipeline"},
		saveFails:  failureLog{logger: logger, now: set.Now, what: "saving the checkpoint"},
	}
	if s, ok := next.(*sharedStream); ok {
		s.sharedBy(p)
	}
	return p, nil
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
	if p.health.report == nil {
		p.health.report = func(ev *componentstatus.Event) { componentstatus.ReportStatus(host, ev) }
	}
	cp, err := p.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	p.cp = cp
	p.setLanes(p.set.Now())
	p.publishFloor()
	p.logStart()
	runCtx, cancel := context.WithCancel(context.Background())
	deliverCtx, abandon := context.WithCancel(context.Background())
	p.cancel, p.abandon, p.done = cancel, abandon, make(chan struct{})
	go p.run(runCtx, deliverCtx)
	return nil
}

func (p *Poller) logStart() {
	from := "a new stream, from initial_lookback"
	if !p.cp.Watermark.IsZero() {
		from = "resuming after " + p.cp.Watermark.UTC().Format(time.RFC3339)
	}
	store := "memory (a restart reads initial_lookback again)"
	if p.cfg.StorageID != nil {
		store = p.cfg.StorageID.String()
	}
	p.logger.Info("polling", zap.String("from", from), zap.Duration("poll_interval", p.cfg.PollInterval),
		zap.Duration("lag", p.cfg.Lag), zap.Duration("overlap", p.cfg.Overlap),
		zap.Durations("rereads_at_age", Schedule(p.cfg.LateArrivals.Horizon, p.cfg.Lag)), zap.String("checkpoints", store))
}

// storageClient opens the configured storage extension. Without one the
// checkpoint lives only in the poller (p.cp), which is all an in-memory
// store would hold: a new poller starts empty either way. The collector's
// no-op client stands in for the store.
func (p *Poller) storageClient(ctx context.Context, host component.Host) (storage.Client, error) {
	if p.cfg.StorageID == nil {
		p.logger.Warn("no storage extension configured: the checkpoint lives in memory, so a restart re-reads initial_lookback and may deliver events twice")
		return storage.NewNopClient(), nil
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

// Shutdown stops polling. A page already fetched is delivered and
// checkpointed first unless ctx expires; then its delivery is cancelled, and
// the storage client and telemetry are released all the same. A second call
// (after a failed start, say) does nothing more.
func (p *Poller) Shutdown(ctx context.Context) error {
	var errs []error
	if p.cancel != nil {
		p.cancel()
		select {
		case <-p.done:
			p.saveSettled(ctx)
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("stream %q: a delivery was still running: %w", p.set.Stream, ctx.Err()))
		}
		p.abandon()
		p.cancel = nil
	}
	if p.client != nil {
		p.closeClient.Do(func() {
			// Closing needs no deadline of its own; an expired ctx must not skip it.
			errs = append(errs, p.client.Close(context.WithoutCancel(ctx)))
		})
	}
	p.tb.Shutdown()
	return errors.Join(errs...)
}

// saveSettled saves the checkpoint once the loop stopped: ids settled another
// way (SharedStream, Remember) since the last commit are kept, so a restart
// does not deliver their other copy again. Only a crash loses them (then an
// event may be delivered twice, never lost).
func (p *Poller) saveSettled(ctx context.Context) {
	p.mu.Lock()
	ops, w, err := p.cp.encode()
	p.mu.Unlock()
	if err == nil {
		err = p.save(context.WithoutCancel(ctx), ops, w)
	}
	if err != nil {
		p.logger.Error("could not save the checkpoint at shutdown; events may be delivered again after a restart", zap.Error(err))
	}
}

// run passes until cancelled: at once while catching up, else every
// poll_interval. A stream whose requests only a configuration change can fix
// stops.
func (p *Poller) run(ctx, deliverCtx context.Context) {
	defer close(p.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		caughtUp, err := p.passes(ctx, deliverCtx)
		if ctx.Err() != nil {
			return
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Permanent() {
			p.readFrom.Store(math.MaxInt64) // stopped for good: it holds no one's ids back
			return
		}
		wait := p.cfg.PollInterval
		if err == nil && !caughtUp {
			wait = 0 // catching up: the next window at once
		}
		timer.Reset(wait)
	}
}

// passes runs one pass of each lane in turn, the main pass first; a failure
// ends the round (the vendor is likely failing for every lane).
func (p *Poller) passes(ctx, deliverCtx context.Context) (caughtUp bool, err error) {
	caughtUp = true
	for _, l := range p.lanes {
		done, err := p.pass(ctx, deliverCtx, l)
		if err != nil || ctx.Err() != nil {
			return false, err
		}
		caughtUp = caughtUp && done
	}
	return caughtUp, nil
}

// Seen reports whether an event id was already delivered (by a pass, or through
// Remember).
func (p *Poller) Seen(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delivered(id)
}

// delivered reports whether id was delivered; the caller holds p.mu.
func (p *Poller) delivered(id string) bool {
	if p.cp == nil {
		return false
	}
	return p.cp.Seen.contains(hashID(id))
}

// Remember records an event delivered another way (a vendor webhook), so that
// the pass that later reads it drops it.
func (p *Poller) Remember(id string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cp != nil {
		p.remember(id, t.UnixNano())
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

func (p *Poller) measure() metric.MeasurementOption { return metric.WithAttributeSet(p.attrs) }
