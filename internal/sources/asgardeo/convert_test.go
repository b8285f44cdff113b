package asgardeo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// want is the Asgardeo table of docs/schema.md#asgardeo for the samples, written out
// independently of mapping.go: action, outcome, class/activity, severity, and
// where the affected user lands (actor for authentication, target for IAM).
var want = map[string]struct {
	action, outcome, severity, actorType string
	class, activity                      int64
	userIn                               string // "actor" or "target"
}{
	"loginSuccess":        {"authentication.login", "success", "informational", "user", 3002, 1, "actor"},
	"loginFailed":         {"authentication.login", "failure", "low", "user", 3002, 1, "actor"},
	"registrationSuccess": {"user.create", "success", "low", "admin", 3001, 1, "target"},
	"registrationFailed":  {"user.create", "failure", "low", "user", 3001, 1, "target"},
	"accessTokenIssued":   {"token.issue", "success", "informational", "user", 3002, 99, "actor"},
	"accessTokenRevoked":  {"token.revoke", "success", "informational", "user", 3002, 99, "actor"},
	"sessionEstablished":  {"session.start", "success", "informational", "user", 3002, 1, "actor"},
	"sessionPresented":    {"authentication.sso", "success", "informational", "user", 3002, 1, "actor"},
	"sessionRevoked":      {"session.terminate", "success", "low", "user", 3002, 2, "actor"},
	"credentialUpdated":   {"password.change", "success", "medium", "admin", 3001, 3, "target"},
	"userCreated":         {"user.create", "success", "informational", "admin", 3001, 1, "target"},
	"userProfileUpdated":  {"user.update", "success", "medium", "admin", 3001, 99, "target"},
	"userDisabled":        {"user.disable", "success", "medium", "admin", 3001, 5, "target"},
	"userEnabled":         {"user.enable", "success", "low", "admin", 3001, 2, "target"},
	"userAccountLocked":   {"user.lock", "success", "medium", "unknown", 3001, 9, "target"},
	"userAccountUnlocked": {"user.unlock", "success", "low", "unknown", 3001, 12, "target"},
	"userDeleted":         {"user.delete", "success", "medium", "admin", 3001, 6, "target"},
}

func TestGolden(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, Decode)
	require.Len(t, want, 17)
	for name, w := range want {
		ld, ok := got[name]
		require.True(t, ok, "no input %s", name)
		require.Equal(t, 1, ld.LogRecordCount())
		lr := sourcetest.Records(ld)[0]
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		assert.Equal(t, "identity."+w.action, lr.EventName(), name)
		assert.Equal(t, w.outcome, a(schema.AttrEventOutcome), name)
		assert.Equal(t, w.severity, a(schema.AttrSeverity), name)
		assert.Equal(t, w.actorType, a(schema.AttrActorType), name)
		assert.Equal(t, name, a(schema.AttrEventCode), name)
		assert.Equal(t, w.class, lr.Attributes().AsRaw()[schema.AttrOCSFClassUID], name)
		assert.Equal(t, w.activity, lr.Attributes().AsRaw()[schema.AttrOCSFActivityID], name)
		assert.NotEmpty(t, a(schema.AttrEventID), name)
		assert.NotEmpty(t, a(schema.AttrCorrelationID), name)
		assert.NotZero(t, lr.Timestamp(), name)
		assert.NotEmpty(t, a(schema.AttrRelatedUser), name)
		assert.Empty(t, a(schema.AttrClientAddress), "Asgardeo sends no IP")
		if w.userIn == "actor" {
			assert.NotEmpty(t, a("user.name"), name)
			assert.Empty(t, a("user.target.name"), name)
		} else {
			assert.NotEmpty(t, a("user.target.name")+a("user.target.id"), name)
		}
		res := ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()
		assert.Equal(t, "12402", res[schema.AttrOrganizationID], name)
		assert.Equal(t, "myorg", res[schema.AttrOrganizationName], name)
	}
}

func decodeOne(t *testing.T, raw string) map[string]any {
	t.Helper()
	ld, err := Decode([]byte(raw), sources.Options{})
	require.NoError(t, err)
	require.Equal(t, 1, ld.LogRecordCount())
	lr := sourcetest.Records(ld)[0]
	sourcetest.CheckRecord(t, lr, Vendor)
	m := lr.Attributes().AsRaw()
	m["@body"] = lr.Body().Str()
	m["@time"] = lr.Timestamp().AsTime().UnixMilli()
	return m
}

const prefix = `{"iss":"https://api.asgardeo.io/t/myorg","jti":"j1","iat":1751705149662,"rci":"r1","events":{"https://schemas.identity.wso2.org/events/`

