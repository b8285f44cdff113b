package googleworkspace // import "github.com/authtrail/authtrail/internal/sources/googleworkspace"

import "github.com/authtrail/authtrail/internal/schema"

// Each Reports application has its own table: the same event name can mean
// different things in two applications (saml and login both have login_success).
// The pages cited are Google's Reports API activity references,
// developers.google.com/workspace/admin/reports/v1/appendix/activity/<page>.

// accounts is the user_accounts table of docs/schema.md#google-workspace (page
// user_accounts): users changing their own account. The login page lists the
// same nine event names with the same meaning, so the login table includes them.
var accounts = map[string]schema.Mapping{
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
}

// accountChanges are the events user_accounts and login both report, each
// application as its own activity (its own uniqueQualifier): one change of a
// user's own account appears once in each. Both copies get one event.id, so a
// receiver reading both delivers the change once
// (docs/schema.md#d18-one-record-per-google-account-change). They are the
// accounts table, which the login table includes.
var accountChanges = accounts

// dedupedBy names, for an application that reports another's account changes
// too, the application whose stream settles both copies: the receiver sends
// login's copies through the user_accounts stream's seen-set, never the reverse.
var dedupedBy = map[string]string{"login": "user_accounts"}

// login is the login application's own rows (page login).
var login = map[string]schema.Mapping{
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
	// Google re-verified a sensitive action it judged risky (e.g. a recovery
	// change) and let it through or refused it.
	"risky_sensitive_action_allowed": {Action: schema.ActionProtectionAllow, OCSF: other(schema.OCSFAuthentication, "Sensitive Action Allowed")},
	"risky_sensitive_action_blocked": {
		Action: schema.ActionProtectionBlock, Outcome: schema.OutcomeFailure,
		OCSF: other(schema.OCSFAuthentication, "Sensitive Action Blocked"),
	},
	// Google warns that the account is targeted by government-backed attackers;
	// no OCSF 1.8 IAM class describes a warning (docs/schema.md#d7-tokens-and-sms-in-ocsf).
	"gov_attack_warning": {Action: schema.ActionThreatWarning},
	// Google disabled the account; the affected user is the target.
	"account_disabled_generic":                disabledByGoogle,
	"account_disabled_spamming":               disabledByGoogle,
	"account_disabled_spamming_through_relay": disabledByGoogle,
	"account_disabled_hijacked":               disabledByGoogle,
	"account_disabled_password_leak":          disabledByGoogle,
}

