// Package sources holds what every vendor source shares: the options a caller
// passes when it converts a vendor payload into normalized log records. Each
// vendor's decoding and mapping lives in its own subpackage, as pure functions.
package sources // import "github.com/authtrail/authtrail/internal/sources"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// Options are the caller's choices for one conversion.
type Options struct {
	// Scope names the component that writes the records.
	Scope schema.Scope
	// IncludeOriginal puts the raw vendor event into event.original.
	IncludeOriginal bool
	// Observed is the receipt time (ObservedTimestamp); zero leaves it unset.
	Observed time.Time
}

// Decoder converts one vendor payload into normalized records. An error means the
// payload is malformed (a permanent error for the sender); unknown event types are
// not errors, they pass through.
type Decoder func(raw []byte, opts Options) (plog.Logs, error)

// ScopeOptions names the component (import path and build version) on its records.
func ScopeOptions(scopeName, version string) Options {
	return Options{Scope: schema.Scope{Name: scopeName, Version: version}}
}
