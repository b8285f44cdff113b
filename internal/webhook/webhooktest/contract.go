package webhooktest // import "github.com/authtrail/authtrail/internal/webhook/webhooktest"

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// Delivery is one signed vendor request and the event.id its record carries.
type Delivery struct {
	Body   []byte
	Header map[string]string
	ID     string
}

// ContractParams configure CheckContract.
type ContractParams struct {
	Factory receiver.Factory
	Config  component.Config
	// Generate makes the i-th delivery; each must carry a distinct event id.
	Generate func(i int) Delivery
	// Count is the number of deliveries per scenario.
	Count int
}

// CheckContract runs the collector's four receiver contract scenarios
// (receivertest.CheckConsumeContract's: always succeed, random non-permanent
// errors, random permanent errors, a mix), keyed by event.id since a vendor
// payload cannot carry a top-level test_id. Senders retry on 503, as the
// vendors do, and give up on anything else. Afterwards every generated event
// must have been accepted or dropped exactly once, and every accepted one
// answered 2xx.
func CheckContract(t *testing.T, p ContractParams) {
	for _, sc := range []struct {
		name               string
		retryable, refused float64
	}{
		{"always_succeed", 0, 0},
		{"random_non_permanent_error", 0.4, 0},
		{"random_permanent_error", 0, 0.3},
		{"random_error", 0.3, 0.2},
	} {
		t.Run(sc.name, func(t *testing.T) {
			next := &deciding{rng: rand.New(rand.NewPCG(1, uint64(len(sc.name)))), retryable: sc.retryable, refused: sc.refused,
				accepted: map[string]int{}, dropped: map[string]int{}}
			r := StartWith(t, p.Factory, p.Config, Options{Next: next})
			answered := make([]int, p.Count)
			var wg sync.WaitGroup
			work := make(chan int)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						answered[i] = deliver(t, r.URL+"/events", p.Generate(i))
					}
				}()
			}
			for i := range p.Count {
				work <- i
			}
			close(work)
			wg.Wait()
			next.check(t, p, answered)
		})
	}
}

// deliver posts d until the answer is not 503, at most 100 times; it returns
// the last status.
func deliver(t *testing.T, url string, d Delivery) int {
	for range 100 {
		status := post(t, url, d)
		if status != http.StatusServiceUnavailable {
			return status
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("%s: still 503 after 100 tries", d.ID)
	return http.StatusServiceUnavailable
}

func post(t *testing.T, url string, d Delivery) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.Body))
	require.NoError(t, err)
	for k, v := range d.Header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// deciding is the next consumer: it fails a share of calls, retryably or
// permanently, and counts by event.id what it accepted and what it refused
// for good.
type deciding struct {
	mu                 sync.Mutex
	rng                *rand.Rand
	retryable, refused float64
	accepted, dropped  map[string]int
}

func (d *deciding) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (d *deciding) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ids []string
	for _, lr := range sourcetest.Records(ld) {
		ids = append(ids, sourcetest.Attr(lr, schema.AttrEventID))
	}
	roll := d.rng.Float64()
	switch {
	case roll < d.retryable:
		return errors.New("try again")
	case roll < d.retryable+d.refused:
		for _, id := range ids {
			d.dropped[id]++
		}
		return consumererror.NewPermanent(errors.New("refused for good"))
	}
	for _, id := range ids {
		d.accepted[id]++
	}
	return nil
}

func (d *deciding) check(t *testing.T, p ContractParams, answered []int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range p.Count {
		id := p.Generate(i).ID
		assert.Equal(t, 1, d.accepted[id]+d.dropped[id], "%s: accepted %d, dropped %d times", id, d.accepted[id], d.dropped[id])
		if d.accepted[id] == 1 {
			assert.Equal(t, http.StatusOK, answered[i], "%s: accepted but answered %d", id, answered[i])
		}
	}
	seen := map[string]bool{}
	for id := range d.accepted {
		seen[id] = true
	}
	for id := range d.dropped {
		seen[id] = true
	}
	assert.Len(t, seen, p.Count, "only generated events reached the consumer")
}
