package schema // import "github.com/authtrail/authtrail/internal/schema"

// Action is a normalized action (event.action); EventName is "identity." + Action.
type Action string

// Outcome is event.outcome.
type Outcome string

const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeUnknown Outcome = "unknown"
)

// The action vocabulary of docs/schema.md#actions, plus ActionUnmapped for vendor event
// types authtrail does not know yet (they pass through with event.code set).
const (
	ActionLogin                     Action = "authentication.login"
	ActionLogout                    Action = "authentication.logout"
	ActionImpersonate               Action = "authentication.impersonate"
	ActionSSO                       Action = "authentication.sso"
	ActionVerify                    Action = "authentication.verify"
	ActionTokenIssue                Action = "token.issue"
	ActionTokenRevoke               Action = "token.revoke"
	ActionSessionStart              Action = "session.start"
	ActionSessionTerminate          Action = "session.terminate"
	ActionUserCreate                Action = "user.create"
	ActionUserInvite                Action = "user.invite"
	ActionUserInviteResend          Action = "user.invite_resend"
	ActionUserInviteRevoke          Action = "user.invite_revoke"
	ActionUserUpdate                Action = "user.update"
	ActionUserIdentifierAdd         Action = "user.identifier_add"
	ActionUserIdentifierRemove      Action = "user.identifier_remove"
	ActionUserIdentifierUpdate      Action = "user.identifier_update"
	ActionUserRecoveryUpdate        Action = "user.recovery_update"
	ActionUserEnable                Action = "user.enable"
	ActionUserDisable               Action = "user.disable"
	ActionUserDeprovision           Action = "user.deprovision"
	ActionUserLock                  Action = "user.lock"
	ActionUserUnlock                Action = "user.unlock"
	ActionUserDelete                Action = "user.delete"
	ActionUserDeleteSchedule        Action = "user.delete_schedule"
	ActionUserDeleteUnschedule      Action = "user.delete_unschedule"
	ActionUserPromote               Action = "user.promote"
	ActionUserRoleChange            Action = "user.role_change"
	ActionUserPermissionUpdate      Action = "user.permission_update"
	ActionUserPermissionRemove      Action = "user.permission_remove"
	ActionPasswordChange            Action = "password.change"
	ActionPasswordResetRequest      Action = "password.reset_request"
	ActionPasswordReset             Action = "password.reset"
	ActionMFAEnable                 Action = "mfa.enable"
	ActionMFADisable                Action = "mfa.disable"
	ActionAdvancedProtectionEnroll  Action = "advanced_protection.enroll"
	ActionAdvancedProtectionUnenrol Action = "advanced_protection.unenroll"
	ActionGroupCreate               Action = "group.create"
	ActionGroupRename               Action = "group.rename"
	ActionGroupDelete               Action = "group.delete"
	ActionGroupMembershipChange     Action = "group.membership_change"
	ActionGroupPermissionUpdate     Action = "group.permission_update"
	ActionOrgRename                 Action = "org.rename"
	ActionOrgDelete                 Action = "org.delete"
	ActionOrgMFARequirementChange   Action = "org.mfa_requirement_change"
	ActionAPIKeyEnable              Action = "api_key.enable"
	ActionAPIKeyRotate              Action = "api_key.rotate"
	ActionOAuthAppCreate            Action = "oauth_app.create"
	ActionOAuthAppDelete            Action = "oauth_app.delete"
	ActionOAuthAppSecretRotate      Action = "oauth_app.secret_rotate"
	ActionMailForwardingEnable      Action = "mail_forwarding.enable"
	ActionNotificationEmailSend     Action = "notification.email_send"
	ActionNotificationSMSSend       Action = "notification.sms_send"

	// Authgear / Asgardeo / VGS: configuration objects (roles, API resources,
	// domains, VGS routes and vaults), viewed secrets, requests a rate limit or a
	// bot or fraud protection denied or let through, one-time codes an admin
	// generated for a user, WhatsApp messages, a user's consent to a purpose.
	ActionConfigCreate             Action = "config.create"
	ActionConfigUpdate             Action = "config.update"
	ActionConfigDelete             Action = "config.delete"
	ActionSecretView               Action = "secret.view"
	ActionProtectionBlock          Action = "protection.block"
	ActionProtectionAllow          Action = "protection.allow"
	ActionOTPGenerate              Action = "otp.generate"
	ActionNotificationWhatsAppSend Action = "notification.whatsapp_send"
	ActionConsentGrant             Action = "consent.grant"
	ActionConsentRevoke            Action = "consent.revoke"

	// Google Workspace admin/token/saml: OAuth grants to applications (a user's
	// consent, or an administrator's domain-wide delegation) and organization
	// security policies other than the MFA requirement.
	ActionOAuthAppAuthorize       Action = "oauth_app.authorize"
	ActionOAuthAppRevoke          Action = "oauth_app.revoke"
	ActionOrgSecurityPolicyChange Action = "org.security_policy_change"
	// A vendor warns that an account is the target of an attack (Google's
	// government-backed attack warning): nothing changed, but a SOC acts on it.
	ActionThreatWarning Action = "threat.warning"

	// ActionUnmapped marks a vendor event type that no table maps yet.
	ActionUnmapped Action = "unmapped"
)

