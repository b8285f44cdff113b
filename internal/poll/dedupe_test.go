package poll

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// heldConsumer holds its first delivery until release is closed, then answers
// it with firstErr; later deliveries pass at once.
type heldConsumer struct {
	next     *recorder
	entered  chan struct{}
	release  chan struct{}
	firstErr error
	calls    atomic.Int64
}

func newHeld(next *recorder, firstErr error) *heldConsumer {
	return &heldConsumer{next: next, entered: make(chan struct{}), release: make(chan struct{}), firstErr: firstErr}
}

func (c *heldConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if c.calls.Add(1) == 1 {
		close(c.entered)
		<-c.release
		if c.firstErr != nil {
			return c.firstErr
		}
	}
	return c.next.ConsumeLogs(ctx, ld)
}

func (*heldConsumer) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func pushed(id string, t time.Time) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
	lr.Attributes().PutStr(schema.AttrEventID, id)
	return ld
}

// A webhook copy arriving while the pass delivers the same event is dropped:
// the pass's claim stands until its delivery is settled, and a pass whose
// delivery fails reads the page again.
func TestWebhookCopyDuringPollDeliveryIsDroppedOnce(t *testing.T) {
	for name, firstErr := range map[string]error{"poll delivers": nil, "poll delivery fails": errors.New("pipeline full")} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			at := h.clock.Now().Add(-time.Hour)
			h.api.add("e1", at)
			held := newHeld(h.rec, firstErr)
			p := h.startConsumer(t, testConfig(), "fp", held)
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			<-held.entered // the pass has claimed e1 and is delivering it
			require.NoError(t, SharedStream(p, held).ConsumeLogs(context.Background(), pushed("e1", at)))
			close(held.release)
			h.waitDelivered(t, 1)
			require.Eventually(t, func() bool { return p.Watermark().After(at) }, 5*time.Second, 5*time.Millisecond)
			assert.Equal(t, 1, h.rec.seen["e1"])
			assert.Equal(t, int64(1), h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))
		})
	}
}

// A pass reading an event a webhook is delivering waits for that delivery: it
// drops the event once the webhook delivered it, and delivers it itself when
// the webhook's delivery failed (the sender may never retry).
func TestPollWaitsForAWebhookDeliveryOfTheSameEvent(t *testing.T) {
	for name, tc := range map[string]struct {
		hookErr error
		dups    int64
	}{"webhook delivers": {nil, 1}, "webhook delivery fails": {errors.New("pipeline full"), 0}} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			at := h.clock.Now().Add(-time.Hour)
			h.api.add("e1", at)
			h.api.gate = make(chan struct{})
			held := newHeld(h.rec, tc.hookErr)
			p := h.startConsumer(t, testConfig(), "fp", held)
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
			waiting := make(chan struct{}, 1)
			p.onClaimWait = func() { waiting <- struct{}{} }
			hookDone := make(chan error, 1)
			go func() { hookDone <- SharedStream(p, held).ConsumeLogs(context.Background(), pushed("e1", at)) }()
			<-held.entered    // the webhook has claimed e1 and is delivering it
			close(h.api.gate) // let the pass read e1
			<-waiting         // the pass waits for the webhook's claim
			close(held.release)
			assert.Equal(t, tc.hookErr, <-hookDone)
			h.waitDelivered(t, 1)
			require.Eventually(t, func() bool { return p.Watermark().After(at) }, 5*time.Second, 5*time.Millisecond)
			assert.Equal(t, 1, h.rec.seen["e1"])
			if tc.dups == 0 {
				_, err := h.tel.GetMetric("otelcol_authtrail_poll_duplicates_dropped")
				assert.Error(t, err, "nothing was dropped as a duplicate")
			} else {
				assert.Equal(t, tc.dups, h.counter(t, "otelcol_authtrail_poll_duplicates_dropped"))
			}
		})
	}
}
