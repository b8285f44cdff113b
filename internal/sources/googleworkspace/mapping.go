package googleworkspace // import "github.com/authtrail/authtrail/internal/sources/googleworkspace"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the Google Workspace table of docs/schema.md#google-workspace (user_accounts) and its
// extension to the login application, keyed by event name. The nine
// user_accounts names also appear in the login application with the same meaning.
var mappings = map[string]schema.Mapping{
	// user_accounts: users changing their own account.
	"2sv_disable":             {Action: schema.ActionMFADisable, OCSF: ocsf19(11, 13)},
	"2sv_enroll":              {Action: schema.ActionMFAEnable, OCSF: ocsf19(10, 12)},
	"password_edit":           {Action: schema.ActionPasswordChange, OCSF: ocsf19(3, 8)},
	"recovery_email_edit":     recovery("recovery_email"),
	"recovery_phone_edit":     recovery("recovery_phone"),
	"recovery_secret_qa_edit": recovery("recovery_secret_qa"),
	"titanium_enroll":         {Action: schema.ActionAdvancedProtectionEnroll, OCSF: ocsf19(10, 12)},
	"titanium_unenroll":       {Action: schema.ActionAdvancedProtectionUnenrol, OCSF: ocsf19(11, 13)},
	"email_forwarding_out_of_domain": {
		Action: schema.ActionMailForwardingEnable, TargetType: "mail_setting", ChangeField: "email_forwarding",
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: 8},
	},

	// login application.
	"login_success": {Action: schema.ActionLogin, OCSF: authn(1)},
	"login_failure": {Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, OCSF: authn(1)},
	"logout":        {Action: schema.ActionLogout, OCSF: authn(2)},
	"login_challenge": {
		Action: schema.ActionVerify, OCSF: schema.OCSF{Class: schema.OCSFAuthentication, Activity: 99, ActivityName: "Login Challenge"},
	},
	"login_verification": {
		Action: schema.ActionVerify, OCSF: schema.OCSF{Class: schema.OCSFAuthentication, Activity: 99, ActivityName: "Login Verification"},
	},
	// Google flags the sign-in; whether it was let through is not in the event.
	"suspicious_login":                 suspicious,
	"suspicious_login_less_secure_app": suspicious,
	"suspicious_programmatic_login":    suspicious,
	// Google disabled the account; the affected user is the target.
	"account_disabled_generic":                disabledByGoogle,
	"account_disabled_spamming":               disabledByGoogle,
	"account_disabled_spamming_through_relay": disabledByGoogle,
	"account_disabled_hijacked":               disabledByGoogle,
	"account_disabled_password_leak":          disabledByGoogle,
}

var (
	suspicious = schema.Mapping{
		Action: schema.ActionLogin, Outcome: schema.OutcomeUnknown, Severity: schema.SeverityHigh, OCSF: authn(1),
	}
	disabledByGoogle = schema.Mapping{Action: schema.ActionUserDisable, OCSF: ocsf19(5, 5)}
)

func recovery(field string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionUserRecoveryUpdate, ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFAccountChange, Activity: 99, ActivityName: "Recovery Info Change",
			Class19: schema.OCSFUserAccess19, Activity19: 2},
	}
}

func ocsf19(activity, activity19 int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFAccountChange, Activity: activity, Class19: schema.OCSFUserAccess19, Activity19: activity19}
}

func authn(activity int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFAuthentication, Activity: activity}
}

// Mappings returns the table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }

// callerTypes maps actor.callerType to authtrail.actor.type.
var callerTypes = map[string]string{"USER": schema.ActorUser, "KEY": schema.ActorAPIKey}

// failureTypes maps login_failure_type to error.type.
var failureTypes = map[string]string{
	"login_failure_invalid_password":       schema.ErrInvalidCredentials,
	"login_failure_invalid_second_factor":  schema.ErrMFAFailed,
	"login_failure_account_disabled":       schema.ErrAccountDisabled,
	"login_failure_unknown":                schema.ErrOther,
	"login_failure_access_code_disallowed": schema.ErrOther,
}

// loginMethods maps login_type and login_challenge_method values to authtrail.auth.method.
var loginMethods = map[string]string{
	"google_password":         "password",
	"password":                "password",
	"saml":                    "sso_saml",
	"google_authenticator":    "totp",
	"backup_code":             "recovery_code",
	"security_key":            "passkey",
	"passkey":                 "passkey",
	"idv_any_phone":           "otp_sms",
	"idv_preregistered_phone": "otp_sms",
	"internal_two_factor":     "otp_sms",
	"email":                   "otp_email",
}

// messages are Google's Admin console message formats (as the Reports API documents them), used as the
// record body; {actor} and {<parameter>} are filled in.
var messages = map[string]string{
	"2sv_disable":                    "{actor} has disabled 2-step verification",
	"2sv_enroll":                     "{actor} has enrolled for 2-step verification",
	"password_edit":                  "{actor} has changed Account password",
	"recovery_email_edit":            "{actor} has changed Account recovery email",
	"recovery_phone_edit":            "{actor} has changed Account recovery phone",
	"recovery_secret_qa_edit":        "{actor} has changed Account recovery secret question/answer",
	"titanium_enroll":                "{actor} has enrolled for Advanced Protection",
	"titanium_unenroll":              "{actor} has disabled Advanced Protection",
	"email_forwarding_out_of_domain": "{actor} has enabled out of domain email forwarding to {email_forwarding_destination_address}.",
}
