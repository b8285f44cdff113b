package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
)

// Defaults shared by every webhook receiver.
const (
	DefaultPath           = "/events"
	DefaultHealthPath     = "/health"
	DefaultConsumeTimeout = 5 * time.Second
	DefaultRetryAfter     = 5 * time.Second
)

// Config is the intake part of a webhook receiver's configuration. The HTTP
// server fields (endpoint, tls, auth, max_request_body_size, …) sit at the top
// level of the receiver's YAML.
type Config struct {
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`
	// Path receives the vendor's POSTs.
	Path string `mapstructure:"path"`
	// HealthPath answers GET with 200 while the receiver runs.
	HealthPath string `mapstructure:"health_path"`
	// Signature verifies an HMAC of the raw body; off when secret is empty.
	Signature SignatureConfig `mapstructure:"signature"`
	// RequiredHeader checks a static token header; off when name is empty.
	RequiredHeader RequiredHeaderConfig `mapstructure:"required_header"`
	// ConsumeTimeout bounds how long a request waits for the pipeline; it must
	// stay below the vendor's delivery timeout.
	ConsumeTimeout time.Duration `mapstructure:"consume_timeout"`
	// RetryAfter is sent with 503 answers.
	RetryAfter time.Duration `mapstructure:"retry_after"`
	// IncludeOriginal puts the raw vendor event into event.original.
	IncludeOriginal bool `mapstructure:"include_original"`
}

// SignatureConfig describes a vendor's HMAC signature header.
type SignatureConfig struct {
	Secret configopaque.String `mapstructure:"secret"`
	// Header carries the signature.
	Header string `mapstructure:"header"`
	// Algorithm is sha1, sha256 or sha512.
	Algorithm string `mapstructure:"algorithm"`
	// Encoding is hex or base64.
	Encoding string `mapstructure:"encoding"`
	// Prefix precedes the encoded digest in the header, e.g. "sha256=".
	Prefix string `mapstructure:"prefix"`
}

// Enabled reports whether signatures are verified.
func (s SignatureConfig) Enabled() bool { return s.Secret != "" }

// RequiredHeaderConfig is a static header every request must carry.
type RequiredHeaderConfig struct {
	Name  string              `mapstructure:"name"`
	Value configopaque.String `mapstructure:"value"`
}

// Enabled reports whether the header is checked.
func (r RequiredHeaderConfig) Enabled() bool { return r.Name != "" }

// NewDefaultConfig returns the intake defaults with the vendor's signature scheme.
func NewDefaultConfig(endpoint string, sig SignatureConfig) Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = endpoint
	return Config{
		ServerConfig:   server,
		Path:           DefaultPath,
		HealthPath:     DefaultHealthPath,
		Signature:      sig,
		ConsumeTimeout: DefaultConsumeTimeout,
		RetryAfter:     DefaultRetryAfter,
	}
}

// Validate checks the intake configuration; every message names its field.
func (c *Config) Validate() error {
	var errs []error
	if c.ServerConfig.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint: must not be empty"))
	}
	if !strings.HasPrefix(c.Path, "/") {
		errs = append(errs, fmt.Errorf("path: must start with '/', got %q", c.Path))
	}
	if c.HealthPath != "" && !strings.HasPrefix(c.HealthPath, "/") {
		errs = append(errs, fmt.Errorf("health_path: must start with '/', got %q", c.HealthPath))
	}
	if c.HealthPath != "" && c.HealthPath == c.Path {
		errs = append(errs, fmt.Errorf("health_path: must differ from path %q", c.Path))
	}
	if c.ConsumeTimeout <= 0 {
		errs = append(errs, fmt.Errorf("consume_timeout: must be positive, got %s", c.ConsumeTimeout))
	}
	if c.RetryAfter < time.Second {
		errs = append(errs, fmt.Errorf("retry_after: must be at least 1s, got %s", c.RetryAfter))
	}
	if c.ServerConfig.MaxRequestBodySize < 0 {
		errs = append(errs, errors.New("max_request_body_size: must not be negative"))
	}
	errs = append(errs, c.Signature.validate()...)
	if c.RequiredHeader.Name == "" && c.RequiredHeader.Value != "" {
		errs = append(errs, errors.New("required_header.name: must be set when required_header.value is"))
	}
	if c.RequiredHeader.Name != "" && c.RequiredHeader.Value == "" {
		errs = append(errs, errors.New("required_header.value: must be set when required_header.name is"))
	}
	return errors.Join(errs...)
}

func (s SignatureConfig) validate() []error {
	var errs []error
	if _, ok := hashes[s.Algorithm]; !ok {
		errs = append(errs, fmt.Errorf("signature.algorithm: must be one of sha1, sha256, sha512, got %q", s.Algorithm))
	}
	if _, ok := encodings[s.Encoding]; !ok {
		errs = append(errs, fmt.Errorf("signature.encoding: must be hex or base64, got %q", s.Encoding))
	}
	if s.Enabled() && s.Header == "" {
		errs = append(errs, errors.New("signature.header: must be set when signature.secret is"))
	}
	return errs
}
