package googleworkspace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

const testdataDir = "google_workspace"

// want is the table of docs/schema.md#google-workspace plus the login rows: action, outcome,
// severity, ECS type, OCSF class/activity.
var want = map[string]struct {
	action, outcome, severity, typ string
	class, activity                int64
}{
	"2sv_disable":                    {"mfa.disable", "success", "high", `["user","change"]`, 3001, 11},
	"2sv_enroll":                     {"mfa.enable", "success", "informational", `["user","change"]`, 3001, 10},
	"password_edit":                  {"password.change", "success", "low", `["user","change"]`, 3001, 3},
	"recovery_email_edit":            {"user.recovery_update", "success", "medium", `["user","change"]`, 3001, 99},
	"recovery_phone_edit":            {"user.recovery_update", "success", "medium", `["user","change"]`, 3001, 99},
	"recovery_secret_qa_edit":        {"user.recovery_update", "success", "medium", `["user","change"]`, 3001, 99},
	"titanium_enroll":                {"advanced_protection.enroll", "success", "informational", `["user","change"]`, 3001, 10},
	"titanium_unenroll":              {"advanced_protection.unenroll", "success", "high", `["user","change"]`, 3001, 11},
	"email_forwarding_out_of_domain": {"mail_forwarding.enable", "success", "high", `["change"]`, 3004, 8},
	"login_success":                  {"authentication.login", "success", "informational", `["start"]`, 3002, 1},
	"login_failure":                  {"authentication.login", "failure", "low", `["start"]`, 3002, 1},
	"login_failure_second_factor":    {"authentication.login", "failure", "medium", `["start"]`, 3002, 1},
	"logout":                         {"authentication.logout", "success", "informational", `["end"]`, 3002, 2},
	"login_challenge":                {"authentication.verify", "failure", "informational", `["info"]`, 3002, 99},
	"suspicious_login":               {"authentication.login", "unknown", "high", `["start"]`, 3002, 1},
	"account_disabled_hijacked":      {"user.disable", "success", "medium", `["user","change"]`, 3001, 5},
}

func TestGolden(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	for name, w := range want {
		ld, ok := got[name]
		require.True(t, ok, "no testdata for %s", name)
		lr := sourcetest.Records(ld)[0]
		a := lr.Attributes().AsRaw()
		assert.Equal(t, w.action, a[schema.AttrEventAction], name)
		assert.Equal(t, w.outcome, a[schema.AttrEventOutcome], name)
		assert.Equal(t, w.severity, a[schema.AttrSeverity], name)
		assert.Equal(t, w.typ, sourcetest.Attr(lr, schema.AttrEventType), name)
		assert.Equal(t, w.class, a[schema.AttrOCSFClassUID], name)
		assert.Equal(t, w.activity, a[schema.AttrOCSFActivityID], name)
		assert.Equal(t, "203.0.113.77", a[schema.AttrClientAddress], name)
		assert.Equal(t, "2026-10-02T15:00:00.123Z", lr.Timestamp().AsTime().Format("2006-01-02T15:04:05.000Z"), name)
		res := ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()
		assert.Equal(t, "C03az79cb", res[schema.AttrOrganizationID])
		assert.Equal(t, "example.com", res[schema.AttrOrganizationName])
		assert.Equal(t, "google-workspace", res[schema.AttrServiceName])
	}
}

func TestUserAccountsAreSelfService(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	a := sourcetest.Records(got["2sv_disable"])[0].Attributes().AsRaw()
	assert.Equal(t, "105250506097979753968", a["user.id"])
	assert.Equal(t, "liz@example.com", a["user.email"])
	assert.Equal(t, a["user.id"], a["user.target.id"], "actor = target (docs/schema.md#d1-actor-and-target)")
	assert.Equal(t, "google_workspace.user_accounts", a["event.dataset"])
	assert.Equal(t, "2sv_change", a["google_workspace.event.type"])
	assert.Equal(t, "USER", a["google_workspace.actor.caller_type"])
	assert.Equal(t, "liz@example.com has disabled 2-step verification", sourcetest.Records(got["2sv_disable"])[0].Body().Str())

	fwd := sourcetest.Records(got["email_forwarding_out_of_domain"])[0]
	assert.Equal(t, "liz.backup@gmail.example", sourcetest.Attr(fwd, "authtrail.change.to"))
	assert.Equal(t, "liz.backup@gmail.example", sourcetest.Attr(fwd, "google_workspace.user_accounts.email_forwarding_destination_address"))
	assert.Equal(t, "liz@example.com has enabled out of domain email forwarding to liz.backup@gmail.example.", fwd.Body().Str())

	rec := sourcetest.Records(got["recovery_phone_edit"])[0]
	assert.Equal(t, "recovery_phone", sourcetest.Attr(rec, "authtrail.change.field"))
}

