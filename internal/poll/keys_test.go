package poll

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"
)

type keysConfig struct {
	Client  confighttp.ClientConfig `mapstructure:",squash"`
	Poll    Config                  `mapstructure:",squash"`
	Name    string                  `mapstructure:"name"`
	Extra   *struct{ Path string }  `mapstructure:"extra"`
	Headers map[string]string       `mapstructure:"labels"`
}

func TestRejectUnknownKeys(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{
		"endpoint": "https://x", "timeout": "5s", "name": "n", "overlap": "5m",
		"retry_on_failure": map[string]any{"enabled": true, "max_interval": "1m"},
		"extra":            map[string]any{"Path": "/p"},
		"labels":           map[string]any{"anything": "goes"},
		"tls":              map[string]any{"insecure": true},
	})
	require.NoError(t, RejectUnknownKeys(conf, &keysConfig{}))

	// The collector's own decoding lets these pass: a squashed
	// confighttp.ClientConfig unmarshals itself and ignores the rest.
	typos := confmap.NewFromStringMap(map[string]any{
		"endpoint": "https://x", "overlapp": "5m", "bogus_key": 1,
		"retry_on_failure": map[string]any{"enabeld": false},
		"extra":            map[string]any{"path": "/p"},
	})
	require.NoError(t, typos.Unmarshal(&keysConfig{}), "if the collector rejects these now, RejectUnknownKeys can go")
	err := RejectUnknownKeys(typos, &keysConfig{})
	require.Error(t, err)
	assert.Equal(t, "has invalid keys: bogus_key, extra::path, overlapp, retry_on_failure::enabeld", err.Error())
}