// ECS categorization values used by the vocabulary.
var (
	catAuthSession = []string{"authentication", "session"}
	catAuth        = []string{"authentication"}
	catSession     = []string{"session"}
	catIAM         = []string{"iam"}
	catConfig      = []string{"configuration"}
	catEmail       = []string{"email"}

	typeStart        = []string{"start"}
	typeEnd          = []string{"end"}
	typeInfo         = []string{"info"}
	typeUserCreation = []string{"user", "creation"}
	typeUserChange   = []string{"user", "change"}
	typeUserDeletion = []string{"user", "deletion"}
	typeUserInfo     = []string{"user", "info"}
	typeGroupCreate  = []string{"group", "creation"}
	typeGroupChange  = []string{"group", "change"}
	typeGroupDelete  = []string{"group", "deletion"}
	typeCreation     = []string{"creation"}
	typeChange       = []string{"change"}
	typeDeletion     = []string{"deletion"}
	typeAccess       = []string{"access"}

	catIntrusion = []string{"intrusion_detection"}
	typeDenied   = []string{"denied"}
	typeAllowed  = []string{"allowed"}

	catThreat     = []string{"threat"}
	typeIndicator = []string{"indicator"}
)

// ActionSpec is what the schema fixes for every action: its ECS categorization,
// its base security severity (docs/schema.md#severity, before modifiers) and the noun
// phrase used in record bodies.
type ActionSpec struct {
	Category []string
	Type     []string
	Severity Severity
	Title    string
	// Credential marks credential/MFA actions (severity modifier 1).
	Credential bool
}

