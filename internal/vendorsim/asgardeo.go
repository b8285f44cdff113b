package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"
)

// Asgardeo webhook payloads as in "Webhook events and payloads" (Asgardeo docs; samples in testdata/asgardeo): a
// Security Event Token-like envelope whose "events" object is keyed by the
// event-type URI. iat is epoch milliseconds.
const asgardeoEventBase = "https://schemas.identity.wso2.org/events/"

type asgardeoEventType struct {
	group, name string
	// fill adds the event-specific fields to the event data.
	fill func(r *rand.Rand, d map[string]any, now time.Time)
}

var asgardeoEvents = []asgardeoEventType{
	{"login", "loginSuccess", func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["application"] = app(r)
		d["authenticationMethods"] = []string{pick(r, []string{"BasicAuthenticator", "GoogleOIDCAuthenticator", "FIDOAuthenticator"})}
	}},
	{"login", "loginFailed", func(r *rand.Rand, d map[string]any, _ time.Time) {
		delete(d["user"].(map[string]any), "id")
		d["application"] = app(r)
		step := 1 + r.IntN(2)
		auth := map[int]string{1: "BasicAuthenticator", 2: "totp"}[step]
		d["reason"] = map[string]any{
			"description": pick(r, []string{"User authentication failed due to invalid credentials", "TOTP code did not match"}),
			"context":     map[string]any{"failedStep": map[string]any{"step": step, "idp": "LOCAL", "authenticator": auth}},
		}
	}},
	{"registration", "registrationSuccess", func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["initiatorType"] = pick(r, []string{"ADMIN", "USER", "APPLICATION"})
		d["action"] = "REGISTER"
		if d["initiatorType"] == "ADMIN" && r.IntN(2) == 0 {
			d["action"] = "INVITE"
		}
	}},
	{"registration", "registrationFailed", func(r *rand.Rand, d map[string]any, _ time.Time) {
		delete(d["user"].(map[string]any), "id")
		d["initiatorType"], d["action"] = "USER", "REGISTER"
		d["reason"] = map[string]any{"description": "The provided username already exists in the tenant: simorg"}
	}},
	{"token", "accessTokenIssued", func(r *rand.Rand, d map[string]any, now time.Time) {
		a := app(r)
		a["consumerKey"] = "simConsumerKey" + strconv.Itoa(r.IntN(100))
		d["application"] = a
		d["accessToken"] = map[string]any{"tokenType": "Opaque", "iat": strconv.FormatInt(now.UnixMilli(), 10),
			"grantType": pick(r, []string{"authorization_code", "refresh_token", "client_credentials"})}
	}},
	{"token", "accessTokenRevoked", func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["applications"] = []any{app(r)}
	}},
	{"session", "sessionEstablished", sessionFill},
	{"session", "sessionPresented", sessionFill},
	{"session", "sessionRevoked", func(r *rand.Rand, d map[string]any, now time.Time) {
		n := 1 + r.IntN(2)
		sessions := make([]any, n)
		for i := range sessions {
			sessions[i] = map[string]any{"id": sessionID(r), "loginTime": now.Add(-time.Hour).UnixMilli(), "applications": []any{app(r)}}
		}
		d["sessions"] = sessions
	}},
	{"credential", "credentialUpdated", func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["credentialType"] = "PASSWORD"
		d["initiatorType"] = pick(r, []string{"USER", "ADMIN", "APPLICATION"})
		d["action"] = pick(r, []string{"UPDATE", "RESET"})
	}},
	{"user", "userCreated", adminAction("REGISTER")},
	{"user", "userProfileUpdated", func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["initiatorType"], d["action"] = pick(r, []string{"ADMIN", "USER"}), "UPDATE"
		u := d["user"].(map[string]any)
		delete(u, "claims")
		u["updatedClaims"] = []any{claim("emailaddress", randomPerson(r).email)}
	}},
	{"user", "userDisabled", adminAction("")},
	{"user", "userEnabled", adminAction("")},
	{"user", "userAccountLocked", func(*rand.Rand, map[string]any, time.Time) {}},
	{"user", "userAccountUnlocked", func(*rand.Rand, map[string]any, time.Time) {}},
	{"user", "userDeleted", adminAction("")},
	{"role", "roleUsersUpdated", func(r *rand.Rand, d map[string]any, _ time.Time) {
		u := d["user"].(map[string]any)
		delete(d, "user") // role events name their users inside the role
		d["initiatorType"], d["action"] = "ADMIN", "ROLE_UPDATE"
		d["role"] = map[string]any{"id": UUID(r), "name": pick(r, []string{"Administrator", "Auditor", "Support"}),
			"addedUsers": []any{map[string]any{"id": u["id"], "userStoreDomain": "PRIMARY", "claims": u["claims"]}}}
	}},
	{"role", "rolePermissionsUpdated", func(r *rand.Rand, d map[string]any, _ time.Time) {
		delete(d, "user")
		d["initiatorType"], d["action"] = "ADMIN", "ROLE_UPDATE"
		d["role"] = map[string]any{"id": UUID(r), "name": "Support",
			"addedPermissions": []string{"internal_user_mgt_update"}, "removedPermissions": []string{}}
	}},
	{"consent", "consentAdded", consentFill("LOGIN", "APPROVED")},
	{"consent", "consentRevoked", consentFill("CONSENT_REVOKE", "REVOKED")},
}

