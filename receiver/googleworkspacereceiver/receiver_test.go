package googleworkspacereceiver

import (
	crand "crypto/rand"
	"crypto/rsa"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/poll/polltest"
	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/vendorsim"
	"github.com/authtrail/authtrail/receiver/googleworkspacereceiver/internal/metadata"
)

type env struct {
	api  *vendorsim.ReportsAPI
	cfg  *Config
	sink *consumertest.LogsSink
}

func newEnv(t *testing.T, perApp int) *env {
	key, err := rsa.GenerateKey(crand.Reader, 2048)
	require.NoError(t, err)
	api := vendorsim.NewReportsAPI("C0sim", &key.PublicKey)
	now := time.Now()
	r := rand.New(rand.NewPCG(3, 4))
	api.Generate(r, "user_accounts", perApp, now.Add(-5*time.Hour), now.Add(-2*time.Minute))
	api.Generate(r, "login", perApp, now.Add(-5*time.Hour), now.Add(-2*time.Minute))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	keyFile := filepath.Join(t.TempDir(), "sa.json")
	require.NoError(t, vendorsim.WriteServiceAccountKey(keyFile, key, srv.URL+"/token"))
	cfg := createDefaultConfig().(*Config)
	cfg.Client.Endpoint = srv.URL
	cfg.CredentialsFile = keyFile
	cfg.Subject = "admin@example.com"
	cfg.CustomerID = "C0sim"
	cfg.Poll.PollInterval = 50 * time.Millisecond
	cfg.Poll.Lag = time.Minute
	cfg.Poll.InitialLookback = 6 * time.Hour
	cfg.Poll.BackOff.InitialInterval = 10 * time.Millisecond
	cfg.Poll.BackOff.MaxInterval = 50 * time.Millisecond
	fast := *cfg
	fast.Poll.PollInterval = time.Second
	require.NoError(t, fast.Validate(), "valid but for the test's fast poll interval")
	return &env{api: api, cfg: cfg, sink: new(consumertest.LogsSink)}
}

func (e *env) start(t *testing.T, host component.Host) *observer.ObservedLogs {
	return e.startConsumer(t, host, e.sink)
}

func (e *env) startConsumer(t *testing.T, host component.Host, next consumer.Logs) *observer.ObservedLogs {
	return polltest.Start(t, NewFactory(), e.cfg, next, host)
}

// expected computes the event ids the receiver must deliver, from what the mock generated.
func (e *env) expected() map[string]bool {
	want := map[string]bool{}
	for _, app := range e.cfg.Applications {
		for _, a := range e.api.Activities(app, time.Now().Add(-e.cfg.Poll.Lag)) {
			want[eventID(a)] = true
		}
	}
	return want
}

// eventID is the event.id of a generated activity's event.
func eventID(a vendorsim.Activity) string {
	return googleworkspace.EventID(&reports.Activity{
		Id:     &reports.ActivityId{Time: a.Time, UniqueQualifier: a.UniqueQualifier, ApplicationName: a.Application, CustomerId: "C0sim"},
		Actor:  &reports.ActivityActor{Email: a.ActorEmail, ProfileId: a.ActorProfileID},
		Events: []*reports.ActivityEvents{{Name: a.Name}},
	}, 0)
}

func (e *env) delivered() map[string]int { return sourcetest.CountByEventID(e.sink.AllLogs()) }

func (e *env) waitAll(t *testing.T) {
	want := e.expected()
	require.Eventually(t, func() bool { return len(e.delivered()) >= len(want) }, 20*time.Second, 10*time.Millisecond,
		"want %d events", len(want))
	time.Sleep(150 * time.Millisecond)
	got := e.delivered()
	for id := range want {
		assert.Equal(t, 1, got[id], id)
	}
	assert.Len(t, got, len(want))
}

