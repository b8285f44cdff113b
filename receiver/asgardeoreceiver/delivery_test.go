package asgardeoreceiver

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/contracttest"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func seed(t *testing.T, name string) []byte {
	body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", name+".json"))
	require.NoError(t, err)
	return body
}

func signed(body []byte) map[string]string {
	return map[string]string{"X-Hub-Signature": "sha256=" + webhooktest.HexSHA256(secret, body)}
}

func TestSameEventTwiceIsOneRecord(t *testing.T) {
	r := start(t, nil)
	body := seed(t, "loginSuccess")
	for range 2 {
		status, msg := r.Post(t, "/events", body, signed(body))
		require.Equal(t, http.StatusOK, status, msg)
	}
	other := seed(t, "userDeleted")
	status, _ := r.Post(t, "/events", other, signed(other))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, r.Sink.LogRecordCount())
}

func TestSameEventAcrossRestartWithStorage(t *testing.T) {
	body := seed(t, "loginSuccess")
	n := webhooktest.PostAcrossRestart(t, NewFactory(), func(storage component.ID) component.Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
		cfg.Webhook.Signature.Secret = secret
		cfg.Webhook.Dedupe.Storage = &storage
		return cfg
	}, body, signed(body))
	assert.Equal(t, 1, n)
}

// A permanent pipeline error is ours, not the sender's: 200 keeps the WebSub
// subscription; the events are dropped and logged at error.
func TestPermanentPipelineErrorKeepsTheSubscription(t *testing.T) {
	core, logs := observer.New(zapcore.ErrorLevel)
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Webhook.Signature.Secret = secret
	r := webhooktest.StartWith(t, NewFactory(), cfg, webhooktest.Options{
		Logger: zap.New(core), Next: consumertest.NewErr(consumererror.NewPermanent(errors.New("backend refuses"))),
	})
	body := seed(t, "userDeleted")
	status, _ := r.Post(t, "/events", body, signed(body))
	assert.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].Message, "the events are dropped")

	status, _ = r.Post(t, "/events", body, nil)
	assert.Equal(t, http.StatusUnauthorized, status, "a bad signature stays 401")
	status, _ = r.Post(t, "/events", []byte("{"), signed([]byte("{")))
	assert.Equal(t, http.StatusBadRequest, status, "a malformed payload stays 400")

	r = webhooktest.StartWith(t, NewFactory(), cfg, webhooktest.Options{Next: consumertest.NewErr(errors.New("queue full"))})
	status, _ = r.Post(t, "/events", body, signed(body))
	assert.Equal(t, http.StatusServiceUnavailable, status, "a retryable error stays 503, which the hub retries")
}

func TestTopicsAllowList(t *testing.T) {
	const allowed = "myorg.x.schema.wso2.v1.event.login"
	r := start(t, func(c *Config) { c.Topics = []string{allowed} })
	status, body := r.Do(t, http.MethodGet, "/events?hub.mode=subscribe&hub.topic="+allowed+"&hub.challenge=c1", nil, nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "c1", body)
	status, body = r.Do(t, http.MethodGet, "/events?hub.mode=subscribe&hub.topic=evil.topic&hub.challenge=c2", nil, nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.NotContains(t, body, "c2")
}

func TestUnknownKeysRejected(t *testing.T) {
	contracttest.CheckUnknownKeys(t, NewFactory().CreateDefaultConfig,
		map[string]any{"signature": map[string]any{"secret": "my-webhook-secret"}, "dedupe": map[string]any{"window": "5m"}},
		map[string]any{"bogus_key": 1},
		map[string]any{"signature": map[string]any{"secret": "my-webhook-secret", "headr": "X-Sig"}},
		map[string]any{"dedupe": map[string]any{"windw": "5m"}})
}

func TestLogsWhereItListens(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Webhook.Signature.Secret = "a-long-enough-webhook-secret"
	r := webhooktest.Start(t, NewFactory(), cfg, zap.New(core))
	require.Equal(t, 1, logs.Len(), "%v", logs.All())
	entry := logs.All()[0]
	assert.Equal(t, zapcore.InfoLevel, entry.Level)
	assert.Equal(t, r.URL, "http://"+entry.ContextMap()["endpoint"].(string))
	assert.Equal(t, "/events", entry.ContextMap()["path"])
}
