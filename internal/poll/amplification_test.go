package poll

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// lateMix is a realistic lateness mix after Google's documented lags: most
// events published within a minute, account changes in tens of minutes, some
// applications in hours, a few later than the 6h horizon.
func lateMix(r *rand.Rand) time.Duration {
	switch x := r.Float64(); {
	case x < 0.90:
		return time.Duration(r.Int64N(int64(time.Minute)))
	case x < 0.97:
		return 5*time.Minute + time.Duration(r.Int64N(int64(25*time.Minute)))
	case x < 0.99:
		return 30*time.Minute + time.Duration(r.Int64N(int64(90*time.Minute)))
	case x < 0.999:
		return 2*time.Hour + time.Duration(r.Int64N(int64(3*time.Hour)))
	default:
		return 7 * time.Hour
	}
}

// stepper drives a poller's passes synchronously on the harness's clock.
type stepper struct {
	h *harness
	p *Poller
}

func newStepper(b *testing.B, h *harness, cfg Config) *stepper {
	p, err := New(&cfg, h.settings("fp"), h.rec)
	require.NoError(b, err)
	p.client = h.store
	p.cp, err = p.loadCheckpoint(context.Background())
	require.NoError(b, err)
	p.setLanes(h.clock.Now())
	b.Cleanup(func() { p.tb.Shutdown() })
	return &stepper{h, p}
}

func (s *stepper) catchUp(b *testing.B) {
	for {
		caughtUp, err := s.p.passes(context.Background(), context.Background())
		require.NoError(b, err)
		if caughtUp {
			return
		}
	}
}

// BenchmarkReadAmplification runs Google's defaults (poll every minute at a 3m
// lag, re-reads at 45m, 3h and 6h, pages of 1000) over a simulated clock:
// 12 hours of a steady 10,000 events an hour with lateMix, then a 5-hour
// outage and its catch-up, then 7 hours steady again. It reports requests and
// events read per event delivered for each phase, event time → export latency
// (to the minute the simulated clock moves by; all events, and those Google
// published within a minute, of the events that arrived while the stream
// was up), late events recovered per
// re-read, and duplicates.
func BenchmarkReadAmplification(b *testing.B) {
	for range b.N {
		h := newHarness(b)
		h.api.pageSize = 1000
		cfg := NewDefaultConfig(time.Minute, 3*time.Minute, 6*time.Hour)
		cfg.InitialLookback = time.Hour
		r := rand.New(rand.NewPCG(1, 2))
		var pending []lateEvent
		deliveredAt := map[string]time.Duration{}
		eventTime := map[string]time.Time{}
		prompt := map[string]bool{}   // published within a minute
		measured := map[string]bool{} // arrived while the stream was up
		arrive := func(d time.Duration, up bool) {
			from := h.clock.Now()
			for i := range int(d / (360 * time.Millisecond)) { // 10,000 an hour
				t := from.Add(time.Duration(i) * 360 * time.Millisecond)
				e := lateEvent{id: fmt.Sprintf("%s-%d", from.Format("0102150405"), i), t: t, lateness: lateMix(r)}
				pending = append(pending, e)
				eventTime[e.id] = e.t
				prompt[e.id] = e.lateness < time.Minute
				measured[e.id] = up
			}
		}
		s := newStepper(b, h, cfg)
		s.catchUp(b)
		phase := func(name string, d time.Duration, up bool) {
			calls0, read0 := h.api.calls.Load(), h.api.served.Load()
			_, delivered0, _ := h.rec.counts()
			for end := h.clock.Now().Add(d); h.clock.Now().Before(end); {
				arrive(time.Minute, up)
				h.clock.advance(time.Minute)
				pending = h.publish(pending)
				if up {
					s.catchUp(b)
				}
				h.rec.mu.Lock()
				for id := range h.rec.seen {
					if _, ok := deliveredAt[id]; !ok {
						deliveredAt[id] = h.clock.Now().Sub(eventTime[id])
					}
				}
				h.rec.mu.Unlock()
			}
			if !up {
				s.catchUp(b)
			}
			_, delivered, _ := h.rec.counts()
			n := float64(delivered - delivered0)
			b.ReportMetric(float64(h.api.calls.Load()-calls0)/n, name+"_requests/event")
			b.ReportMetric(float64(h.api.served.Load()-read0)/n, name+"_reads/event")
		}
		phase("steady", 12*time.Hour, true)
		phase("outage5h", 5*time.Hour, false)
		phase("after", 7*time.Hour, true)
		var lat, promptLat []time.Duration
		for id, d := range deliveredAt {
			if !measured[id] {
				continue
			}
			lat = append(lat, d)
			if prompt[id] {
				promptLat = append(promptLat, d)
			}
		}
		slices.Sort(lat)
		slices.Sort(promptLat)
		b.ReportMetric(lat[len(lat)/2].Minutes(), "latency_p50_min")
		b.ReportMetric(lat[len(lat)*99/100].Minutes(), "latency_p99_min")
		b.ReportMetric(promptLat[len(promptLat)/2].Minutes(), "prompt_latency_p50_min")
		b.ReportMetric(promptLat[len(promptLat)*99/100].Minutes(), "prompt_latency_p99_min")
		_, _, dup := h.rec.counts()
		b.ReportMetric(float64(dup), "duplicates")
		m, err := h.tel.GetMetric("otelcol_authtrail_poll_late_events_recovered")
		require.NoError(b, err)
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			age, _ := dp.Attributes.Value("reread")
			b.ReportMetric(float64(dp.Value), "recovered_at_"+age.AsString())
		}
	}
}
