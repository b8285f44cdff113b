package vgsreceiver // import "github.com/authtrail/authtrail/receiver/vgsreceiver"

import (
	"go.opentelemetry.io/collector/component"

	"github.com/authtrail/authtrail/internal/webhook"
)

// Config is the vgs receiver's configuration: the shared webhook intake.
// VGS does not publish its signing scheme, so both signature and
// required_header are optional; set whichever your VGS setup provides.
type Config struct {
	Webhook webhook.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration.
func (c *Config) Validate() error { return c.Webhook.Validate() }
