package asgardeo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// The role, consent and purpose events of the current "Webhook events and
// payloads" page (Asgardeo; WSO2 Identity Server 7.4 for roles, 7.3 with
// consent events enabled), and one WSO2 Identity Server 7.3 payload. They live
// in their own folder: the OTTL comparison (bench/ottl) covers the 17 seed types.
func TestRolesAndConsents(t *testing.T) {
	got := sourcetest.Golden(t, Vendor+"/roles_consents", Decode)
	for name, w := range map[string]struct{ action, severity, targetType, targetName, changeTo, changeFrom, userTarget string }{
		"roleCreated":            {"config.create", "low", "role", "ROLE", "", "", ""},
		"roleMetaUpdated":        {"config.update", "low", "role", "ROLE-updated", "", "", ""},
		"roleDeleted":            {"config.delete", "medium", "role", "", "", "", ""},
		"rolePermissionsUpdated": {"config.update", "medium", "role", "ROLE", "internal_session_delete", "internal_session_view", ""},
		"roleUsersUpdated":       {"user.role_change", "medium", "role", "ROLE", "ROLE", "ROLE", ""},
		"roleUsersUpdated_admin": {"user.role_change", "high", "role", "Administrator", "Administrator", "", "abcuser"},
		"roleGroupsUpdated":      {"group.permission_update", "medium", "role", "ROLE", "ROLE", "", ""},
		"roleIdpGroupsUpdated":   {"group.permission_update", "medium", "role", "ROLE", "ROLE", "", ""},
		"consentAdded":           {"consent.grant", "informational", "consent_purpose", "Marketing Consent", "APPROVED", "", "peter@aol.com"},
		"consentRevoked":         {"consent.revoke", "informational", "consent_purpose", "Marketing Consent", "REVOKED", "", "peter@aol.com"},
		"purposeVersionAdded":    {"config.update", "low", "consent_purpose", "Marketing Consent", "2", "", ""},
	} {
		ld, ok := got[name]
		require.True(t, ok, "no input %s", name)
		lr := sourcetest.Records(ld)[0]
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		assert.Equal(t, w.action, a(schema.AttrEventAction), name)
		assert.Equal(t, "success", a(schema.AttrEventOutcome), name)
		assert.Equal(t, w.severity, a(schema.AttrSeverity), name)
		assert.Equal(t, w.targetType, a(schema.AttrTargetType), name)
		assert.Equal(t, w.targetName, a(schema.AttrTargetName), name)
		assert.Equal(t, w.changeTo, a(schema.AttrChangeTo), name)
		assert.Equal(t, w.changeFrom, a(schema.AttrChangeFrom), name)
		assert.Equal(t, w.userTarget, a("user.target.name"), name)
		assert.Equal(t, "127.0.0.1", a(schema.AttrClientAddress), "initiatorIpAddress is the client (%s)", name)
	}
	groups := sourcetest.Records(got["roleIdpGroupsUpdated"])[0]
	assert.Equal(t, "idpgroup1", sourcetest.Attr(groups, schema.AttrGroupName))
	consent := sourcetest.Records(got["consentAdded"])[0]
	assert.Equal(t, "peter@aol.com", sourcetest.Attr(consent, "user.email"), "the user consents on their own account")

	is := sourcetest.Records(got["wso2is_credentialUpdated"])[0]
	assert.Equal(t, "password.change", sourcetest.Attr(is, schema.AttrEventAction))
	assert.Equal(t, "203.0.113.10", sourcetest.Attr(is, schema.AttrClientAddress))
	assert.Equal(t, "myorg.com", got["wso2is_credentialUpdated"].ResourceLogs().At(0).Resource().Attributes().AsRaw()[schema.AttrOrganizationName])
}

// documentedEvents are the event types of the "Webhook events and payloads"
// page of the Asgardeo and WSO2 Identity Server 7.x documentation (2026-11).
var documentedEvents = []string{
	"loginSuccess", "loginFailed", "registrationSuccess", "registrationFailed",
	"accessTokenIssued", "accessTokenRevoked", "sessionEstablished", "sessionPresented", "sessionRevoked",
	"credentialUpdated", "userCreated", "userProfileUpdated", "userDisabled", "userEnabled",
	"userAccountLocked", "userAccountUnlocked", "userDeleted",
	"roleCreated", "roleMetaUpdated", "roleDeleted", "roleUsersUpdated", "roleGroupsUpdated",
	"roleIdpGroupsUpdated", "rolePermissionsUpdated",
	"consentAdded", "consentRevoked", "purposeVersionAdded",
}

func TestEveryDocumentedEventIsMapped(t *testing.T) {
	for _, name := range documentedEvents {
		m, ok := Mappings()[name]
		if assert.True(t, ok, "%s is documented but not mapped", name) {
			assert.NotEqual(t, schema.ActionUnmapped, m.Action, name)
		}
	}
}