// admin is the admin application (Admin console changes by administrators):
// the identity and security events of the pages admin-user-settings,
// admin-delegated-admin-settings, admin-group-settings, admin-security-settings
// and admin-domain-settings. The actor is the administrator; USER_EMAIL names
// the user acted on (mapAdmin).
var admin = map[string]schema.Mapping{
	// admin-user-settings: user lifecycle.
	"CREATE_USER":    {Action: schema.ActionUserCreate, OCSF: ocsf19(1, 1)},
	"DELETE_USER":    {Action: schema.ActionUserDelete, OCSF: ocsf19(6, 3)},
	"UNDELETE_USER":  {Action: schema.ActionUserEnable, OCSF: ocsf19(2, 4)},
	"SUSPEND_USER":   {Action: schema.ActionUserDisable, OCSF: ocsf19(5, 5)},
	"UNSUSPEND_USER": {Action: schema.ActionUserEnable, OCSF: ocsf19(2, 4)},
	"ARCHIVE_USER":   {Action: schema.ActionUserDisable, OCSF: ocsf19(5, 5)},
	"UNARCHIVE_USER": {Action: schema.ActionUserEnable, OCSF: ocsf19(2, 4)},
	// A rename changes the primary email, the sign-in identifier.
	"RENAME_USER": {
		Action: schema.ActionUserIdentifierUpdate, ChangeField: "email",
		OCSF: schema.OCSF{Class: schema.OCSFAccountChange, Activity: 99, ActivityName: "Identity Update",
			Class19: schema.OCSFUserAccess19, Activity19: 2},
	},
	"USER_INVITE":        {Action: schema.ActionUserInvite, OCSF: other(schema.OCSFAccountChange, "Invite")},
	"RESEND_USER_INVITE": {Action: schema.ActionUserInviteResend, OCSF: other(schema.OCSFAccountChange, "Invite")},
	"CANCEL_USER_INVITE": {Action: schema.ActionUserInviteRevoke, OCSF: other(schema.OCSFAccountChange, "Invite Revoke")},
	// admin-user-settings: profile and identifiers. A nickname is an email alias
	// the user receives mail and signs in with.
	"ADD_NICKNAME":          identifier(schema.ActionUserIdentifierAdd, "Identity Add"),
	"REMOVE_NICKNAME":       identifier(schema.ActionUserIdentifierRemove, "Identity Remove"),
	"CHANGE_FIRST_NAME":     profile("first_name"),
	"CHANGE_LAST_NAME":      profile("last_name"),
	"MOVE_USER_TO_ORG_UNIT": profile("org_unit"),
	"UNBLOCK_USER_SESSION":  {Action: schema.ActionUserUnlock, OCSF: ocsf19(12, 7)},
	// admin-user-settings: credentials of another user.
	"CHANGE_PASSWORD":                        {Action: schema.ActionPasswordChange, OCSF: ocsf19(3, 8)},
	"CHANGE_PASSWORD_ON_NEXT_LOGIN":          {Action: schema.ActionPasswordResetRequest, OCSF: ocsf19(4, 9)},
	"TURN_OFF_2_STEP_VERIFICATION":           {Action: schema.ActionMFADisable, OCSF: ocsf19(11, 13)},
	"USER_ENROLLED_IN_TWO_STEP_VERIFICATION": {Action: schema.ActionMFAEnable, OCSF: ocsf19(10, 12)},
	"UNENROLL_USER_FROM_STRONG_AUTH":         {Action: schema.ActionMFADisable, OCSF: ocsf19(11, 13)},
	"SECURITY_KEY_REGISTERED_FOR_USER":       {Action: schema.ActionMFAEnable, OCSF: ocsf19(10, 12)},
	"REVOKE_SECURITY_KEY":                    {Action: schema.ActionMFADisable, OCSF: ocsf19(11, 13)},
	"UNENROLL_USER_FROM_TITANIUM":            {Action: schema.ActionAdvancedProtectionUnenrol, OCSF: ocsf19(11, 13)},
	"GENERATE_2SV_SCRATCH_CODES":             recovery("2sv_backup_codes"),
	"DELETE_2SV_SCRATCH_CODES":               recovery("2sv_backup_codes"),
	"ADD_RECOVERY_EMAIL":                     recovery("recovery_email"),
	"CHANGE_RECOVERY_EMAIL":                  recovery("recovery_email"),
	"REMOVE_RECOVERY_EMAIL":                  recovery("recovery_email"),
	"ADD_RECOVERY_PHONE":                     recovery("recovery_phone"),
	"CHANGE_RECOVERY_PHONE":                  recovery("recovery_phone"),
	"REMOVE_RECOVERY_PHONE":                  recovery("recovery_phone"),
	"RESET_SIGNIN_COOKIES":                   {Action: schema.ActionSessionTerminate, OCSF: authn(2)},
	"VIEW_TEMP_PASSWORD": {
		Action: schema.ActionSecretView, TargetType: "temporary_password",
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: 2},
	},
	"REVOKE_3LO_TOKEN":         oauthRevoke,
	"REVOKE_3LO_DEVICE_TOKENS": oauthRevoke,
	// An app-specific password (ASP_ID) is a credential an application signs
	// in with instead of the user's password; revoking it ends that access.
	"REVOKE_ASP": {
		Action: schema.ActionTokenRevoke, TargetType: "app_specific_password",
		OCSF: other(schema.OCSFAuthentication, "Token Revoke"),
	},
	// The user is exempt from 2-step verification enforcement until NEW_VALUE:
	// the requirement changes for that user, the user's own factors do not.
	"USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD": {
		Action: schema.ActionOrgMFARequirementChange, ChangeField: "2sv_grace_period_until",
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: 3},
	},
	// admin-user-settings and admin-delegated-admin-settings: privileges.
	// GRANT_ADMIN_PRIVILEGE makes the user a super administrator; the legacy
	// GRANT_DELEGATED_ADMIN_PRIVILEGES names the privileges in NEW_VALUE.
	"GRANT_ADMIN_PRIVILEGE":            roleGrant,
	"REVOKE_ADMIN_PRIVILEGE":           roleRevoke,
	"GRANT_DELEGATED_ADMIN_PRIVILEGES": roleGrant,
	"ASSIGN_ROLE":                      roleGrant,
	"UNASSIGN_ROLE":                    roleRevoke,
	// admin-delegated-admin-settings: the definition of an admin role (what
	// every holder may do) is configuration; adding a privilege widens it.
	"CREATE_ROLE":      roleDefinition(schema.ActionConfigCreate, "", 1),
	"DELETE_ROLE":      roleDefinition(schema.ActionConfigDelete, "", 4),
	"RENAME_ROLE":      roleDefinition(schema.ActionConfigUpdate, "name", 3),
	"UPDATE_ROLE":      roleDefinition(schema.ActionConfigUpdate, "", 3),
	"ADD_PRIVILEGE":    withSeverity(roleDefinition(schema.ActionConfigUpdate, "privilege_added", 3), schema.SeverityMedium),
	"REMOVE_PRIVILEGE": roleDefinition(schema.ActionConfigUpdate, "privilege_removed", 3),
	// admin-group-settings.
	"CREATE_GROUP":        {Action: schema.ActionGroupCreate, TargetType: "group", OCSF: group(6)},
	"DELETE_GROUP":        {Action: schema.ActionGroupDelete, TargetType: "group", OCSF: group(5)},
	"ADD_GROUP_MEMBER":    {Action: schema.ActionGroupMembershipChange, ChangeField: "member_added", OCSF: group(3)},
	"REMOVE_GROUP_MEMBER": {Action: schema.ActionGroupMembershipChange, ChangeField: "member_removed", OCSF: group(4)},
	"UPDATE_GROUP_MEMBER": {
		Action: schema.ActionGroupMembershipChange, ChangeField: "member_role",
		OCSF: schema.OCSF{Class: schema.OCSFGroupManagement, Activity: 99, ActivityName: "Member Role Change"},
	},
	"CHANGE_GROUP_NAME": {
		Action: schema.ActionGroupRename, TargetType: "group", ChangeField: "name",
		OCSF: schema.OCSF{Class: schema.OCSFGroupManagement, Activity: 99, ActivityName: "Rename", Class19: schema.OCSFGroupManagement, Activity19: 9},
	},
	// admin-security-settings: 2-step verification policy.
	"ENFORCE_STRONG_AUTHENTICATION":                           mfaPolicy("2sv_enforcement"),
	"ALLOW_STRONG_AUTHENTICATION":                             mfaPolicy("2sv_allowed"),
	"CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS":            mfaPolicy("2sv_methods"),
	"CHANGE_TWO_STEP_VERIFICATION_ENROLLMENT_PERIOD_DURATION": mfaPolicy("2sv_enrollment_period"),
	"CHANGE_TWO_STEP_VERIFICATION_GRACE_PERIOD_DURATION":      mfaPolicy("2sv_grace_period"),
	"CHANGE_TWO_STEP_VERIFICATION_START_DATE":                 mfaPolicy("2sv_start_date"),
	"CHANGE_TWO_STEP_VERIFICATION_FREQUENCY":                  mfaPolicy("2sv_frequency"),
	// admin-security-settings and admin-domain-settings: password and session policy.
	"CHANGE_PASSWORD_MIN_LENGTH":               securityPolicy("password_min_length"),
	"CHANGE_PASSWORD_MAX_LENGTH":               securityPolicy("password_max_length"),
	"ENABLE_NON_ADMIN_USER_PASSWORD_RECOVERY":  securityPolicy("user_password_recovery"),
	"TOGGLE_ALLOW_ADMIN_PASSWORD_RESET":        securityPolicy("admin_password_reset"),
	"WEAK_PROGRAMMATIC_LOGIN_SETTINGS_CHANGED": securityPolicy("less_secure_apps"),
	"CHANGE_SESSION_LENGTH":                    securityPolicy("session_length"),
	"SESSION_CONTROL_SETTINGS_CHANGE":          securityPolicy("reauthentication"),
	"TOGGLE_SSO_ENABLED":                       securityPolicy("sso_enabled"),
	// admin-security-settings: an application trusted for the whole
	// organizational unit, whatever scopes it asks.
	"ADD_TO_TRUSTED_OAUTH2_APPS": {
		Action: schema.ActionOAuthAppAuthorize, TargetType: "oauth_app", Severity: schema.SeverityMedium, OCSF: privileges(1),
	},
	"REMOVE_FROM_TRUSTED_OAUTH2_APPS": {Action: schema.ActionOAuthAppRevoke, TargetType: "oauth_app", OCSF: privileges(2)},
	// admin-domain-settings: domain-wide delegation, an API client given the
	// scopes of every user of the domain.
	"AUTHORIZE_API_CLIENT_ACCESS": {
		Action: schema.ActionOAuthAppAuthorize, TargetType: "oauth_client", ChangeField: "scope",
		Severity: schema.SeverityHigh, OCSF: privileges(1),
	},
	"REMOVE_API_CLIENT_ACCESS": {Action: schema.ActionOAuthAppRevoke, TargetType: "oauth_client", OCSF: privileges(2)},
}

