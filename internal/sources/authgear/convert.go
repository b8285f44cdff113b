// Package authgear decodes Authgear audit-log entries (docs/schema.md#authgear) and maps them to
// the authtrail schema: pages of the Admin API's auditLogs GraphQL query, and
// single events as Authgear's non-blocking webhooks deliver them. Pure
// functions, no I/O.
//
// An audit-log node carries activityType, createdAt (second precision),
// ipAddress, userAgent, clientID, and data: the full event, {id, seq, type,
// payload, context}, the same JSON a webhook POSTs.
package authgear // import "github.com/authtrail/authtrail/internal/sources/authgear"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

const (
	// Vendor is the service.name and event.provider of Authgear records.
	Vendor          = "authgear"
	namespace       = "authgear"
	datasetAudit    = "authgear.audit"
	datasetWebhook  = "authgear.webhook"
	oauthProviderKy = "https://authgear.com/claims/oauth/provider_type"
)

// Query is the auditLogs query the poller sends: oldest first, a fixed
// rangeTo, pages of 100 that continue as Cursor says. totalCount is not asked
// for (it costs the server a COUNT).
const Query = `query authtrailAuditLogs($first: Int!, $after: String, $rangeFrom: DateTime!, $rangeTo: DateTime!, $activityTypes: [AuditLogActivityType!]) {
  auditLogs(first: $first, after: $after, rangeFrom: $rangeFrom, rangeTo: $rangeTo, activityTypes: $activityTypes, sortDirection: ASC) {
    edges {
      cursor
      node {
        id
        activityType
        createdAt
        clientID
        ipAddress
        userAgent
        data
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}`

// PageSize is the most Authgear returns per page.
const PageSize = 100

var (
	errNoAuditLogs = errors.New(`response has no "data.auditLogs"`)
	errNoType      = errors.New(`event has no "type" or activityType`)
)

// Page is a decoded auditLogs page.
type Page struct {
	Logs    plog.Logs
	HasNext bool
	Cursor  string // endCursor
}

// DecodePage converts an auditLogs GraphQL response. GraphQL errors come back as
// an error; project names the tenant when an entry carries no app_id.
func DecodePage(raw []byte, project string, opts sources.Options) (Page, error) {
	doc, err := vjson.ParseObject(raw, "GraphQL response")
	if err != nil {
		return Page{}, err
	}
	defer doc.Release()
	if errs := doc.Root.Get("errors"); errs.Len() > 0 {
		msgs := make([]string, 0, errs.Len())
		for i := range errs.Len() {
			msgs = append(msgs, errs.At(i).Str("message"))
		}
		return Page{}, &GraphQLError{Messages: msgs}
	}
	logs := doc.Root.Get("data", "auditLogs")
	if logs.Kind() != vjson.KindObject {
		return Page{}, errNoAuditLogs
	}
	b := schema.NewBuilder(Vendor, opts.Scope, opts.Observed)
	edges := logs.Get("edges")
	for i := range edges.Len() {
		node := edges.At(i).Get("node")
		if !node.Exists() {
			return Page{}, fmt.Errorf("edges[%d]: missing node", i)
		}
		if err := writeNode(b, node, project, opts); err != nil {
			return Page{}, fmt.Errorf("edges[%d]: %w", i, err)
		}
	}
	return Page{
		Logs:    b.Logs(),
		HasNext: logs.Bool("pageInfo", "hasNextPage"),
		Cursor:  logs.Str("pageInfo", "endCursor"),
	}, nil
}

// GraphQLError is an error the Admin API reported in its response body.
type GraphQLError struct{ Messages []string }

func (e *GraphQLError) Error() string { return "GraphQL error: " + strings.Join(e.Messages, "; ") }

// nodeConsumed are the node fields mapped; data is handled separately.
var nodeConsumed = vjson.Skip{
	"id": nil, "activityType": nil, "createdAt": nil, "clientID": nil, "ipAddress": nil, "userAgent": nil, "data": nil,
}

