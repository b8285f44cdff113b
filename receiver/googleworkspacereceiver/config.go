package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/authtrail/authtrail/internal/poll"
)

// retention is how far back the Reports API serves activities.
const retention = 180 * 24 * time.Hour

// Config is the google_workspace receiver's configuration.
type Config struct {
	// Client is the HTTP client (timeout, tls, proxy_url); its endpoint, when set,
	// replaces the Reports API base URL (proxies, tests).
	Client confighttp.ClientConfig `mapstructure:",squash"`
	// CredentialsFile is the service account's JSON key; its token_uri is the token URL.
	CredentialsFile string `mapstructure:"credentials_file"`
	// Subject is the admin the service account impersonates (domain-wide delegation).
	Subject string `mapstructure:"subject"`
	// CustomerID is the Workspace customer (my_customer: the subject's own).
	CustomerID string `mapstructure:"customer_id"`
	// Applications are the Reports applications to read, each its own stream.
	Applications []string `mapstructure:"applications"`
	// PageSize is maxResults, up to 1000.
	PageSize int64 `mapstructure:"page_size"`
	// Poll is the shared poll loop configuration.
	Poll poll.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)

var applicationName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks the configuration; every message names its field.
func (c *Config) Validate() error {
	var errs []error
	if c.CredentialsFile == "" {
		errs = append(errs, errors.New("credentials_file: required: the service account's JSON key"))
	}
	if !strings.Contains(c.Subject, "@") {
		errs = append(errs, fmt.Errorf("subject: the email of an admin who can read reports is required, got %q", c.Subject))
	}
	if c.CustomerID == "" {
		errs = append(errs, errors.New("customer_id: must not be empty (my_customer is the subject's own)"))
	}
	if len(c.Applications) == 0 {
		errs = append(errs, errors.New("applications: at least one, e.g. [user_accounts, login]"))
	}
	seen := map[string]bool{}
	for _, a := range c.Applications {
		if !applicationName.MatchString(a) || seen[a] {
			errs = append(errs, fmt.Errorf("applications: %q is not a Reports application name, or is listed twice", a))
		}
		seen[a] = true
	}
	if c.PageSize < 1 || c.PageSize > 1000 {
		errs = append(errs, fmt.Errorf("page_size: must be 1 to 1000, got %d", c.PageSize))
	}
	if err := c.Poll.Validate(retention); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// fingerprint identifies one application's stream.
func (c *Config) fingerprint(app string) string {
	return poll.Fingerprint(c.Client.Endpoint, c.CustomerID, c.Subject, app)
}

// Unmarshal gives overlap the default of the configured horizon.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	type plain Config // no Unmarshal method: no recursion
	if err := conf.Unmarshal((*plain)(c)); err != nil {
		return err
	}
	c.Poll.ApplyOverlapDefault(conf)
	return nil
}
