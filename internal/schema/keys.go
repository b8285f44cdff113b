// Package schema is the authtrail normalized schema in code: attribute keys, the
// action vocabulary, categorization, security severity, OCSF ids, and the helpers
// every source uses to write a log record. It knows no vendor and does no I/O.
package schema // import "github.com/authtrail/authtrail/internal/schema"

import "strings"

// Resource attribute keys (docs/schema.md#resource-attributes, docs/schema.md#d17-tenant-on-the-resource).
const (
	AttrServiceName      = "service.name"
	AttrServiceNamespace = "service.namespace"
	AttrOrganizationID   = "organization.id"
	AttrOrganizationName = "organization.name"

	// ServiceNamespace groups every identity source under one Loki index label.
	ServiceNamespace = "identity"
)

// Event and classification attribute keys.
const (
	AttrEventAction       = "event.action"
	AttrEventCategory     = "event.category"
	AttrEventType         = "event.type"
	AttrEventOutcome      = "event.outcome"
	AttrEventKind         = "event.kind"
	AttrEventCode         = "event.code"
	AttrEventID           = "event.id"
	AttrEventProvider     = "event.provider"
	AttrEventDataset      = "event.dataset"
	AttrEventReason       = "event.reason"
	AttrEventOriginal     = "event.original"
	AttrErrorType         = "error.type"
	AttrSeverity          = "authtrail.severity"
	AttrCorrelationID     = "authtrail.correlation.id"
	AttrActorType         = "authtrail.actor.type"
	AttrTargetType        = "authtrail.target.type"
	AttrTargetID          = "authtrail.target.id"
	AttrTargetName        = "authtrail.target.name"
	AttrChangeField       = "authtrail.change.field"
	AttrChangeFrom        = "authtrail.change.from"
	AttrChangeTo          = "authtrail.change.to"
	AttrSessionIDs        = "authtrail.session.ids"
	AttrAuthMethod        = "authtrail.auth.method"
	AttrAuthFactor        = "authtrail.auth.factor"
	AttrAuthProvider      = "authtrail.auth.provider"
	AttrApplicationID     = "authtrail.application.id"
	AttrApplicationName   = "authtrail.application.name"
	AttrTokenType         = "authtrail.token.type"
	AttrTokenGrantType    = "authtrail.token.grant_type"
	AttrRelatedUser       = "related.user"
	AttrRelatedIP         = "related.ip"
	AttrClientAddress     = "client.address"
	AttrClientPort        = "client.port"
	AttrUserAgentOriginal = "user_agent.original"
	AttrGeoCountryISOCode = "geo.country.iso_code"
	AttrSessionID         = "session.id"
	AttrGroupID           = "group.id"
	AttrGroupName         = "group.name"
	AttrOCSFVersion       = "ocsf.version"
	AttrOCSFCategoryUID   = "ocsf.category_uid"
	AttrOCSFClassUID      = "ocsf.class_uid"
	AttrOCSFActivityID    = "ocsf.activity_id"
	AttrOCSFActivityName  = "ocsf.activity_name"
	AttrOCSFTypeUID       = "ocsf.type_uid"
	AttrOCSFSeverityID    = "ocsf.severity_id"
	AttrOCSFStatusID      = "ocsf.status_id"
	EventKindEvent        = "event"
	EventNamePrefix       = "identity."
	OCSFVersion           = "1.8.0"
)

// Actor types (authtrail.actor.type).
const (
	ActorUser        = "user"
	ActorAdmin       = "admin"
	ActorApplication = "application"
	ActorSystem      = "system"
	ActorAPIKey      = "api_key"
	ActorUnknown     = "unknown"
)

// Authentication factors (authtrail.auth.factor).
const (
	FactorPrimary   = "primary"
	FactorSecondary = "secondary"
)

// Low-cardinality failure classes (error.type).
const (
	ErrInvalidCredentials = "invalid_credentials"
	ErrUserNotFound       = "user_not_found"
	ErrMFAFailed          = "mfa_failed"
	ErrAccountLocked      = "account_locked"
	ErrAccountDisabled    = "account_disabled"
	ErrUserExists         = "user_exists"
	ErrOther              = "_OTHER"
)

// ReasonRule classifies a vendor's failure text: {text, error.type}; the first
// rule whose text the (lower-cased) reason contains gives error.type.
type ReasonRule [2]string

// ClassifyFailure applies a vendor's rules; ErrOther when none matches.
func ClassifyFailure(reason string, rules []ReasonRule) string {
	r := strings.ToLower(reason)
	for _, rule := range rules {
		if strings.Contains(r, rule[0]) {
			return rule[1]
		}
	}
	return ErrOther
}