// token is the token application (page token): users granting third-party
// applications OAuth access to their data, and revoking it.
var token = map[string]schema.Mapping{
	"authorize": {Action: schema.ActionOAuthAppAuthorize, TargetType: "oauth_app", ChangeField: "scope", OCSF: privileges(1)},
	"revoke":    {Action: schema.ActionOAuthAppRevoke, TargetType: "oauth_app", ChangeField: "scope", OCSF: privileges(2)},
}

// saml is the saml application (page saml): sign-ins to SAML apps with Google
// as the identity provider.
var saml = map[string]schema.Mapping{
	"login_success": {Action: schema.ActionLogin, AuthMethod: "sso_saml", OCSF: authn(1)},
	"login_failure": {Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, AuthMethod: "sso_saml", OCSF: authn(1)},
}

var (
	suspicious = schema.Mapping{
		Action: schema.ActionLogin, Outcome: schema.OutcomeUnknown, Severity: schema.SeverityHigh, OCSF: authn(1),
	}
	disabledByGoogle = schema.Mapping{Action: schema.ActionUserDisable, OCSF: ocsf19(5, 5)}
	roleGrant        = schema.Mapping{
		Action: schema.ActionUserRoleChange, ChangeField: "role",
		OCSF: schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 1, Class19: schema.OCSFUserAccess19, Activity19: 16},
	}
	roleRevoke = schema.Mapping{
		Action: schema.ActionUserRoleChange, ChangeField: "role",
		OCSF: schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 2, Class19: schema.OCSFUserAccess19, Activity19: 17},
	}
	oauthRevoke = schema.Mapping{Action: schema.ActionOAuthAppRevoke, TargetType: "oauth_app", OCSF: privileges(2)}
)

