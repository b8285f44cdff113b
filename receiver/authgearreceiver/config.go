package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/webhook"
)

// Config is the authgear receiver's configuration.
type Config struct {
	// Client is the Admin API client: endpoint (https://<project>.authgear.cloud
	// or a self-hosted Authgear), timeout, tls, proxy_url, ….
	Client confighttp.ClientConfig `mapstructure:",squash"`
	// ProjectID is the JWT audience; it defaults to the endpoint's first host label.
	ProjectID string `mapstructure:"project_id"`
	// KeyID is the Admin API key's id (Portal → Advanced → Admin API).
	KeyID string `mapstructure:"key_id"`
	// PrivateKeyFile or PrivateKey holds the key's RSA private key (PEM).
	PrivateKeyFile string              `mapstructure:"private_key_file"`
	PrivateKey     configopaque.String `mapstructure:"private_key"`
	// TokenLifetime is how long each signed JWT is valid (Authgear allows 5m skew).
	TokenLifetime time.Duration `mapstructure:"token_lifetime"`
	// ActivityTypes limits the audit log to these AuditLogActivityType values.
	// Empty (the default) sends no filter: Authgear then returns every type it knows.
	ActivityTypes []string `mapstructure:"activity_types"`
	// Poll is the shared poll loop configuration.
	Poll poll.Config `mapstructure:",squash"`
	// Webhook, when set, also accepts Authgear's non-blocking webhooks.
	Webhook *webhook.Config `mapstructure:"webhook"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; every message names its field.
func (c *Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.Client.Endpoint)
	switch {
	case c.Client.Endpoint == "":
		errs = append(errs, errors.New("endpoint: required, e.g. https://myapp.authgear.cloud"))
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		errs = append(errs, fmt.Errorf("endpoint: must be an http(s) URL, got %q", c.Client.Endpoint))
	}
	if c.projectID() == "" {
		errs = append(errs, errors.New("project_id: required when the endpoint's host does not start with the project id"))
	}
	if c.KeyID == "" {
		errs = append(errs, errors.New("key_id: required; copy it from Portal → Advanced → Admin API"))
	}
	switch {
	case c.PrivateKeyFile == "" && c.PrivateKey == "":
		errs = append(errs, errors.New("private_key_file: one of private_key_file or private_key is required"))
	case c.PrivateKeyFile != "" && c.PrivateKey != "":
		errs = append(errs, errors.New("private_key: set either private_key_file or private_key, not both"))
	}
	if c.TokenLifetime < time.Minute || c.TokenLifetime > time.Hour {
		errs = append(errs, fmt.Errorf("token_lifetime: must be between 1m and 1h, got %s", c.TokenLifetime))
	}
	for _, t := range c.ActivityTypes {
		if t == "" || strings.ToUpper(t) != t {
			errs = append(errs, fmt.Errorf("activity_types: %q is not an AuditLogActivityType (e.g. USER_AUTHENTICATED)", t))
		}
	}
	if err := c.Poll.Validate(0); err != nil {
		errs = append(errs, err)
	}
	if c.Webhook != nil {
		if !c.Webhook.Signature.Enabled() {
			errs = append(errs, errors.New("webhook.signature.secret: required; copy it from Portal → Advanced → Hooks → Webhook Signature"))
		}
		if err := c.Webhook.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("webhook: %w", err))
		}
	}
	return errors.Join(errs...)
}

// projectID is project_id, or the first label of the endpoint's host.
func (c *Config) projectID() string {
	if c.ProjectID != "" {
		return c.ProjectID
	}
	u, err := url.Parse(c.Client.Endpoint)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if label, _, ok := strings.Cut(host, "."); ok && label != "" {
		return label
	}
	return ""
}

// privateKeyPEM reads the key from private_key or private_key_file.
func (c *Config) privateKeyPEM() ([]byte, error) {
	if c.PrivateKey != "" {
		return []byte(string(c.PrivateKey)), nil
	}
	b, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("private_key_file: %w", err)
	}
	return b, nil
}

// fingerprint identifies the stream: another project or filter is another stream.
func (c *Config) fingerprint() string {
	types := slices.Clone(c.ActivityTypes)
	slices.Sort(types)
	return poll.Fingerprint(strings.TrimRight(c.Client.Endpoint, "/"), c.projectID(), strings.Join(types, ","))
}

// Unmarshal starts a present webhook block from Authgear's webhook defaults,
// and gives overlap the default of the configured horizon.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if conf.IsSet("webhook") && c.Webhook == nil {
		h := DefaultWebhookConfig()
		c.Webhook = &h
	}
	type plain Config // no Unmarshal method: no recursion
	if err := conf.Unmarshal((*plain)(c)); err != nil {
		return err
	}
	c.Poll.ApplyOverlapDefault(conf)
	return nil
}
