// Package sources holds what every vendor source shares: the options a caller
// passes when it converts a vendor payload into normalized log records. Each
// vendor's decoding and mapping lives in its own subpackage, as pure functions.
package sources // import "github.com/authtrail/authtrail/internal/sources"

import (
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/vjson"
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

// EventWriter writes one vendor event, given as a JSON node (parsed from the
// wire, or a log record's body, see vjson.Node), into b.
// original is the event's text for event.original, or "". An error means the
// event is malformed; records already written for it are the caller's to
// roll back.
type EventWriter func(b *schema.Builder, root vjson.Node, original string) error

// MaxFields bounds the object fields of one payload DecodeBytes takes: each
// may become an attribute, and a record's attributes cost time quadratic in
// their number. A vendor event has tens.
const MaxFields = 1024

// DecodeBytes parses raw and writes it with w into a new batch of vendor's
// records; event.original is raw when opts ask for it.
func DecodeBytes(raw []byte, opts Options, vendor string, w EventWriter) (plog.Logs, error) {
	doc, err := vjson.Parse(raw)
	if err != nil {
		return plog.Logs{}, err
	}
	defer doc.Release()
	if !vjson.FieldsWithin(doc.Root, MaxFields) {
		return plog.Logs{}, fmt.Errorf("payload has more than %d fields, no vendor event has as many", MaxFields)
	}
	var original string
	if opts.IncludeOriginal {
		original = strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	b := schema.NewBuilder(vendor, opts.Scope, opts.Observed)
	if err := w(b, doc.Root, original); err != nil {
		return plog.Logs{}, err
	}
	return b.Logs(), nil
}

// ScopeOptions names the component (import path and build version) on its records.
func ScopeOptions(scopeName, version string) Options {
	return Options{Scope: schema.Scope{Name: scopeName, Version: version}}
}
