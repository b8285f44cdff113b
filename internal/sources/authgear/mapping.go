package authgear // import "github.com/authtrail/authtrail/internal/sources/authgear"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the Authgear table of docs/schema.md#authgear, keyed by activityType, or by
// activityType + "/" + a payload value for the types listed in variants.
var mappings = map[string]schema.Mapping{
	"AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED":      loginFailed("anonymous", schema.FactorPrimary, ""),
	"AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED":      loginFailed("biometric", schema.FactorPrimary, ""),
	"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED":       loginFailed("login_id", schema.FactorPrimary, schema.ErrUserNotFound),
	"AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED":   loginFailed("otp_email", schema.FactorPrimary, schema.ErrInvalidCredentials),
	"AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED":     loginFailed("otp_sms", schema.FactorPrimary, schema.ErrInvalidCredentials),
	"AUTHENTICATION_PRIMARY_PASSWORD_FAILED":        loginFailed("password", schema.FactorPrimary, schema.ErrInvalidCredentials),
	"AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED": loginFailed("otp_email", schema.FactorSecondary, schema.ErrMFAFailed),
	"AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED":   loginFailed("otp_sms", schema.FactorSecondary, schema.ErrMFAFailed),
	"AUTHENTICATION_SECONDARY_PASSWORD_FAILED":      loginFailed("password", schema.FactorSecondary, schema.ErrMFAFailed),
	"AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED": loginFailed("recovery_code", schema.FactorSecondary, schema.ErrMFAFailed),
	"AUTHENTICATION_SECONDARY_TOTP_FAILED":          loginFailed("totp", schema.FactorSecondary, schema.ErrMFAFailed),
	// A sign-in refused because the account is locked out, disabled, outside its
	// valid period or scheduled for deletion, or a hook disallowed it.
	"AUTHENTICATION_BLOCKED": {Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, Severity: schema.SeverityMedium,
		OCSF: ocsf(schema.OCSFAuthentication, 1, "", 0)},

	// Requests a protection refused: a SOC alerts on them.
	"RATE_LIMIT_BLOCKED": protection(schema.ActionProtectionBlock, schema.OutcomeFailure, "rate_limit", "Rate Limit Block"),
	"BOT_PROTECTION_VERIFICATION_FAILED": protection(schema.ActionProtectionBlock, schema.OutcomeFailure,
		"bot_protection", "Bot Protection Block"),
	"FRAUD_PROTECTION_DECISION_RECORDED": protection(schema.ActionProtectionBlock, schema.OutcomeFailure,
		"fraud_protection", "Fraud Protection Block"),
	"FRAUD_PROTECTION_DECISION_RECORDED/blocked": protection(schema.ActionProtectionBlock, schema.OutcomeFailure,
		"fraud_protection", "Fraud Protection Block"),
	"FRAUD_PROTECTION_DECISION_RECORDED/allowed": protection(schema.ActionProtectionAllow, schema.OutcomeSuccess,
		"fraud_protection", "Fraud Protection Allow"),

	"IDENTITY_BIOMETRIC_DISABLED": {Action: schema.ActionUserIdentifierRemove, ChangeField: "biometric",
		OCSF: ocsf(schema.OCSFAccountChange, 11, "", 0)},
	"IDENTITY_BIOMETRIC_ENABLED": {Action: schema.ActionUserIdentifierAdd, ChangeField: "biometric",
		OCSF: ocsf(schema.OCSFAccountChange, 10, "", 0), Severity: schema.SeverityInformational},
	"IDENTITY_EMAIL_ADDED":        identity(schema.ActionUserIdentifierAdd, "email", "Identity Add"),
	"IDENTITY_EMAIL_REMOVED":      identity(schema.ActionUserIdentifierRemove, "email", "Identity Remove"),
	"IDENTITY_EMAIL_UPDATED":      identity(schema.ActionUserIdentifierUpdate, "email", "Identity Update"),
	"IDENTITY_EMAIL_VERIFIED":     identity(schema.ActionUserIdentifierUpdate, "email_verified", "Identity Verify"),
	"IDENTITY_EMAIL_UNVERIFIED":   identity(schema.ActionUserIdentifierUpdate, "email_verified", "Identity Unverify"),
	"IDENTITY_OAUTH_CONNECTED":    identity(schema.ActionUserIdentifierAdd, "oauth", "Identity Add"),
	"IDENTITY_OAUTH_DISCONNECTED": identity(schema.ActionUserIdentifierRemove, "oauth", "Identity Remove"),
	"IDENTITY_PHONE_ADDED":        identity(schema.ActionUserIdentifierAdd, "phone", "Identity Add"),
	"IDENTITY_PHONE_REMOVED":      identity(schema.ActionUserIdentifierRemove, "phone", "Identity Remove"),
	"IDENTITY_PHONE_UPDATED":      identity(schema.ActionUserIdentifierUpdate, "phone", "Identity Update"),
	"IDENTITY_PHONE_VERIFIED":     identity(schema.ActionUserIdentifierUpdate, "phone_verified", "Identity Verify"),
	"IDENTITY_PHONE_UNVERIFIED":   identity(schema.ActionUserIdentifierUpdate, "phone_verified", "Identity Unverify"),
	"IDENTITY_USERNAME_ADDED":     identity(schema.ActionUserIdentifierAdd, "username", "Identity Add"),
	"IDENTITY_USERNAME_REMOVED":   identity(schema.ActionUserIdentifierRemove, "username", "Identity Remove"),
	"IDENTITY_USERNAME_UPDATED":   identity(schema.ActionUserIdentifierUpdate, "username", "Identity Update"),

	"USER_ANONYMOUS_PROMOTED":        {Action: schema.ActionUserPromote, OCSF: ocsf(schema.OCSFAccountChange, 99, "Promote", 2)},
	"USER_AUTHENTICATED":             {Action: schema.ActionLogin, OCSF: ocsf(schema.OCSFAuthentication, 1, "", 0)},
	"USER_REAUTHENTICATED":           {Action: schema.ActionVerify, OCSF: ocsf(schema.OCSFAuthentication, 99, "Reauthenticate", 0)},
	"USER_CREATED":                   {Action: schema.ActionUserCreate, OCSF: ocsf(schema.OCSFAccountChange, 1, "", 1)},
	"USER_DELETED":                   userDeleted,
	"USER_ANONYMIZED":                userDeleted, // identities and attributes erased: the account is gone
	"USER_DELETION_SCHEDULED":        deletionScheduled,
	"USER_DELETION_UNSCHEDULED":      deletionUnscheduled,
	"USER_ANONYMIZATION_SCHEDULED":   deletionScheduled,
	"USER_ANONYMIZATION_UNSCHEDULED": deletionUnscheduled,
	"USER_DISABLED":                  userDisabled,
	"USER_PROFILE_UPDATED":           userUpdate(""),
	"USER_REENABLED":                 userEnabled,
	"USER_SESSION_TERMINATED":        sessionTerminated,
	"USER_SIGNED_OUT":                {Action: schema.ActionLogout, OCSF: ocsf(schema.OCSFAuthentication, 2, "", 0)},
	"WHATSAPP_OTP_VERIFIED": {Action: schema.ActionVerify, AuthMethod: "otp_whatsapp",
		OCSF: ocsf(schema.OCSFAuthentication, 99, "OTP Verify", 0)},
	"M2M_TOKEN_CREATED": {Action: schema.ActionTokenIssue, OCSF: ocsf(schema.OCSFAuthentication, 99, "Token Issue", 0)},

	// No OCSF class fits an SMS or WhatsApp delivery (docs/schema.md#d7-tokens-and-sms-in-ocsf).
	"SMS_SENT":            {Action: schema.ActionNotificationSMSSend},
	"SMS_ERROR":           {Action: schema.ActionNotificationSMSSend, Outcome: schema.OutcomeFailure},
	"SMS_SUPPRESSED":      {Action: schema.ActionNotificationSMSSend, Outcome: schema.OutcomeFailure},
	"WHATSAPP_SENT":       {Action: schema.ActionNotificationWhatsAppSend},
	"WHATSAPP_ERROR":      {Action: schema.ActionNotificationWhatsAppSend, Outcome: schema.OutcomeFailure},
	"WHATSAPP_SUPPRESSED": {Action: schema.ActionNotificationWhatsAppSend, Outcome: schema.OutcomeFailure},
	"EMAIL_SENT":          {Action: schema.ActionNotificationEmailSend, OCSF: ocsf(schema.OCSFEmailActivity, 1, "", 0)},
	"EMAIL_ERROR": {Action: schema.ActionNotificationEmailSend, Outcome: schema.OutcomeFailure,
		OCSF: ocsf(schema.OCSFEmailActivity, 1, "", 0)},
	"EMAIL_SUPPRESSED": {Action: schema.ActionNotificationEmailSend, Outcome: schema.OutcomeFailure,
		OCSF: ocsf(schema.OCSFEmailActivity, 1, "", 0)},

	// Admin API mutations. Authgear also writes the lifecycle record (USER_CREATED,
	// USER_DELETED, IDENTITY_*, …) of a user change made through the Admin API;
	// both carry the action, and event.code tells them apart.
	"ADMIN_API_MUTATION_CREATE_USER_EXECUTED":                      {Action: schema.ActionUserCreate, OCSF: ocsf(schema.OCSFAccountChange, 1, "", 1)},
	"ADMIN_API_MUTATION_UPDATE_USER_EXECUTED":                      userUpdate(""),
	"ADMIN_API_MUTATION_DELETE_USER_EXECUTED":                      userDeleted,
	"ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED":                   userDeleted,
	"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED":        deletionScheduled,
	"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED":      deletionUnscheduled,
	"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED":   deletionScheduled,
	"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED": deletionUnscheduled,
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED":              userDisabled,
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED/true":         userDisabled,
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED/false":        userEnabled,
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED":           userUpdate("account_valid_from"),
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED":          userUpdate("account_valid_until"),
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED":         userUpdate("account_valid_period"),
	"ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED":             userUpdate("password_expired"),
	"ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED": {Action: schema.ActionUserIdentifierUpdate,
		OCSF: ocsf(schema.OCSFAccountChange, 99, "Identity Verify", 2)},
	"ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED": {Action: schema.ActionUserUnlock, OCSF: ocsf(schema.OCSFAccountChange, 12, "", 7)},
	"ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED": {Action: schema.ActionPasswordReset, AuthMethod: "password",
		OCSF: ocsf(schema.OCSFAccountChange, 4, "", 9)},
	"ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED": {Action: schema.ActionPasswordResetRequest, AuthMethod: "password",
		OCSF: ocsf(schema.OCSFAccountChange, 4, "", 9)},
	// A code the admin can use to sign in as the user, or to verify their address.
	"ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED": {Action: schema.ActionOTPGenerate,
		OCSF: ocsf(schema.OCSFAccountChange, 99, "OTP Generate", 0)},
	"ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED": identity(schema.ActionUserIdentifierAdd, "", "Identity Add"),
	"ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED": identity(schema.ActionUserIdentifierUpdate, "", "Identity Update"),
	"ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED": identity(schema.ActionUserIdentifierRemove, "", "Identity Remove"),
	// A secondary authenticator (TOTP, OTP, password) is a second factor.
	"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED":           authenticator(schema.ActionUserIdentifierAdd, "Identity Add"),
	"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED/secondary": mfa(schema.ActionMFAEnable, 10, 12),
	"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED":           authenticator(schema.ActionUserIdentifierRemove, "Identity Remove"),
	"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED/secondary": mfa(schema.ActionMFADisable, 11, 13),
	// A session an admin creates for a user acts as that user.
	"ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED":      {Action: schema.ActionImpersonate, OCSF: ocsf(schema.OCSFAuthentication, 7, "", 0)},
	"ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED":      sessionTerminated,
	"ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED": sessionTerminated,
	"ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED": {Action: schema.ActionTokenRevoke, TargetType: "authorization",
		OCSF: ocsf(schema.OCSFAuthentication, 99, "Token Revoke", 0)},

	"ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED":       roleGrant,
	"ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED":       roleGrant,
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED":  roleRevoke,
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED":  roleRevoke,
	"ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED":      group(schema.ActionGroupMembershipChange, "", 3),
	"ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED":      group(schema.ActionGroupMembershipChange, "", 3),
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED": group(schema.ActionGroupMembershipChange, "", 4),
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED": group(schema.ActionGroupMembershipChange, "", 4),
	"ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED":      group(schema.ActionGroupPermissionUpdate, "role", 1),
	"ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED":      group(schema.ActionGroupPermissionUpdate, "role", 1),
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED": group(schema.ActionGroupPermissionUpdate, "role", 2),
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED": group(schema.ActionGroupPermissionUpdate, "role", 2),
	"ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED": {Action: schema.ActionGroupCreate, TargetType: "group",
		OCSF: ocsf(schema.OCSFGroupManagement, 6, "", 0)},
	"ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED": {Action: schema.ActionGroupRename, ChangeField: "name", TargetType: "group",
		OCSF: ocsf(schema.OCSFGroupManagement, 99, "Update", 0)},
	"ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED": {Action: schema.ActionGroupDelete, TargetType: "group",
		OCSF: ocsf(schema.OCSFGroupManagement, 5, "", 0)},

	"ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED":                   config(schema.ActionConfigCreate, "role"),
	"ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED":                   config(schema.ActionConfigUpdate, "role"),
	"ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED":                   config(schema.ActionConfigDelete, "role"),
	"ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED":               config(schema.ActionConfigCreate, "api_resource"),
	"ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED":               config(schema.ActionConfigUpdate, "api_resource"),
	"ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED":               config(schema.ActionConfigDelete, "api_resource"),
	"ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED":                  config(schema.ActionConfigCreate, "scope"),
	"ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED":                  config(schema.ActionConfigUpdate, "scope"),
	"ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED":                  config(schema.ActionConfigDelete, "scope"),
	"ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED":      clientGrant("resources"),
	"ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED": clientGrant("resources"),
	"ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED":        clientGrant("scopes"),
	"ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED":   clientGrant("scopes"),
	"ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED":    clientGrant("scopes"),

	// Portal (project) events: the people who administer the project, its
	// applications, secrets and domains.
	"PROJECT_APP_CREATED": config(schema.ActionConfigCreate, "project"),
	"PROJECT_APP_UPDATED": config(schema.ActionConfigUpdate, "project"),
	// An admin viewed or downloaded a project secret, such as the Admin API key.
	"PROJECT_APP_SECRET_VIEWED": {Action: schema.ActionSecretView, TargetType: "project_secret", Severity: schema.SeverityHigh,
		OCSF: ocsf(schema.OCSFEntityManagement, 2, "", 0)},
	"PROJECT_DOMAIN_CREATED":  config(schema.ActionConfigCreate, "domain"),
	"PROJECT_DOMAIN_VERIFIED": config(schema.ActionConfigUpdate, "domain"),
	"PROJECT_DOMAIN_DELETED":  config(schema.ActionConfigDelete, "domain"),
	"PROJECT_COLLABORATOR_INVITATION_CREATED": {Action: schema.ActionUserInvite, TargetType: "collaborator",
		Severity: schema.SeverityMedium, OCSF: ocsf(schema.OCSFAccountChange, 99, "Invite", 0)},
	"PROJECT_COLLABORATOR_INVITATION_DELETED": {Action: schema.ActionUserInviteRevoke, TargetType: "collaborator",
		OCSF: ocsf(schema.OCSFAccountChange, 99, "Invite Revoke", 0)},
	// The invitee joins the project with a role (owner or editor).
	"PROJECT_COLLABORATOR_INVITATION_ACCEPTED": {Action: schema.ActionUserRoleChange, ChangeField: "role", TargetType: "collaborator",
		OCSF: ocsf(schema.OCSFUserAccessMgmt, 1, "", 16)},
	"PROJECT_COLLABORATOR_DELETED": {Action: schema.ActionUserPermissionRemove, ChangeField: "role", TargetType: "collaborator",
		OCSF: ocsf(schema.OCSFUserAccessMgmt, 2, "", 15)},
}

