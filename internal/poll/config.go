package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
)

// Config is the poll part of a polling receiver's configuration.
type Config struct {
	// PollInterval is the time between passes once the stream has caught up.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Lag holds each window's end this far behind now, for the vendor's
	// ingestion delay.
	Lag time.Duration `mapstructure:"lag"`
	// Overlap re-reads this much before the checkpoint, for events that arrive
	// late; duplicates are dropped by event id.
	Overlap time.Duration `mapstructure:"overlap"`
	// InitialLookback is how far back the first pass of a new stream starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// MaxWindow caps one pass while catching up, so that a pass (and what a
	// restart repeats) stays small.
	MaxWindow time.Duration `mapstructure:"max_window"`
	// StorageID names a storage extension (e.g. file_storage) for checkpoints.
	StorageID *component.ID `mapstructure:"storage"`
	// BackOff governs retries of failed API calls (429, 5xx, network).
	BackOff configretry.BackOffConfig `mapstructure:"retry_on_failure"`
	// LateArrivals re-reads past windows for events published late.
	LateArrivals LateArrivalsConfig `mapstructure:"late_arrivals"`
	// MaxRecentIDs bounds the ids kept for dedupe over the overlap.
	MaxRecentIDs int `mapstructure:"max_recent_ids"`
}

// NewDefaultConfig returns the poll defaults for a vendor. With re-reads
// (horizon > 0) the main pass needs no overlap: the first re-read covers it.
func NewDefaultConfig(interval, lag, horizon time.Duration) Config {
	bo := configretry.NewDefaultBackOffConfig()
	bo.MaxElapsedTime = 0 // keep retrying; the pass resumes where it stopped
	return Config{
		PollInterval:    interval,
		Lag:             lag,
		Overlap:         defaultOverlap(horizon),
		InitialLookback: 24 * time.Hour,
		MaxWindow:       time.Hour,
		BackOff:         bo,
		MaxRecentIDs:    2_000_000,
		LateArrivals:    LateArrivalsConfig{Horizon: horizon},
	}
}

func defaultOverlap(horizon time.Duration) time.Duration {
	if horizon > 0 {
		return 0
	}
	return 2 * time.Minute
}

// ApplyOverlapDefault sets overlap, when conf leaves it unset, to the default
// of the configured horizon: a user who turns re-reads off gets the 2m overlap
// that the default horizon had made 0. Receivers call it from their Unmarshal
// after decoding conf.
func (c *Config) ApplyOverlapDefault(conf *confmap.Conf) {
	if !conf.IsSet("overlap") {
		c.Overlap = defaultOverlap(c.LateArrivals.Horizon)
	}
}

// Validate checks the poll configuration against the vendor's retention limit
// (zero: none); every message names its field.
func (c *Config) Validate(retention time.Duration) error {
	var errs []error
	if c.PollInterval < time.Second {
		errs = append(errs, fmt.Errorf("poll_interval: must be at least 1s, got %s", c.PollInterval))
	}
	if c.Lag < 0 {
		errs = append(errs, fmt.Errorf("lag: must not be negative, got %s", c.Lag))
	}
	if c.Overlap < 0 {
		errs = append(errs, fmt.Errorf("overlap: must not be negative, got %s", c.Overlap))
	}
	if c.InitialLookback <= 0 {
		errs = append(errs, fmt.Errorf("initial_lookback: must be positive, got %s", c.InitialLookback))
	}
	if retention > 0 && c.InitialLookback > retention {
		errs = append(errs, fmt.Errorf("initial_lookback: the vendor keeps %s of events, got %s", retention, c.InitialLookback))
	}
	if c.MaxWindow < time.Minute {
		errs = append(errs, fmt.Errorf("max_window: must be at least 1m, got %s", c.MaxWindow))
	}
	if h := c.LateArrivals.Horizon; h < 0 {
		errs = append(errs, fmt.Errorf("late_arrivals.horizon: must not be negative, got %s", h))
	} else if retention > 0 && h > retention {
		errs = append(errs, fmt.Errorf("late_arrivals.horizon: the vendor keeps %s of events, got %s", retention, h))
	}
	if c.MaxRecentIDs < 1000 {
		errs = append(errs, fmt.Errorf("max_recent_ids: must be at least 1000, got %d", c.MaxRecentIDs))
	}
	if err := c.BackOff.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("retry_on_failure: %w", err))
	}
	return errors.Join(errs...)
}
