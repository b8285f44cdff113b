// Package contracttest holds the collector's receiver contract scenarios, keyed
// by event.id (vendor payloads cannot carry the test_id attribute
// receivertest.CheckConsumeContract looks for), and the config checks every
// receiver shares, whatever its intake: webhooktest and polltest drive them.
package contracttest // import "github.com/authtrail/authtrail/internal/contracttest"

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// Scenario is one of the contract's four: what the pipeline answers a batch.
type Scenario struct {
	Name   string
	decide func(r *rand.Rand) error
}

var (
	errBusy    = errors.New("pipeline busy (non-permanent)")
	errRefused = consumererror.NewPermanent(errors.New("pipeline refused the data (permanent)"))
)

// Scenarios are those of receivertest.CheckConsumeContract.
var Scenarios = []Scenario{
	{"always_succeed", func(*rand.Rand) error { return nil }},
	{"random_non_permanent_error", func(r *rand.Rand) error { return pick(r, 3, errBusy) }},
	{"random_permanent_error", func(r *rand.Rand) error { return pick(r, 4, errRefused) }},
	{"random_error", func(r *rand.Rand) error {
		if err := pick(r, 4, errRefused); err != nil {
			return err
		}
		return pick(r, 3, errBusy)
	}},
}

// pick returns err one time in n.
func pick(r *rand.Rand, n int, err error) error {
	if r.IntN(n) == 0 {
		return err
	}
	return nil
}

// Consumer answers as its scenario says and records, by event.id, the records
// it accepted and those it refused for good (which the receiver must drop).
type Consumer struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	decide   func(*rand.Rand) error
	accepted map[string]int
	dropped  map[string]int
}

// NewConsumer returns a consumer playing s, with a fixed seed.
func NewConsumer(s Scenario, seed uint64) *Consumer {
	return &Consumer{rnd: rand.New(rand.NewPCG(seed, 1)), decide: s.decide, accepted: map[string]int{}, dropped: map[string]int{}}
}

// Capabilities says the consumer does not change the data.
func (*Consumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// ConsumeLogs decides, then records the batch's ids as accepted or dropped.
func (c *Consumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.decide(c.rnd)
	into := c.accepted
	switch {
	case consumererror.IsPermanent(err):
		into = c.dropped
	case err != nil:
		return err
	}
	for _, id := range EventIDs(ld) {
		into[id]++
	}
	return err
}

// Handled is how many distinct ids were accepted or dropped.
func (c *Consumer) Handled() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.accepted)
	for id := range c.dropped {
		if c.accepted[id] == 0 {
			n++
		}
	}
	return n
}

// Accepted is how many times the record with this event.id was accepted.
func (c *Consumer) Accepted(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accepted[id]
}

// Dropped is how many distinct ids were refused for good.
func (c *Consumer) Dropped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.dropped)
}

// Check asserts the contract: every id in want was accepted or dropped exactly
// once, and no other id arrived.
func (c *Consumer) Check(t *testing.T, want []string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	bad := 0
	for _, id := range want {
		if n := c.accepted[id] + c.dropped[id]; n != 1 && bad < 10 {
			bad++
			assert.Failf(t, "not handled exactly once", "event %s: accepted %d times, dropped %d times", id, c.accepted[id], c.dropped[id])
		}
	}
	for _, m := range []map[string]int{c.accepted, c.dropped} {
		for id := range m {
			if !slices.Contains(want, id) && bad < 10 {
				bad++
				assert.Failf(t, "unexpected event", "event %s was not generated (or not yet due)", id)
			}
		}
	}
}

// EventIDs lists the event.id of every record.
func EventIDs(ld plog.Logs) []string {
	var ids []string
	for _, lr := range sourcetest.Records(ld) {
		ids = append(ids, sourcetest.Attr(lr, schema.AttrEventID))
	}
	return ids
}

// CheckUnknownKeys asserts that valid decodes into a fresh config and that
// each of typos, added to it, fails with "has invalid keys".
func CheckUnknownKeys(t *testing.T, newConfig func() component.Config, valid map[string]any, typos ...map[string]any) {
	require.NoError(t, confmap.NewFromStringMap(valid).Unmarshal(newConfig()))
	for _, typo := range typos {
		conf := maps.Clone(valid)
		maps.Copy(conf, typo)
		err := confmap.NewFromStringMap(conf).Unmarshal(newConfig())
		require.Error(t, err, "%v", typo)
		assert.Contains(t, err.Error(), "has invalid keys", "%v", typo)
	}
}
