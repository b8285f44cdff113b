package asgardeoreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"

	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func load(t *testing.T, name string) *Config {
	return webhooktest.LoadConfig(t, NewFactory(), name).(*Config)
}

func TestLoadConfig(t *testing.T) {
	def := load(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, "localhost:8462", def.Webhook.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, "/events", def.Webhook.Path)
	assert.Equal(t, "/health", def.Webhook.HealthPath)
	assert.Equal(t, "X-Hub-Signature", def.Webhook.Signature.Header)
	assert.Equal(t, "sha256=", def.Webhook.Signature.Prefix)
	assert.Equal(t, "sha256", def.Webhook.Signature.Algorithm)
	assert.Equal(t, "hex", def.Webhook.Signature.Encoding)
	assert.Equal(t, configopaque.String("my-webhook-secret"), def.Webhook.Signature.Secret)
	assert.False(t, def.Webhook.IncludeOriginal)

	is := load(t, "wso2is")
	require.NoError(t, confmap.Validate(is))
	assert.Equal(t, "0.0.0.0:9443", is.Webhook.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, "/wso2/events", is.Webhook.Path)
	assert.Equal(t, "x-wso2-event-signature", is.Webhook.Signature.Header)
	assert.Equal(t, configopaque.String("wso2-secret"), is.Webhook.Signature.Secret)
	assert.Equal(t, int64(1048576), is.Webhook.ServerConfig.MaxRequestBodySize)
	assert.Equal(t, 3*time.Second, is.Webhook.ConsumeTimeout)
	assert.Equal(t, 10*time.Second, is.Webhook.RetryAfter)
	assert.True(t, is.Webhook.IncludeOriginal)
	assert.NotContains(t, is.Webhook.Signature.Secret.String(), "wso2-secret", "secrets are opaque when printed")
}

func TestValidateFailsFast(t *testing.T) {
	err := confmap.Validate(load(t, "nosecret"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "signature.secret: required")
	err = confmap.Validate(load(t, "badalgorithm"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "signature.algorithm")
}
