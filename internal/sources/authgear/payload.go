package authgear

import (
	"strconv"
	"strings"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

// payloadReader reads what one activity type's payload adds to the mapping
// (the payload shapes are those of authgear-server's pkg/api/event/nonblocking).
type payloadReader func(e *schema.Event, p vjson.Node)

// readers holds the payload reader of each activity type that has one.
var readers = map[string]payloadReader{
	"AUTHENTICATION_BLOCKED": func(e *schema.Event, p vjson.Node) {
		e.ErrorType = schema.ErrOther
		if t, ok := blockReasons[p.Str("error", "reason")]; ok {
			e.ErrorType = t
		}
		e.Reason = p.Str("error", "message")
	},
	"RATE_LIMIT_BLOCKED": func(e *schema.Event, p vjson.Node) { e.TargetName = p.Str("rate_limit", "name") },
	"BOT_PROTECTION_VERIFICATION_FAILED": func(e *schema.Event, p vjson.Node) {
		e.AuthProvider = p.Str("provider_type")
	},
	"FRAUD_PROTECTION_DECISION_RECORDED": func(e *schema.Event, p vjson.Node) {
		r := p.Get("record")
		e.Actor.ID = r.Str("user_id")
		e.TargetName = r.Str("action")
		e.Reason = strings.Join(r.Get("triggered_warnings").Strings(), ", ")
		setIfEmpty(&e.ClientAddress, r.Str("ip_address"))
		setIfEmpty(&e.UserAgent, r.Str("user_agent"))
		setIfEmpty(&e.GeoCountry, r.Str("geo_location_code"))
	},
	"M2M_TOKEN_CREATED": func(e *schema.Event, p vjson.Node) {
		e.AppID = p.Str("client_id")
		e.TokenType, e.GrantType = "access_token", "client_credentials"
		e.Actor, e.ActorType = schema.Identity{}, schema.ActorApplication
	},
	"EMAIL_ERROR":         messageFailure,
	"EMAIL_SUPPRESSED":    messageFailure,
	"SMS_ERROR":           messageFailure,
	"SMS_SUPPRESSED":      messageFailure,
	"WHATSAPP_ERROR":      messageFailure,
	"WHATSAPP_SUPPRESSED": messageFailure,

	"IDENTITY_EMAIL_VERIFIED":   verified("true"),
	"IDENTITY_PHONE_VERIFIED":   verified("true"),
	"IDENTITY_EMAIL_UNVERIFIED": verified("false"),
	"IDENTITY_PHONE_UNVERIFIED": verified("false"),
	"ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED": func(e *schema.Event, p vjson.Node) {
		claim := p.Str("claim_name")
		if claim == "phone_number" {
			claim = "phone"
		}
		e.ChangeField = claim + "_verified"
		e.ChangeTo = strconv.FormatBool(p.Bool("is_verified"))
		e.Target = contact(p.Str("claim_value"))
	},
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED":  changeTo("account_valid_from"),
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED": changeTo("account_valid_until"),
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.ChangeTo = p.Str("account_valid_from") + "/" + p.Str("account_valid_until") // an ISO 8601 interval
	},
	"ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.ChangeTo = strconv.FormatBool(p.Bool("expired"))
	},
	"ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.Target = contact(p.Str("target"))
		e.AuthMethod = "otp_sms"
		if e.Target.Email != "" {
			e.AuthMethod = "otp_email"
		}
	},
	"ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED": func(e *schema.Event, _ vjson.Node) {
		e.Effective, e.Actor = e.Actor, schema.Identity{} // the admin acts as the user
	},
	"ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.AppID = p.Str("authorization", "clientID")
		e.TargetID = p.Str("authorization", "id")
	},

	"ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.Target.ID = single(p.Get("user_ids"))
		e.ChangeTo = p.Str("role_key")
		e.Changes.Roles = []string{e.ChangeTo}
	},
	"ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.Target.ID = p.Str("user_id")
		e.Changes.Roles = p.Get("role_ids").Strings()
		e.ChangeTo = strings.Join(e.Changes.Roles, ",")
	},
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.Target.ID = single(p.Get("user_ids"))
		e.ChangeFrom = p.Str("role_key")
	},
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.Target.ID = p.Str("user_id")
		e.ChangeFrom = strings.Join(p.Get("role_ids").Strings(), ",")
	},
	"ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED":      usersOfGroup,
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED": usersOfGroup,
	"ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED":      groupsOfUser,
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED": groupsOfUser,
	"ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.GroupID, e.ChangeTo = p.Str("group_id"), strings.Join(p.Get("role_ids").Strings(), ",")
	},
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.GroupID, e.ChangeFrom = p.Str("group_id"), strings.Join(p.Get("role_ids").Strings(), ",")
	},
	"ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.GroupID, e.ChangeTo = single(p.Get("group_ids")), p.Str("role_id")
	},
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.GroupID, e.ChangeFrom = single(p.Get("group_ids")), p.Str("role_id")
	},
	"ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED": groupOf("group"),
	"ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED": groupOf("group"),
	"ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED": func(e *schema.Event, p vjson.Node) {
		groupOf("new_group")(e, p)
		e.ChangeFrom, e.ChangeTo = keyOrName(p.Get("original_group")), e.GroupName
	},

	"ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED":     object("role", "key"),
	"ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED":     object("new_role", "key"),
	"ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED":     object("role", "key"),
	"ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED": object("resource", "resourceURI"),
	"ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED": object("new_resource", "resourceURI"),
	"ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED": object("resource", "resourceURI"),
	"ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED":    object("scope", "scope"),
	"ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED":    object("new_scope", "scope"),
	"ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED":    object("scope", "scope"),
	"ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.AppID, e.TargetName, e.ChangeTo = p.Str("client_id"), p.Str("client_id"), p.Str("resource", "resourceURI")
	},
	"ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED": func(e *schema.Event, p vjson.Node) {
		e.AppID, e.TargetName, e.ChangeFrom = p.Str("client_id"), p.Str("client_id"), p.Str("resource", "resourceURI")
	},
	"ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED":      clientScopes(false),
	"ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED":  clientScopes(false),
	"ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED": clientScopes(true),

	"PROJECT_APP_SECRET_VIEWED": func(e *schema.Event, p vjson.Node) {
		e.TargetName = strings.Join(p.Get("secrets").Strings(), ",")
	},
	"PROJECT_DOMAIN_CREATED":  domain,
	"PROJECT_DOMAIN_VERIFIED": domain,
	"PROJECT_DOMAIN_DELETED":  domain,
	"PROJECT_COLLABORATOR_INVITATION_CREATED": func(e *schema.Event, p vjson.Node) {
		e.Target = contact(p.Str("invitee_email"))
		e.Actor = schema.Identity{ID: p.Str("invited_by")}
	},
	"PROJECT_COLLABORATOR_INVITATION_DELETED": func(e *schema.Event, p vjson.Node) {
		e.Target = contact(p.Str("invitee_email"))
	},
	"PROJECT_COLLABORATOR_INVITATION_ACCEPTED": func(e *schema.Event, p vjson.Node) {
		e.Target = schema.Identity{ID: p.Str("collaborator_user_id")}
		e.Actor, e.Performer = e.Target, schema.PerformerSelf // the invitee accepts
		e.ChangeTo = p.Str("collaborator_role")
		e.Changes.Roles = []string{e.ChangeTo}
	},
	"PROJECT_COLLABORATOR_DELETED": func(e *schema.Event, p vjson.Node) {
		e.Target = schema.Identity{ID: p.Str("collaborator_user_id")}
		e.TargetID, e.ChangeFrom = p.Str("collaborator_id"), p.Str("collaborator_role")
	},
}

