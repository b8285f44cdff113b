package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
)

// Defaults shared by every webhook receiver. Vendors' events are a few KB and
// arrive in one quick request, so the HTTP limits are far tighter than
// confighttp's general-purpose ones (20 MiB bodies, no read timeout) while
// leaving ample headroom: refusing a real event can cost the subscription.
const (
	DefaultPath           = "/events"
	DefaultHealthPath     = "/health"
	DefaultConsumeTimeout = 5 * time.Second
	DefaultRetryAfter     = 5 * time.Second

	DefaultMaxRequestBodySize    = 1 << 20
	DefaultReadHeaderTimeout     = 5 * time.Second
	DefaultReadTimeout           = 10 * time.Second
	DefaultMaxHeaderBytes        = 32 << 10
	DefaultMaxConnections        = 512
	DefaultMaxConcurrentRequests = 32
	DefaultDedupeWindow          = 10 * time.Minute
	DefaultDedupeMaxEntries      = 100_000

	// minSecretLength is the shortest secret Validate does not warn about.
	minSecretLength = 16
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
	// MaxHeaderBytes bounds a request's header block (http.Server.MaxHeaderBytes).
	MaxHeaderBytes int `mapstructure:"max_header_bytes"`
	// MaxConnections bounds open connections; further ones wait in the
	// kernel's accept queue, holding no descriptor of the collector's.
	MaxConnections int `mapstructure:"max_connections"`
	// MaxConcurrentRequests bounds the requests whose bodies are read and
	// processed at once, and so the memory they hold; beyond it the intake
	// answers 503 with Retry-After without reading the body.
	MaxConcurrentRequests int `mapstructure:"max_concurrent_requests"`
	// Dedupe drops deliveries whose key was accepted recently.
	Dedupe DedupeConfig `mapstructure:"dedupe"`
}

// DedupeConfig drops a delivery whose key (the receiver says what it is) was
// accepted within Window. An entry costs about dedupeEntryBytes of memory.
type DedupeConfig struct {
	// Window is how long an accepted key is remembered; 0 turns dedupe off.
	Window time.Duration `mapstructure:"window"`
	// MaxEntries caps the keys remembered; when the window holds more, the
	// oldest are forgotten first.
	MaxEntries int `mapstructure:"max_entries"`
	// Storage names a storage extension that keeps the keys across restarts.
	Storage *component.ID `mapstructure:"storage"`
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
	server.MaxRequestBodySize = DefaultMaxRequestBodySize
	server.ReadHeaderTimeout = DefaultReadHeaderTimeout
	server.ReadTimeout = DefaultReadTimeout
	// An empty (not nil) list turns confighttp's request decompression off: no
	// vendor compresses its webhooks, and a small compressed body can expand
	// to the body limit before the signature is checked.
	server.CompressionAlgorithms = []string{}
	return Config{
		ServerConfig:          server,
		Path:                  DefaultPath,
		HealthPath:            DefaultHealthPath,
		Signature:             sig,
		ConsumeTimeout:        DefaultConsumeTimeout,
		RetryAfter:            DefaultRetryAfter,
		MaxHeaderBytes:        DefaultMaxHeaderBytes,
		MaxConnections:        DefaultMaxConnections,
		MaxConcurrentRequests: DefaultMaxConcurrentRequests,
		Dedupe:                DedupeConfig{Window: DefaultDedupeWindow, MaxEntries: DefaultDedupeMaxEntries},
	}
}

// serverConfig is the HTTP server configuration the intake runs: a
// compression_algorithms list that turns decompression on still accepts
// uncompressed bodies (confighttp would refuse them unless "" is listed), as
// every vendor sends them.
func (c *Config) serverConfig() confighttp.ServerConfig {
	sc := c.ServerConfig
	if len(sc.CompressionAlgorithms) > 0 && !slices.Contains(sc.CompressionAlgorithms, "") {
		sc.CompressionAlgorithms = append(slices.Clone(sc.CompressionAlgorithms), "")
	}
	return sc
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
	// Both become http.ServeMux patterns, which panic at Start on a space
	// (read as a method) or an unclosed brace, and read braces as wildcards.
	for _, f := range [...]struct{ name, path string }{{"path", c.Path}, {"health_path", c.HealthPath}} {
		if strings.ContainsAny(f.path, " \t\r\n{}") {
			errs = append(errs, fmt.Errorf("%s: must be a plain URL path, without spaces or braces, got %q", f.name, f.path))
		}
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
	if c.ServerConfig.MaxRequestBodySize <= 0 { // 0 would silently mean confighttp's 20 MiB
		errs = append(errs, fmt.Errorf("max_request_body_size: must be positive (default %d), got %d",
			DefaultMaxRequestBodySize, c.ServerConfig.MaxRequestBodySize))
	}
	for _, f := range []struct {
		name  string
		value int
	}{
		{"max_header_bytes", c.MaxHeaderBytes}, {"max_connections", c.MaxConnections},
		{"max_concurrent_requests", c.MaxConcurrentRequests},
	} {
		if f.value <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive, got %d", f.name, f.value))
		}
	}
	if c.Dedupe.Window < 0 {
		errs = append(errs, fmt.Errorf("dedupe.window: must not be negative, got %s", c.Dedupe.Window))
	}
	if c.Dedupe.Window > 0 && c.Dedupe.MaxEntries <= 0 {
		errs = append(errs, fmt.Errorf("dedupe.max_entries: must be positive, got %d", c.Dedupe.MaxEntries))
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

// Warnings lists what is valid but unsafe on the internet; the intake logs
// them at start.
func (c *Config) Warnings() []string {
	var warns []string
	if !c.ServerConfig.TLS.HasValue() && !loopback(c.ServerConfig.NetAddr.Endpoint) {
		warns = append(warns, fmt.Sprintf("endpoint %q is not a loopback address and tls is not configured: "+
			"events and their signatures cross the network in clear text; set tls or terminate TLS in front of the collector",
			c.ServerConfig.NetAddr.Endpoint))
	}
	for _, s := range []struct {
		field  string
		secret configopaque.String
	}{{"signature.secret", c.Signature.Secret}, {"required_header.value", c.RequiredHeader.Value}} {
		if s.secret != "" && len(s.secret) < minSecretLength {
			warns = append(warns, fmt.Sprintf("%s is shorter than %d bytes: a short secret can be guessed", s.field, minSecretLength))
		}
	}
	return warns
}

// loopback reports whether endpoint's host can only be reached from this machine.
func loopback(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		host = endpoint
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
