package googleworkspace // import "github.com/authtrail/authtrail/internal/sources/googleworkspace"

import (
	"strings"

	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/schema"
)

// parameters are an event's parameters by name.
type parameters = map[string]*reports.ActivityEventsParameters

// application is what authtrail knows of one Reports application: its table,
// how an event's actor and parameters fill a mapped record, and its Admin
// console message formats; and the events another application reports too,
// as its own activity (see accountChanges). An application not listed passes
// through.
type application struct {
	rows     map[string]schema.Mapping
	fill     func(e *schema.Event, actor schema.Identity, params parameters)
	messages map[string]string
	shared   map[string]schema.Mapping
}

var applications = map[string]application{
	"user_accounts": {accounts, mapAccount, accountMessages, accountChanges},
	"login":         {union(login, accounts), mapAccount, accountMessages, accountChanges},
	"admin":         {admin, mapAdmin, nil, nil},
	"token":         {token, mapToken, tokenMessages, nil},
	"saml":          {saml, mapSAML, samlMessages, nil},
}

func union(tables ...map[string]schema.Mapping) map[string]schema.Mapping {
	out := map[string]schema.Mapping{}
	for _, t := range tables {
		for k, v := range t {
			out[k] = v
		}
	}
	return out
}

// mapAccount applies docs/schema.md#d1-actor-and-target to a user_accounts or
// login event: authentication events carry the signing-in user; user_accounts
// changes are self-service (actor = target); account_disabled_* name the
// affected user.
func mapAccount(e *schema.Event, actor schema.Identity, params parameters) {
	switch {
	case e.Action.IsAuthentication() || e.Action == schema.ActionVerify:
		e.Actor = actor
	case strings.HasPrefix(e.Code, "account_disabled_"):
		e.ActorType = schema.ActorSystem
		email := paramString(params["affected_email_address"])
		e.Target = schema.Identity{Email: email, Name: email}
	default:
		e.Actor, e.Target, e.Performer = actor, actor, schema.PerformerSelf
	}
	if email := paramString(params["affected_email_address"]); email != "" && e.Target.IsZero() {
		e.Target = schema.Identity{Email: email, Name: email}
	}
	if v := paramString(params["email_forwarding_destination_address"]); v != "" {
		e.ChangeTo = v
	}
	if method := loginMethods[paramString(params["login_type"])]; method != "" {
		e.AuthMethod = method
	}
	if m := params["login_challenge_method"]; m != nil {
		for _, v := range append([]string{m.Value}, m.MultiValue...) {
			if method := loginMethods[v]; method != "" {
				e.AuthMethod = method
				break
			}
		}
	}
	if p := params["is_second_factor"]; p != nil && p.BoolValue {
		e.AuthFactor = schema.FactorSecondary
	}
	if e.Outcome == schema.OutcomeFailure {
		e.ErrorType = failureTypes[paramString(params["login_failure_type"])]
		e.Reason = paramString(params["login_failure_type"])
	}
	if status := paramString(params["login_challenge_status"]); status != "" {
		if strings.Contains(strings.ToLower(status), "fail") {
			e.Outcome = schema.OutcomeFailure
		}
	}
}

// mapAdmin fills an admin event: the administrator acts on the user named by
// USER_EMAIL, the group GROUP_EMAIL, the API client API_CLIENT_NAME or a
// policy; OLD_VALUE and NEW_VALUE are the change.
func mapAdmin(e *schema.Event, actor schema.Identity, params parameters) {
	e.Actor = actor
	if e.ActorType == schema.ActorUser || (e.ActorType == schema.ActorUnknown && !actor.IsZero()) {
		e.ActorType = schema.ActorAdmin // a person in the Admin console; an API key stays one
	}
	if email := paramString(params["USER_EMAIL"]); email != "" {
		e.Target = schema.Identity{Email: email, Name: email}
	}
	e.ChangeFrom, e.ChangeTo = paramString(params["OLD_VALUE"]), paramString(params["NEW_VALUE"])
	switch e.Action {
	case schema.ActionUserIdentifierUpdate: // RENAME_USER: the new primary email
		e.ChangeFrom = e.Target.Email
		e.Changes.Email = e.ChangeTo
	case schema.ActionUserIdentifierAdd:
		e.ChangeTo = paramString(params["USER_NICKNAME"])
	case schema.ActionUserIdentifierRemove:
		e.ChangeFrom = paramString(params["USER_NICKNAME"])
	case schema.ActionUserRoleChange:
		mapRole(e, params)
	case schema.ActionGroupCreate, schema.ActionGroupDelete, schema.ActionGroupMembershipChange, schema.ActionGroupRename:
		e.GroupName = paramString(params["GROUP_EMAIL"])
	case schema.ActionOrgMFARequirementChange:
		// ENFORCE_ and ALLOW_STRONG_AUTHENTICATION turned to false.
		e.RequirementOff = strings.EqualFold(e.ChangeTo, "false")
		e.TargetName = orgUnit(params)
	case schema.ActionOrgSecurityPolicyChange:
		e.TargetName = orgUnit(params)
	case schema.ActionOAuthAppAuthorize, schema.ActionOAuthAppRevoke:
		mapAdminOAuth(e, params)
	case schema.ActionTokenRevoke: // REVOKE_ASP
		e.TargetID = paramString(params["ASP_ID"])
	case schema.ActionConfigCreate, schema.ActionConfigUpdate, schema.ActionConfigDelete:
		mapRoleDefinition(e, params)
	}
}

