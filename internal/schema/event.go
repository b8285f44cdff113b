package schema // import "github.com/authtrail/authtrail/internal/schema"

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Identity is one user as the schema sees it.
type Identity struct {
	ID       string
	Email    string
	Name     string // username, or the email when the vendor has no username
	FullName string
	Roles    []string
}

// IsZero reports whether no field of the identity is known.
func (i Identity) IsZero() bool {
	return i.ID == "" && i.Email == "" && i.Name == "" && i.FullName == "" && len(i.Roles) == 0
}

// Label is the most readable identifier of the identity, for record bodies.
func (i Identity) Label() string {
	switch {
	case i.Email != "":
		return i.Email
	case i.Name != "":
		return i.Name
	case i.FullName != "":
		return i.FullName
	}
	return i.ID
}

// Same reports whether two identities share an id, email or name.
func (i Identity) Same(o Identity) bool {
	return (i.ID != "" && i.ID == o.ID) || (i.Email != "" && strings.EqualFold(i.Email, o.Email)) ||
		(i.Name != "" && i.Name == o.Name)
}

// Tenant is the vendor account an event belongs to (resource organization.*).
type Tenant struct {
	ID   string
	Name string
}

// Mapping is one row of a vendor's mapping table (docs/schema.md#vendor-mappings): what a vendor
// event type means in the schema. Sources keep these tables as data.
type Mapping struct {
	Action  Action
	Outcome Outcome // empty means success
	OCSF    OCSF
	// Severity, when set, replaces the action's base severity for this vendor event.
	Severity    Severity
	AuthMethod  string
	AuthFactor  string
	ErrorType   string
	ChangeField string
	TargetType  string
}

// Performer says whether the actor is the target of an IAM event, when a vendor
// tells it without naming both (for example "initiated by an admin").
type Performer uint8

const (
	PerformerUnknown Performer = iota // compare actor and target identities
	PerformerSelf
	PerformerOther
)

// Event is one normalized vendor event before it is written to a log record.
type Event struct {
	Code          string // raw vendor event type (event.code)
	ID            string
	Time          time.Time
	Dataset       string
	Action        Action
	Outcome       Outcome
	Severity      Severity // vendor-table override of the base severity
	Reason        string
	ErrorType     string
	Summary       string // vendor summary; a template is used when empty
	Original      string
	CorrelationID string

	Actor     Identity
	ActorType string
	Performer Performer
	Target    Identity
	Changes   Identity
	Effective Identity
	GroupID   string
	GroupName string

	TargetType, TargetID, TargetName     string
	ChangeField, ChangeFrom, ChangeTo    string
	RequirementOff                       bool // org MFA requirement turned off
	ClientAddress, UserAgent, GeoCountry string
	SessionID                            string
	SessionIDs                           []string
	AuthMethod, AuthFactor, AuthProvider string
	AppID, AppName                       string
	TokenType, GrantType                 string
	OCSF                                 OCSF
}

// Apply copies a mapping table row into the event.
func (e *Event) Apply(m Mapping) {
	e.Action = m.Action
	e.Outcome = m.Outcome
	if e.Outcome == "" {
		e.Outcome = OutcomeSuccess
	}
	e.OCSF = m.OCSF
	e.Severity = m.Severity
	setIfEmpty(&e.AuthMethod, m.AuthMethod)
	setIfEmpty(&e.AuthFactor, m.AuthFactor)
	setIfEmpty(&e.ErrorType, m.ErrorType)
	setIfEmpty(&e.ChangeField, m.ChangeField)
	setIfEmpty(&e.TargetType, m.TargetType)
}

