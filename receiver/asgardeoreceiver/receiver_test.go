package asgardeoreceiver

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
	"github.com/authtrail/authtrail/receiver/asgardeoreceiver/internal/metadata"
)

const secret = "my-webhook-secret"

func start(t *testing.T, mutate func(*Config)) *webhooktest.Running {
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Webhook.Signature.Secret = secret
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	return webhooktest.Start(t, NewFactory(), cfg, nil)
}

func TestEverySeedEventThroughTheReceiver(t *testing.T) {
	r := start(t, nil)
	inputs := sourcetest.Inputs(t, "asgardeo")
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		require.NoError(t, err)
		status, msg := r.Post(t, "/events", body, map[string]string{
			"Content-Type": "application/json", "X-Hub-Signature": "sha256=" + webhooktest.HexSHA256(secret, body),
		})
		require.Equal(t, http.StatusOK, status, "%s: %s", filepath.Base(in), msg)
	}
	require.Equal(t, len(inputs), r.Sink.LogRecordCount())
	for _, ld := range r.Sink.AllLogs() {
		sourcetest.CheckLogs(t, ld)
		scope := ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope()
		assert.Equal(t, metadata.ScopeName, scope.Name())
		lr := sourcetest.Records(ld)[0]
		assert.NotZero(t, lr.ObservedTimestamp())
		assert.Empty(t, sourcetest.Attr(lr, schema.AttrEventOriginal), "include_original is off by default")
	}
}

func TestSubscriptionChallenge(t *testing.T) {
	r := start(t, nil)
	status, body := r.Do(t, http.MethodGet, "/events?hub.mode=subscribe&hub.topic=myorg.x.schema.wso2.v1.event.login&hub.challenge=xyz123&hub.lease_seconds=864000", nil, nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "xyz123", body)
	status, body = r.Do(t, http.MethodGet, "/events?hub.mode=unsubscribe&hub.challenge=bye", nil, nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "bye", body)
	status, _ = r.Do(t, http.MethodGet, "/events", nil, nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Zero(t, r.Sink.LogRecordCount())
}

func TestSignatureRequired(t *testing.T) {
	r := start(t, nil)
	body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "userDeleted.json"))
	require.NoError(t, err)
	status, msg := r.Post(t, "/events", body, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, msg, "missing signature header")
	status, _ = r.Post(t, "/events", body, map[string]string{"X-Hub-Signature": "sha256=" + webhooktest.HexSHA256("wrong", body)})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Zero(t, r.Sink.LogRecordCount())
}

func TestSelfHostedHeaderAndOriginal(t *testing.T) {
	r := start(t, func(c *Config) {
		c.Webhook.Signature.Header = "x-wso2-event-signature"
		c.Webhook.IncludeOriginal = true
	})
	body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "userDisabled.json"))
	require.NoError(t, err)
	status, msg := r.Post(t, "/events", body, map[string]string{"x-wso2-event-signature": "sha256=" + webhooktest.HexSHA256(secret, body)})
	require.Equal(t, http.StatusOK, status, msg)
	lr := sourcetest.Records(r.Sink.AllLogs()[0])[0]
	assert.Equal(t, string(body), sourcetest.Attr(lr, schema.AttrEventOriginal))
}

func TestSeedCopyErrorIsA400(t *testing.T) {
	r := start(t, nil)
	body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "malformed", "registrationFailed_seed_verbatim.json"))
	require.NoError(t, err)
	status, msg := r.Post(t, "/events", body, map[string]string{"X-Hub-Signature": "sha256=" + webhooktest.HexSHA256(secret, body)})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "invalid payload: malformed JSON")
}
