package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/registry"
)

// PII modes (docs/schema.md#d11-pii-modes).
const (
	PIIKeep = "keep"
	PIIHash = "hash"
	PIIDrop = "drop"
)

// Output profiles.
const (
	ProfileOTel = "otel"
	ProfileECS  = "ecs"
	ProfileOCSF = "ocsf"
)

// Config is the identity processor's configuration.
type Config struct {
	// Vendor names the vendor of raw records that carry no event.provider.
	Vendor string `mapstructure:"vendor"`
	// Severity is the severity policy.
	Severity SeverityConfig `mapstructure:"severity"`
	// PII is keep, hash (user.hash, no emails or names, IPs truncated) or drop.
	PII string `mapstructure:"pii"`
	// PIISalt keys the hashes of pii: hash.
	PIISalt configopaque.String `mapstructure:"pii_salt"`
	// TenantNames maps organization.id to organization.name.
	TenantNames map[string]string `mapstructure:"tenant_names"`
	// GeoIP adds geo.* for client.address from a MaxMind database.
	GeoIP GeoIPConfig `mapstructure:"geoip"`
	// Profile is the output profile: otel; ecs (adds the ECS copies Elastic
	// Security rules match on); ocsf (the body becomes the complete OCSF event).
	Profile string `mapstructure:"profile"`
	// OCSFVersion selects the OCSF ids of the ocsf profile: 1.8 or 1.9.
	OCSFVersion string `mapstructure:"ocsf_version"`
}

// SeverityConfig overrides the security severity policy of docs/schema.md#severity.
type SeverityConfig struct {
	// Overrides sets the severity of an action (e.g. authentication.login: low).
	Overrides map[string]string `mapstructure:"overrides"`
	// PrivilegedRole is the pattern of roles whose grant is high severity.
	PrivilegedRole string `mapstructure:"privileged_role"`
	// Numbers replaces the security severity → SeverityNumber table.
	Numbers map[string]int `mapstructure:"numbers"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; every message names its field.
func (c *Config) Validate() error {
	var errs []error
	if c.Vendor != "" {
		if _, ok := registry.Decoder(c.Vendor); !ok {
			errs = append(errs, fmt.Errorf("vendor: unknown %q; one of %v", c.Vendor, sortedVendors()))
		}
	}
	if !slices.Contains([]string{PIIKeep, PIIHash, PIIDrop}, c.PII) {
		errs = append(errs, fmt.Errorf("pii: must be keep, hash or drop, got %q", c.PII))
	}
	if c.PII == PIIHash && c.PIISalt == "" {
		errs = append(errs, errors.New("pii_salt: required with pii: hash (hashes of emails without a secret salt are easy to reverse)"))
	}
	if !slices.Contains([]string{ProfileOTel, ProfileECS, ProfileOCSF}, c.Profile) {
		errs = append(errs, fmt.Errorf("profile: must be otel, ecs or ocsf, got %q", c.Profile))
	}
	if c.OCSFVersion != OCSF18 && c.OCSFVersion != OCSF19 {
		errs = append(errs, fmt.Errorf("ocsf_version: must be \"1.8\" or \"1.9\", got %q", c.OCSFVersion))
	}
	for action, sev := range c.Severity.Overrides {
		if _, ok := schema.Spec(schema.Action(action)); !ok {
			errs = append(errs, fmt.Errorf("severity.overrides: %q is not an action of the schema", action))
		}
		if _, ok := schema.ParseSeverity(sev); !ok {
			errs = append(errs, fmt.Errorf("severity.overrides.%s: %q is not informational, low, medium, high or critical", action, sev))
		}
	}
	if _, err := regexp.Compile(c.Severity.PrivilegedRole); err != nil {
		errs = append(errs, fmt.Errorf("severity.privileged_role: %w", err))
	}
	for sev, n := range c.Severity.Numbers {
		if _, ok := schema.ParseSeverity(sev); !ok {
			errs = append(errs, fmt.Errorf("severity.numbers: %q is not a security severity", sev))
		}
		if n < 1 || n > 24 {
			errs = append(errs, fmt.Errorf("severity.numbers.%s: must be an OTel SeverityNumber 1–24, got %d", sev, n))
		}
	}
	return errors.Join(errs...)
}

func sortedVendors() []string {
	v := registry.Vendors()
	slices.Sort(v)
	return v
}
