// Package polltest checks polling receivers against the collector's receiver
// contract, keyed by event.id: vendor payloads cannot carry the test_id
// attribute receivertest.CheckConsumeContract looks for.
package polltest // import "github.com/authtrail/authtrail/internal/poll/polltest"

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

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

// CheckConsumeContract runs the four scenarios. For each, start runs a
// receiver (on a fresh mock API) that feeds c, and returns the event ids it
// must handle; they must not change while the scenario runs.
func CheckConsumeContract(t *testing.T, start func(t *testing.T, seed uint64, c *Consumer) []string) {
	for i, s := range Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			c := NewConsumer(s, uint64(i))
			want := start(t, uint64(i), c)
			require.Eventually(t, func() bool { return c.Handled() >= len(want) }, 20*time.Second, 10*time.Millisecond)
			time.Sleep(200 * time.Millisecond) // more passes over the overlap
			c.Check(t, want)
			if s.Name == "random_permanent_error" {
				assert.Positive(t, c.Dropped(), "some pages were refused")
			}
		})
	}
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

// Host is a component host that records the status events reported to it.
type Host struct {
	mu     sync.Mutex
	events []*componentstatus.Event
}

// GetExtensions returns none.
func (*Host) GetExtensions() map[component.ID]component.Component { return nil }

// Report records ev.
func (h *Host) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

// Events returns the events reported so far.
func (h *Host) Events() []*componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

// Statuses returns the statuses reported so far.
func (h *Host) Statuses() []componentstatus.Status {
	var out []componentstatus.Status
	for _, ev := range h.Events() {
		out = append(out, ev.Status())
	}
	return out
}

// Last returns the last status reported (StatusNone before any).
func (h *Host) Last() componentstatus.Status {
	s := h.Statuses()
	if len(s) == 0 {
		return componentstatus.StatusNone
	}
	return s[len(s)-1]
}

// ObservedSettings are receiver settings whose logs (info and above) a test reads.
func ObservedSettings(typ component.Type) (receiver.Settings, *observer.ObservedLogs) {
	set := receivertest.NewNopSettings(typ)
	core, logs := observer.New(zapcore.InfoLevel)
	set.Logger = zap.New(core)
	return set, logs
}

// Start runs a logs receiver of f with cfg, feeding next, on host, until the
// test ends; it returns the receiver's logs.
func Start(t *testing.T, f receiver.Factory, cfg component.Config, next consumer.Logs, host component.Host) *observer.ObservedLogs {
	set, logs := ObservedSettings(f.Type())
	rcv, err := f.CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return logs
}

// FirstFailures waits up to within for the first failure log of n streams
// and returns them.
func FirstFailures(t *testing.T, logs *observer.ObservedLogs, n int, within time.Duration) []observer.LoggedEntry {
	t.Helper()
	failed := func() []observer.LoggedEntry {
		return logs.FilterMessageSnippet("polling the vendor API failed").All()
	}
	require.Eventually(t, func() bool { return len(failed()) >= n }, within, 5*time.Millisecond)
	return failed()
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

// ClosedPort returns a loopback address nothing listens on, until ServeAt.
func ClosedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// ServeAt serves h at addr until the test ends.
func ServeAt(t *testing.T, addr string, h http.Handler) {
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// Elsewhere is another host (another port: Go's client sends the
// Authorization header to the same domain on any port) that records every
// credential it is sent: Authorization headers and token request assertions.
type Elsewhere struct {
	URL string

	mu  sync.Mutex
	got []string
}

// NewElsewhere starts the host until the test ends.
func NewElsewhere(t *testing.T) *Elsewhere {
	e := &Elsewhere{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, c := range []string{r.Header.Get("Authorization"), r.PostForm.Get("assertion")} {
			if c != "" {
				e.got = append(e.got, c)
			}
		}
		http.Error(w, "not here", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

// Credentials returns what the host was sent.
func (e *Elsewhere) Credentials() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}