func TestPollsBothApplicationsOnce(t *testing.T) {
	e := newEnv(t, 2500)
	e.start(t, componenttest.NewNopHost())
	e.waitAll(t)
	assert.Equal(t, "admin@example.com", e.api.LastSubject(), "tokens impersonate the subject")
	apps := map[string]bool{}
	for _, ld := range e.sink.AllLogs() {
		sourcetest.CheckLogs(t, ld)
		for _, lr := range sourcetest.Records(ld) {
			apps[sourcetest.Attr(lr, schema.AttrEventDataset)] = true
		}
		assert.Equal(t, "C0sim", ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.id"])
	}
	assert.Equal(t, map[string]bool{"google_workspace.user_accounts": true, "google_workspace.login": true}, apps)
}

func TestLateActivityInsideTheOverlap(t *testing.T) {
	e := newEnv(t, 300)
	e.cfg.Poll.Overlap = 2 * time.Minute // with re-reads off, the overlap alone catches it
	e.cfg.Poll.LateArrivals.Horizon = 0
	e.start(t, componenttest.NewNopHost())
	e.waitAll(t)
	// Google shows an activity late: behind the window already read, inside the overlap.
	id := eventID(e.api.Insert("login", time.Now().Add(-e.cfg.Poll.Lag-30*time.Second)))
	require.Eventually(t, func() bool { return e.delivered()[id] == 1 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, 1, e.delivered()[id])
}

// Google shows an activity after the main pass read its time: a re-read
// (horizon compressed to 8s: re-reads at 4s and 8s) delivers it, once.
func TestLateActivityIsRecoveredByAReread(t *testing.T) {
	e := newEnv(t, 100)
	e.cfg.Poll.Lag = time.Second
	e.cfg.Poll.LateArrivals.Horizon = 8 * time.Second
	e.start(t, componenttest.NewNopHost())
	e.waitAll(t)
	id := eventID(e.api.Insert("login", time.Now().Add(-2*time.Second)))
	require.Eventually(t, func() bool { return e.delivered()[id] == 1 }, 15*time.Second, 10*time.Millisecond)
	time.Sleep(9 * time.Second) // the 8s re-read passes over it again
	assert.Equal(t, 1, e.delivered()[id])
}

func TestFaultModes(t *testing.T) {
	for name, f := range map[string]vendorsim.Faults{
		"429":       {RateLimitEvery: 3},
		"503":       {UnavailableEvery: 3},
		"truncated": {TruncateEvery: 3},
		"slow":      {SlowEvery: 2, Slow: 30 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 600)
			e.cfg.PageSize = 100
			e.api.Faults = f
			e.start(t, componenttest.NewNopHost())
			e.waitAll(t)
		})
	}
}

// Delegation can be granted again without touching the collector: a refused
// service account is logged at error and Recoverable.
func TestRefusedServiceAccountIsLoudAndRecoverable(t *testing.T) {
	e := newEnv(t, 10)
	other, err := rsa.GenerateKey(crand.Reader, 2048)
	require.NoError(t, err)
	e.api.Key = &other.PublicKey // Google no longer trusts the key
	host := &polltest.Host{}
	logs := e.start(t, host)
	require.Eventually(t, func() bool { return len(host.Events()) > 0 }, 10*time.Second, 10*time.Millisecond)
	ev := host.Events()[0]
	assert.Equal(t, componentstatus.StatusRecoverableError, ev.Status())
	assert.Contains(t, ev.Err().Error(), "Google refused to mint a token")
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("polling the vendor API failed").Len() == len(e.cfg.Applications)
	},
		5*time.Second, 10*time.Millisecond, "one per application stream")
	for _, l := range logs.FilterMessageSnippet("polling the vendor API failed").All() {
		assert.Equal(t, zapcore.ErrorLevel, l.Level)
	}
	assert.Zero(t, e.sink.LogRecordCount())
}

func TestLoadAndValidate(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(name string) *Config {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg
	}
	def := load("")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, []string{"user_accounts", "login", "admin", "token", "saml"}, def.Applications)
	assert.Equal(t, "my_customer", def.CustomerID)
	assert.Equal(t, int64(1000), def.PageSize)
	assert.Equal(t, time.Minute, def.Poll.PollInterval)
	assert.Equal(t, 3*time.Minute, def.Poll.Lag)
	assert.Equal(t, 6*time.Hour, def.Poll.LateArrivals.Horizon)

	full := load("full")
	require.NoError(t, confmap.Validate(full))
	assert.Equal(t, []string{"user_accounts", "login", "admin"}, full.Applications)
	assert.Equal(t, "C03az79cb", full.CustomerID)
	assert.Equal(t, int64(500), full.PageSize)
	assert.Equal(t, "http://proxy.internal:8080/", full.Client.Endpoint)
	assert.Equal(t, 12*time.Hour, full.Poll.LateArrivals.Horizon)
	assert.Equal(t, 5*time.Minute, full.Poll.Overlap)
	assert.Zero(t, def.Poll.Overlap, "the first re-read covers what an overlap would")
	assert.Equal(t, 2*time.Minute, load("rereadsoff").Poll.Overlap, "turning re-reads off brings back the 2m overlap")

	for name, msg := range map[string]string{
		"nosubject": "subject:", "toolong": "initial_lookback: the vendor keeps", "badpage": "page_size", "badapp": "applications:",
	} {
		err := confmap.Validate(load(name))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), msg, name)
	}
	assert.NotEqual(t, def.fingerprint("login"), def.fingerprint("user_accounts"), "one stream per application")
}

// Google refuses (400) a startTime older than its 180 days. A stream told to
// read all of them starts inside them, so that its first pass is not refused,
// which would stop it for good.
func TestLookbackOfGoogles180DaysIsNotRefused(t *testing.T) {
	e := newEnv(t, 50)
	e.cfg.Poll.InitialLookback = vendorsim.ReportsRetention
	e.cfg.Poll.MaxWindow = 24 * time.Hour
	valid := *e.cfg
	valid.Poll.PollInterval = time.Second
	require.NoError(t, valid.Validate(), "valid but for the test's fast poll interval")
	host := &polltest.Host{}
	e.start(t, host)
	e.waitAll(t)
	assert.NotEqual(t, componentstatus.StatusPermanentError, host.Last())
}
