package webhook

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// untouchable is a request body that fails the test when read.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the body was read although the headers already decided the answer")
	return 0, io.EOF
}

func TestDefaultsFitWebhooks(t *testing.T) {
	cfg := testConfig()
	assert.Equal(t, int64(1<<20), cfg.ServerConfig.MaxRequestBodySize)
	assert.Equal(t, DefaultReadHeaderTimeout, cfg.ServerConfig.ReadHeaderTimeout)
	assert.Equal(t, DefaultReadTimeout, cfg.ServerConfig.ReadTimeout)
	assert.NotNil(t, cfg.ServerConfig.CompressionAlgorithms, "nil would mean confighttp's default decoders")
	assert.Empty(t, cfg.ServerConfig.CompressionAlgorithms)
	assert.Equal(t, 10*time.Minute, cfg.Dedupe.Window)

	// A YAML block that does not mention compression keeps it off; one that
	// does turns it on.
	for name, tc := range map[string]struct {
		conf map[string]any
		want []string
	}{
		"not mentioned": {map[string]any{"endpoint": "127.0.0.1:0"}, []string{}},
		"configured":    {map[string]any{"compression_algorithms": []any{"gzip"}}, []string{"gzip"}},
	} {
		cfg := testConfig()
		require.NoError(t, confmap.NewFromStringMap(tc.conf).Unmarshal(&cfg))
		assert.Equal(t, tc.want, cfg.ServerConfig.CompressionAlgorithms, name)
	}
}

// started runs the intake on a loopback port, as a collector would.
func started(t *testing.T, cfg Config, next *consumertest.LogsSink) (*harness, string) {
	t.Helper()
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	h := newHarness(t, cfg, next, nil)
	require.NoError(t, h.srv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, h.srv.Shutdown(context.Background())) })
	return h, "http://" + h.srv.Addr()
}

func gzipped(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return out.Bytes()
}

func postGzip(t *testing.T, url, signedOver string, body []byte) int {
	return postEncoded(t, url, "gzip", signedOver, body).StatusCode
}

// postEncoded posts body with Content-Encoding encoding (none when empty) and
// a signature over signedOver.
func postEncoded(t *testing.T, url, encoding, signedOver string, body []byte) *http.Response {
	req, err := http.NewRequest(http.MethodPost, url+"/events", bytes.NewReader(body))
	require.NoError(t, err)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	req.Header.Set("X-Signature", sign("s3cret", signedOver))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp
}

func TestNoDecompressionUnlessConfigured(t *testing.T) {
	const event = "one event"
	// A compression bomb: 4 MiB of zeros in a few KB.
	bomb := gzipped(t, make([]byte, 4<<20))
	require.Less(t, len(bomb), 8<<10)

	sink := new(consumertest.LogsSink)
	h, url := started(t, testConfig(), sink)
	assert.Equal(t, http.StatusUnsupportedMediaType, postGzip(t, url, event, gzipped(t, []byte(event))))
	assert.Equal(t, http.StatusUnsupportedMediaType, postGzip(t, url, "", bomb))
	h.rejected(t, map[string]int64{ReasonEncoding: 2})
	assert.Zero(t, sink.LogRecordCount())

	// Configured, it decompresses, and the signature covers the decompressed
	// body; the body limit applies to the decompressed size too.
	cfg := testConfig()
	cfg.ServerConfig.CompressionAlgorithms = []string{"gzip"}
	_, url = started(t, cfg, sink)
	assert.Equal(t, http.StatusOK, postGzip(t, url, event, gzipped(t, []byte(event))))
	assert.Equal(t, 1, sink.LogRecordCount())
	assert.Equal(t, http.StatusUnauthorized, postGzip(t, url, "", gzipped(t, []byte(event))),
		"a signature over the compressed bytes does not verify")
	assert.Equal(t, http.StatusRequestEntityTooLarge, postGzip(t, url, "", bomb))
}

func TestDeclaredSizeAndSignatureHeaderCheckedBeforeTheBody(t *testing.T) {
	small := testConfig()
	small.ServerConfig.MaxRequestBodySize = 8
	for name, tc := range map[string]struct {
		cfg    Config
		size   int64
		hdr    map[string]string
		status int
		reason string
	}{
		"declared too large": {small, 9, map[string]string{"X-Signature": sign("s3cret", "x")}, 413, ReasonTooLarge},
		"no signature":       {testConfig(), 4, nil, 401, ReasonSignatureMissing},
		"wrong prefix":       {testConfig(), 4, map[string]string{"X-Signature": "sha1=00"}, 401, ReasonSignatureInvalid},
		"gzip":               {testConfig(), 4, map[string]string{"Content-Encoding": "gzip"}, 415, ReasonEncoding},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, tc.cfg, consumertest.NewNop(), nil)
			req := httptest.NewRequest(http.MethodPost, "/events", untouchable{t})
			req.ContentLength = tc.size
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, req)
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, "close", w.Header().Get("Connection"), "an unread body is not drained to keep the connection")
			h.rejected(t, map[string]int64{tc.reason: 1})
		})
	}
}

func TestConcurrentRequestsBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.MaxConcurrentRequests = 2
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	blocking := consumerFunc(func(context.Context, plog.Logs) error {
		entered <- struct{}{}
		<-release
		return nil
	})
	h := newHarness(t, cfg, blocking, nil)
	done := make(chan int, 2)
	for range 2 {
		go func() { done <- h.do(http.MethodPost, "/events", "a", nil).Code }()
	}
	<-entered
	<-entered

	req := httptest.NewRequest(http.MethodPost, "/events", untouchable{t})
	req.ContentLength = 1
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "5", w.Header().Get("Retry-After"))
	h.rejected(t, map[string]int64{ReasonBusy: 1})

	close(release)
	assert.Equal(t, 200, <-done)
	assert.Equal(t, 200, <-done)
	assert.Equal(t, 200, h.do(http.MethodPost, "/events", "b", nil).Code, "slots are released")
}

func TestOversizedBufferNotPooled(t *testing.T) {
	h := newHarness(t, testConfig(), consumertest.NewNop(), nil)
	big := strings.Repeat("x", 4*maxPooledBuffer)
	// A wrong signature: the body is read whole, then refused.
	assert.Equal(t, 401, h.do(http.MethodPost, "/events", big, map[string]string{"X-Signature": sign("other", big)}).Code)
	buf := h.srv.bodies.Get().(*bytes.Buffer)
	assert.LessOrEqual(t, buf.Cap(), maxPooledBuffer, "a buffer grown by a big body went back to the pool")
}

