package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/webhook/internal/metadatatest"
)

var testType = component.MustNewType("webhook_test")

// lineDecoder is a vendor-free decoder: one record per non-empty line; a body
// starting with "!" is malformed.
func lineDecoder(raw []byte, opts sources.Options) (plog.Logs, error) {
	if len(raw) > 0 && raw[0] == '!' {
		return plog.Logs{}, errors.New(`field "x": expected a number`)
	}
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, line := range strings.Split(string(raw), "\n") {
		if line != "" {
			lr := lrs.AppendEmpty()
			lr.Body().SetStr(line)
			if opts.IncludeOriginal {
				lr.Attributes().PutStr("event.original", line)
			}
		}
	}
	return ld, nil
}

type harness struct {
	srv  *Server
	h    http.Handler
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

func newHarness(t *testing.T, cfg Config, next consumer.Logs, verify func(*http.Request) (int, string)) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, next, func(s *Settings) { s.Verify = verify })
}

func newHarnessWith(t *testing.T, cfg Config, next consumer.Logs, mutate func(*Settings)) *harness {
	t.Helper()
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.InfoLevel)
	set := receivertest.NewNopSettings(testType)
	set.ID = component.NewID(testType)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	settings := Settings{Receiver: set, Decode: lineDecoder}
	mutate(&settings)
	srv, err := NewServer(&cfg, settings, next)
	require.NoError(t, err)
	return &harness{srv: srv, h: srv.Handler(), tel: tel, logs: logs}
}

func (h *harness) do(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	return w
}

func testConfig() Config {
	return NewDefaultConfig("127.0.0.1:0", SignatureConfig{
		Secret: "s3cret", Header: "X-Signature", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256=",
	})
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (h *harness) rejected(t *testing.T, want map[string]int64) {
	t.Helper()
	var dps []metricdata.DataPoint[int64]
	for reason, n := range want {
		dps = append(dps, metricdata.DataPoint[int64]{
			Attributes: attribute.NewSet(attribute.String("reason", reason), attribute.String("receiver", testType.String())),
			Value:      n,
		})
	}
	metadatatest.AssertEqualAuthtrailWebhookRequestsRejected(t, h.tel, dps,
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestAcceptedOnlyAfterConsume(t *testing.T) {
	sink := new(consumertest.LogsSink)
	h := newHarness(t, testConfig(), sink, nil)
	body := "a\nb"
	w := h.do(http.MethodPost, "/events", body, map[string]string{"X-Signature": sign("s3cret", body)})
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Len(t, sink.AllLogs(), 1)
	assert.Equal(t, 2, sink.LogRecordCount())
	assert.Equal(t, 0, h.logs.Len(), "no info logs per request")
}

func TestStatusPaths(t *testing.T) {
	permanent := consumertest.NewErr(consumererror.NewPermanent(errors.New("bad data")))
	retryable := consumertest.NewErr(errors.New("queue full"))
	blocking := consumerFunc(func(ctx context.Context, _ plog.Logs) error {
		<-ctx.Done()
		return ctx.Err()
	})
	small := testConfig()
	small.ServerConfig.MaxRequestBodySize = 8
	fast := testConfig()
	fast.ConsumeTimeout = 20 * time.Millisecond

	for name, tc := range map[string]struct {
		cfg        Config
		next       consumer.Logs
		method     string
		path       string
		body       string
		hdr        map[string]string
		status     int
		msg        string
		reason     string
		retryAfter string
	}{
		"put":              {testConfig(), nil, http.MethodPut, "/events", "a", nil, 405, "method PUT not allowed", ReasonMethod, ""},
		"get w/o verify":   {testConfig(), nil, http.MethodGet, "/events", "", nil, 405, "not allowed", ReasonMethod, ""},
		"too large":        {small, nil, http.MethodPost, "/events", "0123456789", nil, 413, "max_request_body_size of 8", ReasonTooLarge, ""},
		"no signature":     {testConfig(), nil, http.MethodPost, "/events", "a", nil, 401, "missing signature header", ReasonSignatureMissing, ""},
		"wrong signature":  {testConfig(), nil, http.MethodPost, "/events", "a", map[string]string{"X-Signature": sign("other", "a")}, 401, "does not match", ReasonSignatureInvalid, ""},
		"tampered body":    {testConfig(), nil, http.MethodPost, "/events", "ab", map[string]string{"X-Signature": sign("s3cret", "a")}, 401, "does not match", ReasonSignatureInvalid, ""},
		"no prefix":        {testConfig(), nil, http.MethodPost, "/events", "a", map[string]string{"X-Signature": strings.TrimPrefix(sign("s3cret", "a"), "sha256=")}, 401, "not in the configured format", ReasonSignatureInvalid, ""},
		"not hex":          {testConfig(), nil, http.MethodPost, "/events", "a", map[string]string{"X-Signature": "sha256=zz"}, 401, "not in the configured format", ReasonSignatureInvalid, ""},
		"malformed":        {testConfig(), nil, http.MethodPost, "/events", "!x", map[string]string{"X-Signature": sign("s3cret", "!x")}, 400, `invalid payload: field "x": expected a number`, ReasonMalformed, ""},
		"permanent":        {testConfig(), permanent, http.MethodPost, "/events", "a", map[string]string{"X-Signature": sign("s3cret", "a")}, 400, "pipeline refused", ReasonConsumerPermanent, ""},
		"retryable":        {testConfig(), retryable, http.MethodPost, "/events", "a", map[string]string{"X-Signature": sign("s3cret", "a")}, 503, "retry later", ReasonConsumerUnavailable, "5"},
		"deadline":         {fast, blocking, http.MethodPost, "/events", "a", map[string]string{"X-Signature": sign("s3cret", "a")}, 503, "deadline exceeded", ReasonConsumerUnavailable, "5"},
		"uppercase prefix": {testConfig(), nil, http.MethodPost, "/events", "a", map[string]string{"X-Signature": "SHA256=" + strings.TrimPrefix(sign("s3cret", "a"), "sha256=")}, 200, "ok", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			next := tc.next
			if next == nil {
				next = consumertest.NewNop()
			}
			h := newHarness(t, tc.cfg, next, nil)
			w := h.do(tc.method, tc.path, tc.body, tc.hdr)
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), tc.msg)
			assert.Equal(t, tc.retryAfter, w.Header().Get("Retry-After"))
			assert.NotEqual(t, http.StatusInternalServerError, w.Code)
			assert.NotEqual(t, http.StatusGone, w.Code)
			if tc.reason != "" {
				h.rejected(t, map[string]int64{tc.reason: 1})
				assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			}
			assert.Equal(t, 0, h.logs.Len(), "no info logs per request")
		})
	}
}