// mapRoleDefinition names the role (ROLE_ID, ROLE_NAME) and the privilege added
// or removed (PRIVILEGE_NAME); a rename's old name is ROLE_NAME.
func mapRoleDefinition(e *schema.Event, params parameters) {
	e.TargetID, e.TargetName = paramString(params["ROLE_ID"]), paramString(params["ROLE_NAME"])
	switch e.ChangeField {
	case "privilege_added":
		e.ChangeTo = paramString(params["PRIVILEGE_NAME"])
	case "privilege_removed":
		e.ChangeFrom = paramString(params["PRIVILEGE_NAME"])
	case "name":
		e.ChangeFrom = e.TargetName
	}
}

// mapRole puts the role granted in user.changes.roles and the role taken away
// in user.target.roles: ROLE_NAME, else NEW_VALUE (the privileges a
// GRANT_DELEGATED_ADMIN_PRIVILEGES assigns), else the event's own role.
func mapRole(e *schema.Event, params parameters) {
	ev := privilegeEvents[e.Code]
	role := paramString(params["ROLE_NAME"])
	if role == "" {
		role = e.ChangeTo
	}
	switch role {
	case "":
		role = ev.role
	case seedAdminRole:
		role = superAdmin
	}
	if role == "" {
		return
	}
	if ev.revoke {
		e.Target.Roles, e.ChangeFrom = []string{role}, role
	} else {
		e.Changes.Roles, e.ChangeTo = []string{role}, role
	}
}

// mapAdminOAuth fills domain-wide delegation (API_CLIENT_NAME, API_SCOPES), a
// trusted application (OAUTH2_APP_ID, OAUTH2_APP_NAME) and an administrator's
// revocation of a user's tokens (APP_ID).
func mapAdminOAuth(e *schema.Event, params parameters) {
	if client := paramString(params["API_CLIENT_NAME"]); client != "" {
		e.TargetID, e.TargetName, e.AppID = client, client, client
		e.ChangeTo = strings.Join(paramValues(params["API_SCOPES"]), " ")
		return
	}
	e.AppID, e.AppName = paramString(params["OAUTH2_APP_ID"]), paramString(params["OAUTH2_APP_NAME"])
	if e.AppID == "" {
		e.AppID = paramString(params["APP_ID"])
	}
	e.TargetID, e.TargetName = e.AppID, e.AppName
}

// orgUnit names the organizational unit, group or domain a policy applies to.
func orgUnit(params parameters) string {
	for _, k := range []string{"ORG_UNIT_NAME", "GROUP_EMAIL", "DOMAIN_NAME"} {
		if v := paramString(params[k]); v != "" {
			return v
		}
	}
	return ""
}

// mapToken fills an OAuth grant or revocation: the user (actor and target)
// gives or takes an application's access to their data; scope lists the scopes
// granted (change.to) or revoked (change.from).
func mapToken(e *schema.Event, actor schema.Identity, params parameters) {
	e.Actor, e.Target, e.Performer = actor, actor, schema.PerformerSelf
	e.AppID, e.AppName = paramString(params["client_id"]), paramString(params["app_name"])
	e.TargetID, e.TargetName = e.AppID, e.AppName
	scopes := strings.Join(paramValues(params["scope"]), " ")
	if e.Action == schema.ActionOAuthAppRevoke {
		e.ChangeFrom = scopes
	} else {
		e.ChangeTo = scopes
	}
}

// mapSAML fills a sign-in to a SAML application: the user, the application
// (application_name) and, on failure, failure_type (none of Google's nine
// values is one of the schema's error classes, so error.type is _OTHER).
func mapSAML(e *schema.Event, actor schema.Identity, params parameters) {
	e.Actor = actor
	e.AppName = paramString(params["application_name"])
	if e.Outcome == schema.OutcomeFailure {
		e.Reason = paramString(params["failure_type"])
	}
}