func TestLoginEvents(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	ok := sourcetest.Records(got["login_success"])[0].Attributes().AsRaw()
	assert.Equal(t, "password", ok["authtrail.auth.method"])
	assert.NotContains(t, ok, "user.target.id", "authentication events carry only the user")
	assert.Equal(t, []any{"password", "google_authenticator"}, ok["google_workspace.login.login_challenge_method"])
	assert.Equal(t, false, ok["google_workspace.login.is_suspicious"])

	fail := sourcetest.Records(got["login_failure"])[0].Attributes().AsRaw()
	assert.Equal(t, "invalid_credentials", fail["error.type"])
	mfa := sourcetest.Records(got["login_failure_second_factor"])[0].Attributes().AsRaw()
	assert.Equal(t, "mfa_failed", mfa["error.type"])
	assert.Equal(t, "secondary", mfa["authtrail.auth.factor"])
	assert.Equal(t, "totp", mfa["authtrail.auth.method"])

	dis := sourcetest.Records(got["account_disabled_hijacked"])[0].Attributes().AsRaw()
	assert.Equal(t, "bob@example.com", dis["user.target.email"])
	assert.Equal(t, "system", dis["authtrail.actor.type"])
}

func TestOneRecordPerEventWithStableIDs(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	recs := sourcetest.Records(got["two_events_one_activity"])
	require.Len(t, recs, 2)
	assert.Equal(t, "mfa.enable", sourcetest.Attr(recs[0], schema.AttrEventAction))
	assert.Equal(t, "advanced_protection.enroll", sourcetest.Attr(recs[1], schema.AttrEventAction))
	id0, id1 := sourcetest.Attr(recs[0], schema.AttrEventID), sourcetest.Attr(recs[1], schema.AttrEventID)
	assert.NotEqual(t, id0, id1)
	aid := &reports.ActivityId{Time: "2026-10-02T15:00:00.123Z", UniqueQualifier: 17, ApplicationName: "user_accounts", CustomerId: "C03az79cb"}
	assert.Equal(t, EventID(aid, 0, "2sv_enroll"), id0, "the id is a function of the activity id, index and name")
	assert.Len(t, id0, 32)
}

func TestUnknownEventPassesThrough(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	lr := sourcetest.Records(got["unmapped_event"])[0]
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.Equal(t, "risky_sensitive_action_allowed", sourcetest.Attr(lr, schema.AttrEventCode))
	assert.Equal(t, "account_recovery_update", sourcetest.Attr(lr, "google_workspace.login.sensitive_action_name"))
	assert.Equal(t, "liz@example.com", sourcetest.Attr(lr, "user.email"))
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct{ in, msg string }{
		"truncated":  {`{"items":[{"id":`, "malformed JSON"},
		"not a page": {`{"foo":1}`, "expected an Activities page"},
		"bad time":   {`{"items":[{"id":{"time":"noon"},"events":[{"name":"logout"}]}]}`, `items[0]: field "id.time"`},
		"no id":      {`{"items":[{"events":[{"name":"logout"}]}]}`, `items[0]: activity has no "id"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(tc.in), sources.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	// A single activity (not a page) is accepted too.
	ld, err := DecodeJSON([]byte(`{"id":{"time":"2026-01-01T00:00:00Z","applicationName":"login","customerId":"C1"},"events":[{"name":"logout"}]}`), sources.Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, ld.LogRecordCount())
}

func TestEveryMappingIsInTheVocabulary(t *testing.T) {
	for code, m := range Mappings() {
		_, ok := schema.Spec(m.Action)
		assert.True(t, ok, code)
	}
}