func TestTooLargeWithoutContentLength(t *testing.T) {
	cfg := testConfig()
	cfg.ServerConfig.MaxRequestBodySize = 8
	h := newHarness(t, cfg, consumertest.NewNop(), nil)
	req := httptest.NewRequest(http.MethodPost, "/events", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("abc")))
	req.ContentLength = -1
	req.Header.Set("X-Signature", sign("s3cret", "whatever"))
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
}

type consumerFunc func(context.Context, plog.Logs) error

func (f consumerFunc) ConsumeLogs(ctx context.Context, ld plog.Logs) error { return f(ctx, ld) }
func (consumerFunc) Capabilities() consumer.Capabilities                   { return consumer.Capabilities{} }

func TestRequiredHeader(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.RequiredHeader = RequiredHeaderConfig{Name: "X-Token", Value: "tok"}
	h := newHarness(t, cfg, consumertest.NewNop(), nil)
	assert.Equal(t, 401, h.do(http.MethodPost, "/events", "a", nil).Code)
	assert.Equal(t, 401, h.do(http.MethodPost, "/events", "a", map[string]string{"X-Token": "tok2"}).Code)
	assert.Equal(t, 200, h.do(http.MethodPost, "/events", "a", map[string]string{"X-Token": "tok"}).Code)
	h.rejected(t, map[string]int64{ReasonRequiredHeader: 2})
}

func TestNoAuthConfigured(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	h := newHarness(t, cfg, consumertest.NewNop(), nil)
	assert.Equal(t, 200, h.do(http.MethodPost, "/events", "a", nil).Code)
}

// RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?") and its SHA-1 twin.
func TestSignatureKnownVectors(t *testing.T) {
	const body = "what do ya want for nothing?"
	for _, tc := range []struct{ alg, enc, prefix, sig string }{
		{"sha256", "hex", "sha256=", "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"sha256", "base64", "", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="},
		{"sha1", "hex", "", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"sha512", "hex", "", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	} {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			v := newVerifier(SignatureConfig{Secret: "Jefe", Header: "Sig", Algorithm: tc.alg, Encoding: tc.enc, Prefix: tc.prefix}, RequiredHeaderConfig{})
			hdr := http.Header{}
			hdr.Set("Sig", tc.sig)
			assert.NoError(t, v.verify(hdr, []byte(body)))
			assert.ErrorIs(t, v.verify(hdr, []byte(body+".")), errSignatureInvalid)
		})
	}
}

func TestVerifyHandler(t *testing.T) {
	verify := func(r *http.Request) (int, string) {
		if c := r.URL.Query().Get("challenge"); c != "" {
			return http.StatusOK, c
		}
		return http.StatusBadRequest, "missing challenge"
	}
	h := newHarness(t, testConfig(), consumertest.NewNop(), verify)
	w := h.do(http.MethodGet, "/events?challenge=abc", "", nil)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "abc", w.Body.String())
	assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
	w = h.do(http.MethodGet, "/events", "", nil)
	assert.Equal(t, 400, w.Code)
	h.rejected(t, map[string]int64{ReasonVerification: 1})
	w = h.do(http.MethodDelete, "/events", "", nil)
	assert.Equal(t, "GET, POST", w.Header().Get("Allow"))
}

