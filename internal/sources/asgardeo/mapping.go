package asgardeo // import "github.com/authtrail/authtrail/internal/sources/asgardeo"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the Asgardeo table of docs/schema.md#asgardeo, keyed by the last segment of
// the event-type URI. Rows that depend on the payload's "action" and
// "initiatorType" use the keys "<event>/<action>" and "<event>/<action>/<initiator>";
// lookup tries the most specific key first.
var mappings = map[string]schema.Mapping{
	"loginSuccess": {Action: schema.ActionLogin, OCSF: ocsf(schema.OCSFAuthentication, 1, "")},
	"loginFailed": {
		Action: schema.ActionLogin, Outcome: schema.OutcomeFailure,
		OCSF: ocsf(schema.OCSFAuthentication, 1, ""),
	},
	"registrationSuccess":                      userCreate,
	"registrationSuccess/REGISTER/ADMIN":       userCreateByOther,
	"registrationSuccess/REGISTER/APPLICATION": userCreateByOther,
	"registrationSuccess/INVITE": {
		Action: schema.ActionUserInvite, OCSF: ocsf(schema.OCSFAccountChange, schema.OCSFActivityOther, "Invite"),
	},
	"registrationFailed": {
		Action: schema.ActionUserCreate, Outcome: schema.OutcomeFailure, OCSF: userCreate.OCSF,
	},
	"accessTokenIssued": {
		Action: schema.ActionTokenIssue, OCSF: ocsf(schema.OCSFAuthentication, schema.OCSFActivityOther, "Token Issue"),
	},
	"accessTokenRevoked": {
		Action: schema.ActionTokenRevoke, OCSF: ocsf(schema.OCSFAuthentication, schema.OCSFActivityOther, "Token Revoke"),
	},
	"sessionEstablished": {Action: schema.ActionSessionStart, OCSF: ocsf(schema.OCSFAuthentication, 1, "")},
	"sessionPresented":   {Action: schema.ActionSSO, OCSF: ocsf(schema.OCSFAuthentication, 1, "")},
	"sessionRevoked":     {Action: schema.ActionSessionTerminate, OCSF: ocsf(schema.OCSFAuthentication, 2, "")},
	"credentialUpdated": {
		Action: schema.ActionPasswordChange, OCSF: ocsf19(schema.OCSFAccountChange, 3, 8),
	},
	"credentialUpdated/RESET": {
		Action: schema.ActionPasswordReset, OCSF: ocsf19(schema.OCSFAccountChange, 4, 9),
	},
	"userCreated": userCreate,
	"userProfileUpdated": {
		Action: schema.ActionUserUpdate,
		OCSF: schema.OCSF{
			Class: schema.OCSFAccountChange, Activity: schema.OCSFActivityOther, ActivityName: "Update",
			Class19: schema.OCSFUserAccess19, Activity19: 2,
		},
	},
	"userDisabled":        {Action: schema.ActionUserDisable, OCSF: ocsf19(schema.OCSFAccountChange, 5, 5)},
	"userEnabled":         {Action: schema.ActionUserEnable, OCSF: ocsf19(schema.OCSFAccountChange, 2, 4)},
	"userAccountLocked":   {Action: schema.ActionUserLock, OCSF: ocsf19(schema.OCSFAccountChange, 9, 6)},
	"userAccountUnlocked": {Action: schema.ActionUserUnlock, OCSF: ocsf19(schema.OCSFAccountChange, 12, 7)},
	"userDeleted":         {Action: schema.ActionUserDelete, OCSF: ocsf19(schema.OCSFAccountChange, 6, 3)},

	// Role management (Asgardeo; WSO2 Identity Server 7.4 and later): role
	// definitions are configuration; assigning users or groups to a role is a
	// privilege change; a role's permissions changing is one too.
	"roleCreated":     roleConfig(schema.ActionConfigCreate, 1),
	"roleMetaUpdated": roleConfig(schema.ActionConfigUpdate, 3),
	"roleDeleted":     roleConfig(schema.ActionConfigDelete, 4),
	"rolePermissionsUpdated": {Action: schema.ActionConfigUpdate, ChangeField: "permissions", TargetType: "role",
		Severity: schema.SeverityMedium, OCSF: ocsf(schema.OCSFEntityManagement, 3, "")},
	"roleUsersUpdated": {Action: schema.ActionUserRoleChange, ChangeField: "role", TargetType: "role",
		OCSF: ocsf(schema.OCSFUserAccessMgmt, schema.OCSFActivityOther, "Role Assignment Change")},
	"roleGroupsUpdated": {Action: schema.ActionGroupPermissionUpdate, ChangeField: "role", TargetType: "role",
		OCSF: ocsf(schema.OCSFGroupManagement, schema.OCSFActivityOther, "Role Assignment Change")},
	"roleIdpGroupsUpdated": {Action: schema.ActionGroupPermissionUpdate, ChangeField: "role", TargetType: "role",
		OCSF: ocsf(schema.OCSFGroupManagement, schema.OCSFActivityOther, "Role Assignment Change")},

	// A group's members changed: named by WSO2's webhook event handlers
	// (identity-webhook-event-handlers), not yet on the documentation page.
	"groupUpdated": {Action: schema.ActionGroupMembershipChange,
		OCSF: ocsf(schema.OCSFGroupManagement, schema.OCSFActivityOther, "Membership Change")},

	// Consents to a purpose (marketing, terms …), and new versions of a purpose.
	"consentAdded": {Action: schema.ActionConsentGrant, ChangeField: "consent", TargetType: "consent_purpose",
		OCSF: ocsf(schema.OCSFAccountChange, schema.OCSFActivityOther, "Consent Grant")},
	"consentRevoked": {Action: schema.ActionConsentRevoke, ChangeField: "consent", TargetType: "consent_purpose",
		OCSF: ocsf(schema.OCSFAccountChange, schema.OCSFActivityOther, "Consent Revoke")},
	"purposeVersionAdded": {Action: schema.ActionConfigUpdate, ChangeField: "version", TargetType: "consent_purpose",
		OCSF: ocsf(schema.OCSFEntityManagement, 3, "")},
}

