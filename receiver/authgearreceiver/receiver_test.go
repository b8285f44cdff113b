package authgearreceiver

import (
	"context"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap/zapcore"

	"github.com/authtrail/authtrail/internal/poll/polltest"
	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/vendorsim"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
	"github.com/authtrail/authtrail/receiver/authgearreceiver/internal/metadata"
)

func newKey(t *testing.T) (*rsa.PrivateKey, string) {
	key, err := rsa.GenerateKey(crand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

type env struct {
	api  *vendorsim.AuthgearAPI
	srv  *httptest.Server
	cfg  *Config
	sink *consumertest.LogsSink
	now  time.Time
}

func newEnv(t *testing.T, events int) *env {
	key, pemText := newKey(t)
	api := vendorsim.NewAuthgearAPI("myapp", "key-1", &key.PublicKey)
	now := time.Now()
	api.Generate(rand.New(rand.NewPCG(1, 2)), events, now.Add(-3*time.Hour), now.Add(-30*time.Second))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cfg := createDefaultConfig().(*Config)
	cfg.Client.Endpoint = srv.URL
	cfg.ProjectID = "myapp"
	cfg.KeyID = "key-1"
	cfg.PrivateKey = configString(pemText)
	cfg.Poll.PollInterval = 50 * time.Millisecond
	cfg.Poll.Lag = time.Minute
	cfg.Poll.InitialLookback = 4 * time.Hour
	cfg.Poll.BackOff.InitialInterval = 10 * time.Millisecond
	cfg.Poll.BackOff.MaxInterval = 50 * time.Millisecond
	return &env{api: api, srv: srv, cfg: cfg, sink: new(consumertest.LogsSink), now: now}
}

func (e *env) start(t *testing.T) {
	set := receivertest.NewNopSettings(metadata.Type)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, e.cfg, e.sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
}

// delivered counts records per event id.
func (e *env) delivered() map[string]int { return sourcetest.CountByEventID(e.sink.AllLogs()) }

func (e *env) waitAll(t *testing.T) {
	t.Helper()
	want := e.api.IDs(time.Now().Add(-e.cfg.Poll.Lag))
	require.Eventually(t, func() bool { return len(e.delivered()) >= len(want) }, 20*time.Second, 10*time.Millisecond,
		"want %d events", len(want))
	time.Sleep(150 * time.Millisecond) // a few more passes over the overlap
	got := e.delivered()
	for _, id := range want {
		assert.Equal(t, 1, got[id], "event %s", id)
	}
	// Events keep ageing past the lag while the test runs: what may have been
	// delivered is bounded by the lag as of now, not as of the start.
	allowed := map[string]bool{}
	for _, id := range e.api.IDs(time.Now().Add(-e.cfg.Poll.Lag)) {
		allowed[id] = true
	}
	for id, n := range got {
		assert.True(t, allowed[id], "event %s is newer than the lag", id)
		assert.Equal(t, 1, n, "event %s", id)
	}
}

func TestPollsTheAuditLogOnce(t *testing.T) {
	e := newEnv(t, 1500)
	e.start(t)
	e.waitAll(t)
	for _, ld := range e.sink.AllLogs() {
		sourcetest.CheckLogs(t, ld)
		assert.Equal(t, metadata.ScopeName, ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
		assert.Equal(t, "myapp", ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.id"])
	}
	assert.Greater(t, e.api.Requests(), int64(15), "1500 rows take 15+ pages of 100")
}

func TestFaultModes(t *testing.T) {
	for name, f := range map[string]vendorsim.Faults{
		"429 with Retry-After": {RateLimitEvery: 4},
		"503":                  {UnavailableEvery: 3},
		"truncated JSON":       {TruncateEvery: 3},
		"slow pages":           {SlowEvery: 2, Slow: 30 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 400)
			e.api.Faults = f
			e.start(t)
			e.waitAll(t)
		})
	}
}

func TestLateEventInsideTheOverlap(t *testing.T) {
	e := newEnv(t, 200)
	e.cfg.Poll.Overlap = 2 * time.Minute // with re-reads off, the overlap alone catches it
	e.cfg.Poll.LateArrivals.Horizon = 0
	e.start(t)
	e.waitAll(t)
	// Authgear's replica lags: a row appears behind the window already read.
	id := e.api.Insert(time.Now().Add(-e.cfg.Poll.Lag - 30*time.Second))
	require.Eventually(t, func() bool { return e.delivered()[id] == 1 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, 1, e.delivered()[id])
}

func TestToken(t *testing.T) {
	_, pemText := newKey(t)
	toks, err := newTokens([]byte(pemText), "kid-9", "proj", 5*time.Minute)
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	toks.now = func() time.Time { return now }
	raw, err := toks.get()
	require.NoError(t, err)
	parsed, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	require.NoError(t, err)
	assert.Equal(t, "RS256", parsed.Header["alg"])
	assert.Equal(t, "kid-9", parsed.Header["kid"])
	claims := parsed.Claims.(jwt.MapClaims)
	assert.Equal(t, []any{"proj"}, claims["aud"])
	assert.Equal(t, float64(1_800_000_000), claims["iat"])
	assert.Equal(t, float64(1_800_000_300), claims["exp"])
	again, _ := toks.get()
	assert.Equal(t, raw, again, "reused until shortly before expiry")
	now = now.Add(4*time.Minute + 30*time.Second)
	renewed, _ := toks.get()
	assert.NotEqual(t, raw, renewed)

	_, err = newTokens([]byte("not a key"), "k", "p", time.Minute)
	assert.ErrorContains(t, err, "not an RSA private key in PEM")
}

// A key Authgear refuses can be listed again in the Portal without touching
// the collector: the receiver says so at error and is Recoverable, not
// Permanent (after which the collector would never accept OK again).
func TestRefusedKeyIsLoudAndRecoverable(t *testing.T) {
	e := newEnv(t, 10)
	_, otherPEM := newKey(t) // signed with a key Authgear does not know
	e.cfg.PrivateKey = configString(otherPEM)
	host := &polltest.Host{}
	logs := e.startWith(t, e.sink, host)
	require.Eventually(t, func() bool { return len(host.Events()) > 0 }, 5*time.Second, 10*time.Millisecond)
	ev := host.Events()[0]
	assert.Equal(t, componentstatus.StatusRecoverableError, ev.Status())
	assert.Contains(t, ev.Err().Error(), "Authgear refused the Admin API token")
	failed := logs.FilterMessageSnippet("polling the vendor API failed").All()
	require.Len(t, failed, 1)
	assert.Equal(t, zapcore.ErrorLevel, failed[0].Level)
	assert.Zero(t, e.sink.LogRecordCount())
}

func TestWebhookAndPollDeliverOnce(t *testing.T) {
	e := newEnv(t, 50)
	hook := DefaultWebhookConfig()
	hook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	hook.Signature.Secret = "hook-secret"
	e.cfg.Webhook = &hook
	e.cfg.Poll.PollInterval = time.Hour // hold the poller after its first passes
	e.cfg.Poll.MaxWindow = 24 * time.Hour
	ids := e.api.IDs(time.Now().Add(-time.Minute))
	// The webhook delivers a row the poll will read too, before the poll does.
	early := ids[len(ids)-1]
	body := []byte(fmt.Sprintf(`{"id":%q,"seq":1,"type":"user.authenticated","payload":{"user":{"id":"u"}},
		"context":{"timestamp":%d,"triggered_by":"user","app_id":"myapp"}}`, early, time.Now().Add(-2*time.Minute).Unix()))
	set := receivertest.NewNopSettings(metadata.Type)
	gate := &gatedSink{next: e.sink, open: make(chan struct{})}
	rcv, err := NewFactory().CreateLogs(context.Background(), set, e.cfg, gate)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()
	hookURL := "http://" + rcv.(*authgearReceiver).hook.Addr()
	r := &webhooktest.Running{URL: hookURL, Sink: e.sink}
	status, msg := r.Post(t, "/events", body, map[string]string{"x-authgear-body-signature": webhooktest.HexSHA256("hook-secret", body)})
	require.Equal(t, http.StatusOK, status, msg)
	close(gate.open) // now let the poll through
	require.Eventually(t, func() bool { return len(e.delivered()) >= len(ids) }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 1, e.delivered()[early], "the polled copy of a webhook event is dropped")
	assert.Len(t, e.delivered(), len(ids))
}

// gatedSink holds the poll's pages until open is closed; webhook requests
// (whose records carry dataset authgear.webhook) pass at once.
type gatedSink struct {
	next *consumertest.LogsSink
	open chan struct{}
}

func (g *gatedSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if ld.LogRecordCount() > 0 && sourcetest.Attr(sourcetest.Records(ld)[0], schema.AttrEventDataset) != "authgear.webhook" {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.next.ConsumeLogs(ctx, ld)
}

func (g *gatedSink) Capabilities() consumerCapabilities { return g.next.Capabilities() }

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Config)
		msg    string
	}{
		"no endpoint":    {func(c *Config) { c.Client.Endpoint = "" }, "endpoint: required"},
		"bad endpoint":   {func(c *Config) { c.Client.Endpoint = "myapp.authgear.cloud" }, "endpoint: must be an http(s) URL"},
		"no key id":      {func(c *Config) { c.KeyID = "" }, "key_id: required"},
		"no key":         {func(c *Config) { c.PrivateKey = "" }, "one of private_key_file or private_key"},
		"two keys":       {func(c *Config) { c.PrivateKeyFile = "x.pem" }, "not both"},
		"lifetime":       {func(c *Config) { c.TokenLifetime = 2 * time.Hour }, "token_lifetime"},
		"activity":       {func(c *Config) { c.ActivityTypes = []string{"user_created"} }, "activity_types"},
		"poll interval":  {func(c *Config) { c.Poll.PollInterval = 0 }, "poll_interval"},
		"webhook secret": {func(c *Config) { h := DefaultWebhookConfig(); c.Webhook = &h }, "webhook.signature.secret"},
	} {
		t.Run(name, func(t *testing.T) {
			c := createDefaultConfig().(*Config)
			c.Client.Endpoint, c.KeyID, c.PrivateKey = "https://myapp.authgear.cloud", "k", "pem"
			require.NoError(t, c.Validate())
			tc.mutate(c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	c := createDefaultConfig().(*Config)
	c.Client.Endpoint = "https://myapp.authgear.cloud/"
	assert.Equal(t, "myapp", c.projectID(), "project id defaults to the first host label")
	a, b := *c, *c
	b.ActivityTypes = []string{"USER_CREATED"}
	assert.NotEqual(t, a.fingerprint(), b.fingerprint(), "a filter change is a new stream")
	assert.True(t, strings.HasPrefix(c.fingerprint(), ""))
}

// Authgear orders the audit log by created_at alone and pages by offset:
// rows sharing a created_at may come in another order for another offset.
// Every row is delivered once all the same, whether a run of tied rows is
// shorter than a page or longer, and while pages fail and are read again.
func TestTiedRowsAtPageBoundaries(t *testing.T) {
	for name, perSecond := range map[string]int{"runs shorter than a page": 37, "runs longer than a page": 230} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.api.UnstableTies = perSecond < authgear.PageSize
			e.api.Faults = vendorsim.Faults{UnavailableEvery: 5, TruncateEvery: 7}
			end := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
			e.api.Generate(rand.New(rand.NewPCG(5, 6)), 40*perSecond, end.Add(-40*time.Second), end)
			e.cfg.Poll.LateArrivals.Horizon, e.cfg.Poll.Overlap = 0, 0 // each row is read once
			e.start(t)
			e.waitAll(t)
		})
	}
}
