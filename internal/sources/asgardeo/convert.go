// Package asgardeo decodes Asgardeo (WSO2) WebSub webhook payloads (seed 002) and
// maps each of their events to the authtrail schema. Pure functions, no I/O.
//
// A payload is a Security Event Token-like envelope: iss, jti (event id), iat
// (epoch milliseconds), rci (request correlation id) and "events", an object keyed
// by event-type URI. Every key becomes one record. Parsing is lenient: Asgardeo's
// webhooks are a preview feature and fields come and go.
package asgardeo // import "github.com/authtrail/authtrail/internal/sources/asgardeo"

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

const (
	// Vendor is the service.name and event.provider of Asgardeo records.
	Vendor    = "asgardeo"
	namespace = "asgardeo"
	dataset   = "asgardeo.webhook"
)

var errNoEvents = errors.New(`field "events": expected a non-empty JSON object keyed by event-type URI`)

// envelopeConsumed are the envelope fields mapped; the rest land under asgardeo.*.
var envelopeConsumed = vjson.Skip{"jti": nil, "iat": nil, "rci": nil, "events": nil}

// dataConsumed are the event-data fields mapped for every event type.
var dataConsumed = vjson.Skip{
	"user":          {"id": nil, "claims": nil, "addedClaims": nil, "updatedClaims": nil},
	"tenant":        nil,
	"initiatorType": nil,
	"application":   {"id": nil, "name": nil},
	"reason":        {"description": nil, "context": {"failedStep": {"authenticator": nil, "step": nil}}},
	"accessToken":   {"tokenType": nil, "grantType": nil},
	"session":       {"id": nil},
}

// unmappedConsumed keeps everything of an unknown event type but its tenant,
// which is on the resource.
var unmappedConsumed = vjson.Skip{"tenant": nil}

// Decode converts one Asgardeo webhook payload into one record per event.
func Decode(raw []byte, opts sources.Options) (plog.Logs, error) {
	return sources.DecodeBytes(raw, opts, Vendor, Write)
}

// Write writes the records of one webhook payload, given as a JSON tree, into b.
func Write(b *schema.Builder, root *fastjson.Value, original string) error {
	envelope, err := vjson.Object(root, "payload")
	if err != nil {
		return err
	}
	events, err := vjson.Object(root.Get("events"), `field "events"`)
	if err != nil || events.Len() == 0 {
		return errNoEvents
	}
	iat, err := vjson.EpochMillis(root, "iat")
	if err != nil {
		return fmt.Errorf(`field "iat": %w`, err)
	}
	jti, rci := vjson.Str(root, "jti"), vjson.Str(root, "rci")

	var convErr error
	events.Visit(func(uri []byte, data *fastjson.Value) {
		if convErr != nil {
			return
		}
		obj, err := data.Object()
		if err != nil {
			convErr = fmt.Errorf("event %q: expected a JSON object, got %s", uri, data.Type())
			return
		}
		name := eventName(uri)
		e := schema.Event{
			Code: name, ID: jti, Time: iat, Dataset: dataset,
			CorrelationID: rci, Original: original,
		}
		if events.Len() > 1 && jti != "" {
			e.ID = jti + "/" + name
		}
		mapEvent(&e, name, data)
		tenant := schema.Tenant{ID: vjson.Str(data, "tenant", "id"), Name: vjson.Str(data, "tenant", "name")}
		lr := b.Write(tenant, &e)
		attrs := lr.Attributes()
		vjson.Flatten(attrs, namespace, envelope, envelopeConsumed)
		if e.Action == schema.ActionUnmapped {
			attrs.PutStr(namespace+".event.uri", string(uri))
			vjson.Flatten(attrs, namespace, obj, unmappedConsumed)
			return
		}
		vjson.Flatten(attrs, namespace, obj, dataConsumed)
		putClaims(attrs, data.Get("user"))
	})
	return convErr
}

// eventName is the last segment of an event-type URI.
func eventName(uri []byte) string {
	if i := bytes.LastIndexByte(uri, '/'); i >= 0 {
		uri = uri[i+1:]
	}
	return string(uri)
}

func lookup(name, action, initiator string) (schema.Mapping, bool) {
	if action != "" {
		if m, ok := mappings[name+"/"+action+"/"+initiator]; ok && initiator != "" {
			return m, true
		}
		if m, ok := mappings[name+"/"+action]; ok {
			return m, true
		}
	}
	m, ok := mappings[name]
	return m, ok
}

