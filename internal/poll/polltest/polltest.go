// Package polltest checks polling receivers against the collector's receiver
// contract, keyed by event.id: vendor payloads cannot carry the test_id
// attribute receivertest.CheckConsumeContract looks for.
package polltest // import "github.com/authtrail/authtrail/internal/poll/polltest"

import (
	"context"
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
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/contracttest"
)

// CheckConsumeContract runs the four scenarios. For each, start runs a
// receiver (on a fresh mock API) that feeds c, and returns the event ids it
// must handle; they must not change while the scenario runs.
func CheckConsumeContract(t *testing.T, start func(t *testing.T, seed uint64, c *contracttest.Consumer) []string) {
	for i, s := range contracttest.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			c := contracttest.NewConsumer(s, uint64(i))
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