func TestHeaderBytesBounded(t *testing.T) {
	cfg := testConfig()
	cfg.MaxHeaderBytes = 1 << 10
	_, url := started(t, cfg, new(consumertest.LogsSink))
	req, err := http.NewRequest(http.MethodPost, url+"/events", strings.NewReader("a"))
	require.NoError(t, err)
	// net/http allows 4 KiB of slack over MaxHeaderBytes.
	req.Header.Set("X-Padding", strings.Repeat("p", 8<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// slowConn opens a connection that sends a request line and then stalls; it
// reports when the server closes it.
func slowConn(t *testing.T, url, partial string) <-chan time.Time {
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = io.WriteString(conn, partial)
	require.NoError(t, err)
	closed := make(chan time.Time, 1)
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
		closed <- time.Now()
	}()
	return closed
}

func TestSlowClientsAreCut(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.ServerConfig.ReadHeaderTimeout = 200 * time.Millisecond
	cfg.ServerConfig.ReadTimeout = 400 * time.Millisecond
	_, url := started(t, cfg, new(consumertest.LogsSink))
	start := time.Now()
	header := slowConn(t, url, "POST /events HTTP/1.1\r\nHost: x\r\n")
	body := slowConn(t, url, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
	for name, closed := range map[string]<-chan time.Time{"incomplete header": header, "slow body": body} {
		select {
		case at := <-closed:
			assert.Less(t, at.Sub(start), 3*time.Second, name)
		case <-time.After(5 * time.Second):
			t.Errorf("%s: connection still open after 5s", name)
		}
	}
}

func TestConnectionsBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.MaxConnections = 2
	_, url := started(t, cfg, new(consumertest.LogsSink))
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		require.NoError(t, err)
		held = append(held, c)
	}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	_, err := client.Post(url+"/events", "application/json", strings.NewReader("a"))
	require.Error(t, err, "a third connection is served while two are open")
	var netErr net.Error
	assert.True(t, errors.As(err, &netErr) && netErr.Timeout(), "%v", err)

	_ = held[0].Close()
	client.Timeout = 5 * time.Second
	resp, err := client.Post(url+"/events", "application/json", strings.NewReader("a"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_ = held[1].Close()
}

func TestChallengeAnswerCappedAndNotSniffed(t *testing.T) {
	echo := func(r *http.Request) (int, string) {
		if e := r.URL.Query().Get("e"); e != "" {
			return http.StatusBadRequest, "unsupported " + e
		}
		return http.StatusOK, r.URL.Query().Get("c")
	}
	h := newHarness(t, testConfig(), consumertest.NewNop(), echo)
	w := h.do(http.MethodGet, "/events?c=abc", "", nil)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	w = h.do(http.MethodGet, "/events?c="+strings.Repeat("a", MaxChallengeBytes), "", nil)
	assert.Equal(t, 200, w.Code)
	w = h.do(http.MethodGet, "/events?c="+strings.Repeat("a", MaxChallengeBytes+1), "", nil)
	assert.Equal(t, 400, w.Code)
	assert.NotContains(t, w.Body.String(), "aaaa", "an over-long challenge is not reflected")
	w = h.do(http.MethodGet, "/events?e="+strings.Repeat("e", 4*MaxChallengeBytes), "", nil)
	assert.Equal(t, 400, w.Code)
	assert.LessOrEqual(t, len(w.Body.String()), MaxChallengeBytes+1, "an error reflects no more than a challenge")
	h.rejected(t, map[string]int64{ReasonVerification: 2})
}

func TestWarnings(t *testing.T) {
	for endpoint, warn := range map[string]bool{
		"localhost:8462": false, "127.0.0.1:8462": false, "[::1]:8462": false,
		"0.0.0.0:8462": true, ":8462": true, "10.0.0.5:8462": true, "collector.example.com:8462": true,
	} {
		cfg := testConfig()
		cfg.Signature.Secret = "a-secret-of-16-b"
		cfg.ServerConfig.NetAddr.Endpoint = endpoint
		warns := cfg.Warnings()
		assert.Equal(t, warn, len(warns) == 1, "%s: %v", endpoint, warns)
		require.NoError(t, cfg.Validate(), "a warning is not an error")
	}
	cfg := testConfig()
	cfg.RequiredHeader = RequiredHeaderConfig{Name: "X-T", Value: "short"}
	assert.Equal(t, []string{
		"signature.secret is shorter than 16 bytes: a short secret can be guessed",
		"required_header.value is shorter than 16 bytes: a short secret can be guessed",
	}, cfg.Warnings())

	// Start logs them at warn, and what it listens on at info.
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	h := newHarness(t, cfg, consumertest.NewNop(), nil)
	require.NoError(t, h.srv.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, h.srv.Shutdown(context.Background()))
	assert.Equal(t, 2, h.logs.FilterMessageSnippet("shorter than 16 bytes").Len())
	listening := h.logs.FilterMessage("Webhook intake listening").All()
	require.Len(t, listening, 1)
	assert.Equal(t, fmt.Sprint(h.srv.Addr()), listening[0].ContextMap()["endpoint"])
}

// A body cut short by the read timeout or a dropped connection is a transport
// fault a retry fixes: 503 with Retry-After, as the contract wants for any
// error that is not the sender's. A 400 would make WSO2's hub mark the whole
// subscription stale.
func TestInterruptedBodyIsRetryable(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	cfg.ServerConfig.ReadTimeout = 300 * time.Millisecond
	sink := new(consumertest.LogsSink)
	h, url := started(t, cfg, sink)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	h.rejected(t, map[string]int64{ReasonReadFailed: 1})
	assert.Zero(t, sink.LogRecordCount())

	// A body shorter than it said, then the sender gone, is the same fault.
	sc := testConfig()
	sc.Signature.Secret = ""
	h = newHarness(t, sc, sink, nil)
	req := httptest.NewRequest(http.MethodPost, "/events", iotest.ErrReader(io.ErrUnexpectedEOF))
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "5", w.Header().Get("Retry-After"))
}

// Turning decompression on, as the receivers' READMEs show
// (compression_algorithms: [gzip]), keeps plain deliveries: no vendor
// compresses, and confighttp alone would refuse every uncompressed body with an
// uncounted 400. What confighttp refuses before the intake is counted too.
func TestConfiguredCompressionKeepsPlainBodies(t *testing.T) {
	cfg := testConfig()
	cfg.ServerConfig.CompressionAlgorithms = []string{"gzip"}
	sink := new(consumertest.LogsSink)
	h, url := started(t, cfg, sink)
	post := func(body, encoding string) *http.Response {
		return postEncoded(t, url, encoding, "plain", []byte(body))
	}
	assert.Equal(t, http.StatusOK, post("plain", "").StatusCode)
	assert.Equal(t, http.StatusOK, post("plain", "identity").StatusCode)
	assert.Equal(t, 2, sink.LogRecordCount())
	assert.Equal(t, []string{"gzip"}, cfg.ServerConfig.CompressionAlgorithms, "the configuration is left as it was")

	assert.Equal(t, http.StatusUnsupportedMediaType, post("plain", "br").StatusCode)
	broken := post("not gzip at all", "gzip")
	assert.Equal(t, http.StatusServiceUnavailable, broken.StatusCode)
	assert.Equal(t, "5", broken.Header.Get("Retry-After"))
	h.rejected(t, map[string]int64{ReasonEncoding: 1, ReasonReadFailed: 1})

	// An auth extension's refusal reaches the same handler with its status.
	w := httptest.NewRecorder()
	h.srv.refusedByServer(w, httptest.NewRequest(http.MethodPost, "/events", nil), "no credentials", http.StatusUnauthorized)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	h.rejected(t, map[string]int64{ReasonEncoding: 1, ReasonReadFailed: 1, ReasonAuthenticator: 1})
}

// The Host header is the sender's to choose; the HTTP server's metrics must not
// take a series per value (server.address would be whatever a sender wrote).
func TestHostHeaderDoesNotGrowMetricSeries(t *testing.T) {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	h, url := started(t, cfg, new(consumertest.LogsSink))
	for i := range 20 {
		req, err := http.NewRequest(http.MethodPost, url+"/events", strings.NewReader("a"))
		require.NoError(t, err)
		req.Host = fmt.Sprintf("attacker-%d.example:%d", i, 1000+i)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	m, err := h.tel.GetMetric("http.server.request.duration")
	require.NoError(t, err)
	hist, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%T", m.Data)
	var addrs []string
	for _, dp := range hist.DataPoints {
		addr, _ := dp.Attributes.Value("server.address")
		addrs = append(addrs, addr.Emit())
	}
	assert.Equal(t, []string{"127.0.0.1"}, addrs, "one series for 20 Host headers")
}