func roleConfig(a schema.Action, activity int64) schema.Mapping {
	return schema.Mapping{Action: a, TargetType: "role", OCSF: ocsf(schema.OCSFEntityManagement, activity, "")}
}

var (
	userCreate = schema.Mapping{Action: schema.ActionUserCreate, OCSF: ocsf19(schema.OCSFAccountChange, 1, 1)}
	// An account registered by an admin or an application is low, not informational.
	userCreateByOther = schema.Mapping{
		Action: schema.ActionUserCreate, OCSF: userCreate.OCSF, Severity: schema.SeverityLow,
	}
)

func ocsf(class, activity int64, name string) schema.OCSF {
	return schema.OCSF{Class: class, Activity: activity, ActivityName: name}
}

func ocsf19(class, activity, activity19 int64) schema.OCSF {
	return schema.OCSF{Class: class, Activity: activity, Class19: schema.OCSFUserAccess19, Activity19: activity19}
}

// Mappings returns the table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }

// initiators maps initiatorType to authtrail.actor.type.
var initiators = map[string]string{
	"USER":        schema.ActorUser,
	"ADMIN":       schema.ActorAdmin,
	"APPLICATION": schema.ActorApplication,
}

// authenticators maps Asgardeo authenticator names (lower case) to authtrail.auth.method.
var authenticators = map[string]string{
	"basicauthenticator":         "password",
	"identifierexecutor":         "login_id",
	"totp":                       "totp",
	"email-otp-authenticator":    "otp_email",
	"emailotp":                   "otp_email",
	"sms-otp-authenticator":      "otp_sms",
	"smsotp":                     "otp_sms",
	"fidoauthenticator":          "passkey",
	"backup-code-authenticator":  "recovery_code",
	"googleoidcauthenticator":    "social",
	"githubauthenticator":        "social",
	"facebookauthenticator":      "social",
	"appleoidcauthenticator":     "social",
	"microsoftidpauthenticator":  "social",
	"openidconnectauthenticator": "sso_oidc",
	"samlssoauthenticator":       "sso_saml",
}

// failureReasons classifies reason.description into error.type, first match wins.
var failureReasons = []schema.ReasonRule{
	{"invalid credentials", schema.ErrInvalidCredentials},
	{"already exists", schema.ErrUserExists},
	{"does not exist", schema.ErrUserNotFound},
	{"not found", schema.ErrUserNotFound},
	{"locked", schema.ErrAccountLocked},
	{"disabled", schema.ErrAccountDisabled},
}

// Claim URIs the mapping reads (http://wso2.org/claims/<name>).
const (
	claimUsername  = "username"
	claimEmail     = "emailaddress"
	claimEmails    = "emailAddresses"
	claimGivenName = "givenname"
	claimLastName  = "lastname"
)

// Authenticators returns the authenticator table (for the OTTL comparison).
func Authenticators() map[string]string { return authenticators }

// FailureReasons returns the failure-reason rules (for the OTTL comparison).
func FailureReasons() []schema.ReasonRule { return failureReasons }