func messageFailure(e *schema.Event, p vjson.Node) { e.Reason = p.Str("description") }

func verified(to string) payloadReader {
	return func(e *schema.Event, _ vjson.Node) { e.ChangeTo = to }
}

func changeTo(field string) payloadReader {
	return func(e *schema.Event, p vjson.Node) { e.ChangeTo = p.Str(field) }
}

func usersOfGroup(e *schema.Event, p vjson.Node) {
	e.GroupID, e.Target.ID = p.Str("group_id"), single(p.Get("user_ids"))
}

func groupsOfUser(e *schema.Event, p vjson.Node) {
	e.GroupID, e.Target.ID = single(p.Get("group_ids")), p.Str("user_id")
}

func groupOf(field string) payloadReader {
	return func(e *schema.Event, p vjson.Node) {
		g := p.Get(field)
		e.GroupID, e.GroupName = g.Str("id"), keyOrName(g)
	}
}

// object names the configuration object (role, API resource, scope) acted on.
func object(field, name string) payloadReader {
	return func(e *schema.Event, p vjson.Node) {
		o := p.Get(field)
		e.TargetID, e.TargetName = o.Str("id"), o.Str(name)
	}
}

func clientScopes(removed bool) payloadReader {
	return func(e *schema.Event, p vjson.Node) {
		e.AppID, e.TargetName = p.Str("client_id"), p.Str("client_id")
		scopes := p.Get("scopes")
		names := make([]string, 0, scopes.Len())
		for i := range scopes.Len() {
			names = append(names, scopes.At(i).Str("scope"))
		}
		if removed {
			e.ChangeFrom = strings.Join(names, ",")
		} else {
			e.ChangeTo = strings.Join(names, ",")
		}
	}
}

func domain(e *schema.Event, p vjson.Node) {
	e.TargetID, e.TargetName = p.Str("domain_id"), p.Str("domain")
}

func keyOrName(g vjson.Node) string {
	if n := g.Str("name"); n != "" {
		return n
	}
	return g.Str("key")
}

// contact is a user known only by an email address or a phone number.
func contact(v string) schema.Identity {
	if strings.Contains(v, "@") {
		return schema.Identity{Email: v, Name: v}
	}
	return schema.Identity{Name: v}
}

// single is the only item of an array, or "" when it holds none or several.
func single(n vjson.Node) string {
	if n.Len() != 1 {
		return ""
	}
	return n.At(0).Str()
}

// identityKind is the kind of identifier an identity object holds, read from
// its claims (Admin API identity mutations do not say it in their type).
func identityKind(id vjson.Node) string {
	for _, k := range [...]string{"email", "phone", "username", "oauth", "biometric"} {
		if id.Str("claims", identityClaim[k]) != "" {
			return k
		}
	}
	return id.Str("type")
}

// lookup finds the row of an activity type, refined by its payload variant.
func lookup(code string, payload vjson.Node) (schema.Mapping, bool) {
	if path, ok := variants[code]; ok {
		v := payload.Get(path...)
		value := v.Str()
		switch v.Kind() {
		case vjson.KindTrue:
			value = "true"
		case vjson.KindFalse:
			value = "false"
		}
		if m, ok := mappings[code+"/"+value]; ok && value != "" {
			return m, true
		}
	}
	m, ok := mappings[code]
	return m, ok
}
