// Package fillout maps Fillout audit-log entries (docs/schema.md#fillout) to the authtrail
// schema. Pure functions, no I/O.
//
// Fillout shows its audit log in its app only: it publishes no API, webhook or
// export for it. authtrail therefore defines the JSON shape it accepts (for
// entries replayed from an export, through the filelog receiver and the identity
// processor): {"id", "timestamp", "event", "outcome", "actor": {"id", "email",
// "name", "role", "type"}, "organization": {"id", "name"}, "ip_address",
// "user_agent", "payload": {"target": {"type", "id", "name"}, "email", "from",
// "to", "changes", "method", "reason", "enabled", "added", "removed"}}. The
// payload keys are the ones Fillout documents; "type"/"action" are accepted for
// "event", "created_at"/"time" for "timestamp", and payload keys at the top level.
package fillout // import "github.com/authtrail/authtrail/internal/sources/fillout"

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
	// Vendor is the service.name and event.provider of Fillout records.
	Vendor    = "fillout"
	namespace = "fillout"
	dataset   = "fillout.audit"
)

var errNoEvent = errors.New(`missing string field "event" (or "type", "action")`)

// The fields the mapping reads, by object, with the kind it reads them as. A
// field of another kind (a numeric id, a list of added members) is kept,
// flattened, like the fields the mapping does not know: nothing is lost.
var (
	entryFields   = fields(vjson.KindString, "id", "outcome", "ip_address", "user_agent")
	actorFields   = fields(vjson.KindString, "id", "email", "name", "role", "type")
	orgFields     = fields(vjson.KindString, "id", "name")
	targetFields  = fields(vjson.KindString, "type", "id", "name")
	payloadFields = append(append(fields(vjson.KindString, "email", "from", "to", "method", "reason"),
		fields(vjson.KindTrue, "enabled")...), fields(vjson.KindNumber, "added", "removed")...)
)

// consumed is what a mapped event's record holds in schema attributes;
// consumedUnmapped what an unmapped one's does (its payload is kept whole).
var (
	consumedUnmapped = vjson.Skip{
		"id": nil, "event": nil, "type": nil, "action": nil, "timestamp": nil, "created_at": nil, "time": nil,
		"outcome": nil, "actor": skipOf(actorFields), "organization": skipOf(orgFields), "ip_address": nil, "user_agent": nil,
	}
	consumed = func() vjson.Skip {
		s := vjson.Skip{"payload": skipOf(payloadFields)}
		for k, v := range consumedUnmapped {
			s[k] = v
		}
		for k := range s["payload"] { // payload keys at the top level
			s[k] = nil
		}
		s["payload"]["target"] = skipOf(targetFields)
		s["target"] = skipOf(targetFields)
		return s
	}()
)

type field struct {
	key  string
	kind vjson.Kind
}

func fields(kind vjson.Kind, keys ...string) []field {
	out := make([]field, len(keys))
	for i, k := range keys {
		out[i] = field{k, kind}
	}
	return out
}

func skipOf(fs []field) vjson.Skip {
	s := vjson.Skip{}
	for _, f := range fs {
		s[f.key] = nil
	}
	return s
}

// keepUnread flattens the fields of obj that the mapping consumed but could
// not read, being of another kind than fs gives.
func keepUnread(a pcommon.Map, prefix string, obj vjson.Node, fs []field) {
	for _, f := range fs {
		v := obj.Get(f.key)
		switch k := v.Kind(); {
		case k == vjson.KindMissing || k == vjson.KindNull || k == f.kind:
		case k == vjson.KindFalse && f.kind == vjson.KindTrue:
		default:
			vjson.FlattenField(a, prefix, f.key, v)
		}
	}
}

// failureReasons classifies a login failure reason into error.type, first match wins.
var failureReasons = []schema.ReasonRule{
	{"password", schema.ErrInvalidCredentials},
	{"credential", schema.ErrInvalidCredentials},
	{"not found", schema.ErrUserNotFound},
	{"not_found", schema.ErrUserNotFound},
	{"no account", schema.ErrUserNotFound},
	{"mfa", schema.ErrMFAFailed},
	{"two-factor", schema.ErrMFAFailed},
	{"disabled", schema.ErrAccountDisabled},
	{"locked", schema.ErrAccountLocked},
}

