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
// the progress of re-reads whose age did not change; a new re-read starts at
// now − its age (earlier windows were read at least that late already, or are
// past). The caller holds p.mu or runs before the loop starts.
func (p *Poller) setLanes(now time.Time) {
	byAge := map[time.Duration]*rereadState{}
	for _, r := range p.cp.Rereads {
		byAge[r.Age] = r
	}
	p.lanes = []lane{{state: &p.cp.laneState}}
	p.cp.Rereads = nil
	for _, age := range Schedule(p.cfg.LateArrivals.Horizon, p.cfg.Lag) {
		r, ok := byAge[age]
		if !ok {
			r = &rereadState{Age: age, laneState: laneState{Watermark: p.align(now.Add(-age))}}
		}
		p.cp.Rereads = append(p.cp.Rereads, r)
		p.lanes = append(p.lanes, lane{age: age, state: &r.laneState, attrs: metric.WithAttributeSet(attribute.NewSet(
			attribute.String("receiver", p.set.Receiver.ID.String()), attribute.String("stream", p.set.Stream),
			attribute.String("reread", age.String())))})
	}
}

func (p *Poller) align(t time.Time) time.Time {
	if prec := p.set.Precision; prec > 0 {
		return t.Truncate(prec)
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
		start := r.Watermark
		if r.Pass != nil {
			start = r.Pass.Start
		}
		if start.Before(f) {
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
