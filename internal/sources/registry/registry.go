// Package registry maps a vendor name to the decoder of a single vendor event,
// for records that reach the pipeline without a receiver (replays, OTLP).
package registry // import "github.com/authtrail/authtrail/internal/sources/registry"

import (
	"strings"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/asgardeo"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/sources/fillout"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/internal/sources/vgs"
)

// source is a vendor's decoder of one event as JSON text, and its writer of
// one event as a JSON tree.
type source struct {
	bytes sources.Decoder
	write sources.EventWriter
}

// decoders accept one vendor event: a VGS notification, an Asgardeo webhook
// payload, an Authgear event (the webhook body, i.e. an audit log's data), a
// Google activity or Activities page, a Fillout audit-log entry.
var decoders = map[string]source{
	vgs.Vendor:             {vgs.Decode, vgs.Write},
	asgardeo.Vendor:        {asgardeo.Decode, asgardeo.Write},
	authgear.Vendor:        {authgear.DecodeEvent, authgear.WriteEvent},
	googleworkspace.Vendor: {googleworkspace.DecodeJSON, googleworkspace.Write},
	"google_workspace":     {googleworkspace.DecodeJSON, googleworkspace.Write},
	fillout.Vendor:         {fillout.Decode, fillout.Write},
}

// Decoder returns the decoder of JSON text for a vendor name (service.name /
// event.provider).
func Decoder(vendor string) (sources.Decoder, bool) {
	d, ok := decoders[vendor]
	return d.bytes, ok
}

// Writer returns the writer of JSON trees for a vendor name.
func Writer(vendor string) (sources.EventWriter, bool) {
	d, ok := decoders[vendor]
	return d.write, ok
}

// Vendors lists the names Decoder accepts.
func Vendors() []string {
	out := make([]string, 0, len(decoders))
	for v := range decoders {
		out = append(out, v)
	}
	return out
}

// Decoders returns the decoders of JSON text (for tests).
func Decoders() map[string]sources.Decoder {
	out := make(map[string]sources.Decoder, len(decoders))
	for v, d := range decoders {
		out[v] = d.bytes
	}
	return out
}

// mappings are the vendors' mapping tables, for the OCSF 1.9 ids of a record.
var mappings = map[string]func() map[string]schema.Mapping{
	vgs.Vendor: vgs.Mappings, asgardeo.Vendor: asgardeo.Mappings, authgear.Vendor: authgear.Mappings,
	googleworkspace.Vendor: googleworkspace.Mappings, fillout.Vendor: fillout.Mappings,
}

// OCSF returns the OCSF ids of a vendor event type: the table row for code
// (or a payload-dependent "code/…" row with the same action).
func OCSF(vendor, code string, action schema.Action) (schema.OCSF, bool) {
	table, ok := mappings[vendor]
	if !ok {
		return schema.OCSF{}, false
	}
	for key, m := range table() {
		if (key == code || strings.HasPrefix(key, code+"/")) && m.Action == action {
			return m.OCSF, true
		}
	}
	return schema.OCSF{}, false
}
