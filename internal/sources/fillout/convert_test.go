package fillout

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// want is the Fillout table of docs/schema.md#fillout: action, outcome, severity, OCSF class/activity.
var want = map[string]struct {
	action, outcome, severity string
	class, activity           int64
}{
	"auth.login.success":          {"authentication.login", "success", "informational", 3002, 1},
	"auth.login.failure":          {"authentication.login", "failure", "low", 3002, 1},
	"auth.logout":                 {"authentication.logout", "success", "informational", 3002, 2},
	"auth.impersonate":            {"authentication.impersonate", "success", "high", 3002, 7},
	"auth.password.resetRequest":  {"password.reset_request", "success", "low", 3001, 4},
	"auth.password.resetComplete": {"password.reset", "success", "low", 3001, 4},
	"auth.password.selfChange":    {"password.change", "success", "low", 3001, 3},
	"auth.password.adminChange":   {"password.change", "success", "medium", 3001, 3},
	"auth.mfa.enable":             {"mfa.enable", "success", "informational", 3001, 10},
	"auth.mfa.disable":            {"mfa.disable", "success", "high", 3001, 11},
	"auth.sso.deprovision":        {"user.deprovision", "success", "medium", 3001, 5},
	"auth.session.deleteAll":      {"session.terminate", "success", "low", 3002, 2},
	"api.key.enable":              {"api_key.enable", "success", "medium", 3004, 8},
	"api.key.regenerate":          {"api_key.rotate", "success", "medium", 3004, 3},
	"developer.app.create":        {"oauth_app.create", "success", "medium", 3004, 1},
	"developer.app.delete":        {"oauth_app.delete", "success", "low", 3004, 4},
	"developer.app.resetSecret":   {"oauth_app.secret_rotate", "success", "medium", 3004, 3},
	"user.invite":                 {"user.invite", "success", "low", 3001, 99},
	"user.invite.resend":          {"user.invite_resend", "success", "informational", 3001, 99},
	"user.invite.revoke":          {"user.invite_revoke", "success", "informational", 3001, 99},
	"user.disable":                {"user.disable", "success", "medium", 3001, 5},
	"user.roleChange":             {"user.role_change", "success", "high", 3005, 1}, // to admin: privileged
	"user.accessChange":           {"user.permission_update", "success", "medium", 3005, 1},
	"org.requireMfa":              {"org.mfa_requirement_change", "success", "high", 3004, 9}, // turned off
	"org.changeName":              {"org.rename", "success", "low", 3004, 5},
	"org.delete":                  {"org.delete", "success", "critical", 3004, 4},
	"group.create":                {"group.create", "success", "informational", 3006, 6},
	"group.rename":                {"group.rename", "success", "informational", 3006, 99},
	"group.delete":                {"group.delete", "success", "low", 3006, 5},
	"group.membersChange":         {"group.membership_change", "success", "low", 3006, 99}, // adds and removes
	"group.accessChange":          {"group.permission_update", "success", "medium", 3006, 2},
}

func TestGolden(t *testing.T) {
	require.Len(t, want, 31)
	require.Len(t, Mappings(), 31)
	got := sourcetest.Golden(t, Vendor, Decode)
	for code, w := range want {
		ld, ok := got[code]
		require.True(t, ok, "no testdata for %s", code)
		lr := sourcetest.Records(ld)[0]
		a := lr.Attributes().AsRaw()
		assert.Equal(t, code, a[schema.AttrEventCode], code)
		assert.Equal(t, w.action, a[schema.AttrEventAction], code)
		assert.Equal(t, w.outcome, a[schema.AttrEventOutcome], code)
		assert.Equal(t, w.severity, a[schema.AttrSeverity], code)
		assert.Equal(t, w.class, a[schema.AttrOCSFClassUID], code)
		assert.Equal(t, w.activity, a[schema.AttrOCSFActivityID], code)
		assert.NotZero(t, lr.Timestamp(), code)
		assert.Equal(t, "org_7Hq2", ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.id"])
	}
}

func TestPayloadFields(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, Decode)
	a := func(code string) map[string]any { return sourcetest.Records(got[code])[0].Attributes().AsRaw() }

	assert.Equal(t, "social", a("auth.login.success")["authtrail.auth.method"])
	assert.Equal(t, "google", a("auth.login.success")["authtrail.auth.provider"])
	fail := a("auth.login.failure")
	assert.Equal(t, "sam.member@acme.example", fail["user.email"], "the attempted email")
	assert.Equal(t, "invalid_credentials", fail["error.type"])
	assert.Equal(t, "Invalid password", fail["event.reason"])
	imp := a("auth.impersonate")
	assert.Equal(t, "usr_admin1", imp["user.id"])
	assert.Equal(t, "usr_m42", imp["user.effective.id"])
	self := a("auth.password.selfChange")
	assert.Equal(t, self["user.id"], self["user.target.id"], "self-service: actor = target")
	role := a("user.roleChange")
	assert.Equal(t, []any{"member"}, role["user.target.roles"])
	assert.Equal(t, []any{"admin"}, role["user.changes.roles"])
	assert.Equal(t, "admin", role["authtrail.change.to"])
	inv := a("user.invite")
	assert.Equal(t, "new.hire@acme.example", inv["user.target.email"])
	assert.Equal(t, []any{"member"}, inv["user.changes.roles"])
	mfa := a("org.requireMfa")
	assert.Equal(t, "disabled", mfa["authtrail.change.to"])
	assert.Equal(t, "policy", mfa["authtrail.target.type"])
	ren := a("org.changeName")
	assert.Equal(t, "Acme", ren["authtrail.change.from"])
	assert.Equal(t, "Acme Forms", ren["authtrail.change.to"])
	grp := a("group.membersChange")
	assert.Equal(t, "grp_3", grp["group.id"])
	assert.Equal(t, int64(3), grp["fillout.members.added"])
	assert.Equal(t, int64(1), grp["fillout.members.removed"])
	assert.Equal(t, "Membership Change", grp["ocsf.activity_name"])
	key := a("api.key.regenerate")
	assert.Equal(t, "key_org_7Hq2", key["authtrail.target.id"])
	assert.Equal(t, "api_key", key["authtrail.target.type"])
	assert.Equal(t, "system", a("auth.sso.deprovision")["authtrail.actor.type"])
}

