package authgearreceiver

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/contracttest"
	"github.com/authtrail/authtrail/internal/poll/polltest"
)

// startWith runs the receiver on e's config with next and host; it returns the
// receiver's logs.
func (e *env) startWith(t *testing.T, next consumer.Logs, host *polltest.Host) *observer.ObservedLogs {
	return polltest.Start(t, NewFactory(), e.cfg, next, host)
}

// The collector's receiver contract with the mock Admin API as generator:
// whatever the pipeline answers, every audit row is accepted or dropped
// exactly once.
func TestConsumeContract(t *testing.T) {
	polltest.CheckConsumeContract(t, func(t *testing.T, seed uint64, c *contracttest.Consumer) []string {
		e := newEnv(t, 0)
		now := time.Now()
		// Rows older than the lag for the whole test: the set to check does not move.
		e.api.Generate(rand.New(rand.NewPCG(seed, 9)), 800, now.Add(-3*time.Hour), now.Add(-2*time.Minute))
		e.startWith(t, c, &polltest.Host{})
		return e.api.IDs(now)
	})
}

// A receiver pointed at a closed port says so at warn within one poll
// interval, and its status recovers when the port opens.
func TestClosedPortIsLoudAndRecovers(t *testing.T) {
	e := newEnv(t, 50)
	addr := polltest.ClosedPort(t)
	e.cfg.Client.Endpoint = "http://" + addr
	e.cfg.Poll.PollInterval = time.Second
	host := &polltest.Host{}
	logs := e.startWith(t, e.sink, host)

	started := logs.FilterMessage("polling").All()
	require.Len(t, started, 1)
	assert.Equal(t, "http://"+addr+graphqlPath, started[0].ContextMap()["endpoint"])
	failed := polltest.FirstFailures(t, logs, 1, e.cfg.Poll.PollInterval)[0]
	assert.Equal(t, zapcore.WarnLevel, failed.Level)
	fields := failed.ContextMap()
	assert.True(t, strings.HasPrefix(fields["receiver"].(string), "authgear"), fields["receiver"])
	assert.Equal(t, "audit_log", fields["stream"])
	assert.Equal(t, "http://"+addr+graphqlPath, fields["endpoint"])
	assert.Contains(t, fields["error"], "connection refused")
	assert.Equal(t, componentstatus.StatusRecoverableError, host.Last())

	polltest.ServeAt(t, addr, e.api)
	require.Eventually(t, func() bool { return host.Last() == componentstatus.StatusOK }, 5*time.Second, 10*time.Millisecond)
	e.waitAll(t)
	assert.Equal(t, 1, logs.FilterMessageSnippet("recovered").Len())
}

// The Admin API token never follows a redirect to another host.
func TestRedirectToAnotherHostKeepsTheToken(t *testing.T) {
	e := newEnv(t, 10)
	elsewhere := polltest.NewElsewhere(t)
	front := httptest.NewServer(http.RedirectHandler(elsewhere.URL+graphqlPath, http.StatusTemporaryRedirect))
	defer front.Close()
	e.cfg.Client.Endpoint = front.URL
	host := &polltest.Host{}
	logs := e.startWith(t, e.sink, host)
	require.Eventually(t, func() bool { return host.Last() == componentstatus.StatusPermanentError }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, host.Events()[0].Err().Error(), "redirected to")
	assert.Empty(t, elsewhere.Credentials())
	assert.Equal(t, 1, logs.FilterMessageSnippet("this stream stops").Len())
}

// A page far larger than 100 rows can be is an invalid response, not read whole.
func TestOversizedPageIsAnInvalidResponse(t *testing.T) {
	e := newEnv(t, 0)
	huge := `{"data":{"auditLogs":{"edges":[],"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":null,"endCursor":null}}},` +
		`"extensions":{"padding":"` + strings.Repeat("x", 8<<20) + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(huge)) }))
	defer srv.Close()
	e.cfg.Client.Endpoint = srv.URL
	host := &polltest.Host{}
	logs := e.startWith(t, e.sink, host)
	failed := polltest.FirstFailures(t, logs, 1, 5*time.Second)[0]
	assert.Contains(t, failed.ContextMap()["error"], "invalid_response")
	assert.Contains(t, failed.ContextMap()["error"], "exceeds the size limit")
	assert.Equal(t, componentstatus.StatusRecoverableError, host.Last())
}

func TestUnknownKeysAreRejected(t *testing.T) {
	contracttest.CheckUnknownKeys(t, createDefaultConfig,
		map[string]any{"endpoint": "https://myapp.authgear.cloud", "overlap": "5m", "webhook": map[string]any{"path": "/x"}},
		map[string]any{"overlapp": "5m"},
		map[string]any{"retry_on_failure": map[string]any{"enabeld": false}},
		map[string]any{"webhook": map[string]any{"pathh": "/x"}})
}