func writeNode(b *schema.Builder, node vjson.Node, project string, opts sources.Options) error {
	data := node.Get("data")
	if data.Kind() == vjson.KindString {
		// Some GraphQL clients serialise JSON scalars as strings.
		doc, err := vjson.Parse([]byte(data.Str()))
		if err != nil {
			return fmt.Errorf(`field "data": %w`, err)
		}
		defer doc.Release()
		data = doc.Root
	}
	e := schema.Event{Dataset: datasetAudit}
	code := node.Str("activityType")
	created, err := vjson.RFC3339(node, "createdAt")
	if err != nil {
		return fmt.Errorf(`field "createdAt": %w`, err)
	}
	e.Time = created
	if opts.IncludeOriginal {
		e.Original = string(node.AppendJSON(nil))
	}
	e.ClientAddress = node.Str("ipAddress")
	e.UserAgent = node.Str("userAgent")
	e.AppID = node.Str("clientID")
	tenant, err := mapEvent(&e, code, data, project)
	if err != nil {
		return err
	}
	if e.ID == "" { // a node without data: its own id still dedupes re-reads
		e.ID = node.Str("id")
	}
	lr := b.Write(tenant, &e)
	vjson.Flatten(lr.Attributes(), namespace, node, nodeConsumed)
	putData(lr, data)
	return nil
}

// DecodeEvent converts one Authgear event, as a non-blocking webhook delivers it.
func DecodeEvent(raw []byte, opts sources.Options) (plog.Logs, error) {
	return sources.DecodeBytes(raw, opts, Vendor, WriteEvent)
}

// WriteEvent writes one event, given as a JSON tree, into b.
func WriteEvent(b *schema.Builder, root vjson.Node, original string) error {
	if err := vjson.RequireObject(root, "event"); err != nil {
		return err
	}
	e := schema.Event{Dataset: datasetWebhook, Original: original}
	tenant, err := mapEvent(&e, "", root, "")
	if err != nil {
		return err
	}
	putData(b.Write(tenant, &e), root)
	return nil
}

// dataConsumed are the event fields mapped; the rest land under authgear.*.
var dataConsumed = vjson.Skip{
	"id": nil, "type": nil,
	"context": {"timestamp": nil, "user_id": nil, "ip_address": nil, "user_agent": nil,
		"geo_location_code": nil, "app_id": nil, "client_id": nil},
	"payload": {
		"session":  {"id": nil},
		"login_id": nil,
		// Secrets and whole project configurations stay out of the record
		// (PROJECT_APP_UPDATED keeps app_config_diff).
		"client_secret": nil, "token": nil, "app_config": nil, "app_config_old": nil, "app_config_new": nil,
		"user": {"id": nil, "standard_attributes": {
			"email": nil, "preferred_username": nil, "name": nil, "given_name": nil, "family_name": nil,
		}},
	},
}

// putData keeps the event fields not mapped. A node without data still makes
// a record from its own fields.
func putData(lr plog.LogRecord, data vjson.Node) {
	vjson.Flatten(lr.Attributes(), namespace, data, dataConsumed)
}

// activityType turns an event type ("user.authenticated") into the audit
// log's activity type ("USER_AUTHENTICATED").
func activityType(eventType string) string {
	return strings.ToUpper(strings.NewReplacer(".", "_").Replace(eventType))
}