// Decode converts one audit-log entry (a JSON object) into one record.
func Decode(raw []byte, opts sources.Options) (plog.Logs, error) {
	return sources.DecodeBytes(raw, opts, Vendor, Write)
}

// Write writes one audit-log entry, given as a JSON tree, into b.
func Write(b *schema.Builder, root vjson.Node, original string) error {
	if err := vjson.RequireObject(root, "audit-log entry"); err != nil {
		return err
	}
	code := first(root, "event", "type", "action")
	if code == "" {
		return errNoEvent
	}
	e := schema.Event{Code: code, ID: root.Str("id"), Dataset: dataset,
		ClientAddress: root.Str("ip_address"), UserAgent: root.Str("user_agent")}
	for _, k := range []string{"timestamp", "created_at", "time"} {
		if root.Get(k).Exists() {
			var err error
			if e.Time, err = vjson.RFC3339(root, k); err != nil {
				return fmt.Errorf("field %q: %w", k, err)
			}
			break
		}
	}
	e.Original = original
	payload := root.Get("payload")
	if !payload.Exists() {
		payload = root // payload keys at the top level
	}
	m, mapped := mappings[code]
	if mapped {
		e.Apply(m)
		mapEvent(&e, root, payload)
	} else {
		e.Unmapped()
		e.Actor = actor(root.Get("actor"))
		if payload.Get("target").Kind() == vjson.KindString { // the person, as for a mapped event
			e.Target = target(payload)
		}
	}
	tenant := schema.Tenant{ID: root.Str("organization", "id"), Name: root.Str("organization", "name")}
	lr := b.Write(tenant, &e)
	a := lr.Attributes()
	if t := payload.Str("target", "type"); t != "" {
		a.PutStr(namespace+".target.type", t)
	}
	for _, k := range []string{"added", "removed"} {
		if v := payload.Get(k); v.Kind() == vjson.KindNumber {
			a.PutInt(namespace+".members."+k, v.Int())
		}
	}
	keepUnread(a, namespace, root, entryFields)
	keepUnread(a, namespace+".actor", root.Get("actor"), actorFields)
	keepUnread(a, namespace+".organization", root.Get("organization"), orgFields)
	if !mapped {
		vjson.Flatten(a, namespace, root, consumedUnmapped)
		return nil
	}
	payloadPrefix := namespace + ".payload"
	if payload == root {
		payloadPrefix = namespace
	}
	keepUnread(a, payloadPrefix, payload, payloadFields)
	keepUnread(a, payloadPrefix+".target", payload.Get("target"), targetFields)
	vjson.Flatten(a, namespace, root, consumed)
	return nil
}

func first(v vjson.Node, keys ...string) string {
	for _, k := range keys {
		if s := v.Str(k); s != "" {
			return s
		}
	}
	return ""
}

func actor(v vjson.Node) schema.Identity {
	if !v.Exists() {
		return schema.Identity{}
	}
	if v.Kind() == vjson.KindString { // the person as text: their name (or email)
		return textIdentity(v.Str())
	}
	id := schema.Identity{ID: v.Str("id"), Email: v.Str("email"), Name: v.Str("name")}
	if id.Name == "" {
		id.Name = id.Email
	}
	if r := v.Str("role"); r != "" {
		id.Roles = []string{r}
	}
	return id
}

// textIdentity is a person given as text: a name, or an email address.
func textIdentity(s string) schema.Identity {
	if strings.Contains(s, "@") {
		return schema.Identity{Email: s, Name: s}
	}
	return schema.Identity{Name: s}
}

// target is the payload's target as a user identity (with the payload email).
func target(payload vjson.Node) schema.Identity {
	email := payload.Str("email")
	if t := payload.Get("target"); t.Kind() == vjson.KindString {
		id := textIdentity(t.Str())
		if email != "" {
			id.Email = email
		}
		return id
	}
	id := schema.Identity{ID: payload.Str("target", "id"), Email: email, Name: payload.Str("target", "name")}
	if id.Name == "" {
		id.Name = email
	}
	return id
}