func TestPayloadDependentRows(t *testing.T) {
	for name, tc := range map[string]struct {
		in       string
		severity string
		activity int64
	}{
		"mfa requirement on": {`{"event":"org.requireMfa","payload":{"enabled":true}}`, "medium", 8},
		"role to viewer":     {`{"event":"user.roleChange","actor":{"email":"a@b.c"},"payload":{"target":{"type":"user","id":"u"},"from":"admin","to":"viewer"}}`, "medium", 1},
		"only additions":     {`{"event":"group.membersChange","payload":{"added":2,"removed":0}}`, "low", 3},
		"only removals":      {`{"event":"group.membersChange","payload":{"added":0,"removed":2}}`, "low", 4},
		"access both ways":   {`{"event":"user.accessChange","payload":{"changes":{"added":["a"],"removed":["b"]}}}`, "medium", 99},
	} {
		t.Run(name, func(t *testing.T) {
			ld, err := Decode([]byte(tc.in), sources.Options{})
			require.NoError(t, err)
			lr := sourcetest.Records(ld)[0]
			sourcetest.CheckRecord(t, lr, Vendor)
			assert.Equal(t, tc.severity, sourcetest.Attr(lr, schema.AttrSeverity))
			assert.Equal(t, tc.activity, lr.Attributes().AsRaw()[schema.AttrOCSFActivityID])
		})
	}
}

func TestAlternateFieldNamesAndUnknownEvents(t *testing.T) {
	ld, err := Decode([]byte(`{"type":"auth.logout","created_at":"2026-01-02T03:04:05Z","actor":{"email":"x@y.z"}}`), sources.Options{})
	require.NoError(t, err)
	lr := sourcetest.Records(ld)[0]
	assert.Equal(t, "identity.authentication.logout", lr.EventName())
	assert.Equal(t, int64(1767323045), lr.Timestamp().AsTime().Unix())

	ld, err = Decode([]byte(`{"event":"form.publish","actor":{"email":"x@y.z"},"payload":{"form_id":"f1"}}`), sources.Options{})
	require.NoError(t, err)
	lr = sourcetest.Records(ld)[0]
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.Equal(t, "f1", sourcetest.Attr(lr, "fillout.payload.form_id"))

	for in, msg := range map[string]string{
		`{"id":"x"}`: `missing string field "event"`,
		`{"event":"auth.logout","timestamp":"noon"}`: `field "timestamp"`,
		`[1]`:       "expected a JSON object",
		`{"event":`: "malformed JSON",
	} {
		_, err := Decode([]byte(in), sources.Options{})
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
	}
}

// Fields the mapping reads, in another shape than it reads them (a numeric
// id, an actor given as text, a list of added members), and fields it does
// not know inside the objects it reads, are kept under the namespace, not lost.
func TestFieldsOfUnexpectedShapesAreKept(t *testing.T) {
	ld, err := Decode([]byte(`{"id":12345,"event":"group.membersChange","actor":{"id":"u1","avatar":"a.png"},
		"organization":"Acme","ip_address":["203.0.113.7"],
		"payload":{"added":["u2","u3"],"enabled":"yes","target":{"type":"group","id":"g1","name":"G","size":3}}}`), sources.Options{})
	require.NoError(t, err)
	a := sourcetest.Records(ld)[0].Attributes().AsRaw()
	for k, want := range map[string]any{
		"fillout.id": int64(12345), "fillout.actor.avatar": "a.png", "fillout.organization": "Acme",
		"fillout.ip_address": []any{"203.0.113.7"}, "fillout.payload.added": []any{"u2", "u3"},
		"fillout.payload.enabled": "yes", "fillout.payload.target.size": int64(3),
		"user.id": "u1", "group.id": "g1",
	} {
		assert.Equal(t, want, a[k], k)
	}
	assert.NotContains(t, a, "fillout.actor.id", "what the mapping read stays consumed")
	assert.NotContains(t, a, "fillout.payload.target.id")

	// An event the table does not know keeps its payload whole.
	ld, err = Decode([]byte(`{"event":"form.share","payload":{"target":{"type":"form","id":"f1"},"email":"x@y.z"}}`), sources.Options{})
	require.NoError(t, err)
	a = sourcetest.Records(ld)[0].Attributes().AsRaw()
	assert.Equal(t, "f1", a["fillout.payload.target.id"])
	assert.Equal(t, "x@y.z", a["fillout.payload.email"])
}
