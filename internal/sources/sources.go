// Package sources holds what every vendor source shares: the options a caller
// passes when it converts a vendor payload into normalized log records. Each
// vendor's decoding and mapping lives in its own subpackage, as pure functions.
package sources // import "github.com/authtrail/authtrail/internal/sources"

import (
	"time"

	"github.com/valyala/fastjson"
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

// ValueDecoder converts one vendor event that is already a JSON tree: parsed
// from the wire, or built from a log record's body (vjson.FromValue).
type ValueDecoder func(root *fastjson.Value, opts Options) (plog.Logs, error)

// ParsedDecoder is a vendor's conversion of a JSON tree; original is the
// event's text for event.original, when the caller asked for it.
type ParsedDecoder func(root *fastjson.Value, original string, opts Options) (plog.Logs, error)

// DecodeBytes parses raw and converts it with d; event.original is raw.
func DecodeBytes(raw []byte, opts Options, d ParsedDecoder) (plog.Logs, error) {
	doc, err := vjson.Parse(raw)
	if err != nil {
		return plog.Logs{}, err
	}
	defer doc.Release()
	var original string
	if opts.IncludeOriginal {
		original = string(raw)
	}
	return d(doc.Root, original, opts)
}

// DecodeValue converts a JSON tree with d; event.original is the tree as JSON.
func DecodeValue(root *fastjson.Value, opts Options, d ParsedDecoder) (plog.Logs, error) {
	var original string
	if opts.IncludeOriginal {
		original = string(root.MarshalTo(nil))
	}
	return d(root, original, opts)
}

// ScopeOptions names the component (import path and build version) on its records.
func ScopeOptions(scopeName, version string) Options {
	return Options{Scope: schema.Scope{Name: scopeName, Version: version}}
}
