package vgsreceiver

import (
	"testing"

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
	require.NoError(t, confmap.Validate(def), "no auth is valid for VGS (its scheme is not public)")
	assert.Equal(t, "localhost:8461", def.Webhook.ServerConfig.NetAddr.Endpoint)
	assert.False(t, def.Webhook.Signature.Enabled())

	tok := load(t, "token")
	require.NoError(t, confmap.Validate(tok))
	assert.Equal(t, "X-Authtrail-Token", tok.Webhook.RequiredHeader.Name)
	assert.Equal(t, configopaque.String("shared-token"), tok.Webhook.RequiredHeader.Value)

	h := load(t, "hmac")
	require.NoError(t, confmap.Validate(h))
	assert.Equal(t, "sha512", h.Webhook.Signature.Algorithm)
	assert.Equal(t, "base64", h.Webhook.Signature.Encoding)

	err := confmap.Validate(load(t, "hmac_noheader"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "signature.header: must be set")
	err = confmap.Validate(load(t, "bad_encoding"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `signature.encoding: must be hex or base64, got "base32"`)
}
