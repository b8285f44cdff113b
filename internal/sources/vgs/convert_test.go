package vgs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// want is the VGS table of docs/schema.md#vgs, written out independently of mapping.go.
var want = map[string]struct {
	action, category, typ, severity, target string
	class, activity                         int64
}{
	"user_logged_in":                 {"authentication.login", `["authentication","session"]`, `["start"]`, "informational", "", 3002, 1},
	"user_permissions_updated":       {"user.permission_update", `["iam"]`, `["user","change"]`, "medium", "test@test.com", 3005, 1},
	"user_permissions_deleted":       {"user.permission_remove", `["iam"]`, `["user","deletion"]`, "medium", "test@test.com", 3005, 2},
	"user_password_updated":          {"password.change", `["iam"]`, `["user","change"]`, "low", "test@test.com", 3001, 3},
	"user_password_updated_by_admin": {"password.change", `["iam"]`, `["user","change"]`, "medium", "bob@example.com", 3001, 3},
	"user_mfa_created":               {"mfa.enable", `["iam"]`, `["user","change"]`, "informational", "test@test.com", 3001, 10},
	"user_mfa_deleted":               {"mfa.disable", `["iam"]`, `["user","change"]`, "high", "test@test.com", 3001, 11},
}

func mustInt(t *testing.T, m interface {
	Get(string) (pcommon.Value, bool)
}, k string) int64 {
	t.Helper()
	v, ok := m.Get(k)
	require.True(t, ok, k)
	return v.Int()
}

func TestGolden(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, Decode)
	for name, w := range want {
		ld, ok := got[name]
		require.True(t, ok, "no input %s", name)
		lr := sourcetest.Records(ld)[0]
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		assert.Equal(t, w.action, a(schema.AttrEventAction), name)
		assert.Equal(t, w.category, a(schema.AttrEventCategory), name)
		assert.Equal(t, w.typ, a(schema.AttrEventType), name)
		assert.Equal(t, "success", a(schema.AttrEventOutcome), name)
		assert.Equal(t, w.severity, a(schema.AttrSeverity), name)
		assert.Equal(t, w.target, a("user.target.email"), name)
		assert.Equal(t, w.class, mustInt(t, lr.Attributes(), schema.AttrOCSFClassUID), name)
		assert.Equal(t, w.activity, mustInt(t, lr.Attributes(), schema.AttrOCSFActivityID), name)
		assert.Equal(t, "vgs.webhook", a(schema.AttrEventDataset))
		assert.NotEmpty(t, a(schema.AttrEventID))
		assert.NotEmpty(t, a("user.email"), "actor")
		assert.NotEmpty(t, a(schema.AttrClientAddress))
		assert.Contains(t, a(schema.AttrRelatedIP), a(schema.AttrClientAddress))
		assert.NotZero(t, lr.Timestamp())
		org, _ := ld.ResourceLogs().At(0).Resource().Attributes().Get(schema.AttrOrganizationID)
		assert.Equal(t, "ACxxxxxxxxxxxxxxxxx2399", org.Str())
	}
}

func TestSeedFieldsMapped(t *testing.T) {
	raw := []byte(`{"event":"user.logged_in","id":"i1","timestamp":"2025-10-23T16:31:39.680Z",
		"summary":"User \"a@b.c\" logged in","org_id":"AC1","tenant":"AC1","integration_id":"IN1",
		"grouping":"every_single","occurrence":1,"scope":"user","description":"User logged in",
		"details":{"user_email":"a@b.c","user_ip":"100.151.54.26"},"producer":{"user_agent":"UA/1","user_email":"a@b.c"}}`)
	ld, err := Decode(raw, sources.Options{IncludeOriginal: true})
	require.NoError(t, err)
	lr := sourcetest.Records(ld)[0]
	assert.Equal(t, "2025-10-23T16:31:39.68Z", lr.Timestamp().AsTime().Format("2006-01-02T15:04:05.999Z07:00"))
	assert.Equal(t, "identity.authentication.login", lr.EventName())
	assert.Equal(t, `User "a@b.c" logged in`, lr.Body().Str())
	for k, v := range map[string]string{
		"user.email": "a@b.c", "user.name": "a@b.c", "client.address": "100.151.54.26",
		"user_agent.original": "UA/1", "event.id": "i1", "event.code": "user.logged_in",
		"vgs.integration_id": "IN1", "vgs.grouping": "every_single", "vgs.occurrence": "1",
		"vgs.scope": "user", "vgs.description": "User logged in", "event.original": string(raw),
		"authtrail.actor.type": "user", "related.user": `["a@b.c"]`,
	} {
		assert.Equal(t, v, sourcetest.Attr(lr, k), k)
	}
	// Authentication events set only the authenticating user.
	assert.Empty(t, sourcetest.Attr(lr, "user.target.email"))
	assert.Empty(t, sourcetest.Attr(lr, "vgs.tenant"), "tenant repeats org_id")
}