// consentFill is a user's consent to the marketing purpose.
func consentFill(action, state string) func(*rand.Rand, map[string]any, time.Time) {
	return func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["initiatorType"], d["action"] = "USER", action
		d["consent"] = map[string]any{"id": UUID(r), "state": state, "serviceId": "Resident IDP",
			"purpose": map[string]any{"id": "909eea3e-0000-4000-8000-000000000001", "name": "Marketing Consent"}}
	}
}

func sessionFill(r *rand.Rand, d map[string]any, now time.Time) {
	a := app(r)
	d["application"] = a
	d["session"] = map[string]any{"id": sessionID(r), "loginTime": now.UnixMilli(), "applications": []any{a}}
}

func adminAction(action string) func(*rand.Rand, map[string]any, time.Time) {
	return func(r *rand.Rand, d map[string]any, _ time.Time) {
		d["initiatorType"] = pick(r, []string{"ADMIN", "APPLICATION"})
		if action != "" {
			d["action"] = action
		}
	}
}

func app(r *rand.Rand) map[string]any {
	return map[string]any{"id": UUID(r), "name": pick(r, []string{"Sim Portal", "Sim Mobile", "Sim Admin"})}
}

func sessionID(r *rand.Rand) string { return UUID(r) + UUID(r)[:8] }

func claim(name, value string) map[string]any {
	return map[string]any{"uri": "http://wso2.org/claims/" + name, "value": value}
}

var simOrg = map[string]any{"id": "5f0c7e1a-0000-4000-8000-000000000001", "name": "simorg", "orgHandle": "simorg", "depth": 0}

type asgardeoVendor struct{}

func (asgardeoVendor) Name() string { return "asgardeo" }

func (asgardeoVendor) Generate(r *rand.Rand, now time.Time) (string, []byte) {
	et := pick(r, asgardeoEvents)
	p := randomPerson(r)
	userID := UUID(r)
	data := map[string]any{
		"user": map[string]any{
			"id": userID,
			"claims": []any{
				claim("username", p.email), claim("emailaddress", p.email),
				claim("givenname", p.first), claim("lastname", p.last),
			},
			"organization": simOrg,
			"ref":          "https://api.asgardeo.io/t/simorg/scim2/Users/" + userID,
		},
		"tenant":       map[string]any{"id": "90210", "name": "simorg"},
		"organization": simOrg,
		"userStore":    map[string]any{"id": "UFJJTUFSWQ==", "name": "PRIMARY"},
	}
	et.fill(r, data, now)
	data["initiatorIpAddress"] = randomIP(r)
	body, err := json.Marshal(map[string]any{
		"iss":    "https://api.asgardeo.io/t/simorg",
		"jti":    UUID(r),
		"iat":    now.UnixMilli(),
		"rci":    UUID(r),
		"events": map[string]any{asgardeoEventBase + et.group + "/event-type/" + et.name: data},
	})
	if err != nil {
		panic(err) // maps of plain values always marshal
	}
	return et.name, body
}

func (asgardeoVendor) Sign(p *Payload, c Credentials) {
	p.Header.Set("Content-Type", "application/json")
	if c.Secret != "" {
		p.Header.Set("X-Hub-Signature", "sha256="+HexHMACSHA256(c.Secret, p.Body))
	}
}
