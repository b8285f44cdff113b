package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// LateArrivalsConfig governs the re-reads of past windows, for events a vendor
// publishes after the main pass read their time.
type LateArrivalsConfig struct {
	// Horizon is how late (after its event time) an event may appear in the
	// API and still be delivered; 0 turns re-reads off.
	Horizon time.Duration `mapstructure:"horizon"`
}

// Schedule returns the ages at which each window is read again: horizon/8,
// horizon/2 and the horizon itself, skipping those the main pass (which reads
// at age lag) already covers. Ages grow geometrically because vendors' lags
// are spread that way (Google: admin events in minutes, account changes in
// tens of minutes, some applications in hours), so each re-read catches the
// next band of lateness while every window is read at most four times.
func Schedule(horizon, lag time.Duration) []time.Duration {
	var ages []time.Duration
	for _, age := range []time.Duration{horizon / 8, horizon / 2, horizon} {
		if age > lag && (len(ages) == 0 || age > ages[len(ages)-1]) {
			ages = append(ages, age)
		}
	}
	return ages
}

// rereadStep is the shortest window a re-read at age waits for: an eighth of
// its age, at least poll_interval, so the older re-reads make fewer, longer
// requests (their events are late anyway).
func rereadStep(age, interval time.Duration) time.Duration {
	return max(interval, age/8)
}

// lane is one reader of the stream's windows: the main pass (age 0: windows
// end at now − lag, from the watermark − overlap) or a re-read, whose windows
// end at now − age and never pass the main watermark, so each re-read covers
// what the main pass delivered, once, in order.
type lane struct {
	age   time.Duration
	state *laneState
	attrs metric.MeasurementOption // receiver, stream and reread (the age)
}

func (l lane) reread() bool { return l.age > 0 }

// laneState is a lane's progress: checkpointed like the main pass.
type laneState struct {
	// Watermark is the end of the lane's last completed pass.
	Watermark time.Time `json:"watermark"`
	// Pass is the pass in progress: resumed at Cursor after a restart.
	Pass *passState `json:"pass,omitempty"`
}

// rereadState is a re-read lane's progress, keyed by its age.
type rereadState struct {
	Age time.Duration `json:"age"`
	laneState
}

// setLanes builds the main lane and the re-read lanes of the schedule, keeping
// the progress of re-reads whose age did not change. A new re-read (re-reads
// turned on, the horizon or lag changed) starts at newLaneStart. The caller
// holds p.mu or runs before the loop starts.
func (p *Poller) setLanes(now time.Time) {
	covered := p.coveredFrom()
	old := p.cp.Rereads
	byAge := map[time.Duration]*rereadState{}
	for _, r := range old {
		byAge[r.Age] = r
	}
	p.lanes = []lane{{state: &p.cp.laneState}}
	p.cp.Rereads = nil
	for _, age := range Schedule(p.cfg.LateArrivals.Horizon, p.cfg.Lag) {
		r, ok := byAge[age]
		if !ok {
			r = &rereadState{Age: age, laneState: laneState{Watermark: p.newLaneStart(now, age, old, covered)}}
		}
		p.cp.Rereads = append(p.cp.Rereads, r)
		p.lanes = append(p.lanes, lane{age: age, state: &r.laneState, attrs: metric.WithAttributeSet(attribute.NewSet(
			attribute.String("receiver", p.set.Receiver.ID.String()), attribute.String("stream", p.set.Stream),
			attribute.String("reread", age.String())))})
	}
}

// coveredFrom is the earliest event time from which the loaded checkpoint
// holds every delivered id: what the last prune kept (see floor). A version-1
// checkpoint kept only its overlap's ids, so only what follows its watermark
// is known.
func (p *Poller) coveredFrom() time.Time {
	if p.cp.Version == checkpointV1 {
		return p.cp.Watermark
	}
	return p.floor()
}

// newLaneStart is where a new re-read at age starts: at now − age, or earlier
// where no remaining lane of at least that age has read yet (a horizon change
// drops lanes before they re-read their windows), but never before covered: a
// window whose delivered ids were forgotten would be delivered again. So a
// longer horizon applies to windows from the change on.
func (p *Poller) newLaneStart(now time.Time, age time.Duration, old []*rereadState, covered time.Time) time.Time {
	start := now.Add(-age)
	var readTo time.Time // how far a dropped lane of at least this age had read
	for _, r := range old {
		if r.Age >= age && r.progress().After(readTo) {
			readTo = r.progress()
		}
	}
	if !readTo.IsZero() && readTo.Before(start) {
		start = readTo
	}
	if start.Before(covered) {
		return p.alignUp(covered)
	}
	return p.align(start)
}

// progress is where the lane's reading stands: everything before it was read.
func (s *laneState) progress() time.Time {
	if s.Pass != nil {
		return s.Pass.Start
	}
	return s.Watermark
}

func (p *Poller) align(t time.Time) time.Time {
	if prec := p.set.Precision; prec > 0 {
		return t.Truncate(prec)
	}
	return t
}

// alignUp is align rounding up.
func (p *Poller) alignUp(t time.Time) time.Time {
	if a := p.align(t); a.Before(t) {
		return a.Add(p.set.Precision)
	}
	return t
}

// floor is the earliest event time a lane can still read; delivered ids older
// than it are forgotten. The caller holds p.mu.
func (p *Poller) floor() time.Time {
	f := p.cp.Watermark.Add(-p.cfg.Overlap)
	if ps := p.cp.Pass; ps != nil && ps.Start.Before(f) {
		f = ps.Start
	}
	for _, r := range p.cp.Rereads {
		if start := r.progress(); start.Before(f) {
			f = start
		}
	}
	return f
}

// countReread records a re-read page: its reads, and the events it delivered
// that no earlier read had (late events) with the age it found them at.
func (p *Poller) countReread(ctx context.Context, l lane, now time.Time, read int, delivered []idTime, last bool) {
	p.tb.AuthtrailPollRereadPages.Add(ctx, 1, l.attrs)
	p.tb.AuthtrailPollRereadEventsRead.Add(ctx, int64(read), l.attrs)
	if last {
		p.tb.AuthtrailPollRereadPasses.Add(ctx, 1, l.attrs)
	}
	if len(delivered) == 0 {
		return
	}
	p.tb.AuthtrailPollLateEventsRecovered.Add(ctx, int64(len(delivered)), l.attrs)
	for _, d := range delivered {
		p.tb.AuthtrailPollLateEventAge.Record(ctx, now.Sub(time.Unix(0, d.t)).Seconds(), l.attrs)
	}
}