func TestUnknownEventPassesThrough(t *testing.T) {
	ld, err := Decode([]byte(`{"event":"vault.archived","id":"v1","org_id":"AC1","details":{"vault_id":"tnt1"}}`), sources.Options{})
	require.NoError(t, err)
	lr := sourcetest.Records(ld)[0]
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.Equal(t, "vault.archived", sourcetest.Attr(lr, schema.AttrEventCode))
	assert.Equal(t, "unknown", sourcetest.Attr(lr, schema.AttrEventOutcome))
	assert.Equal(t, "tnt1", sourcetest.Attr(lr, "vgs.details.vault_id"))
	assert.Empty(t, sourcetest.Attr(lr, schema.AttrOCSFClassUID))
	assert.Equal(t, "Vendor event vault.archived", lr.Body().Str())
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct{ in, msg string }{
		"not json":         {`{"event":`, "malformed JSON"},
		"array":            {`[{"event":"user.logged_in"}]`, "expected a JSON object"},
		"no event":         {`{"id":"x"}`, `missing string field "event"`},
		"event not str":    {`{"event":5}`, `missing string field "event"`},
		"bad timestamp":    {`{"event":"user.logged_in","timestamp":"yesterday"}`, `field "timestamp"`},
		"number timestamp": {`{"event":"user.logged_in","timestamp":12}`, `field "timestamp"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), sources.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestEveryMappingIsInTheVocabulary(t *testing.T) {
	require.Len(t, Mappings(), 40)
	for code, m := range Mappings() {
		_, ok := schema.Spec(m.Action)
		assert.True(t, ok, code)
	}
}

// The vault, route, card, network-token and 3-D Secure families of the same
// channel (samples built from docs.verygoodsecurity.com: "Webhook Notifications"
// (vault/platform-insights/notifications), "Account Updater Notifications",
// "Network Token Events" and the CMP "Notifications" page).
func TestConfigurationFamilies(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, Decode)
	for name, w := range map[string]struct{ action, outcome, severity, targetType, targetID, targetName, actorType string }{
		"route_created":                 {"config.create", "success", "medium", "route", "c4b0e1f2", "inbound-payments", "user"},
		"route_updated":                 {"config.update", "success", "medium", "route", "c4b0e1f2", "inbound-payments", "user"},
		"route_delete":                  {"config.delete", "success", "medium", "route", "c4b0e1f2", "inbound-payments", "user"},
		"vault_created":                 {"config.create", "success", "low", "vault", "tntabc123", "payments-live", "user"},
		"au_card_updated":               {"config.update", "success", "informational", "card", "CRDuVQCsenqj6dbHFQq9gen2E", "", "application"},
		"cmp_au_card_enrollment_failed": {"config.create", "failure", "low", "card", "CRDnKQt89XXFRQVB", "9200", "application"},
		"network_token_suspended":       {"config.update", "success", "informational", "network_token", "0e28d9f6-d8a3-43ca-9bd8-b99c477c2b4c", "5114103XX3542293", "application"},
		"cmp_threeds_challenge_result":  {"authentication.verify", "failure", "informational", "card", "CRDecqZp3xRgXU3TFmtcDdzQs", "", "application"},
	} {
		ld, ok := got[name]
		require.True(t, ok, "no input %s", name)
		lr := sourcetest.Records(ld)[0]
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		assert.Equal(t, w.action, a(schema.AttrEventAction), name)
		assert.Equal(t, w.outcome, a(schema.AttrEventOutcome), name)
		assert.Equal(t, w.severity, a(schema.AttrSeverity), name)
		assert.Equal(t, w.targetType, a(schema.AttrTargetType), name)
		assert.Equal(t, w.targetID, a(schema.AttrTargetID), name)
		assert.Equal(t, w.targetName, a(schema.AttrTargetName), name)
		assert.Equal(t, w.actorType, a(schema.AttrActorType), name)
	}
	app := sourcetest.Records(got["au_card_updated"])[0]
	assert.Equal(t, "account-updater", sourcetest.Attr(app, schema.AttrApplicationName))
}

func TestThreeDSOutcomeFollowsSuccess(t *testing.T) {
	for success, outcome := range map[string]string{"true": "success", "false": "failure", "null": "unknown"} {
		raw := []byte(`{"event":"cmp_threeds.device_fingerprint","id":"x","timestamp":"2025-12-03T04:20:00.000Z","details":{"success":` + success + `}}`)
		ld, err := Decode(raw, sources.Options{})
		require.NoError(t, err)
		assert.Equal(t, outcome, sourcetest.Attr(sourcetest.Records(ld)[0], schema.AttrEventOutcome), success)
	}
}

// documentedEvents are the notification types of VGS's "Webhook Notifications"
// (vault/platform-insights/notifications), "Monitoring User Actions
// Programmatically", "Network Token Events" and CMP "Notifications" pages.
var documentedEvents = []string{
	"user.logged_in", "user.permissions_updated", "user.permissions_deleted", "user.password_updated",
	"user.mfa_created", "user.mfa_deleted",
	"route.created", "route.updated", "route.delete", "vault.created",
	"au_card.updated", "au_card.expired", "au_card.closed", "au_card.non_participating",
	"au_card.contact_cardholder_advice", "au_card.unknown", "au_card.enrolled", "au_card.opt_out",
	"cmp_au_card.updated", "cmp_au_card.expired", "cmp_au_card.closed", "cmp_au_card.non_participating",
	"cmp_au_card.contact_cardholder_advice", "cmp_au_card.unknown", "cmp_au_card.enrolled",
	"cmp_au_card.opt_out", "cmp_au_card.enrollment_failed",
	"network_token.updated", "network_token.used", "network_token.suspended", "network_token.activated",
	"network_token.deleted", "cmp_network_token.updated",
	"cmp_threeds.device_fingerprint", "cmp_threeds.challenge_result",
}

func TestEveryDocumentedEventIsMapped(t *testing.T) {
	for _, name := range documentedEvents {
		_, ok := Mappings()[name]
		assert.True(t, ok, "%s is documented but not mapped", name)
	}
}
