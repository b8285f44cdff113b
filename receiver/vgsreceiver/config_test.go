package vgsreceiver

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/authtrail/authtrail/receiver/vgsreceiver/internal/metadata"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
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
