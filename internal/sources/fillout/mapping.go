package fillout // import "github.com/authtrail/authtrail/internal/sources/fillout"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the Fillout table of docs/schema.md#fillout, keyed by event type. Rows whose
// OCSF activity depends on the payload are resolved in convert.go.
var mappings = map[string]schema.Mapping{
	"auth.login.success": {Action: schema.ActionLogin, OCSF: authn(1)},
	"auth.login.failure": {Action: schema.ActionLogin, Outcome: schema.OutcomeFailure, OCSF: authn(1)},
	"auth.logout":        {Action: schema.ActionLogout, OCSF: authn(2)},
	"auth.impersonate":   {Action: schema.ActionImpersonate, OCSF: authn(7)},

	"auth.password.resetRequest":  {Action: schema.ActionPasswordResetRequest, OCSF: account(4, 9), TargetType: "user"},
	"auth.password.resetComplete": {Action: schema.ActionPasswordReset, OCSF: account(4, 9), TargetType: "user"},
	"auth.password.selfChange":    {Action: schema.ActionPasswordChange, OCSF: account(3, 8), TargetType: "user"},
	"auth.password.adminChange":   {Action: schema.ActionPasswordChange, OCSF: account(3, 8), TargetType: "user"},
	"auth.mfa.enable":             {Action: schema.ActionMFAEnable, OCSF: account(10, 12), TargetType: "user"},
	"auth.mfa.disable":            {Action: schema.ActionMFADisable, OCSF: account(11, 13), TargetType: "user"},
	"auth.sso.deprovision":        {Action: schema.ActionUserDeprovision, OCSF: account(5, 5), TargetType: "user"},
	"auth.session.deleteAll":      {Action: schema.ActionSessionTerminate, OCSF: authn(2), TargetType: "user"},

	"api.key.enable":            {Action: schema.ActionAPIKeyEnable, OCSF: entity(8), TargetType: "api_key"},
	"api.key.regenerate":        {Action: schema.ActionAPIKeyRotate, OCSF: entity(3), TargetType: "api_key"},
	"developer.app.create":      {Action: schema.ActionOAuthAppCreate, OCSF: entity(1), TargetType: "oauth_app"},
	"developer.app.delete":      {Action: schema.ActionOAuthAppDelete, OCSF: entity(4), TargetType: "oauth_app"},
	"developer.app.resetSecret": {Action: schema.ActionOAuthAppSecretRotate, OCSF: entity(3), TargetType: "oauth_app"},

	"user.invite":        {Action: schema.ActionUserInvite, OCSF: other(schema.OCSFAccountChange, "Invite"), TargetType: "user"},
	"user.invite.resend": {Action: schema.ActionUserInviteResend, OCSF: other(schema.OCSFAccountChange, "Invite"), TargetType: "user"},
	"user.invite.revoke": {Action: schema.ActionUserInviteRevoke, OCSF: other(schema.OCSFAccountChange, "Invite Revoke"), TargetType: "user"},
	"user.disable":       {Action: schema.ActionUserDisable, OCSF: account(5, 5), TargetType: "user"},
	"user.roleChange": {Action: schema.ActionUserRoleChange, TargetType: "user", ChangeField: "role",
		OCSF: schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 1, Class19: schema.OCSFUserAccess19, Activity19: 16}},
	"user.accessChange": {Action: schema.ActionUserPermissionUpdate, TargetType: "user", ChangeField: "access",
		OCSF: schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 99, ActivityName: "Access Change"}},

	"org.requireMfa":      {Action: schema.ActionOrgMFARequirementChange, TargetType: "policy", ChangeField: "require_mfa", OCSF: entity(8)},
	"org.changeName":      {Action: schema.ActionOrgRename, TargetType: "organization", ChangeField: "name", OCSF: entity(5)},
	"org.delete":          {Action: schema.ActionOrgDelete, TargetType: "organization", OCSF: entity(4)},
	"group.create":        {Action: schema.ActionGroupCreate, TargetType: "group", OCSF: group(6)},
	"group.rename":        {Action: schema.ActionGroupRename, TargetType: "group", ChangeField: "name", OCSF: schema.OCSF{Class: schema.OCSFGroupManagement, Activity: 99, ActivityName: "Rename", Class19: schema.OCSFGroupManagement, Activity19: 9}},
	"group.delete":        {Action: schema.ActionGroupDelete, TargetType: "group", OCSF: group(5)},
	"group.membersChange": {Action: schema.ActionGroupMembershipChange, TargetType: "group", OCSF: group(99)},
	"group.accessChange":  {Action: schema.ActionGroupPermissionUpdate, TargetType: "group", ChangeField: "access", OCSF: group(99)},
}

func authn(a int64) schema.OCSF { return schema.OCSF{Class: schema.OCSFAuthentication, Activity: a} }

func account(a, a19 int64) schema.OCSF {
	return schema.OCSF{Class: schema.OCSFAccountChange, Activity: a, Class19: schema.OCSFUserAccess19, Activity19: a19}
}

func entity(a int64) schema.OCSF { return schema.OCSF{Class: schema.OCSFEntityManagement, Activity: a} }

func group(a int64) schema.OCSF { return schema.OCSF{Class: schema.OCSFGroupManagement, Activity: a} }

func other(class int64, name string) schema.OCSF {
	return schema.OCSF{Class: class, Activity: schema.OCSFActivityOther, ActivityName: name}
}

// Mappings returns the table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }

// loginMethods maps the login payload's method to authtrail.auth.method and provider.
var loginMethods = map[string][2]string{
	"password":  {"password", ""},
	"google":    {"social", "google"},
	"microsoft": {"social", "microsoft"},
	"sso":       {"sso_saml", ""},
}

// actorTypes maps the actor type the audit log filters on to authtrail.actor.type.
var actorTypes = map[string]string{
	"member": schema.ActorUser, "user": schema.ActorUser, "admin": schema.ActorAdmin,
	"api_key": schema.ActorAPIKey, "system": schema.ActorSystem, "unknown": schema.ActorUnknown,
}