// mapEvent fills e following docs/schema.md#d1-actor-and-target and the payload-dependent rows of docs/schema.md#fillout.
func mapEvent(e *schema.Event, root, payload vjson.Node) {
	e.Actor = actor(root.Get("actor"))
	e.ActorType = schema.ActorUnknown
	if t, ok := actorTypes[root.Str("actor", "type")]; ok {
		e.ActorType = t
	} else if !e.Actor.IsZero() {
		e.ActorType = schema.ActorUser
	}
	if root.Str("outcome") == string(schema.OutcomeFailure) {
		e.Outcome = schema.OutcomeFailure
	}
	from, to := payload.Str("from"), payload.Str("to")
	switch e.Action {
	case schema.ActionLogin:
		if m, ok := loginMethods[strings.ToLower(payload.Str("method"))]; ok {
			e.AuthMethod, e.AuthProvider = m[0], m[1]
		}
		if e.Outcome == schema.OutcomeFailure {
			email := payload.Str("email")
			if e.Actor.IsZero() && email != "" {
				e.Actor = schema.Identity{Email: email, Name: email} // the attempted email
			}
			e.Reason = payload.Str("reason")
			e.ErrorType = schema.ClassifyFailure(e.Reason, failureReasons)
		}
		return
	case schema.ActionLogout:
		return
	case schema.ActionImpersonate:
		e.Effective = target(payload)
		return
	}
	switch e.TargetType {
	case "user":
		e.Target = target(payload)
		switch {
		case e.Code == "auth.password.selfChange" || (e.Target.IsZero() && e.Code != "auth.password.adminChange"):
			e.Target, e.Performer = e.Actor, schema.PerformerSelf
		case e.Code == "auth.password.adminChange":
			e.Performer = schema.PerformerOther
		}
		if e.Code == "auth.sso.deprovision" {
			e.ActorType = schema.ActorSystem // WorkOS directory sync
		}
	case "group":
		e.GroupID, e.GroupName = payload.Str("target", "id"), payload.Str("target", "name")
	default:
		e.TargetID, e.TargetName = payload.Str("target", "id"), payload.Str("target", "name")
	}
	e.ChangeFrom, e.ChangeTo = from, to
	switch e.Code {
	case "user.invite":
		if role := first(payload, "role", "to"); role != "" {
			e.Changes.Roles = []string{role}
		}
	case "user.roleChange":
		if from != "" {
			e.Target.Roles = []string{from}
		}
		if to != "" {
			e.Changes.Roles = []string{to}
		}
	case "org.requireMfa":
		enabled := payload.Bool("enabled") || strings.EqualFold(to, "enabled") || to == "true"
		e.RequirementOff = !enabled
		e.ChangeTo = map[bool]string{true: "enabled", false: "disabled"}[enabled]
		if !enabled {
			e.OCSF.Activity = 9 // Disable
		}
	case "group.membersChange":
		added, removed := payload.Int("added"), payload.Int("removed")
		switch {
		case added > 0 && removed == 0:
			e.OCSF.Activity = 3 // Add User
		case removed > 0 && added == 0:
			e.OCSF.Activity = 4 // Remove User
		default:
			e.OCSF.ActivityName = "Membership Change"
		}
	case "group.accessChange", "user.accessChange":
		e.OCSF = accessActivity(e.OCSF, payload.Get("changes"))
	}
}

// accessActivity is Assign (1) when changes only grant, Revoke (2) when they
// only remove, else Other (99).
func accessActivity(o schema.OCSF, changes vjson.Node) schema.OCSF {
	granted := changes.Get("added").Len() + changes.Get("granted").Len()
	revoked := changes.Get("removed").Len() + changes.Get("revoked").Len()
	switch {
	case granted > 0 && revoked == 0:
		o.Activity, o.ActivityName = 1, ""
	case revoked > 0 && granted == 0:
		o.Activity, o.ActivityName = 2, ""
	default:
		o.Activity, o.ActivityName = schema.OCSFActivityOther, "Access Change"
	}
	return o
}
