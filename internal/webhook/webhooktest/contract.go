package webhooktest // import "github.com/authtrail/authtrail/internal/webhook/webhooktest"

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/contracttest"
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
	for i, sc := range contracttest.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			next := contracttest.NewConsumer(sc, uint64(i))
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
			want := make([]string, p.Count)
			for i := range p.Count {
				want[i] = p.Generate(i).ID
			}
			next.Check(t, want)
			for i, id := range want {
				if next.Accepted(id) == 1 {
					assert.Equal(t, http.StatusOK, answered[i], "%s: accepted but answered %d", id, answered[i])
				}
			}
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
