package webhook

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/webhook/internal/metadatatest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func dedupeConfig() Config {
	cfg := testConfig()
	cfg.Signature.Secret = ""
	return cfg
}

func withBodyKey(s *Settings) { s.DeliveryKey = BodyKey }

func (h *harness) duplicates(t *testing.T, n int64) {
	t.Helper()
	metadatatest.AssertEqualAuthtrailWebhookDuplicatesDropped(t, h.tel, []metricdata.DataPoint[int64]{{
		Attributes: attribute.NewSet(attribute.String("receiver", testType.String())), Value: n,
	}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestDedupeSameDeliveryOnce(t *testing.T) {
	sink := new(consumertest.LogsSink)
	h := newHarnessWith(t, dedupeConfig(), sink, withBodyKey)
	for range 3 {
		w := h.do(http.MethodPost, "/events", "a", nil)
		assert.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
	}
	assert.Equal(t, 200, h.do(http.MethodPost, "/events", "b", nil).Code)
	assert.Equal(t, 2, sink.LogRecordCount(), "a, b")
	h.duplicates(t, 2)
	assert.Zero(t, h.logs.Len(), "no info logs per request")
}

func TestDedupeOff(t *testing.T) {
	sink := new(consumertest.LogsSink)
	cfg := dedupeConfig()
	cfg.Dedupe.Window = 0
	h := newHarnessWith(t, cfg, sink, withBodyKey)
	h.do(http.MethodPost, "/events", "a", nil)
	h.do(http.MethodPost, "/events", "a", nil)
	assert.Equal(t, 2, sink.LogRecordCount())
}

// A delivery the pipeline did not accept is not remembered: the sender's
// retry must go through.
func TestDedupeMarksOnlyAccepted(t *testing.T) {
	for name, failure := range map[string]error{
		"retryable": errors.New("queue full"),
		"permanent": consumererror.NewPermanent(errors.New("refused")),
	} {
		t.Run(name, func(t *testing.T) {
			var fail atomic.Bool
			fail.Store(true)
			sink := new(consumertest.LogsSink)
			next := consumerFunc(func(ctx context.Context, ld plog.Logs) error {
				if fail.Load() {
					return failure
				}
				return sink.ConsumeLogs(ctx, ld)
			})
			h := newHarnessWith(t, dedupeConfig(), next, withBodyKey)
			assert.NotEqual(t, 200, h.do(http.MethodPost, "/events", "a", nil).Code)
			fail.Store(false)
			assert.Equal(t, 200, h.do(http.MethodPost, "/events", "a", nil).Code)
			assert.Equal(t, 200, h.do(http.MethodPost, "/events", "a", nil).Code)
			assert.Equal(t, 1, sink.LogRecordCount())
		})
	}
}

func TestDedupeSameDeliveryInFlight(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	sink := new(consumertest.LogsSink)
	next := consumerFunc(func(ctx context.Context, ld plog.Logs) error {
		close(entered)
		<-release
		return sink.ConsumeLogs(ctx, ld)
	})
	h := newHarnessWith(t, dedupeConfig(), next, withBodyKey)
	first := make(chan int)
	go func() { first <- h.do(http.MethodPost, "/events", "a", nil).Code }()
	<-entered
	w := h.do(http.MethodPost, "/events", "a", nil)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "the twin waits for the first one's outcome")
	assert.Equal(t, "5", w.Header().Get("Retry-After"))
	close(release)
	assert.Equal(t, 200, <-first)
	assert.Equal(t, 200, h.do(http.MethodPost, "/events", "a", nil).Code)
	assert.Equal(t, 1, sink.LogRecordCount())
	h.rejected(t, map[string]int64{ReasonInFlight: 1})
}

func TestDedupeWindowExpires(t *testing.T) {
	sink := new(consumertest.LogsSink)
	h := newHarnessWith(t, dedupeConfig(), sink, withBodyKey)
	now := time.Unix(1_800_000_000, 0)
	h.srv.dedupe.now = func() time.Time { return now }
	h.do(http.MethodPost, "/events", "a", nil)
	now = now.Add(DefaultDedupeWindow - time.Second)
	h.do(http.MethodPost, "/events", "a", nil)
	assert.Equal(t, 1, sink.LogRecordCount())
	now = now.Add(2 * time.Second)
	h.do(http.MethodPost, "/events", "a", nil)
	assert.Equal(t, 2, sink.LogRecordCount(), "forwarded again once the window passed")
}

func TestDedupeBoundedByMaxEntries(t *testing.T) {
	d := newDeduper(DedupeConfig{Window: time.Hour, MaxEntries: 3})
	for i := range 10 {
		k := hashKey([]byte(strconv.Itoa(i)))
		require.Equal(t, fresh, d.begin(k))
		require.NoError(t, d.commit(context.Background(), k))
		assert.LessOrEqual(t, len(d.seen), 3)
	}
	assert.Equal(t, duplicate, d.begin(hashKey([]byte("9"))))
	assert.Equal(t, fresh, d.begin(hashKey([]byte("6"))), "the oldest are forgotten first")
}

func TestDedupeMemoryPerEntry(t *testing.T) {
	const n = 100_000
	keys := make([]dedupeKey, n)
	for i := range keys {
		keys[i] = hashKey([]byte(strconv.Itoa(i)))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := newDeduper(DedupeConfig{Window: time.Hour, MaxEntries: n})
	for _, k := range keys {
		d.begin(k)
		require.NoError(t, d.commit(context.Background(), k))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perEntry := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	t.Logf("%.1f bytes per entry", perEntry)
	assert.LessOrEqual(t, perEntry, float64(dedupeEntryBytes))
	runtime.KeepAlive(d)
	runtime.KeepAlive(keys)
}

func TestEventIDKey(t *testing.T) {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Attributes().PutStr(schema.AttrEventID, "e1")
	lrs.AppendEmpty().Attributes().PutStr(schema.AttrEventID, "e2")
	assert.Equal(t, []byte("e1\x00e2\x00"), EventIDKey(nil, ld))
	lrs.AppendEmpty()
	assert.Nil(t, EventIDKey(nil, ld), "a record without an id leaves the delivery unnamed")
}

// The window survives a restart when dedupe.storage names a storage extension.
func TestDedupeSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	sink := new(consumertest.LogsSink)
	run := func(bodies ...string) {
		host := webhooktest.StartFileStorage(t, dir)
		cfg := dedupeConfig()
		cfg.Dedupe.Storage = &host.ID
		cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
		h := newHarnessWith(t, cfg, sink, withBodyKey)
		require.NoError(t, h.srv.Start(context.Background(), host))
		for _, b := range bodies {
			assert.Equal(t, 200, h.do(http.MethodPost, "/events", b, nil).Code)
		}
		require.NoError(t, h.srv.Shutdown(context.Background()))
		host.Shutdown()
	}
	run("a", "b")
	run("a", "c", "b")
	assert.Equal(t, 3, sink.LogRecordCount(), "a, b, c")

	// Without storage a restart forgets.
	cfg := dedupeConfig()
	h := newHarnessWith(t, cfg, sink, withBodyKey)
	require.NoError(t, h.srv.Start(context.Background(), componenttest.NewNopHost()))
	h.do(http.MethodPost, "/events", "a", nil)
	require.NoError(t, h.srv.Shutdown(context.Background()))
	assert.Equal(t, 4, sink.LogRecordCount())
}

func TestDedupeStorageMissing(t *testing.T) {
	host := webhooktest.StartFileStorage(t, t.TempDir())
	cfg := dedupeConfig()
	missing := component.NewIDWithName(host.ID.Type(), "other")
	cfg.Dedupe.Storage = &missing
	h := newHarnessWith(t, cfg, consumertest.NewNop(), withBodyKey)
	err := h.srv.Start(context.Background(), host)
	require.ErrorContains(t, err, `dedupe.storage: extension "file_storage/other" not found`)
}

// BenchmarkDedupe is what dedupe adds to a fresh delivery: hashing a key the
// size of a VGS notification (its whole body), the check and the commit, with
// the ring full.
func BenchmarkDedupe(b *testing.B) {
	d := newDeduper(DedupeConfig{Window: time.Hour, MaxEntries: DefaultDedupeMaxEntries})
	body := make([]byte, 600)
	var i uint64
	b.ReportAllocs()
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(body, i)
		k := hashKey(body)
		if d.begin(k) != fresh {
			b.Fatal("a distinct key was not fresh")
		}
		_ = d.commit(context.Background(), k)
	}
}

// A pipeline that panics (net/http recovers it and drops the connection)
// leaves no key in flight: the sender's retry is forwarded, not answered 503
// until the collector restarts.
func TestDedupePanicLeavesNothingInFlight(t *testing.T) {
	var panicked atomic.Bool
	sink := new(consumertest.LogsSink)
	next := consumerFunc(func(ctx context.Context, ld plog.Logs) error {
		if panicked.CompareAndSwap(false, true) {
			panic("a processor's bug")
		}
		return sink.ConsumeLogs(ctx, ld)
	})
	cfg := dedupeConfig()
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	h := newHarnessWith(t, cfg, next, withBodyKey)
	require.NoError(t, h.srv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, h.srv.Shutdown(context.Background())) })
	url := "http://" + h.srv.Addr() + "/events"
	post := func() (int, error) {
		resp, err := http.Post(url, "application/json", strings.NewReader("a"))
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}
	_, err := post()
	require.Error(t, err, "the panicking request gets no answer")
	status, err := post()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, sink.LogRecordCount())
}
