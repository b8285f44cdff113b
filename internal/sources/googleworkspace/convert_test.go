package googleworkspace

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

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
	items, err := activities(readTestdata(t, "two_events_one_activity.json"))
	require.NoError(t, err)
	assert.Equal(t, EventID(items[0], 0), id0)
	assert.Equal(t, EventID(items[0], 1), id1)
	assert.Len(t, id0, 32)
}

func TestAccountWarnings(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	recs := sourcetest.Records(got["login_account_warnings"])
	require.Len(t, recs, 3)
	allowed, blocked := recs[0].Attributes().AsRaw(), recs[1].Attributes().AsRaw()
	assert.Equal(t, "protection.allow", allowed["event.action"])
	assert.Equal(t, "success", allowed["event.outcome"])
	assert.Equal(t, "account_recovery_update", allowed["google_workspace.login.sensitive_action_name"])
	assert.Equal(t, "liz@example.com", allowed["user.email"])
	assert.Equal(t, "protection.block", blocked["event.action"])
	assert.Equal(t, "failure", blocked["event.outcome"])
	assert.Equal(t, "two_step_verification_disable", blocked["google_workspace.login.sensitive_action_name"])
	warning := recs[2].Attributes().AsRaw()
	assert.Equal(t, "threat.warning", warning["event.action"])
	assert.Equal(t, "high", warning["authtrail.severity"])
	assert.Equal(t, "liz@example.com", warning["user.target.email"])
	assert.NotContains(t, warning, "ocsf.class_uid", "no OCSF class (docs/schema.md#d7-tokens-and-sms-in-ocsf)")
}

