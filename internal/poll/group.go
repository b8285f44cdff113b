package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"errors"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// Group runs the streams of one receiver (one per application, say) and
// reports their combined status: OK while all are, Recoverable while any
// fails, Permanent once any cannot go on. A stream alone would overwrite
// another's failure with its own success.
type Group struct {
	pollers []*Poller

	mu       sync.Mutex
	host     component.Host
	events   []*componentstatus.Event
	reported componentstatus.Status
}

// NewGroup groups pollers that belong to one receiver.
func NewGroup(pollers ...*Poller) *Group {
	g := &Group{pollers: pollers, events: make([]*componentstatus.Event, len(pollers))}
	for i, p := range pollers {
		p.health.report = func(ev *componentstatus.Event) { g.update(i, ev) }
	}
	return g
}

// Start starts every stream; if one cannot start, those started are stopped.
func (g *Group) Start(ctx context.Context, host component.Host) error {
	g.mu.Lock()
	g.host = host
	g.mu.Unlock()
	for i, p := range g.pollers {
		if err := p.Start(ctx, host); err != nil {
			for _, started := range slices.Backward(g.pollers[:i]) {
				err = errors.Join(err, started.Shutdown(ctx))
			}
			return err
		}
	}
	return nil
}

// Shutdown stops every stream, even when ctx expires on the first, in the
// reverse order of Start: a stream whose consumer settles ids in an earlier
// stream's seen-set (SharedStream) stops before that stream saves its last
// checkpoint.
func (g *Group) Shutdown(ctx context.Context) error {
	var errs []error
	for _, p := range slices.Backward(g.pollers) {
		errs = append(errs, p.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

func (g *Group) update(stream int, ev *componentstatus.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events[stream] = ev
	worst := componentstatus.NewEvent(componentstatus.StatusOK)
	for _, e := range g.events {
		switch {
		case e == nil:
		case e.Status() == componentstatus.StatusPermanentError:
			worst = e
		case e.Status() == componentstatus.StatusRecoverableError && worst.Status() == componentstatus.StatusOK:
			worst = e
		}
	}
	if worst.Status() == g.reported || g.reported == componentstatus.StatusPermanentError {
		return
	}
	if g.reported == componentstatus.StatusNone && worst.Status() == componentstatus.StatusOK {
		g.reported = worst.Status()
		return
	}
	g.reported = worst.Status()
	componentstatus.ReportStatus(g.host, worst)
}