// Unmapped marks the event as a vendor type no table knows: it passes through
// with event.code and the generic action.
func (e *Event) Unmapped() {
	e.Action = ActionUnmapped
	e.Outcome = OutcomeUnknown
	e.OCSF = OCSF{}
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func (e *Event) actorIsOther() bool {
	switch e.Performer {
	case PerformerSelf:
		return false
	case PerformerOther:
		return true
	}
	return !e.Actor.IsZero() && !e.Target.IsZero() && !e.Actor.Same(e.Target)
}

// Body is the record body: the vendor summary, else a sentence built from the
// action title, target, actor, outcome and reason. Never empty or blank: a
// summary of only white space is no summary.
func (e *Event) Body() string {
	if strings.TrimSpace(e.Summary) != "" {
		return e.Summary
	}
	var b strings.Builder
	b.Grow(96)
	title := actions[e.Action].Title
	if e.Action == ActionUnmapped {
		title = "Vendor event " + e.Code
	}
	b.WriteString(title)
	actor, target := e.Actor.Label(), e.Target.Label()
	if target == "" && e.TargetName != "" {
		target = e.TargetName
	}
	if target == "" && e.GroupName != "" {
		target = e.GroupName
	}
	if target != "" && !(actor != "" && e.Actor.Same(e.Target)) {
		b.WriteString(" for ")
		b.WriteString(target)
	}
	if actor != "" {
		b.WriteString(" by ")
		b.WriteString(actor)
	} else if e.ActorType != "" && e.ActorType != ActorUnknown && e.ActorType != ActorUser {
		b.WriteString(" by ")
		b.WriteString(e.ActorType)
	}
	if e.Outcome == OutcomeFailure {
		b.WriteString(" (failed)")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// attrCapacity covers a schema record plus typical vendor leftovers, so the
// attribute map of a batch's first record is allocated once (Builder.Append).
const attrCapacity = 56

// maxAttrCapacity bounds the size hint taken from a batch's largest record.
const maxAttrCapacity = 4 * attrCapacity

// WriteTo writes the event into lr following docs/schema.md#the-log-record and D1. vendor is the
// product slug (event.provider); p decides severity.
func (e *Event) WriteTo(lr plog.LogRecord, vendor string, p *Policy) {
	if p == nil {
		p = DefaultPolicy
	}
	if !e.Time.IsZero() {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(e.Time))
	}
	lr.SetEventName(EventNamePrefix + string(e.Action))
	sev := p.SeverityOf(e)
	lr.SetSeverityNumber(p.Mapping[sev].Number)
	lr.SetSeverityText(p.Mapping[sev].Text)
	lr.Body().SetStr(e.Body())

	a := lr.Attributes()
	spec := actions[e.Action]
	a.PutStr(AttrEventAction, string(e.Action))
	putStrs(a, AttrEventCategory, spec.Category)
	putStrs(a, AttrEventType, spec.Type)
	a.PutStr(AttrEventOutcome, string(e.Outcome))
	a.PutStr(AttrEventKind, EventKindEvent)
	putStr(a, AttrEventCode, e.Code)
	putStr(a, AttrEventID, e.ID)
	putStr(a, AttrEventProvider, vendor)
	putStr(a, AttrEventDataset, e.Dataset)
	putStr(a, AttrEventReason, e.Reason)
	putStr(a, AttrEventOriginal, e.Original)
	if e.Outcome == OutcomeFailure {
		et := e.ErrorType
		if et == "" {
			et = ErrOther
		}
		a.PutStr(AttrErrorType, et)
	}
	a.PutStr(AttrSeverity, sev.String())
	putStr(a, AttrCorrelationID, e.CorrelationID)

	putIdentity(a, ActorKeys, e.Actor)
	putStr(a, AttrActorType, e.ActorType)
	putIdentity(a, TargetKeys, e.Target)
	putIdentity(a, ChangesKeys, e.Changes)
	putIdentity(a, EffectiveKeys, e.Effective)
	putStr(a, AttrGroupID, e.GroupID)
	putStr(a, AttrGroupName, e.GroupName)
	putStr(a, AttrTargetType, e.TargetType)
	putStr(a, AttrTargetID, e.TargetID)
	putStr(a, AttrTargetName, e.TargetName)
	putStr(a, AttrChangeField, e.ChangeField)
	putStr(a, AttrChangeFrom, e.ChangeFrom)
	putStr(a, AttrChangeTo, e.ChangeTo)
	e.putRelatedUsers(a)
	if e.ClientAddress != "" {
		a.PutStr(AttrClientAddress, e.ClientAddress)
		a.PutEmptySlice(AttrRelatedIP).AppendEmpty().SetStr(e.ClientAddress)
	}
	putStr(a, AttrUserAgentOriginal, e.UserAgent)
	putStr(a, AttrGeoCountryISOCode, e.GeoCountry)
	putStr(a, AttrSessionID, e.SessionID)
	putStrs(a, AttrSessionIDs, e.SessionIDs)
	putStr(a, AttrAuthMethod, e.AuthMethod)
	putStr(a, AttrAuthFactor, e.AuthFactor)
	putStr(a, AttrAuthProvider, e.AuthProvider)
	putStr(a, AttrApplicationID, e.AppID)
	putStr(a, AttrApplicationName, e.AppName)
	putStr(a, AttrTokenType, e.TokenType)
	putStr(a, AttrTokenGrantType, e.GrantType)

	if e.OCSF.Class != 0 {
		a.PutStr(AttrOCSFVersion, OCSFVersion)
		a.PutInt(AttrOCSFCategoryUID, e.OCSF.CategoryUID())
		a.PutInt(AttrOCSFClassUID, e.OCSF.Class)
		a.PutInt(AttrOCSFActivityID, e.OCSF.Activity)
		putStr(a, AttrOCSFActivityName, e.OCSF.ActivityName)
		a.PutInt(AttrOCSFTypeUID, e.OCSF.TypeUID())
		a.PutInt(AttrOCSFSeverityID, sev.OCSFID())
		a.PutInt(AttrOCSFStatusID, e.Outcome.StatusID())
	}
}

// putRelatedUsers lists every identity of the record once (docs/schema.md#d1-actor-and-target).
func (e *Event) putRelatedUsers(a pcommon.Map) {
	var buf [12]string
	related := buf[:0]
	for _, id := range [...]*Identity{&e.Actor, &e.Target, &e.Effective, &e.Changes} {
		for _, v := range [...]string{id.ID, id.Email, id.Name} {
			if v != "" && !contains(related, v) {
				related = append(related, v)
			}
		}
	}
	putStrs(a, AttrRelatedUser, related)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func putStr(a pcommon.Map, k, v string) {
	if v != "" {
		a.PutStr(k, v)
	}
}

func putStrs(a pcommon.Map, k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	s := a.PutEmptySlice(k)
	s.EnsureCapacity(len(vs))
	for _, v := range vs {
		s.AppendEmpty().SetStr(v)
	}
}

// IdentityKeys are the attribute keys of one identity role (actor, target …).
type IdentityKeys struct{ ID, Email, Name, FullName, Roles string }

func identityKeys(prefix string) IdentityKeys {
	return IdentityKeys{prefix + ".id", prefix + ".email", prefix + ".name", prefix + ".full_name", prefix + ".roles"}
}

// The identity roles of docs/schema.md#record-attributes and docs/schema.md#d1-actor-and-target.
var (
	ActorKeys     = identityKeys("user")
	TargetKeys    = identityKeys("user.target")
	ChangesKeys   = identityKeys("user.changes")
	EffectiveKeys = identityKeys("user.effective")
)

func putIdentity(a pcommon.Map, k IdentityKeys, id Identity) {
	if id.IsZero() {
		return
	}
	putStr(a, k.ID, id.ID)
	putStr(a, k.Email, id.Email)
	putStr(a, k.Name, id.Name)
	putStr(a, k.FullName, id.FullName)
	putStrs(a, k.Roles, id.Roles)
}
