// Package vgs decodes VGS webhook notifications (docs/schema.md#vgs) and maps them to the
// authtrail schema. Pure functions, no I/O.
//
// VGS's published samples carry copy errors in their human text (a "password updated"
// heading over a permissions event, an MFA-disabled sample whose summary says
// "enabled MFA"): the mapping trusts the "event" field only.
package vgs // import "github.com/authtrail/authtrail/internal/sources/vgs"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

const (
	// Vendor is the service.name and event.provider of VGS records.
	Vendor    = "vgs"
	namespace = "vgs"
	dataset   = "vgs.webhook"
)

var errMissingEvent = errors.New(`missing string field "event"`)

// consumed lists the notification fields the mapping uses; the rest land under vgs.*.
var consumed = vjson.Skip{
	"event": nil, "id": nil, "timestamp": nil, "summary": nil, "org_id": nil,
	"details":  {"user_email": nil, "user_ip": nil},
	"producer": {"user_email": nil, "user_agent": nil},
}

// Decode converts one VGS notification (a JSON object) into one log record.
func Decode(raw []byte, opts sources.Options) (plog.Logs, error) {
	return sources.DecodeBytes(raw, opts, Vendor, Write)
}

// Write writes one notification, given as a JSON tree, into b.
func Write(b *schema.Builder, root vjson.Node, original string) error {
	if err := vjson.RequireObject(root, "notification"); err != nil {
		return err
	}
	code := root.Str("event")
	if code == "" {
		return errMissingEvent
	}
	ts, err := vjson.RFC3339(root, "timestamp")
	if err != nil {
		return fmt.Errorf("field \"timestamp\": %w", err)
	}

	e := schema.Event{
		Code:          code,
		ID:            root.Str("id"),
		Time:          ts,
		Dataset:       dataset,
		Summary:       root.Str("summary"),
		ActorType:     schema.ActorUser,
		ClientAddress: root.Str("details", "user_ip"),
		UserAgent:     root.Str("producer", "user_agent"),
	}
	if m, ok := lookup(code, root); ok {
		e.Apply(m)
	} else {
		e.Unmapped()
	}
	if email := root.Str("producer", "user_email"); email != "" {
		e.Actor = schema.Identity{Email: email, Name: email}
	} else if app := root.Str("producer", "application_name"); app != "" {
		e.ActorType, e.AppName = schema.ActorApplication, app // a VGS service (account-updater, calm-api)
	}
	if f, ok := targets[e.TargetType]; ok {
		e.TargetID, e.TargetName = root.Str("details", f[0]), root.Str("details", f[1])
	}
	// Authentication events carry only the authenticating user (docs/schema.md#d1-actor-and-target).
	if email := root.Str("details", "user_email"); email != "" && !e.Action.IsAuthentication() {
		e.Target = schema.Identity{Email: email, Name: email}
	}
	e.Original = original

	tenant := schema.Tenant{ID: root.Str("org_id")}
	skip := consumed
	if t := root.Str("tenant"); tenant.ID == "" || t == tenant.ID {
		if tenant.ID == "" {
			tenant.ID = t
		}
		skip = consumedWithTenant
	}

	lr := b.Write(tenant, &e)
	vjson.Flatten(lr.Attributes(), namespace, root, skip)
	return nil
}

// consumedWithTenant also consumes "tenant" when it only repeats org_id.
var consumedWithTenant = func() vjson.Skip {
	s := vjson.Skip{"tenant": nil}
	for k, v := range consumed {
		s[k] = v
	}
	return s
}()

// lookup finds the row of an event; a 3-D Secure event's details.success
// selects "<event>/true" or "<event>/false".
func lookup(code string, root vjson.Node) (schema.Mapping, bool) {
	switch root.Get("details", "success").Kind() {
	case vjson.KindTrue:
		if m, ok := mappings[code+"/true"]; ok {
			return m, true
		}
	case vjson.KindFalse:
		if m, ok := mappings[code+"/false"]; ok {
			return m, true
		}
	}
	m, ok := mappings[code]
	return m, ok
}
