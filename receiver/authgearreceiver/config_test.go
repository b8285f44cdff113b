package authgearreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf("testdata/config.yaml")
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(NewFactory().Type(), name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	def := load(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, "myapp", def.projectID())
	assert.Equal(t, time.Minute, def.Poll.PollInterval)
	assert.Equal(t, 30*time.Second, def.Poll.Lag)
	assert.Equal(t, 10*time.Minute, def.Poll.LateArrivals.Horizon)
	assert.Zero(t, def.Poll.Overlap, "the first re-read covers what an overlap would")
	assert.Equal(t, 24*time.Hour, def.Poll.InitialLookback)
	assert.Equal(t, 5*time.Minute, def.TokenLifetime)
	assert.Nil(t, def.Webhook)
	assert.Nil(t, def.Poll.StorageID)
	assert.Empty(t, def.ActivityTypes, "no filter by default: Authgear then returns every type it knows")

	full := load(t, "full")
	require.NoError(t, confmap.Validate(full))
	assert.Equal(t, "example-prod", full.projectID())
	assert.Equal(t, 20*time.Second, full.Client.Timeout)
	assert.Equal(t, []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "USER_DELETED"}, full.ActivityTypes)
	assert.Equal(t, 5*time.Minute, full.Poll.Overlap)
	assert.Equal(t, 30*time.Minute, full.Poll.MaxWindow)
	assert.Zero(t, full.Poll.LateArrivals.Horizon, "0 turns re-reads off")
	assert.Equal(t, "file_storage", full.Poll.StorageID.String())
	assert.Equal(t, time.Minute, full.Poll.BackOff.MaxInterval)
	require.NotNil(t, full.Webhook)
	assert.Equal(t, "x-authgear-body-signature", full.Webhook.Signature.Header)
	assert.Equal(t, "0.0.0.0:8463", full.Webhook.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, "/events", full.Webhook.Path, "a webhook block starts from the defaults")

	off := load(t, "rereadsoff")
	assert.Equal(t, 2*time.Minute, off.Poll.Overlap, "turning re-reads off brings back the 2m overlap")
}
