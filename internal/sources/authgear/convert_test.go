package authgear

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func decodePage(raw []byte, opts sources.Options) (plog.Logs, error) {
	p, err := DecodePage(raw, "fallback-project", opts)
	return p.Logs, err
}

// seedTypes are the activity types of Authgear's "Audit Log For Users Activities" page, each with a
// golden sample; everyRowWant holds their action, outcome and severity.
var seedTypes = []string{
	"AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED", "AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED",
	"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED", "AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED",
	"AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
	"AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED", "AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED",
	"AUTHENTICATION_SECONDARY_PASSWORD_FAILED", "AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED",
	"AUTHENTICATION_SECONDARY_TOTP_FAILED", "IDENTITY_BIOMETRIC_DISABLED", "IDENTITY_BIOMETRIC_ENABLED",
	"IDENTITY_EMAIL_ADDED", "IDENTITY_EMAIL_REMOVED", "IDENTITY_EMAIL_UPDATED", "IDENTITY_OAUTH_CONNECTED",
	"IDENTITY_OAUTH_DISCONNECTED", "IDENTITY_PHONE_ADDED", "IDENTITY_PHONE_REMOVED", "IDENTITY_PHONE_UPDATED",
	"IDENTITY_USERNAME_ADDED", "IDENTITY_USERNAME_REMOVED", "IDENTITY_USERNAME_UPDATED",
	"USER_ANONYMOUS_PROMOTED", "USER_AUTHENTICATED", "USER_CREATED", "USER_DELETED", "USER_DELETION_SCHEDULED",
	"USER_DELETION_UNSCHEDULED", "USER_DISABLED", "USER_PROFILE_UPDATED", "USER_REENABLED",
	"USER_SESSION_TERMINATED", "USER_SIGNED_OUT", "WHATSAPP_OTP_VERIFIED", "SMS_SENT", "EMAIL_SENT",
}

func TestGolden(t *testing.T) {
	require.Len(t, seedTypes, 38)
	got := sourcetest.Golden(t, Vendor, decodePage)
	for _, code := range seedTypes {
		w := everyRowWant[code]
		ld, ok := got[code]
		require.True(t, ok, "no testdata for %s", code)
		lr := sourcetest.Records(ld)[0]
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		assert.Equal(t, code, a(schema.AttrEventCode))
		assert.Equal(t, w[0], a(schema.AttrEventAction), code)
		assert.Equal(t, w[1], a(schema.AttrEventOutcome), code)
		assert.Equal(t, w[2], a(schema.AttrSeverity), code)
		assert.NotEmpty(t, a(schema.AttrEventID), code)
		assert.NotZero(t, lr.Timestamp(), code)
		assert.Equal(t, "HK", a(schema.AttrGeoCountryISOCode), code)
		assert.NotEmpty(t, a(schema.AttrClientAddress), code)
		res := ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()
		assert.Equal(t, "myapp", res[schema.AttrOrganizationID], code)
		assert.Empty(t, a("authgear.payload.user.standard_attributes.email"), "mapped PII is not repeated")
	}
}

func TestFieldMapping(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, decodePage)
	attrs := func(code string) map[string]any { return sourcetest.Records(got[code])[0].Attributes().AsRaw() }

	login := attrs("USER_AUTHENTICATED")
	assert.Equal(t, "8a2c4f1e-3b7d-4e9a-9c1f-2d6e8b0a4c57", login["user.id"])
	assert.Equal(t, "jane.doe@example.com", login["user.email"])
	assert.Equal(t, "jane", login["user.name"])
	assert.Equal(t, "Jane Doe", login["user.full_name"])
	assert.Equal(t, "sess-71d3a9", login["session.id"])
	assert.Equal(t, "f3c9a1b2e4d5c6a7", login["authtrail.application.id"])
	assert.Equal(t, "user", login["authtrail.actor.type"])
	assert.Equal(t, int64(41025), login["authgear.seq"])
	assert.Equal(t, "finance", login["authgear.payload.user.custom_attributes.department"])
	assert.NotContains(t, login, "user.target.id", "authentication events carry only the user")

	notFound := attrs("AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED")
	assert.Equal(t, "ghost@example.com", notFound["user.name"])
	assert.Equal(t, "user_not_found", notFound["error.type"])
	assert.Equal(t, "login_id", notFound["authtrail.auth.method"])

	mfa := attrs("AUTHENTICATION_SECONDARY_TOTP_FAILED")
	assert.Equal(t, "secondary", mfa["authtrail.auth.factor"])
	assert.Equal(t, "totp", mfa["authtrail.auth.method"])
	assert.Equal(t, "mfa_failed", mfa["error.type"])

	upd := attrs("IDENTITY_EMAIL_UPDATED")
	assert.Equal(t, "jane@newmail.example", upd["user.changes.email"])
	assert.Equal(t, "jane.doe@example.com", upd["authtrail.change.from"])
	assert.Equal(t, "jane@newmail.example", upd["authtrail.change.to"])
	assert.Equal(t, "email", upd["authtrail.change.field"])
	assert.Equal(t, "8a2c4f1e-3b7d-4e9a-9c1f-2d6e8b0a4c57", upd["user.target.id"])
	assert.Equal(t, upd["user.target.id"], upd["user.id"], "self-service: actor = target")
	assert.Contains(t, upd["related.user"], "jane@newmail.example")

	oauth := attrs("IDENTITY_OAUTH_CONNECTED")
	assert.Equal(t, "google", oauth["authtrail.auth.provider"])

	removed := attrs("IDENTITY_EMAIL_REMOVED")
	assert.Equal(t, "admin", removed["authtrail.actor.type"])
	assert.NotContains(t, removed, "user.id", "admin API: the actor is unknown")
	assert.Equal(t, "jane.doe@example.com", removed["authtrail.change.from"])

	del := attrs("USER_DELETED")
	assert.Equal(t, "admin_api", del["authgear.context.triggered_by"])

	sms := attrs("SMS_SENT")
	assert.NotContains(t, sms, "ocsf.class_uid", "no OCSF class for SMS (docs/schema.md#d7-tokens-and-sms-in-ocsf)")
}

func TestWebhookEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "authgear", "USER_AUTHENTICATED.json"))
	require.NoError(t, err)
	page, err := DecodePage(raw, "", sources.Options{})
	require.NoError(t, err)
	polled := sourcetest.Records(page.Logs)[0].Attributes().AsRaw()

	// The same event as a webhook POSTs it: only the data object.
	body := []byte(`{"id":"0b9c7e2a-0025-4f1a-8d3e-6a5b4c3d2e1f","seq":41025,"type":"user.authenticated",
		"payload":{"user":{"id":"u9","standard_attributes":{"email":"a@b.example"}},"session":{"id":"s9"}},
		"context":{"timestamp":1762078673,"user_id":"u9","triggered_by":"user","app_id":"myapp","ip_address":"198.51.100.23"}}`)
	ld, err := DecodeEvent(body, sources.Options{})
	require.NoError(t, err)
	lr := sourcetest.Records(ld)[0]
	sourcetest.CheckRecord(t, lr, Vendor)
	a := lr.Attributes().AsRaw()
	assert.Equal(t, "USER_AUTHENTICATED", a["event.code"])
	assert.Equal(t, polled["event.id"], a["event.id"], "webhook and poll share the event id (dedupe key)")
	assert.Equal(t, "authgear.webhook", a["event.dataset"])
	assert.Equal(t, "s9", a["session.id"])
	assert.Equal(t, int64(1762078673), lr.Timestamp().AsTime().Unix())
	assert.Equal(t, "myapp", ld.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.id"])
}

func TestUnknownActivityPassesThrough(t *testing.T) {
	raw := []byte(`{"data":{"auditLogs":{"edges":[{"node":{"activityType":"PROJECT_BILLING_CHECKOUT_CREATED",
		"createdAt":"2026-01-01T00:00:00Z","data":{"id":"x1","payload":{"k":"v"},"context":{"timestamp":1767225600}}}}],
		"pageInfo":{"hasNextPage":true,"endCursor":"b2Zmc2V0OjEwMA"}}}}`)
	page, err := DecodePage(raw, "proj", sources.Options{})
	require.NoError(t, err)
	assert.True(t, page.HasNext)
	assert.Equal(t, "b2Zmc2V0OjEwMA", page.Cursor)
	lr := sourcetest.Records(page.Logs)[0]
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.Equal(t, "v", sourcetest.Attr(lr, "authgear.payload.k"))
	assert.Equal(t, "proj", page.Logs.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.id"])
}

// The fuzzer found that a node without "data" crashed the decoder.
func TestNodeWithoutData(t *testing.T) {
	raw := []byte(`{"data":{"auditLogs":{"edges":[{"node":{"id":"QXVkaXRMb2c6MQ","activityType":"USER_CREATED","createdAt":"2026-01-01T00:00:00Z","ipAddress":"203.0.113.9"}}]}}}`)
	page, err := DecodePage(raw, "proj", sources.Options{})
	require.NoError(t, err)
	lr := sourcetest.Records(page.Logs)[0]
	assert.Equal(t, "identity.user.create", lr.EventName())
	assert.Equal(t, "203.0.113.9", sourcetest.Attr(lr, "client.address"))
	assert.Equal(t, "QXVkaXRMb2c6MQ", sourcetest.Attr(lr, schema.AttrEventID), "the node's id, so re-reads dedupe it")
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct{ in, msg string }{
		"truncated":     {`{"data":{"auditLogs":{"edges":[`, "malformed JSON"},
		"graphql error": {`{"errors":[{"message":"invalid cursor"}],"data":null}`, "GraphQL error: invalid cursor"},
		"no auditLogs":  {`{"data":{}}`, `no "data.auditLogs"`},
		"bad createdAt": {`{"data":{"auditLogs":{"edges":[{"node":{"activityType":"USER_CREATED","createdAt":"yesterday"}}]}}}`, `edges[0]: field "createdAt"`},
		"no node":       {`{"data":{"auditLogs":{"edges":[{}]}}}`, "edges[0]: missing node"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodePage([]byte(tc.in), "", sources.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	_, err := DecodeEvent([]byte(`{"id":"x"}`), sources.Options{})
	assert.ErrorIs(t, err, errNoType)
}
