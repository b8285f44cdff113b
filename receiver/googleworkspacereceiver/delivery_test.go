package googleworkspacereceiver

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap/zapcore"

	"github.com/authtrail/authtrail/internal/contracttest"
	"github.com/authtrail/authtrail/internal/poll/polltest"
	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// The collector's receiver contract with the mock Reports API as generator:
// whatever the pipeline answers, every activity of both applications is
// accepted or dropped exactly once.
func TestConsumeContract(t *testing.T) {
	polltest.CheckConsumeContract(t, func(t *testing.T, _ uint64, c *contracttest.Consumer) []string {
		e := newEnv(t, 400)
		e.cfg.PageSize = 50
		e.startConsumer(t, &polltest.Host{}, c)
		return slices.Collect(maps.Keys(e.expected())) // activities end 2m ago: the set does not move
	})
}

// A receiver pointed at a closed port says so at warn within one poll
// interval, for each application, and its status recovers when the port opens.
func TestClosedPortIsLoudAndRecovers(t *testing.T) {
	e := newEnv(t, 30)
	addr := polltest.ClosedPort(t)
	e.cfg.Client.Endpoint = "http://" + addr
	e.cfg.Poll.PollInterval = time.Second
	host := &polltest.Host{}
	logs := e.start(t, host)

	apps := len(e.cfg.Applications)
	assert.Equal(t, apps, logs.FilterMessage("polling").Len(), "one start line per application")
	var streams []string
	for _, l := range polltest.FirstFailures(t, logs, apps, e.cfg.Poll.PollInterval) {
		assert.Equal(t, zapcore.WarnLevel, l.Level)
		assert.Equal(t, "http://"+addr, l.ContextMap()["endpoint"])
		assert.Contains(t, l.ContextMap()["error"], "connection refused")
		streams = append(streams, l.ContextMap()["stream"].(string))
	}
	slices.Sort(streams)
	assert.Equal(t, slices.Sorted(slices.Values(e.cfg.Applications)), streams)
	assert.Equal(t, componentstatus.StatusRecoverableError, host.Last())

	polltest.ServeAt(t, addr, e.api)
	require.Eventually(t, func() bool { return host.Last() == componentstatus.StatusOK }, 5*time.Second, 10*time.Millisecond)
	e.waitAll(t)
	assert.Equal(t, apps, logs.FilterMessageSnippet("recovered").Len())
}

// Neither the bearer token nor the signed assertion follows a redirect to
// another host.
func TestRedirectToAnotherHostKeepsCredentials(t *testing.T) {
	for _, redirected := range []string{"api", "token"} {
		t.Run(redirected, func(t *testing.T) {
			e := newEnv(t, 10)
			elsewhere := polltest.NewElsewhere(t)
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if (r.URL.Path == "/token") == (redirected == "token") {
					http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
					return
				}
				e.api.ServeHTTP(w, r)
			}))
			defer front.Close()
			e.cfg.Client.Endpoint = front.URL
			setTokenURI(t, e.cfg.CredentialsFile, front.URL+"/token")
			host := &polltest.Host{}
			e.start(t, host)
			require.Eventually(t, func() bool { return host.Last() == componentstatus.StatusPermanentError }, 5*time.Second, 10*time.Millisecond)
			assert.Contains(t, host.Events()[0].Err().Error(), "redirected to")
			assert.Empty(t, elsewhere.Credentials())
		})
	}
}

func setTokenURI(t *testing.T, keyFile, uri string) {
	raw, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	var key map[string]string
	require.NoError(t, json.Unmarshal(raw, &key))
	key["token_uri"] = uri
	raw, err = json.Marshal(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keyFile, raw, 0o600))
}

// A page far larger than page_size activities can be is an invalid response,
// not read whole.
func TestOversizedPageIsAnInvalidResponse(t *testing.T) {
	e := newEnv(t, 0)
	e.cfg.PageSize = 10
	huge := `{"kind":"admin#reports#activities","items":[],"etag":"` + strings.Repeat("x", 8<<20) + `"}`
	e.serveLogin(t, huge)
	host := &polltest.Host{}
	logs := e.start(t, host)
	failed := polltest.FirstFailures(t, logs, 1, 5*time.Second)[0]
	assert.Contains(t, failed.ContextMap()["error"], "invalid_response")
	assert.Contains(t, failed.ContextMap()["error"], "exceeds the size limit")
	assert.Equal(t, componentstatus.StatusRecoverableError, host.Last())
}

