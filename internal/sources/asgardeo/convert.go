// Package asgardeo decodes Asgardeo (WSO2) WebSub webhook payloads (docs/schema.md#asgardeo) and
// maps each of their events to the authtrail schema. Pure functions, no I/O.
//
// A payload is a Security Event Token-like envelope: iss, jti (event id), iat
// (epoch milliseconds), rci (request correlation id) and "events", an object keyed
// by event-type URI. Every key becomes one record. Parsing is lenient: Asgardeo's
// webhooks are a preview feature and fields come and go.
package asgardeo // import "github.com/authtrail/authtrail/internal/sources/asgardeo"

import (
	"errors"
	"fmt"
	"strings"

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
	"initiatorType": nil, "initiatorIpAddress": nil,
	"application": {"id": nil, "name": nil},
	"reason":      {"description": nil, "context": {"failedStep": {"authenticator": nil, "step": nil}}},
	"accessToken": {"tokenType": nil, "grantType": nil},
	"session":     {"id": nil},
}

// unmappedConsumed keeps everything of an unknown event type but its tenant,
// which is on the resource.
var unmappedConsumed = vjson.Skip{"tenant": nil}

// Decode converts one Asgardeo webhook payload into one record per event.
func Decode(raw []byte, opts sources.Options) (plog.Logs, error) {
	return sources.DecodeBytes(raw, opts, Vendor, Write)
}

// Write writes the records of one webhook payload, given as a JSON node, into b.
func Write(b *schema.Builder, root vjson.Node, original string) error {
	if err := vjson.RequireObject(root, "payload"); err != nil {
		return err
	}
	events := root.Get("events")
	if events.NumFields() == 0 {
		return errNoEvents
	}
	if n := events.NumFields(); n > maxEvents {
		return fmt.Errorf(`field "events": %d event types, more than the %d a payload can carry`, n, maxEvents)
	}
	iat, err := vjson.EpochMillis(root, "iat")
	if err != nil {
		return fmt.Errorf(`field "iat": %w`, err)
	}
	jti, rci := root.Str("jti"), root.Str("rci")
	envelope, err := envelopeAttributes(root, events.NumFields())
	if err != nil {
		return err
	}

	for uri, data := range events.Fields() {
		if data.Kind() != vjson.KindObject {
			return fmt.Errorf("event %q: expected a JSON object, got %s", uri, data.Kind())
		}
		if err := checkClaims(data.Get("user")); err != nil {
			return fmt.Errorf("event %q: %w", uri, err)
		}
		name := eventName(uri)
		e := schema.Event{
			Code: name, ID: jti, Time: iat, Dataset: dataset,
			CorrelationID: rci, Original: original,
		}
		if events.NumFields() > 1 && jti != "" {
			e.ID = jti + "/" + name
		}
		mapEvent(&e, name, data)
		tenant := schema.Tenant{ID: data.Str("tenant", "id"), Name: data.Str("tenant", "name")}
		lr := b.Write(tenant, &e)
		attrs := lr.Attributes()
		putEnvelope(attrs, root, envelope)
		if e.Action == schema.ActionUnmapped {
			attrs.PutStr(namespace+".event.uri", uri)
			vjson.Flatten(attrs, namespace, data, unmappedConsumed)
			continue
		}
		vjson.Flatten(attrs, namespace, data, dataConsumed)
		putClaims(attrs, data.Get("user"))
	}
	return nil
}

// maxEvents bounds the records one payload becomes: each key of "events" is a
// distinct event type, and the vendors document fewer than half as many.
const maxEvents = 100

// maxEnvelopeCopies bounds the envelope attributes a payload repeats on its
// records (fields × events). A SET has a few of each; thousands of both
// would turn a body of some KB into millions of attributes.
const maxEnvelopeCopies = 10_000

// envelopeAttributes flattens, once, the envelope fields that every record
// of a payload with n events carries, so that the records share their
// strings; nil for a payload of one event (the usual), whose record takes
// them directly.
func envelopeAttributes(root vjson.Node, n int) (*pcommon.Map, error) {
	if n <= 1 {
		return nil, nil
	}
	envelope := pcommon.NewMap()
	vjson.Flatten(envelope, namespace, root, envelopeConsumed)
	if envelope.Len()*n > maxEnvelopeCopies {
		return nil, fmt.Errorf("payload has %d envelope fields on each of %d events, more than %d copies in all: not a Security Event Token",
			envelope.Len(), n, maxEnvelopeCopies)
	}
	return &envelope, nil
}

// putEnvelope puts the envelope fields on a record: shared, or flattened
// from root when the payload has one event.
func putEnvelope(attrs pcommon.Map, root vjson.Node, shared *pcommon.Map) {
	if shared == nil {
		vjson.Flatten(attrs, namespace, root, envelopeConsumed)
		return
	}
	for k, v := range shared.All() {
		v.CopyTo(attrs.PutEmpty(k)) // strings shared, not copied
	}
}