// mapEvent fills e from the event data (and the node's activity type, when
// polled) following docs/schema.md#d1-actor-and-target and docs/schema.md#authgear, and returns the event's tenant.
func mapEvent(e *schema.Event, code string, data vjson.Node, project string) (schema.Tenant, error) {
	if data.Kind() != vjson.KindObject {
		if code == "" {
			return schema.Tenant{}, errors.New(`field "data": expected a JSON object`)
		}
		data = vjson.Node{} // the node's own fields still map
	}
	if code == "" {
		t := data.Str("type")
		if t == "" {
			return schema.Tenant{}, errNoType
		}
		code = activityType(t)
	}
	e.Code = code
	e.ID = data.Str("id")
	if e.Time.IsZero() {
		if ts := data.Int("context", "timestamp"); ts > 0 {
			e.Time = time.Unix(ts, 0).UTC()
		}
	}
	setIfEmpty(&e.ClientAddress, data.Str("context", "ip_address"))
	setIfEmpty(&e.UserAgent, data.Str("context", "user_agent"))
	setIfEmpty(&e.AppID, data.Str("context", "client_id"))
	e.GeoCountry = data.Str("context", "geo_location_code")
	e.SessionID = data.Str("payload", "session", "id")
	tenant := schema.Tenant{ID: data.Str("context", "app_id")}
	if tenant.ID == "" {
		tenant.ID = project
	}

	payload := data.Get("payload")
	m, ok := lookup(code, payload)
	if !ok {
		e.Unmapped()
		return tenant, nil
	}
	e.Apply(m)
	e.ActorType = schema.ActorUnknown
	if t, ok := actorTypes[data.Str("context", "triggered_by")]; ok {
		e.ActorType = t
	}
	user := userIdentity(payload.Get("user"))
	if login := payload.Str("login_id"); user.IsZero() && login != "" {
		user = schema.Identity{Name: login} // the identifier that was not found, or reset
	}
	if actsAlone(e.Action) {
		e.Actor = user
		if e.ActorType == schema.ActorUnknown && !user.IsZero() {
			e.ActorType = schema.ActorUser
		}
	} else {
		e.Target = user
		if e.ActorType == schema.ActorUser {
			e.Actor, e.Performer = user, schema.PerformerSelf
		} else if e.ActorType != schema.ActorUnknown {
			e.Performer = schema.PerformerOther
		}
		mapIdentityChange(e, payload)
	}
	e.Reason = payload.Str("reason") // why an admin deleted a user
	if read := readers[code]; read != nil {
		read(e, payload)
	}
	return tenant, nil
}

// actsAlone reports whether the user of an event is its actor with no target:
// authentication, messages sent to the user, requests a protection judged.
func actsAlone(a schema.Action) bool {
	s, _ := schema.Spec(a)
	return a.IsAuthentication() || slices.Contains(s.Category, "email") || slices.Contains(s.Category, "intrusion_detection")
}

// mapIdentityChange reads identity, old_identity and new_identity of IDENTITY_* events.
func mapIdentityChange(e *schema.Event, payload vjson.Node) {
	cur := payload.Get("identity")
	if !cur.Exists() {
		cur = payload.Get("new_identity")
	}
	if e.ChangeField == "" && cur.Exists() {
		e.ChangeField = identityKind(cur)
	}
	claim := identityClaim[e.ChangeField]
	if claim == "" {
		return
	}
	e.AuthProvider = cur.Str("claims", oauthProviderKy)
	if old := payload.Get("old_identity"); old.Exists() {
		e.ChangeFrom = old.Str("claims", claim)
		e.ChangeTo = cur.Str("claims", claim)
	} else if v := cur.Str("claims", claim); v != "" {
		if e.Action == schema.ActionUserIdentifierRemove {
			e.ChangeFrom = v
		} else {
			e.ChangeTo = v
		}
	}
	if e.Action == schema.ActionUserIdentifierUpdate {
		switch e.ChangeField {
		case "email":
			e.Changes.Email = e.ChangeTo
		case "username":
			e.Changes.Name = e.ChangeTo
		}
	}
}

// identityClaim is the claim holding an identifier's value, by identifier kind.
var identityClaim = map[string]string{
	"email":     "email",
	"phone":     "phone_number",
	"username":  "preferred_username",
	"oauth":     "https://authgear.com/claims/oauth/subject_id",
	"biometric": "https://authgear.com/claims/biometric/key_id",
}

// userIdentity reads an Authgear user object.
func userIdentity(u vjson.Node) schema.Identity {
	if !u.Exists() {
		return schema.Identity{}
	}
	id := schema.Identity{
		ID:       u.Str("id"),
		Email:    u.Str("standard_attributes", "email"),
		Name:     u.Str("standard_attributes", "preferred_username"),
		FullName: u.Str("standard_attributes", "name"),
	}
	if id.FullName == "" {
		id.FullName = strings.TrimSpace(u.Str("standard_attributes", "given_name") + " " +
			u.Str("standard_attributes", "family_name"))
	}
	if id.Name == "" {
		id.Name = id.Email
	}
	return id
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}
