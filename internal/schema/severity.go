package schema // import "github.com/authtrail/authtrail/internal/schema"

import (
	"regexp"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Severity is the security severity of an event (authtrail.severity), ordered
// from informational to critical. The zero value means "not set".
type Severity uint8

const (
	SeverityUnset Severity = iota
	SeverityInformational
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"", "informational", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return ""
}

// OCSFID is the OCSF severity_id (1 informational … 5 critical).
func (s Severity) OCSFID() int64 { return int64(s) }

// ParseSeverity maps a severity name back to its value.
func ParseSeverity(name string) (Severity, bool) {
	for i, n := range severityNames {
		if i > 0 && n == name {
			return Severity(i), true
		}
	}
	return SeverityUnset, false
}

// SeverityMapping is the security severity → OTel SeverityNumber/Text table.
type SeverityMapping [SeverityCritical + 1]struct {
	Number plog.SeverityNumber
	Text   string
}

// DefaultSeverityMapping is docs/schema.md#severity (docs/schema.md#d5-severity).
var DefaultSeverityMapping = SeverityMapping{
	SeverityInformational: {plog.SeverityNumberInfo, "INFO"},
	SeverityLow:           {plog.SeverityNumberInfo2, "INFO2"},
	SeverityMedium:        {plog.SeverityNumberWarn, "WARN"},
	SeverityHigh:          {plog.SeverityNumberError, "ERROR"},
	SeverityCritical:      {plog.SeverityNumberError2, "ERROR2"},
}

// DefaultPrivilegedRole is the pattern of role names whose grant is high severity.
const DefaultPrivilegedRole = `(?i)admin|owner|super`

// Policy holds what a deployment may change about severity.
type Policy struct {
	// PrivilegedRole matches role names that make a role change high severity.
	PrivilegedRole *regexp.Regexp
	// Overrides replaces the base severity of an action.
	Overrides map[Action]Severity
	// Mapping is the severity → SeverityNumber table.
	Mapping SeverityMapping
}

// DefaultPolicy is the policy sources apply when they write records.
var DefaultPolicy = &Policy{
	PrivilegedRole: regexp.MustCompile(DefaultPrivilegedRole),
	Mapping:        DefaultSeverityMapping,
}

// credentialIdentifiers are identifier kinds whose update or removal is medium.
var credentialIdentifiers = map[string]bool{"email": true, "phone": true}

// baseSeverity resolves the conditional rows of docs/schema.md#severity.
func (p *Policy) baseSeverity(e *Event) Severity {
	if s, ok := p.Overrides[e.Action]; ok {
		return s
	}
	if e.Severity != SeverityUnset {
		return e.Severity
	}
	spec := actions[e.Action]
	switch e.Action {
	case ActionLogin:
		if e.Outcome == OutcomeFailure {
			if e.AuthFactor == FactorSecondary {
				return SeverityMedium
			}
			return SeverityLow
		}
	case ActionUserIdentifierUpdate, ActionUserIdentifierRemove:
		if credentialIdentifiers[e.ChangeField] {
			return SeverityMedium
		}
		return SeverityLow
	case ActionUserRoleChange:
		if p.privileged(e.Changes.Roles) {
			return SeverityHigh
		}
	case ActionOrgMFARequirementChange:
		if e.RequirementOff {
			return SeverityHigh
		}
	}
	return spec.Severity
}

func (p *Policy) privileged(roles []string) bool {
	for _, r := range roles {
		if p.Privileged(r) {
			return true
		}
	}
	return false
}

// Privileged reports whether granting role makes a role change high severity.
func (p *Policy) Privileged(role string) bool {
	return p.PrivilegedRole != nil && p.PrivilegedRole.MatchString(role)
}

// automationSensitive are the actions modifier 3 raises when automation does them.
var automationSensitive = map[Action]bool{
	ActionUserDelete: true, ActionMFADisable: true, ActionUserRoleChange: true,
}

// SeverityOf computes the security severity of e: the base severity, then the
// modifiers of docs/schema.md#severity in order, capped at high unless already critical.
func (p *Policy) SeverityOf(e *Event) Severity {
	base := p.baseSeverity(e)
	s := base
	// 1. someone else's credentials or MFA.
	if actions[e.Action].Credential && e.actorIsOther() {
		s++
	}
	// 2. a failed IAM or configuration change (a denial by a protection, a
	// message not delivered, are no change: they keep their severity).
	if e.Outcome == OutcomeFailure && (e.Action.hasCategory("iam") || e.Action.hasCategory("configuration")) {
		s = SeverityLow
	}
	// 3. automation doing sensitive things.
	if automationSensitive[e.Action] && (e.ActorType == ActorApplication || e.ActorType == ActorAPIKey) {
		s++
	}
	if s > SeverityHigh && base != SeverityCritical {
		s = SeverityHigh
	}
	return s
}