func recovery(field string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionUserRecoveryUpdate, ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFAccountChange, Activity: 99, ActivityName: "Recovery Info Change",
			Class19: schema.OCSFUserAccess19, Activity19: 2},
	}
}

func identifier(action schema.Action, activity string) schema.Mapping {
	return schema.Mapping{
		Action: action, ChangeField: "email_alias",
		OCSF: schema.OCSF{Class: schema.OCSFAccountChange, Activity: 99, ActivityName: activity,
			Class19: schema.OCSFUserAccess19, Activity19: 2},
	}
}

func profile(field string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionUserUpdate, ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFAccountChange, Activity: 99, ActivityName: "Update",
			Class19: schema.OCSFUserAccess19, Activity19: 2},
	}
}

func other(class int64, name string) schema.OCSF {
	return schema.OCSF{Class: class, Activity: 99, ActivityName: name}
}

func roleDefinition(action schema.Action, field string, activity int64) schema.Mapping {
	return schema.Mapping{
		Action: action, TargetType: "role", ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: activity},
	}
}

func withSeverity(m schema.Mapping, s schema.Severity) schema.Mapping {
	m.Severity = s
	return m
}

func mfaPolicy(field string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionOrgMFARequirementChange, TargetType: "policy", ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: 3},
	}
}