// eventName is the last segment of an event-type URI.
func eventName(uri string) string {
	return uri[strings.LastIndexByte(uri, '/')+1:]
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

// mapEvent fills e from one event's data following docs/schema.md#d1-actor-and-target and docs/schema.md#asgardeo.
func mapEvent(e *schema.Event, name string, data vjson.Node) {
	action, initiator := data.Str("action"), data.Str("initiatorType")
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

	e.AppID, e.AppName = data.Str("application", "id"), data.Str("application", "name")
	if apps := data.Get("applications"); apps.Len() == 1 {
		e.AppID, e.AppName = apps.At(0).Str("id"), apps.At(0).Str("name")
	}
	e.TokenType = data.Str("accessToken", "tokenType")
	e.GrantType = data.Str("accessToken", "grantType")
	e.SessionID = data.Str("session", "id")
	if sessions := data.Get("sessions"); sessions.Len() > 0 {
		for i := range sessions.Len() {
			if id := sessions.At(i).Str("id"); id != "" {
				e.SessionIDs = append(e.SessionIDs, id)
			}
		}
		if len(e.SessionIDs) == 1 {
			e.SessionID = e.SessionIDs[0]
		}
	}

	authenticator := data.Str("reason", "context", "failedStep", "authenticator")
	if step := data.Int("reason", "context", "failedStep", "step"); step > 1 {
		e.AuthFactor = schema.FactorSecondary
	} else if step == 1 {
		e.AuthFactor = schema.FactorPrimary
	}
	if authenticator == "" {
		authenticator = data.Str("authenticationMethods", "0")
	}
	if authenticator != "" {
		e.AuthProvider = authenticator
		e.AuthMethod = authenticators[strings.ToLower(authenticator)]
	}

	e.ClientAddress = data.Str("initiatorIpAddress")
	if read := readers[name]; read != nil {
		read(e, data)
	}
	e.Reason = data.Str("reason", "description")
	if e.Outcome == schema.OutcomeFailure {
		e.ErrorType = schema.ClassifyFailure(e.Reason, failureReasons)
	}
	if e.Action == schema.ActionUserUpdate {
		e.Changes = changes(data.Get("user"))
		if e.Changes.Email != "" {
			// A changed email address is an account-takeover signal (docs/schema.md#asgardeo).
			e.Severity = schema.SeverityMedium
		}
	}
}

// claimName is the last path segment of a claim URI.
func claimName(uri string) string {
	return uri[strings.LastIndexByte(uri, '/')+1:]
}

// identity reads user.id and the username, email and name claims.
func identity(user vjson.Node) schema.Identity {
	if !user.Exists() {
		return schema.Identity{}
	}
	id := schema.Identity{ID: user.Str("id")}
	var given, last string
	claims := user.Get("claims")
	for i := range claims.Len() {
		c := claims.At(i)
		switch claimName(c.Peek("uri")) {
		case claimUsername:
			id.Name = c.Str("value")
		case claimEmail:
			id.Email = c.Str("value")
		case claimGivenName:
			given = c.Str("value")
		case claimLastName:
			last = c.Str("value")
		}
	}
	id.FullName = strings.TrimSpace(given + " " + last)
	if id.Name == "" {
		id.Name = id.Email
	}
	return id
}

// changes reads the new values of addedClaims and updatedClaims.
func changes(user vjson.Node) schema.Identity {
	var id schema.Identity
	for _, key := range [...]string{"addedClaims", "updatedClaims"} {
		list := user.Get(key)
		for i := range list.Len() {
			c := list.At(i)
			switch claimName(c.Peek("uri")) {
			case claimUsername:
				id.Name = c.Str("value")
			case claimEmail, claimEmails:
				id.Email = c.Str("value")
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

// maxClaims bounds a user's claim list: each claim may become an attribute
// of its own name, and WSO2 Identity Server defines about a hundred.
const maxClaims = 256

func checkClaims(user vjson.Node) error {
	for _, ck := range claimKeys {
		if n := user.Get(ck.field).Len(); n > maxClaims {
			return fmt.Errorf(`"user.%s": %d claims, more than %d`, ck.field, n, maxClaims)
		}
	}
	return nil
}

// putClaims keeps claims the identity does not map, and every changed claim,
// as asgardeo.user.<list>.<claim name>.
func putClaims(attrs pcommon.Map, user vjson.Node) {
	for _, ck := range claimKeys {
		list := user.Get(ck.field)
		for i := range list.Len() {
			c := list.At(i)
			name := claimName(c.Peek("uri"))
			if ck.field == "claims" && isIdentityClaim(name) {
				continue
			}
			if v := c.Str("value"); name != "" && v != "" {
				attrs.PutStr(ck.prefix+vjson.SnakeCase(name), v)
			}
		}
	}
}

func isIdentityClaim(name string) bool {
	switch name {
	case claimUsername, claimEmail, claimGivenName, claimLastName:
		return true
	}
	return false
}