func TestLoginSuccessFields(t *testing.T) {
	m := decodeOne(t, prefix+`login/event-type/loginSuccess":{
		"user":{"id":"u1","claims":[{"uri":"http://wso2.org/claims/username","value":"peter"},
			{"uri":"http://wso2.org/claims/emailaddress","value":"peter@example.com"},
			{"uri":"http://wso2.org/claims/givenname","value":"Peter"},
			{"uri":"http://wso2.org/claims/country","value":"LK"}],
			"organization":{"id":"o1","name":"myorg","orgHandle":"myorg","depth":0}},
		"tenant":{"id":"12402","name":"myorg"},
		"userStore":{"id":"UFJJTUFSWQ==","name":"PRIMARY"},
		"application":{"id":"a1","name":"MyApp"},
		"authenticationMethods":["BasicAuthenticator","totp"],
		"futureField":{"nested":true}}}}`)
	for k, v := range map[string]any{
		"user.id": "u1", "user.name": "peter", "user.email": "peter@example.com", "user.full_name": "Peter",
		"authtrail.application.id": "a1", "authtrail.application.name": "MyApp",
		"authtrail.auth.method": "password", "authtrail.auth.provider": "BasicAuthenticator",
		"authtrail.correlation.id": "r1", "event.id": "j1", "asgardeo.iss": "https://api.asgardeo.io/t/myorg",
		"asgardeo.user.organization.org_handle": "myorg", "asgardeo.user.organization.depth": int64(0),
		"asgardeo.organization.id": nil, "asgardeo.user_store.name": "PRIMARY",
		"asgardeo.user.claims.country": "LK", "asgardeo.future_field.nested": true,
		"asgardeo.authentication_methods": []any{"BasicAuthenticator", "totp"},
		"@time":                           int64(1751705149662), "@body": "Login by peter@example.com",
	} {
		if v == nil {
			assert.NotContains(t, m, k)
			continue
		}
		assert.Equal(t, v, m[k], k)
	}
}

func TestPayloadDependentRows(t *testing.T) {
	for name, tc := range map[string]struct {
		event, extra, action, severity, ocsfName string
	}{
		"invite":             {"registration/event-type/registrationSuccess", `"initiatorType":"ADMIN","action":"INVITE"`, "user.invite", "low", "Invite"},
		"self registration":  {"registration/event-type/registrationSuccess", `"initiatorType":"USER","action":"REGISTER"`, "user.create", "informational", ""},
		"app registration":   {"registration/event-type/registrationSuccess", `"initiatorType":"APPLICATION","action":"REGISTER"`, "user.create", "low", ""},
		"user password":      {"credential/event-type/credentialUpdated", `"initiatorType":"USER","action":"UPDATE","credentialType":"PASSWORD"`, "password.change", "low", ""},
		"admin reset":        {"credential/event-type/credentialUpdated", `"initiatorType":"ADMIN","action":"RESET"`, "password.reset", "low", ""},
		"app update":         {"credential/event-type/credentialUpdated", `"initiatorType":"APPLICATION","action":"UPDATE"`, "password.change", "medium", ""},
		"app deletes a user": {"user/event-type/userDeleted", `"initiatorType":"APPLICATION"`, "user.delete", "high", ""},
		"profile no email":   {"user/event-type/userProfileUpdated", `"initiatorType":"USER"`, "user.update", "informational", "Update"},
	} {
		t.Run(name, func(t *testing.T) {
			m := decodeOne(t, prefix+tc.event+`":{"user":{"id":"u1","claims":[{"uri":"http://wso2.org/claims/username","value":"peter"}]},`+tc.extra+`}}}`)
			assert.Equal(t, tc.action, m[schema.AttrEventAction])
			assert.Equal(t, tc.severity, m[schema.AttrSeverity])
			if tc.ocsfName != "" {
				assert.Equal(t, tc.ocsfName, m[schema.AttrOCSFActivityName])
			}
		})
	}
}

func TestProfileEmailChange(t *testing.T) {
	m := decodeOne(t, prefix+`user/event-type/userProfileUpdated":{"initiatorType":"ADMIN","action":"UPDATE",
		"user":{"id":"u1","updatedClaims":[{"uri":"http://wso2.org/claims/emailaddress","value":"new@example.com"}],
		"addedClaims":[{"uri":"http://wso2.org/claims/mobile","value":"+100"}]}}}}`)
	assert.Equal(t, "new@example.com", m["user.changes.email"])
	assert.Equal(t, "medium", m[schema.AttrSeverity])
	assert.Equal(t, "new@example.com", m["asgardeo.user.updated_claims.emailaddress"])
	assert.Equal(t, "+100", m["asgardeo.user.added_claims.mobile"])
	assert.Contains(t, m[schema.AttrRelatedUser], "new@example.com")
	assert.NotContains(t, m, "user.id", "an admin acted: the actor is unknown")
	assert.Equal(t, "u1", m["user.target.id"])
}

func TestSecondFactorFailure(t *testing.T) {
	m := decodeOne(t, prefix+`login/event-type/loginFailed":{"user":{"claims":[{"uri":"http://wso2.org/claims/username","value":"peter"}]},
		"reason":{"description":"TOTP code did not match","context":{"failedStep":{"step":2,"idp":"LOCAL","authenticator":"totp"}}}}}}`)
	assert.Equal(t, "medium", m[schema.AttrSeverity])
	assert.Equal(t, "secondary", m[schema.AttrAuthFactor])
	assert.Equal(t, "totp", m[schema.AttrAuthMethod])
	assert.Equal(t, "_OTHER", m[schema.AttrErrorType])
	assert.Equal(t, "LOCAL", m["asgardeo.reason.context.failed_step.idp"])
	assert.Equal(t, "Login by peter (failed): TOTP code did not match", m["@body"])
}