// passThrough are the activity types no action fits, with the reason; they pass
// through as unmapped records with event.code set (docs/schema.md lists them).
var passThrough = map[string]string{
	"PROJECT_BILLING_CHECKOUT_CREATED":            "billing: a plan checkout, no identity or security setting",
	"PROJECT_BILLING_SUBSCRIPTION_CANCELLED":      "billing: a subscription cancelled, no identity or security setting",
	"PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED": "billing: a subscription's status, no identity or security setting",
	"PROJECT_BILLING_SUBSCRIPTION_UPDATED":        "billing: a plan change, no identity or security setting",
	"USAGE_ALERT_TRIGGERED":                       "a usage quota (MAU, SMS, WhatsApp) reached a threshold; no identity",
}

// variants names the payload value that selects the row "<type>/<value>"; the
// row of the type alone applies when the value has no row of its own.
var variants = map[string][]string{
	"FRAUD_PROTECTION_DECISION_RECORDED":               {"record", "decision"},
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED":  {"is_disabled"},
	"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED": {"authenticator", "kind"},
	"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED": {"authenticator", "kind"},
}

var (
	userDeleted         = schema.Mapping{Action: schema.ActionUserDelete, OCSF: ocsf(schema.OCSFAccountChange, 6, "", 3)}
	deletionScheduled   = schema.Mapping{Action: schema.ActionUserDeleteSchedule, OCSF: ocsf(schema.OCSFAccountChange, 99, "Deletion Scheduled", 0)}
	deletionUnscheduled = schema.Mapping{Action: schema.ActionUserDeleteUnschedule, OCSF: ocsf(schema.OCSFAccountChange, 99, "Deletion Unscheduled", 0)}
	userDisabled        = schema.Mapping{Action: schema.ActionUserDisable, OCSF: ocsf(schema.OCSFAccountChange, 5, "", 5)}
	userEnabled         = schema.Mapping{Action: schema.ActionUserEnable, OCSF: ocsf(schema.OCSFAccountChange, 2, "", 4)}
	sessionTerminated   = schema.Mapping{Action: schema.ActionSessionTerminate, OCSF: ocsf(schema.OCSFAuthentication, 2, "", 0)}
	roleGrant           = schema.Mapping{Action: schema.ActionUserRoleChange, ChangeField: "role", OCSF: ocsf(schema.OCSFUserAccessMgmt, 1, "", 16)}
	roleRevoke          = schema.Mapping{Action: schema.ActionUserRoleChange, ChangeField: "role", OCSF: ocsf(schema.OCSFUserAccessMgmt, 2, "", 16)}
)