// A vendor pointed at the wrong URL is a misconfiguration that loses every
// delivery: its 404s are counted, not left to the HTTP server.
func TestUnknownPathCounted(t *testing.T) {
	h := newHarness(t, testConfig(), consumertest.NewNop(), nil)
	for _, path := range []string{"/event", "/events/", "/"} {
		w := h.do(http.MethodPost, path, "a", nil)
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.Contains(t, w.Body.String(), "POST events to /events", path)
	}
	h.rejected(t, map[string]int64{ReasonPath: 3})

	// A path of "/" takes every request itself.
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.Path = "/"
	h = newHarness(t, cfg, consumertest.NewNop(), nil)
	assert.Equal(t, http.StatusOK, h.do(http.MethodPost, "/anything", "a", nil).Code)
}

func TestHealth(t *testing.T) {
	h := newHarness(t, testConfig(), consumertest.NewNop(), nil)
	w := h.do(http.MethodGet, "/health", "", nil)
	assert.Equal(t, 200, w.Code)
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
	assert.Equal(t, 405, h.do(http.MethodPost, "/health", "", nil).Code)
}

func TestIncludeOriginal(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.IncludeOriginal = true
	sink := new(consumertest.LogsSink)
	h := newHarness(t, cfg, sink, nil)
	require.Equal(t, 200, h.do(http.MethodPost, "/events", "x", nil).Code)
	v, ok := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("event.original")
	require.True(t, ok)
	assert.Equal(t, "x", v.Str())
}

func TestStartServeShutdown(t *testing.T) {
	sink := new(consumertest.LogsSink)
	cfg := testConfig()
	cfg.Signature.Secret = ""
	h := newHarness(t, cfg, sink, nil)
	require.NoError(t, h.srv.Start(context.Background(), componenttest.NewNopHost()))
	addr := h.srv.Addr()
	resp, err := http.Post(fmt.Sprintf("http://%s/events", addr), "application/json", strings.NewReader("hello"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	require.NoError(t, h.srv.Shutdown(context.Background()))
	assert.Equal(t, 1, sink.LogRecordCount())
	_, err = http.Post(fmt.Sprintf("http://%s/events", addr), "application/json", strings.NewReader("x"))
	assert.Error(t, err, "stopped server must not accept")
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Config)
		msg    string
	}{
		"endpoint":       {func(c *Config) { c.ServerConfig.NetAddr.Endpoint = "" }, "endpoint:"},
		"path":           {func(c *Config) { c.Path = "events" }, "path: must start with '/'"},
		"health path":    {func(c *Config) { c.HealthPath = "/events" }, "health_path: must differ"},
		"path space":     {func(c *Config) { c.Path = "/ev ents" }, `path: must be a plain URL path, without spaces or braces, got "/ev ents"`},
		"path wildcard":  {func(c *Config) { c.Path = "/events/{id" }, "path: must be a plain URL path"},
		"health braces":  {func(c *Config) { c.HealthPath = "/{h}" }, "health_path: must be a plain URL path"},
		"timeout":        {func(c *Config) { c.ConsumeTimeout = 0 }, "consume_timeout"},
		"retry after":    {func(c *Config) { c.RetryAfter = time.Millisecond }, "retry_after"},
		"algorithm":      {func(c *Config) { c.Signature.Algorithm = "md5" }, `signature.algorithm: must be one of sha1, sha256, sha512, got "md5"`},
		"encoding":       {func(c *Config) { c.Signature.Encoding = "base32" }, "signature.encoding"},
		"header":         {func(c *Config) { c.Signature.Header = "" }, "signature.header"},
		"token name":     {func(c *Config) { c.RequiredHeader.Value = "x" }, "required_header.name"},
		"token value":    {func(c *Config) { c.RequiredHeader.Name = "X-T" }, "required_header.value"},
		"negative limit": {func(c *Config) { c.ServerConfig.MaxRequestBodySize = -1 }, "max_request_body_size"},
		"zero limit":     {func(c *Config) { c.ServerConfig.MaxRequestBodySize = 0 }, "max_request_body_size: must be positive"},
		"header bytes":   {func(c *Config) { c.MaxHeaderBytes = 0 }, "max_header_bytes: must be positive, got 0"},
		"connections":    {func(c *Config) { c.MaxConnections = -1 }, "max_connections: must be positive"},
		"concurrency":    {func(c *Config) { c.MaxConcurrentRequests = 0 }, "max_concurrent_requests: must be positive"},
		"dedupe window":  {func(c *Config) { c.Dedupe.Window = -time.Second }, "dedupe.window: must not be negative"},
		"dedupe entries": {func(c *Config) { c.Dedupe.MaxEntries = 0 }, "dedupe.max_entries: must be positive"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			tc.mutate(&cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	cfg := testConfig()
	assert.NoError(t, cfg.Validate())
}