func TestUnknownEventPassesThrough(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	var apiCall plog.LogRecord
	for _, lr := range sourcetest.Records(got["token"]) {
		if sourcetest.Attr(lr, schema.AttrEventCode) == "activity" {
			apiCall = lr
		}
	}
	assert.Equal(t, "identity.unmapped", apiCall.EventName(), "token activity (one API call) passes through")
	assert.Equal(t, "gmail", sourcetest.Attr(apiCall, "google_workspace.token.api_name"))
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

// records returns the records of the golden inputs named, by event.code.
func records(t *testing.T, got map[string]plog.Logs, names ...string) map[string]plog.LogRecord {
	t.Helper()
	out := map[string]plog.LogRecord{}
	for _, n := range names {
		ld, ok := got[n]
		require.True(t, ok, "no testdata for %s", n)
		for _, lr := range sourcetest.Records(ld) {
			out[sourcetest.Attr(lr, schema.AttrEventCode)] = lr
		}
	}
	return out
}

// adminWant is the admin table as the samples (one per documented event, built
// from the Reports API admin-* pages) show it: action, severity, OCSF class and
// activity. The actor is the administrator.
var adminWant = map[string]struct {
	action, severity string
	class, activity  int64
}{
	"CREATE_USER":                                    {"user.create", "informational", 3001, 1},
	"DELETE_USER":                                    {"user.delete", "medium", 3001, 6},
	"UNDELETE_USER":                                  {"user.enable", "low", 3001, 2},
	"SUSPEND_USER":                                   {"user.disable", "medium", 3001, 5},
	"UNSUSPEND_USER":                                 {"user.enable", "low", 3001, 2},
	"ARCHIVE_USER":                                   {"user.disable", "medium", 3001, 5},
	"UNARCHIVE_USER":                                 {"user.enable", "low", 3001, 2},
	"RENAME_USER":                                    {"user.identifier_update", "medium", 3001, 99},
	"USER_INVITE":                                    {"user.invite", "low", 3001, 99},
	"RESEND_USER_INVITE":                             {"user.invite_resend", "informational", 3001, 99},
	"CANCEL_USER_INVITE":                             {"user.invite_revoke", "informational", 3001, 99},
	"ADD_NICKNAME":                                   {"user.identifier_add", "low", 3001, 99},
	"REMOVE_NICKNAME":                                {"user.identifier_remove", "low", 3001, 99},
	"CHANGE_FIRST_NAME":                              {"user.update", "informational", 3001, 99},
	"CHANGE_LAST_NAME":                               {"user.update", "informational", 3001, 99},
	"MOVE_USER_TO_ORG_UNIT":                          {"user.update", "informational", 3001, 99},
	"UNBLOCK_USER_SESSION":                           {"user.unlock", "low", 3001, 12},
	"CHANGE_PASSWORD":                                {"password.change", "medium", 3001, 3},
	"CHANGE_PASSWORD_ON_NEXT_LOGIN":                  {"password.reset_request", "medium", 3001, 4},
	"TURN_OFF_2_STEP_VERIFICATION":                   {"mfa.disable", "high", 3001, 11},
	"USER_ENROLLED_IN_TWO_STEP_VERIFICATION":         {"mfa.enable", "low", 3001, 10},
	"UNENROLL_USER_FROM_STRONG_AUTH":                 {"mfa.disable", "high", 3001, 11},
	"SECURITY_KEY_REGISTERED_FOR_USER":               {"mfa.enable", "low", 3001, 10},
	"REVOKE_SECURITY_KEY":                            {"mfa.disable", "high", 3001, 11},
	"UNENROLL_USER_FROM_TITANIUM":                    {"advanced_protection.unenroll", "high", 3001, 11},
	"GENERATE_2SV_SCRATCH_CODES":                     {"user.recovery_update", "medium", 3001, 99},
	"DELETE_2SV_SCRATCH_CODES":                       {"user.recovery_update", "medium", 3001, 99},
	"ADD_RECOVERY_EMAIL":                             {"user.recovery_update", "medium", 3001, 99},
	"CHANGE_RECOVERY_EMAIL":                          {"user.recovery_update", "medium", 3001, 99},
	"REMOVE_RECOVERY_EMAIL":                          {"user.recovery_update", "medium", 3001, 99},
	"ADD_RECOVERY_PHONE":                             {"user.recovery_update", "medium", 3001, 99},
	"CHANGE_RECOVERY_PHONE":                          {"user.recovery_update", "medium", 3001, 99},
	"REMOVE_RECOVERY_PHONE":                          {"user.recovery_update", "medium", 3001, 99},
	"RESET_SIGNIN_COOKIES":                           {"session.terminate", "low", 3002, 2},
	"VIEW_TEMP_PASSWORD":                             {"secret.view", "medium", 3004, 2},
	"REVOKE_3LO_TOKEN":                               {"oauth_app.revoke", "informational", 3005, 2},
	"REVOKE_3LO_DEVICE_TOKENS":                       {"oauth_app.revoke", "informational", 3005, 2},
	"REVOKE_ASP":                                     {"token.revoke", "informational", 3002, 99},
	"GRANT_DELEGATED_ADMIN_PRIVILEGES":               {"user.role_change", "high", 3005, 1},
	"USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD": {"org.mfa_requirement_change", "medium", 3004, 3},
	"GRANT_ADMIN_PRIVILEGE":                          {"user.role_change", "high", 3005, 1},
	"REVOKE_ADMIN_PRIVILEGE":                         {"user.role_change", "medium", 3005, 2},
	"ASSIGN_ROLE":                                    {"user.role_change", "high", 3005, 1},
	"UNASSIGN_ROLE":                                  {"user.role_change", "medium", 3005, 2},
	"CREATE_ROLE":                                    {"config.create", "low", 3004, 1},
	"DELETE_ROLE":                                    {"config.delete", "medium", 3004, 4},
	"RENAME_ROLE":                                    {"config.update", "low", 3004, 3},
	"UPDATE_ROLE":                                    {"config.update", "low", 3004, 3},
	"ADD_PRIVILEGE":                                  {"config.update", "medium", 3004, 3},
	"REMOVE_PRIVILEGE":                               {"config.update", "low", 3004, 3},
	"CREATE_GROUP":                                   {"group.create", "informational", 3006, 6},
	"DELETE_GROUP":                                   {"group.delete", "low", 3006, 5},
	"ADD_GROUP_MEMBER":                               {"group.membership_change", "low", 3006, 3},
	"REMOVE_GROUP_MEMBER":                            {"group.membership_change", "low", 3006, 4},
	"UPDATE_GROUP_MEMBER":                            {"group.membership_change", "low", 3006, 99},
	"CHANGE_GROUP_NAME":                              {"group.rename", "informational", 3006, 99},
	"ENFORCE_STRONG_AUTHENTICATION":                  {"org.mfa_requirement_change", "high", 3004, 3},
	"ALLOW_STRONG_AUTHENTICATION":                    {"org.mfa_requirement_change", "medium", 3004, 3},
	"CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS":   {"org.mfa_requirement_change", "medium", 3004, 3},
	"CHANGE_TWO_STEP_VERIFICATION_ENROLLMENT_PERIOD_DURATION": {"org.mfa_requirement_change", "medium", 3004, 3},
	"CHANGE_TWO_STEP_VERIFICATION_GRACE_PERIOD_DURATION":      {"org.mfa_requirement_change", "medium", 3004, 3},
	"CHANGE_TWO_STEP_VERIFICATION_START_DATE":                 {"org.mfa_requirement_change", "medium", 3004, 3},
	"CHANGE_TWO_STEP_VERIFICATION_FREQUENCY":                  {"org.mfa_requirement_change", "medium", 3004, 3},
	"ENABLE_NON_ADMIN_USER_PASSWORD_RECOVERY":                 {"org.security_policy_change", "medium", 3004, 3},
	"WEAK_PROGRAMMATIC_LOGIN_SETTINGS_CHANGED":                {"org.security_policy_change", "medium", 3004, 3},
	"CHANGE_SESSION_LENGTH":                                   {"org.security_policy_change", "medium", 3004, 3},
	"SESSION_CONTROL_SETTINGS_CHANGE":                         {"org.security_policy_change", "medium", 3004, 3},
	"ADD_TO_TRUSTED_OAUTH2_APPS":                              {"oauth_app.authorize", "medium", 3005, 1},
	"REMOVE_FROM_TRUSTED_OAUTH2_APPS":                         {"oauth_app.revoke", "informational", 3005, 2},
	"AUTHORIZE_API_CLIENT_ACCESS":                             {"oauth_app.authorize", "high", 3005, 1},
	"REMOVE_API_CLIENT_ACCESS":                                {"oauth_app.revoke", "informational", 3005, 2},
	"CHANGE_PASSWORD_MIN_LENGTH":                              {"org.security_policy_change", "medium", 3004, 3},
	"CHANGE_PASSWORD_MAX_LENGTH":                              {"org.security_policy_change", "medium", 3004, 3},
	"TOGGLE_ALLOW_ADMIN_PASSWORD_RESET":                       {"org.security_policy_change", "medium", 3004, 3},
	"TOGGLE_SSO_ENABLED":                                      {"org.security_policy_change", "medium", 3004, 3},
}

var adminSamples = []string{"admin_user_settings", "admin_delegated_admin_settings", "admin_group_settings",
	"admin_security_settings", "admin_domain_settings"}

func TestAdminEvents(t *testing.T) {
	recs := records(t, sourcetest.Golden(t, testdataDir, DecodeJSON), adminSamples...)
	require.Len(t, adminWant, len(admin), "every admin row has an expectation")
	for code, w := range adminWant {
		lr, ok := recs[code]
		require.True(t, ok, "no sample for %s", code)
		a := lr.Attributes().AsRaw()
		assert.Equal(t, w.action, a[schema.AttrEventAction], code)
		assert.Equal(t, "success", a[schema.AttrEventOutcome], code)
		assert.Equal(t, w.severity, a[schema.AttrSeverity], code)
		assert.Equal(t, w.class, a[schema.AttrOCSFClassUID], code)
		assert.Equal(t, w.activity, a[schema.AttrOCSFActivityID], code)
		assert.Equal(t, "admin@example.com", a["user.email"], code)
		assert.Equal(t, "admin", a[schema.AttrActorType], code)
		assert.Equal(t, "google_workspace.admin", a[schema.AttrEventDataset], code)
	}

	// Who granted whom super-admin: actor, target and role, high severity.
	grant := recs["GRANT_ADMIN_PRIVILEGE"].Attributes().AsRaw()
	assert.Equal(t, "bob@example.com", grant["user.target.email"])
	assert.Equal(t, []any{"Super Admin"}, grant["user.changes.roles"])
	assert.Equal(t, "Super Admin", grant["authtrail.change.to"])
	revoke := recs["REVOKE_ADMIN_PRIVILEGE"].Attributes().AsRaw()
	assert.Equal(t, []any{"Super Admin"}, revoke["user.target.roles"], "the role taken away")
	assert.NotContains(t, revoke, "user.changes.roles")
	assign := recs["ASSIGN_ROLE"].Attributes().AsRaw()
	assert.Equal(t, []any{"Super Admin"}, assign["user.changes.roles"], "_SEED_ADMIN_ROLE is the super admin role")
	assert.Equal(t, "_SEED_ADMIN_ROLE", assign["google_workspace.admin.role_name"])
	assert.Equal(t, []any{"_GROUPS_READER_ROLE"}, recs["UNASSIGN_ROLE"].Attributes().AsRaw()["user.target.roles"])

	// The legacy grant names the privileges in NEW_VALUE.
	delegated := recs["GRANT_DELEGATED_ADMIN_PRIVILEGES"].Attributes().AsRaw()
	assert.Equal(t, "bob@example.com", delegated["user.target.email"])
	assert.Equal(t, []any{"User Management Admin"}, delegated["user.changes.roles"])

	// An administrator revoking a user's app-specific password: the user is the
	// target, ASP_ID the credential.
	asp := recs["REVOKE_ASP"].Attributes().AsRaw()
	assert.Equal(t, "bob@example.com", asp["user.target.email"])
	assert.Equal(t, "app_specific_password", asp["authtrail.target.type"])
	assert.Equal(t, "7", asp["authtrail.target.id"])

	// A user exempted from 2-step verification enforcement until NEW_VALUE.
	grace := recs["USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD"].Attributes().AsRaw()
	assert.Equal(t, "bob@example.com", grace["user.target.email"])
	assert.Equal(t, "2sv_grace_period_until", grace["authtrail.change.field"])
	assert.Equal(t, "2026-10-09T15:00:00Z", grace["authtrail.change.to"])

	// An administrator changing another user's password: actor admin, target user.
	pw := recs["CHANGE_PASSWORD"]
	assert.Equal(t, "bob@example.com", sourcetest.Attr(pw, "user.target.email"))
	assert.Equal(t, "Password changed for bob@example.com by admin@example.com", pw.Body().Str())

	rename := recs["RENAME_USER"].Attributes().AsRaw()
	assert.Equal(t, "robert@example.com", rename["user.changes.email"])
	assert.Equal(t, "bob@example.com", rename["authtrail.change.from"])

	alias := recs["ADD_NICKNAME"].Attributes().AsRaw()
	assert.Equal(t, "bobby@example.com", alias["authtrail.change.to"])
	assert.Equal(t, "email_alias", alias["authtrail.change.field"])
	assert.Equal(t, "OWNER", sourcetest.Attr(recs["UPDATE_GROUP_MEMBER"], "authtrail.change.to"))

	priv := recs["ADD_PRIVILEGE"].Attributes().AsRaw()
	assert.Equal(t, "Support Desk", priv["authtrail.target.name"])
	assert.Equal(t, "role", priv["authtrail.target.type"])
	assert.Equal(t, "USERS_RESET_PASSWORD", priv["authtrail.change.to"])
	assert.Equal(t, "Support Desk", sourcetest.Attr(recs["RENAME_ROLE"], "authtrail.change.from"))
	assert.Equal(t, "Service Desk", sourcetest.Attr(recs["RENAME_ROLE"], "authtrail.change.to"))
	assert.Equal(t, "bob@example.com", sourcetest.Attr(recs["VIEW_TEMP_PASSWORD"], "user.target.email"))

	member := recs["ADD_GROUP_MEMBER"].Attributes().AsRaw()
	assert.Equal(t, "finance@example.com", member["group.name"])
	assert.Equal(t, "bob@example.com", member["user.target.email"])

	off := recs["ENFORCE_STRONG_AUTHENTICATION"].Attributes().AsRaw()
	assert.Equal(t, "false", off["authtrail.change.to"])
	assert.Equal(t, "/Engineering", off["authtrail.target.name"])

	dwd := recs["AUTHORIZE_API_CLIENT_ACCESS"].Attributes().AsRaw()
	assert.Equal(t, "112233445566778899000", dwd["authtrail.target.id"])
	assert.Equal(t, "oauth_client", dwd["authtrail.target.type"])
	assert.Equal(t, "https://mail.google.com/ https://www.googleapis.com/auth/admin.directory.user", dwd["authtrail.change.to"])

	trusted := recs["ADD_TO_TRUSTED_OAUTH2_APPS"].Attributes().AsRaw()
	assert.Equal(t, "Acme Mail Merge", trusted["authtrail.application.name"])
	assert.Equal(t, "1234567890-abc.apps.googleusercontent.com", sourcetest.Attr(recs["REVOKE_3LO_TOKEN"], "authtrail.application.id"))

	// Other admin events pass through.
	other := recs["CHANGE_ACCOUNT_AUTO_RENEWAL"]
	assert.Equal(t, "identity.unmapped", other.EventName())
	assert.Equal(t, "RENEWAL_BY_LICENSES", sourcetest.Attr(other, "google_workspace.admin.new_value"))
}

func TestTokenEvents(t *testing.T) {
	recs := records(t, sourcetest.Golden(t, testdataDir, DecodeJSON), "token")
	scopes := "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/userinfo.email"
	for code, w := range map[string]struct{ action, severity, scopeKey string }{
		"authorize": {"oauth_app.authorize", "low", "authtrail.change.to"},
		"revoke":    {"oauth_app.revoke", "informational", "authtrail.change.from"},
	} {
		a := recs[code].Attributes().AsRaw()
		assert.Equal(t, w.action, a[schema.AttrEventAction], code)
		assert.Equal(t, w.severity, a[schema.AttrSeverity], code)
		assert.Equal(t, "liz@example.com", a["user.email"], code)
		assert.Equal(t, "liz@example.com", a["user.target.email"], "a grant of one's own data is self-service")
		assert.Equal(t, "Acme Mail Merge", a["authtrail.application.name"], code)
		assert.Equal(t, "555000111-mailmerge.apps.googleusercontent.com", a["authtrail.application.id"], code)
		assert.Equal(t, scopes, a[w.scopeKey], code)
		assert.Equal(t, int64(3005), a[schema.AttrOCSFClassUID], code)
	}
	assert.Equal(t, "liz@example.com authorized access to Acme Mail Merge for "+scopes+" scopes", recs["authorize"].Body().Str())
	assert.Equal(t, "identity.unmapped", recs["activity"].EventName(), "API calls by an authorized app pass through")
}

func TestSAMLEvents(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	recs := records(t, got, "saml")
	ok := recs["login_success"].Attributes().AsRaw()
	assert.Equal(t, "authentication.login", ok[schema.AttrEventAction])
	assert.Equal(t, "Acme Payroll", ok["authtrail.application.name"])
	assert.Equal(t, "sso_saml", ok["authtrail.auth.method"])
	assert.Equal(t, "google_workspace.saml", ok[schema.AttrEventDataset])

	fail := recs["login_failure"]
	a := fail.Attributes().AsRaw()
	assert.Equal(t, "failure", a[schema.AttrEventOutcome])
	assert.Equal(t, "failure_app_not_enabled_for_user", a["event.reason"])
	assert.Equal(t, "_OTHER", a["error.type"])
	assert.Equal(t, "low", a[schema.AttrSeverity])
	assert.Equal(t, "liz@example.com failed to login because of the following error: failure_app_not_enabled_for_user", fail.Body().Str())

	// The login application's login_success is a Google sign-in, not a SAML one.
	google := sourcetest.Records(got["login_success"])[0].Attributes().AsRaw()
	assert.Equal(t, "password", google["authtrail.auth.method"])
	assert.NotContains(t, google, "authtrail.application.name")
}

// Event names mean what their application's table says; an application with no
// table passes through even when an event name matches another application's.
func TestTablesArePerApplication(t *testing.T) {
	ld, err := DecodeJSON([]byte(`{"id":{"time":"2026-01-01T00:00:00Z","applicationName":"drive","customerId":"C1"},`+
		`"actor":{"email":"liz@example.com"},"events":[{"name":"login_success"},{"name":"CREATE_USER"}]}`), sources.Options{})
	require.NoError(t, err)
	for _, lr := range sourcetest.Records(ld) {
		assert.Equal(t, "identity.unmapped", lr.EventName(), sourcetest.Attr(lr, schema.AttrEventCode))
	}
	ld, err = DecodeJSON([]byte(`{"id":{"time":"2026-01-01T00:00:00Z","applicationName":"token","customerId":"C1"},`+
		`"actor":{"email":"liz@example.com"},"events":[{"name":"CREATE_USER"}]}`), sources.Options{})
	require.NoError(t, err)
	assert.Equal(t, "identity.unmapped", sourcetest.Records(ld)[0].EventName(), "an admin event name in the token application")
}

// Every row of the admin, token and saml tables has a sample in testdata.
func TestEveryNewRowHasASample(t *testing.T) {
	got := sourcetest.Golden(t, testdataDir, DecodeJSON)
	seen := map[string]bool{}
	for _, ld := range got {
		for _, lr := range sourcetest.Records(ld) {
			if lr.EventName() != "identity.unmapped" {
				seen[sourcetest.Attr(lr, schema.AttrEventCode)+"/"+strings.TrimPrefix(sourcetest.Attr(lr, schema.AttrEventDataset), "google_workspace.")] = true
			}
		}
	}
	for key := range Mappings() {
		if strings.Contains(key, "/") {
			assert.True(t, seen[key], "no sample maps %s", key)
		}
	}
}

// An administrator's change names an admin actor, unless an API key made it.
func TestAdminActorType(t *testing.T) {
	for caller, want := range map[string]string{"": "admin", "USER": "admin", "KEY": "api_key"} {
		ld, err := DecodeJSON([]byte(`{"id":{"time":"2026-01-01T00:00:00Z","applicationName":"admin","customerId":"C1"},`+
			`"actor":{"email":"admin@example.com","callerType":"`+caller+`"},"events":[{"name":"SUSPEND_USER",`+
			`"parameters":[{"name":"USER_EMAIL","value":"bob@example.com"}]}]}`), sources.Options{})
		require.NoError(t, err)
		lr := sourcetest.Records(ld)[0]
		assert.Equal(t, want, sourcetest.Attr(lr, schema.AttrActorType), "callerType %q", caller)
		assert.Equal(t, "bob@example.com", sourcetest.Attr(lr, "user.target.email"))
	}
}