func loginFailed(method, factor, errorType string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, AuthMethod: method, AuthFactor: factor,
		ErrorType: errorType, OCSF: ocsf(schema.OCSFAuthentication, 1, "", 0),
	}
}

// identity is an identifier change: OCSF 1.8 has no activity for it (99), 1.9 has Update.
// An empty field is read from the identity's claims.
func identity(a schema.Action, field, name string) schema.Mapping {
	return schema.Mapping{Action: a, ChangeField: field, OCSF: ocsf(schema.OCSFAccountChange, 99, name, 2)}
}

// authenticator is a primary authenticator (password, passkey, OTP) added or removed.
func authenticator(a schema.Action, name string) schema.Mapping {
	return schema.Mapping{Action: a, ChangeField: "authenticator", OCSF: ocsf(schema.OCSFAccountChange, 99, name, 2)}
}

func mfa(a schema.Action, activity, activity19 int64) schema.Mapping {
	return schema.Mapping{Action: a, AuthFactor: schema.FactorSecondary, OCSF: ocsf(schema.OCSFAccountChange, activity, "", activity19)}
}

// group is a Group Management change: 1 assign privileges, 2 revoke, 3 add user, 4 remove user.
func group(a schema.Action, field string, activity int64) schema.Mapping {
	return schema.Mapping{Action: a, ChangeField: field, TargetType: "group", OCSF: ocsf(schema.OCSFGroupManagement, activity, "", 0)}
}