// actions is the vocabulary table. Conditional base severities (a failed login at
// a secondary factor, identifier changes of email or phone, privileged role
// changes, an MFA requirement turned off) are resolved in severity.go.
var actions = map[Action]ActionSpec{
	ActionLogin:                     {catAuthSession, typeStart, SeverityInformational, "Login", false},
	ActionLogout:                    {catAuthSession, typeEnd, SeverityInformational, "Logout", false},
	ActionImpersonate:               {catAuthSession, typeStart, SeverityHigh, "Impersonation", false},
	ActionSSO:                       {catAuthSession, typeInfo, SeverityInformational, "Single sign-on with an existing session", false},
	ActionVerify:                    {catAuth, typeInfo, SeverityInformational, "Verification", false},
	ActionTokenIssue:                {catAuth, typeInfo, SeverityInformational, "Access token issued", false},
	ActionTokenRevoke:               {catAuth, typeEnd, SeverityInformational, "Access token revoked", false},
	ActionSessionStart:              {catSession, typeStart, SeverityInformational, "Session started", false},
	ActionSessionTerminate:          {catSession, typeEnd, SeverityLow, "Session terminated", false},
	ActionUserCreate:                {catIAM, typeUserCreation, SeverityInformational, "User created", false},
	ActionUserInvite:                {catIAM, typeUserCreation, SeverityLow, "User invited", false},
	ActionUserInviteResend:          {catIAM, typeUserInfo, SeverityInformational, "Invitation resent", false},
	ActionUserInviteRevoke:          {catIAM, typeUserDeletion, SeverityInformational, "Invitation revoked", false},
	ActionUserUpdate:                {catIAM, typeUserChange, SeverityInformational, "User profile updated", false},
	ActionUserIdentifierAdd:         {catIAM, typeUserChange, SeverityLow, "Identifier added", false},
	ActionUserIdentifierRemove:      {catIAM, typeUserChange, SeverityLow, "Identifier removed", false},
	ActionUserIdentifierUpdate:      {catIAM, typeUserChange, SeverityLow, "Identifier updated", false},
	ActionUserRecoveryUpdate:        {catIAM, typeUserChange, SeverityMedium, "Account recovery information changed", false},
	ActionUserEnable:                {catIAM, typeUserChange, SeverityLow, "User enabled", false},
	ActionUserDisable:               {catIAM, typeUserChange, SeverityMedium, "User disabled", false},
	ActionUserDeprovision:           {catIAM, typeUserChange, SeverityMedium, "User deprovisioned", false},
	ActionUserLock:                  {catIAM, typeUserChange, SeverityMedium, "User locked", false},
	ActionUserUnlock:                {catIAM, typeUserChange, SeverityLow, "User unlocked", false},
	ActionUserDelete:                {catIAM, typeUserDeletion, SeverityMedium, "User deleted", false},
	ActionUserDeleteSchedule:        {catIAM, typeUserChange, SeverityMedium, "User deletion scheduled", false},
	ActionUserDeleteUnschedule:      {catIAM, typeUserChange, SeverityLow, "User deletion unscheduled", false},
	ActionUserPromote:               {catIAM, typeUserChange, SeverityInformational, "Anonymous user promoted", false},
	ActionUserRoleChange:            {catIAM, typeUserChange, SeverityMedium, "Role changed", false},
	ActionUserPermissionUpdate:      {catIAM, typeUserChange, SeverityMedium, "Permissions updated", false},
	ActionUserPermissionRemove:      {catIAM, typeUserDeletion, SeverityMedium, "Permissions removed", false},
	ActionPasswordChange:            {catIAM, typeUserChange, SeverityLow, "Password changed", true},
	ActionPasswordResetRequest:      {catIAM, typeUserInfo, SeverityLow, "Password reset requested", true},
	ActionPasswordReset:             {catIAM, typeUserChange, SeverityLow, "Password reset", true},
	ActionMFAEnable:                 {catIAM, typeUserChange, SeverityInformational, "MFA enabled", true},
	ActionMFADisable:                {catIAM, typeUserChange, SeverityHigh, "MFA disabled", true},
	ActionAdvancedProtectionEnroll:  {catIAM, typeUserChange, SeverityInformational, "Advanced Protection enrolled", true},
	ActionAdvancedProtectionUnenrol: {catIAM, typeUserChange, SeverityHigh, "Advanced Protection unenrolled", true},
	ActionGroupCreate:               {catIAM, typeGroupCreate, SeverityInformational, "Group created", false},
	ActionGroupRename:               {catIAM, typeGroupChange, SeverityInformational, "Group renamed", false},
	ActionGroupDelete:               {catIAM, typeGroupDelete, SeverityLow, "Group deleted", false},
	ActionGroupMembershipChange:     {catIAM, typeGroupChange, SeverityLow, "Group membership changed", false},
	ActionGroupPermissionUpdate:     {catIAM, typeGroupChange, SeverityMedium, "Group permissions updated", false},
	ActionOrgRename:                 {catConfig, typeChange, SeverityLow, "Organization renamed", false},
	ActionOrgDelete:                 {catConfig, typeDeletion, SeverityCritical, "Organization deleted", false},
	ActionOrgMFARequirementChange:   {catConfig, typeChange, SeverityMedium, "Organization MFA requirement changed", false},
	ActionAPIKeyEnable:              {catConfig, typeChange, SeverityMedium, "API key enabled", false},
	ActionAPIKeyRotate:              {catConfig, typeChange, SeverityMedium, "API key rotated", false},
	ActionOAuthAppCreate:            {catConfig, typeCreation, SeverityMedium, "OAuth application created", false},
	ActionOAuthAppDelete:            {catConfig, typeDeletion, SeverityLow, "OAuth application deleted", false},
	ActionOAuthAppSecretRotate:      {catConfig, typeChange, SeverityMedium, "OAuth application secret rotated", false},
	ActionMailForwardingEnable:      {catConfig, typeChange, SeverityHigh, "Mail forwarding enabled", false},
	ActionNotificationEmailSend:     {catEmail, typeInfo, SeverityInformational, "Email sent", false},
	ActionNotificationSMSSend:       {catAuth, typeInfo, SeverityInformational, "SMS sent", false},

	// Authgear / Asgardeo / VGS.
	ActionConfigCreate:             {catConfig, typeCreation, SeverityLow, "Configuration object created", false},
	ActionConfigUpdate:             {catConfig, typeChange, SeverityLow, "Configuration changed", false},
	ActionConfigDelete:             {catConfig, typeDeletion, SeverityMedium, "Configuration object deleted", false},
	ActionSecretView:               {catConfig, typeAccess, SeverityMedium, "Secret viewed", false},
	ActionProtectionBlock:          {catIntrusion, typeDenied, SeverityMedium, "Request blocked by a security protection", false},
	ActionProtectionAllow:          {catIntrusion, typeAllowed, SeverityInformational, "Request allowed by a security protection", false},
	ActionOTPGenerate:              {catIAM, typeUserInfo, SeverityMedium, "One-time code generated", true},
	ActionNotificationWhatsAppSend: {catAuth, typeInfo, SeverityInformational, "WhatsApp message sent", false},
	ActionConsentGrant:             {catIAM, typeUserChange, SeverityInformational, "Consent granted", false},
	ActionConsentRevoke:            {catIAM, typeUserChange, SeverityInformational, "Consent revoked", false},

	// Google Workspace admin/token/saml.
	ActionOAuthAppAuthorize:       {catIAM, typeCreation, SeverityLow, "OAuth application authorized", false},
	ActionOAuthAppRevoke:          {catIAM, typeDeletion, SeverityInformational, "OAuth application access revoked", false},
	ActionOrgSecurityPolicyChange: {catConfig, typeChange, SeverityMedium, "Organization security policy changed", false},
	ActionThreatWarning:           {catThreat, typeIndicator, SeverityHigh, "Attack warning", false},

	ActionUnmapped: {nil, nil, SeverityInformational, "Vendor event", false},
}

// Spec returns the schema's spec for an action and whether the action is known.
func Spec(a Action) (ActionSpec, bool) {
	s, ok := actions[a]
	return s, ok
}

// Actions lists every action of the vocabulary (ActionUnmapped excluded).
func Actions() []Action {
	out := make([]Action, 0, len(actions))
	for a := range actions {
		if a != ActionUnmapped {
			out = append(out, a)
		}
	}
	return out
}

// IsAuthentication reports whether the action belongs to the authentication
// family, whose events carry only the authenticating user (docs/schema.md#d1-actor-and-target).
func (a Action) IsAuthentication() bool {
	return a.hasCategory("authentication") || a.hasCategory("session")
}

func (a Action) hasCategory(c string) bool {
	for _, x := range actions[a].Category {
		if x == c {
			return true
		}
	}
	return false
}