func securityPolicy(field string) schema.Mapping {
	return schema.Mapping{
		Action: schema.ActionOrgSecurityPolicyChange, TargetType: "policy", ChangeField: field,
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: 3},
	}
}

func ocsf19(activity, activity19 int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFAccountChange, Activity: activity, Class19: schema.OCSFUserAccess19, Activity19: activity19}
}

func authn(activity int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFAuthentication, Activity: activity}
}

func group(activity int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFGroupManagement, Activity: activity}
}

// privileges is User Access Management's Assign (1) or Revoke (2) Privileges:
// an OAuth grant gives an application scopes of a user's (or, by domain-wide
// delegation, every user's) data.
func privileges(activity int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: activity, Class19: schema.OCSFUserAccess19, Activity19: 13 + activity}
}

// superAdmin is the role GRANT_ADMIN_PRIVILEGE and REVOKE_ADMIN_PRIVILEGE
// concern (the events carry no ROLE_NAME), and the role ASSIGN_ROLE names
// _SEED_ADMIN_ROLE (page admin-delegated-admin-settings). delegatedAdmin is the
// role of a GRANT_DELEGATED_ADMIN_PRIVILEGES without NEW_VALUE.
const (
	superAdmin     = "Super Admin"
	seedAdminRole  = "_SEED_ADMIN_ROLE"
	delegatedAdmin = "Delegated admin"
)

// privilegeEvents are the role events: the role they concern when it is not in
// ROLE_NAME, and whether they take it away (the others grant it).
var privilegeEvents = map[string]struct {
	role   string
	revoke bool
}{
	"GRANT_ADMIN_PRIVILEGE":            {superAdmin, false},
	"REVOKE_ADMIN_PRIVILEGE":           {superAdmin, true},
	"GRANT_DELEGATED_ADMIN_PRIVILEGES": {delegatedAdmin, false},
	"ASSIGN_ROLE":                      {"", false},
	"UNASSIGN_ROLE":                    {"", true},
}

// Mappings returns every application's table (for documentation and coverage
// tests). user_accounts and login rows are keyed by event name; the rows of the
// other applications by "<event>/<application>".
func Mappings() map[string]schema.Mapping {
	out := map[string]schema.Mapping{}
	for _, app := range []string{"user_accounts", "login"} {
		for name, m := range applications[app].rows {
			out[name] = m
		}
	}
	for _, app := range []string{"admin", "token", "saml"} {
		for name, m := range applications[app].rows {
			out[name+"/"+app] = m
		}
	}
	return out
}

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

// accountMessages are Google's Admin console message formats of the
// user_accounts page, used as the record body; {actor} and {<parameter>} are
// filled in.
var accountMessages = map[string]string{
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

// tokenMessages are the token page's message formats; a multi-valued scope is
// joined with spaces.
var tokenMessages = map[string]string{
	"authorize": "{actor} authorized access to {app_name} for {scope} scopes",
	"revoke":    "{actor} revoked access to {app_name} for {scope} scopes",
}

// samlMessages are the saml page's message formats.
var samlMessages = map[string]string{
	"login_failure": "{actor} failed to login because of the following error: {failure_type}",
}