func userUpdate(field string) schema.Mapping {
	return schema.Mapping{Action: schema.ActionUserUpdate, ChangeField: field, OCSF: ocsf(schema.OCSFAccountChange, 99, "Update", 2)}
}

func protection(a schema.Action, outcome schema.Outcome, target, name string) schema.Mapping {
	return schema.Mapping{Action: a, Outcome: outcome, TargetType: target, OCSF: ocsf(schema.OCSFAuthentication, 99, name, 0)}
}

// configActivity is the OCSF Entity Management activity of a configuration action.
var configActivity = map[schema.Action]int64{
	schema.ActionConfigCreate: 1, schema.ActionConfigUpdate: 3, schema.ActionConfigDelete: 4,
}

func config(a schema.Action, target string) schema.Mapping {
	return schema.Mapping{Action: a, TargetType: target, OCSF: ocsf(schema.OCSFEntityManagement, configActivity[a], "", 0)}
}

// clientGrant changes what an OAuth client (an M2M application) may access.
func clientGrant(field string) schema.Mapping {
	return schema.Mapping{Action: schema.ActionConfigUpdate, ChangeField: field, TargetType: "oauth_app",
		OCSF: ocsf(schema.OCSFEntityManagement, 3, "", 0)}
}

// ocsf builds the ids; a non-zero activity19 selects the 1.9 User Access class.
func ocsf(class, activity int64, name string, activity19 int64) schema.OCSF {
	o := schema.OCSF{Class: class, Activity: activity, ActivityName: name}
	if activity19 != 0 {
		o.Class19, o.Activity19 = schema.OCSFUserAccess19, activity19
	}
	return o
}

// Mappings returns the table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }

// PassThrough returns the activity types that pass through unmapped, with the reason.
func PassThrough() map[string]string { return passThrough }

// actorTypes maps context.triggered_by to authtrail.actor.type.
var actorTypes = map[string]string{
	"user":       schema.ActorUser,
	"admin_api":  schema.ActorAdmin,
	"portal":     schema.ActorAdmin,
	"site_admin": schema.ActorAdmin,
	"system":     schema.ActorSystem,
}

// blockReasons maps the reason of AUTHENTICATION_BLOCKED's error to error.type.
var blockReasons = map[string]string{
	"AccountLockout":                schema.ErrAccountLocked,
	"DisabledUser":                  schema.ErrAccountDisabled,
	"AnonymizedUser":                schema.ErrAccountDisabled,
	"ScheduledDeletionByAdmin":      schema.ErrAccountDisabled,
	"ScheduledDeletionByEndUser":    schema.ErrAccountDisabled,
	"ScheduledAnonymizationByAdmin": schema.ErrAccountDisabled,
	"UserOutsideValidPeriod":        schema.ErrAccountDisabled,
}
