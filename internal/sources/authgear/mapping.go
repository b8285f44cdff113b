package authgear // import "github.com/authtrail/authtrail/internal/sources/authgear"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the Authgear table of docs/schema.md#authgear, keyed by activityType.
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

	"IDENTITY_BIOMETRIC_DISABLED": {Action: schema.ActionUserIdentifierRemove, ChangeField: "biometric",
		OCSF: ocsf(schema.OCSFAccountChange, 11, "", 0)},
	"IDENTITY_BIOMETRIC_ENABLED": {Action: schema.ActionUserIdentifierAdd, ChangeField: "biometric",
		OCSF: ocsf(schema.OCSFAccountChange, 10, "", 0), Severity: schema.SeverityInformational},
	"IDENTITY_EMAIL_ADDED":        identity(schema.ActionUserIdentifierAdd, "email", "Identity Add"),
	"IDENTITY_EMAIL_REMOVED":      identity(schema.ActionUserIdentifierRemove, "email", "Identity Remove"),
	"IDENTITY_EMAIL_UPDATED":      identity(schema.ActionUserIdentifierUpdate, "email", "Identity Update"),
	"IDENTITY_OAUTH_CONNECTED":    identity(schema.ActionUserIdentifierAdd, "oauth", "Identity Add"),
	"IDENTITY_OAUTH_DISCONNECTED": identity(schema.ActionUserIdentifierRemove, "oauth", "Identity Remove"),
	"IDENTITY_PHONE_ADDED":        identity(schema.ActionUserIdentifierAdd, "phone", "Identity Add"),
	"IDENTITY_PHONE_REMOVED":      identity(schema.ActionUserIdentifierRemove, "phone", "Identity Remove"),
	"IDENTITY_PHONE_UPDATED":      identity(schema.ActionUserIdentifierUpdate, "phone", "Identity Update"),
	"IDENTITY_USERNAME_ADDED":     identity(schema.ActionUserIdentifierAdd, "username", "Identity Add"),
	"IDENTITY_USERNAME_REMOVED":   identity(schema.ActionUserIdentifierRemove, "username", "Identity Remove"),
	"IDENTITY_USERNAME_UPDATED":   identity(schema.ActionUserIdentifierUpdate, "username", "Identity Update"),

	"USER_ANONYMOUS_PROMOTED": {Action: schema.ActionUserPromote, OCSF: ocsf(schema.OCSFAccountChange, 99, "Promote", 2)},
	"USER_AUTHENTICATED":      {Action: schema.ActionLogin, OCSF: ocsf(schema.OCSFAuthentication, 1, "", 0)},
	"USER_CREATED":            {Action: schema.ActionUserCreate, OCSF: ocsf(schema.OCSFAccountChange, 1, "", 1)},
	"USER_DELETED":            {Action: schema.ActionUserDelete, OCSF: ocsf(schema.OCSFAccountChange, 6, "", 3)},
	"USER_DELETION_SCHEDULED": {Action: schema.ActionUserDeleteSchedule,
		OCSF: ocsf(schema.OCSFAccountChange, 99, "Deletion Scheduled", 0)},
	"USER_DELETION_UNSCHEDULED": {Action: schema.ActionUserDeleteUnschedule,
		OCSF: ocsf(schema.OCSFAccountChange, 99, "Deletion Unscheduled", 0)},
	"USER_DISABLED":           {Action: schema.ActionUserDisable, OCSF: ocsf(schema.OCSFAccountChange, 5, "", 5)},
	"USER_PROFILE_UPDATED":    {Action: schema.ActionUserUpdate, OCSF: ocsf(schema.OCSFAccountChange, 99, "Update", 2)},
	"USER_REENABLED":          {Action: schema.ActionUserEnable, OCSF: ocsf(schema.OCSFAccountChange, 2, "", 4)},
	"USER_SESSION_TERMINATED": {Action: schema.ActionSessionTerminate, OCSF: ocsf(schema.OCSFAuthentication, 2, "", 0)},
	"USER_SIGNED_OUT":         {Action: schema.ActionLogout, OCSF: ocsf(schema.OCSFAuthentication, 2, "", 0)},
	"WHATSAPP_OTP_VERIFIED": {Action: schema.ActionVerify, AuthMethod: "otp_whatsapp",
		OCSF: ocsf(schema.OCSFAuthentication, 99, "OTP Verify", 0)},
	// No OCSF class fits an SMS delivery (docs/schema.md#d7-tokens-and-sms-in-ocsf).
	"SMS_SENT":   {Action: schema.ActionNotificationSMSSend},
	"EMAIL_SENT": {Action: schema.ActionNotificationEmailSend, OCSF: ocsf(schema.OCSFEmailActivity, 1, "", 0)},
}

func loginFailed(method, factor, errorType string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, AuthMethod: method, AuthFactor: factor,
		ErrorType: errorType, OCSF: ocsf(schema.OCSFAuthentication, 1, "", 0),
	}
}

// identity is an identifier change: OCSF 1.8 has no activity for it (99), 1.9 has Update.
func identity(a schema.Action, field, name string) schema.Mapping {
	return schema.Mapping{Action: a, ChangeField: field, OCSF: ocsf(schema.OCSFAccountChange, 99, name, 2)}
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

// actorTypes maps context.triggered_by to authtrail.actor.type.
var actorTypes = map[string]string{
	"user":       schema.ActorUser,
	"admin_api":  schema.ActorAdmin,
	"portal":     schema.ActorAdmin,
	"site_admin": schema.ActorAdmin,
	"system":     schema.ActorSystem,
}