func TestUnknownKeysAreRejected(t *testing.T) {
	contracttest.CheckUnknownKeys(t, createDefaultConfig,
		map[string]any{"subject": "admin@example.com", "overlap": "5m", "retry_on_failure": map[string]any{"max_interval": "1m"}},
		map[string]any{"overlapp": "5m"},
		map[string]any{"bogus_key": 1},
		map[string]any{"retry_on_failure": map[string]any{"max_intervall": "1m"}})
}

// A field of an unexpected type (a parameter's value as a number, a list or
// an object where Google documents a string) costs that field only: the page
// is delivered, its other activities and fields too, and the stream goes on.
func TestFieldOfAnUnexpectedTypePassesThrough(t *testing.T) {
	e := newEnv(t, 0)
	now := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339Nano)
	page := `{"kind":"admin#reports#activities","items":[
	 {"id":{"time":"` + now + `","uniqueQualifier":"1","applicationName":"login","customerId":"C0sim"},
	  "actor":{"email":"a@example.com","profileId":"1"},
	  "events":[{"type":"login","name":"login_success","parameters":[
	    {"name":"login_type","value":5},{"name":"is_suspicious","boolValue":"yes"},
	    {"name":"login_challenge_method","multiValue":"password"},{"name":"odd","value":{"k":[1,2]}},
	    {"name":"affected_email_address","value":"a@example.com"}]}]},
	 {"id":{"time":"` + now + `","uniqueQualifier":2,"applicationName":"login","customerId":"C0sim"},
	  "actor":{"email":"b@example.com","profileId":"2"},"events":[{"type":"login","name":"logout","parameters":[
	    {"name":"n","intValue":5},{"name":"q","intValue":"abc"},{"name":"m","multiIntValue":[1,"x"]}]}]}]}`
	e.serveLogin(t, page)
	logs := e.start(t, &polltest.Host{})
	require.Eventually(t, func() bool { return len(e.delivered()) == 2 }, 5*time.Second, 10*time.Millisecond)
	recs := map[string]map[string]any{}
	for _, ld := range e.sink.AllLogs() {
		for _, lr := range sourcetest.Records(ld) {
			recs[sourcetest.Attr(lr, schema.AttrEventCode)] = lr.Attributes().AsRaw()
		}
	}
	in, out := recs["login_success"], recs["logout"]
	const p = "google_workspace.login."
	assert.Equal(t, "a@example.com", in[p+"affected_email_address"])
	assert.Equal(t, "5", in[p+"login_type"], "a number where a string is documented, kept as text")
	assert.Equal(t, `{"k":[1,2]}`, in[p+"odd"])
	assert.Equal(t, "yes", in[p+"is_suspicious"])
	assert.Equal(t, []any{"password"}, in[p+"login_challenge_method"])
	assert.Equal(t, int64(5), out[p+"n"], "an unquoted int64")
	assert.Equal(t, "abc", out[p+"q"])
	assert.Equal(t, []any{"1", "x"}, out[p+"m"])
	assert.Equal(t, int64(2), out["google_workspace.id.unique_qualifier"])
	assert.Zero(t, logs.FilterMessageSnippet("polling the vendor API failed").Len())
	warned := logs.FilterMessageSnippet("unexpected type").All()
	require.Len(t, warned, 1)
	assert.Equal(t, zapcore.WarnLevel, warned[0].Level)
}

// A nextPageToken that leads back to the page it came with would hold the
// pass on that page forever, silently: it is an invalid response, retried
// and reported like one.
func TestPageTokenThatDoesNotAdvanceIsAnInvalidResponse(t *testing.T) {
	e := newEnv(t, 0)
	e.serveLogin(t, `{"kind":"admin#reports#activities","items":[],"nextPageToken":"same"}`)
	host := &polltest.Host{}
	logs := e.start(t, host)
	failed := polltest.FirstFailures(t, logs, 1, 5*time.Second)[0]
	assert.Contains(t, failed.ContextMap()["error"], "invalid_response")
	assert.Contains(t, failed.ContextMap()["error"], "nextPageToken")
	assert.Equal(t, componentstatus.StatusRecoverableError, host.Last())
}

// serveLogin points the receiver, reading login alone, at a Reports API that
// answers every list call with body (tokens still come from the mock).
func (e *env) serveLogin(t *testing.T, body string) {
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			e.api.ServeHTTP(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(front.Close)
	e.cfg.Client.Endpoint = front.URL
	e.cfg.Applications = []string{"login"}
}