// mapEvent fills e from one event's data following schema.md 6.6 and 6.8.
func mapEvent(e *schema.Event, name string, data *fastjson.Value) {
	action, initiator := vjson.Str(data, "action"), vjson.Str(data, "initiatorType")
	m, ok := lookup(name, action, initiator)
	if !ok {
		e.Unmapped()
		return
	}
	e.Apply(m)

	user := identity(data.Get("user"))
	if e.Action.IsAuthentication() {
		e.Actor, e.ActorType = user, schema.ActorUser
	} else {
		e.Target = user
		e.ActorType = schema.ActorUnknown
		if t, ok := initiators[initiator]; ok {
			e.ActorType = t
		}
		switch {
		case e.ActorType == schema.ActorUser:
			e.Actor, e.Performer = user, schema.PerformerSelf
		case e.ActorType != schema.ActorUnknown && (action == "RESET" || action == "INVITE"):
			// The user sets the password through the admin's reset or invite link.
			e.Performer = schema.PerformerSelf
		case e.ActorType != schema.ActorUnknown:
			e.Performer = schema.PerformerOther
		}
	}

	e.AppID, e.AppName = vjson.Str(data, "application", "id"), vjson.Str(data, "application", "name")
	if apps := data.GetArray("applications"); len(apps) == 1 {
		e.AppID, e.AppName = vjson.Str(apps[0], "id"), vjson.Str(apps[0], "name")
	}
	e.TokenType = vjson.Str(data, "accessToken", "tokenType")
	e.GrantType = vjson.Str(data, "accessToken", "grantType")
	e.SessionID = vjson.Str(data, "session", "id")
	if sessions := data.GetArray("sessions"); len(sessions) > 0 {
		for _, s := range sessions {
			if id := vjson.Str(s, "id"); id != "" {
				e.SessionIDs = append(e.SessionIDs, id)
			}
		}
		if len(e.SessionIDs) == 1 {
			e.SessionID = e.SessionIDs[0]
		}
	}

	authenticator := vjson.Str(data, "reason", "context", "failedStep", "authenticator")
	if step := data.GetInt("reason", "context", "failedStep", "step"); step > 1 {
		e.AuthFactor = schema.FactorSecondary
	} else if step == 1 {
		e.AuthFactor = schema.FactorPrimary
	}
	if methods := data.GetArray("authenticationMethods"); authenticator == "" && len(methods) > 0 {
		authenticator = string(methods[0].GetStringBytes())
	}
	if authenticator != "" {
		e.AuthProvider = authenticator
		e.AuthMethod = authenticators[strings.ToLower(authenticator)]
	}

	e.Reason = vjson.Str(data, "reason", "description")
	if e.Outcome == schema.OutcomeFailure {
		e.ErrorType = schema.ClassifyFailure(e.Reason, failureReasons)
	}
	if e.Action == schema.ActionUserUpdate {
		e.Changes = changes(data.Get("user"))
		if e.Changes.Email != "" {
			// A changed email address is an account-takeover signal (schema.md 6.8).
			e.Severity = schema.SeverityMedium
		}
	}
}

// claimName is the last path segment of a claim URI.
func claimName(uri []byte) []byte {
	if i := bytes.LastIndexByte(uri, '/'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// identity reads user.id and the username, email and name claims.
func identity(user *fastjson.Value) schema.Identity {
	if user == nil {
		return schema.Identity{}
	}
	id := schema.Identity{ID: vjson.Str(user, "id")}
	var given, last string
	for _, c := range user.GetArray("claims") {
		switch string(claimName(c.GetStringBytes("uri"))) {
		case claimUsername:
			id.Name = vjson.Str(c, "value")
		case claimEmail:
			id.Email = vjson.Str(c, "value")
		case claimGivenName:
			given = vjson.Str(c, "value")
		case claimLastName:
			last = vjson.Str(c, "value")
		}
	}
	id.FullName = strings.TrimSpace(given + " " + last)
	if id.Name == "" {
		id.Name = id.Email
	}
	return id
}

// changes reads the new values of addedClaims and updatedClaims.
func changes(user *fastjson.Value) schema.Identity {
	var id schema.Identity
	for _, key := range [...]string{"addedClaims", "updatedClaims"} {
		for _, c := range user.GetArray(key) {
			switch string(claimName(c.GetStringBytes("uri"))) {
			case claimUsername:
				id.Name = vjson.Str(c, "value")
			case claimEmail, claimEmails:
				id.Email = vjson.Str(c, "value")
			}
		}
	}
	return id
}

// claimKeys are the attribute prefixes of the three claim lists.
var claimKeys = [...]struct{ field, prefix string }{
	{"claims", namespace + ".user.claims."},
	{"addedClaims", namespace + ".user.added_claims."},
	{"updatedClaims", namespace + ".user.updated_claims."},
}

// putClaims keeps claims the identity does not map, and every changed claim,
// as asgardeo.user.<list>.<claim name>.
func putClaims(attrs pcommon.Map, user *fastjson.Value) {
	if user == nil {
		return
	}
	for _, ck := range claimKeys {
		for _, c := range user.GetArray(ck.field) {
			name := claimName(c.GetStringBytes("uri"))
			if ck.field == "claims" && isIdentityClaim(name) {
				continue
			}
			if v := c.GetStringBytes("value"); len(name) > 0 && len(v) > 0 {
				attrs.PutStr(ck.prefix+vjson.SnakeCase(string(name)), string(v))
			}
		}
	}
}

func isIdentityClaim(name []byte) bool {
	switch string(name) {
	case claimUsername, claimEmail, claimGivenName, claimLastName:
		return true
	}
	return false
}