func TestSeedFailureClasses(t *testing.T) {
	for name, errType := range map[string]string{"loginFailed": "invalid_credentials", "registrationFailed": "user_exists"} {
		raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", name+".json"))
		require.NoError(t, err)
		m := decodeOne(t, string(raw))
		assert.Equal(t, errType, m[schema.AttrErrorType], name)
		assert.NotEmpty(t, m[schema.AttrEventReason], name)
	}
}

func TestSessionRevokedSeveral(t *testing.T) {
	m := decodeOne(t, prefix+`session/event-type/sessionRevoked":{"user":{"id":"u1"},
		"sessions":[{"id":"s1","loginTime":1},{"id":"s2","loginTime":2}]}}}`)
	assert.Equal(t, []any{"s1", "s2"}, m[schema.AttrSessionIDs])
	assert.NotContains(t, m, schema.AttrSessionID, "several sessions: session.id unset (docs/schema.md#d3-one-record-per-event)")
	one := decodeOne(t, prefix+`session/event-type/sessionRevoked":{"user":{"id":"u1"},"sessions":[{"id":"s1"}]}}}`)
	assert.Equal(t, "s1", one[schema.AttrSessionID])
}

func TestSeveralEventsOneRecordEach(t *testing.T) {
	ld, err := Decode([]byte(prefix+`login/event-type/loginSuccess":{"user":{"id":"u1"},"tenant":{"id":"t"}},
		"https://schemas.identity.wso2.org/events/session/event-type/sessionEstablished":{"user":{"id":"u1"},"tenant":{"id":"t"},"session":{"id":"s"}}}}`), sources.Options{})
	require.NoError(t, err)
	recs := sourcetest.Records(ld)
	require.Len(t, recs, 2)
	assert.Equal(t, 1, ld.ResourceLogs().Len(), "same tenant, one resource")
	assert.Equal(t, "j1/loginSuccess", sourcetest.Attr(recs[0], schema.AttrEventID))
	assert.Equal(t, "j1/sessionEstablished", sourcetest.Attr(recs[1], schema.AttrEventID))
	assert.Equal(t, "r1", sourcetest.Attr(recs[1], schema.AttrCorrelationID))
}

func TestUnknownEventPassesThrough(t *testing.T) {
	m := decodeOne(t, prefix+`consent/event-type/consentGranted":{"user":{"id":"u1"},"purpose":"marketing"}}}`)
	assert.Equal(t, "unmapped", m[schema.AttrEventAction])
	assert.Equal(t, "consentGranted", m[schema.AttrEventCode])
	assert.Equal(t, "https://schemas.identity.wso2.org/events/consent/event-type/consentGranted", m["asgardeo.event.uri"])
	assert.Equal(t, "marketing", m["asgardeo.purpose"])
	assert.Equal(t, "u1", m["asgardeo.user.id"])
}

func TestIncludeOriginal(t *testing.T) {
	raw := prefix + `user/event-type/userEnabled":{"user":{"id":"u1"}}}}`
	ld, err := Decode([]byte(raw), sources.Options{IncludeOriginal: true})
	require.NoError(t, err)
	assert.Equal(t, raw, sourcetest.Attr(sourcetest.Records(ld)[0], schema.AttrEventOriginal))
}

func TestDecodeErrors(t *testing.T) {
	verbatim, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "malformed", "registrationFailed_seed_verbatim.json"))
	require.NoError(t, err)
	for name, tc := range map[string]struct{ in, msg string }{
		"seed trailing comma": {string(verbatim), "malformed JSON"},
		"truncated":           {prefix, "malformed JSON"},
		"not an object":       {`"hello"`, "expected a JSON object"},
		"no events":           {`{"jti":"x","iat":1}`, `field "events"`},
		"empty events":        {`{"jti":"x","events":{}}`, `field "events"`},
		"events array":        {`{"jti":"x","events":[]}`, `field "events"`},
		"bad iat":             {`{"jti":"x","iat":"soon","events":{"a/b":{}}}`, `field "iat"`},
		"event not object":    {`{"jti":"x","events":{"https://x/event-type/a":5}}`, `event "https://x/event-type/a"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), sources.Options{})
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), tc.msg), "%q lacks %q", err, tc.msg)
		})
	}
}

func TestIatAsString(t *testing.T) {
	m := decodeOne(t, `{"jti":"x","iat":"1751705149662","events":{"https://x/event-type/userEnabled":{"user":{"id":"u"}}}}`)
	assert.Equal(t, int64(1751705149662), m["@time"])
}

func TestEveryMappingIsInTheVocabulary(t *testing.T) {
	for code, m := range Mappings() {
		_, ok := schema.Spec(m.Action)
		assert.True(t, ok, code)
	}
}
