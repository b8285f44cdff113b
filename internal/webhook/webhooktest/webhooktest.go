// Package webhooktest starts webhook receivers in tests and talks to them.
// Only tests import it.
package webhooktest // import "github.com/authtrail/authtrail/internal/webhook/webhooktest"

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
)

// LoadConfig reads the named instance of factory's type from testdata/config.yaml
// over the factory's defaults ("" is the unnamed instance).
func LoadConfig(t *testing.T, factory receiver.Factory, name string) component.Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(factory.Type(), name).String())
	require.NoError(t, err)
	cfg := factory.CreateDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

// Running is a started receiver and the sink behind it.
type Running struct {
	URL  string // base URL, e.g. http://127.0.0.1:41234
	Sink *consumertest.LogsSink
	rcv  receiver.Logs
}

// Options change how StartWith runs a receiver; zero values are defaults.
type Options struct {
	Logger *zap.Logger
	// Next replaces the sink (Running.Sink is then nil).
	Next consumer.Logs
	// Host provides extensions, e.g. a StorageHost.
	Host component.Host
}

// Start creates a logs receiver from factory with cfg (its endpoint set to a free
// loopback port), starts it, and stops it when the test ends.
func Start(t *testing.T, factory receiver.Factory, cfg component.Config, logger *zap.Logger) *Running {
	t.Helper()
	return StartWith(t, factory, cfg, Options{Logger: logger})
}

// StartWith is Start with options.
func StartWith(t *testing.T, factory receiver.Factory, cfg component.Config, o Options) *Running {
	t.Helper()
	set := receivertest.NewNopSettings(factory.Type())
	// A stable id, as a collector's config gives: a restarted receiver finds
	// its storage again.
	set.ID = component.NewID(factory.Type())
	if o.Logger != nil {
		set.Logger = o.Logger
	}
	r := &Running{}
	next := o.Next
	if next == nil {
		r.Sink = new(consumertest.LogsSink)
		next = r.Sink
	}
	host := o.Host
	if host == nil {
		host = componenttest.NewNopHost()
	}
	var err error
	r.rcv, err = factory.CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.rcv.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, r.Stop()) })
	addr, ok := r.rcv.(interface{ Addr() string })
	require.True(t, ok, "receiver does not expose its address")
	r.URL = "http://" + addr.Addr()
	return r
}

// Stop shuts the receiver down; it may be called more than once.
func (r *Running) Stop() error {
	if r.rcv == nil {
		return nil
	}
	err := r.rcv.Shutdown(context.Background())
	r.rcv = nil
	return err
}

// Post sends body to path with the given headers and returns status and body.
func (r *Running) Post(t *testing.T, path string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	return r.Do(t, http.MethodPost, path, body, hdr)
}

// Do sends a request and returns status and body.
func (r *Running) Do(t *testing.T, method, path string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// HexSHA256 is the lowercase hex HMAC-SHA256 of body under secret.
func HexSHA256(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// BenchHandler measures one request per iteration through the receiver's HTTP
// handler: verify, decode, map and consume into a no-op sink. The request and
// response writer are reused so that only the handler's own cost is counted.
func BenchHandler(b *testing.B, factory receiver.Factory, cfg component.Config, body []byte, hdr map[string]string) {
	set := receivertest.NewNopSettings(factory.Type())
	rcv, err := factory.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(b, err)
	h, ok := rcv.(interface{ Handler() http.Handler })
	require.True(b, ok, "receiver does not expose its handler")
	handler := h.Handler()
	rd := bytes.NewReader(body)
	req, err := http.NewRequest(http.MethodPost, "/events", rd)
	require.NoError(b, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		req.ContentLength = int64(len(body))
		w.status = 0
		handler.ServeHTTP(w, req)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }
