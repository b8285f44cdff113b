package asgardeoreceiver // import "github.com/authtrail/authtrail/receiver/asgardeoreceiver"

import (
	"errors"

	"go.opentelemetry.io/collector/component"

	"github.com/authtrail/authtrail/internal/webhook"
)

// Config is the asgardeo receiver's configuration: the shared webhook intake
// with Asgardeo's signature scheme as default. signature.secret is required.
type Config struct {
	Webhook webhook.Config `mapstructure:",squash"`
	// Topics, when set, lists the WebSub topics (hub.topic) whose
	// subscription challenges the receiver confirms; others get 404.
	Topics []string `mapstructure:"topics"`
}

var _ component.Config = (*Config)(nil)

var errSecretRequired = errors.New("signature.secret: required; use the secret shown when the webhook was created in the Asgardeo console")

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if !c.Webhook.Signature.Enabled() {
		errs = append(errs, errSecretRequired)
	}
	return errors.Join(append(errs, c.Webhook.Validate())...)
}
