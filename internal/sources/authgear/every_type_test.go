package authgear

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// triggeredBy is who Authgear says triggers each family (GetTriggeredBy of the
// server's event payloads).
func triggeredBy(code string) string {
	switch {
	case strings.HasPrefix(code, "ADMIN_API_"), code == "USER_DISABLED", code == "USER_REENABLED":
		return "admin_api"
	case strings.HasPrefix(code, "PROJECT_"):
		return "portal"
	case code == "USAGE_ALERT_TRIGGERED":
		return "system"
	}
	return "user"
}

// variantPayload sets the payload field a variant row is selected by.
func variantPayload(code, variant string) map[string]any {
	p := map[string]any{"user": map[string]any{"id": "u1", "standard_attributes": map[string]any{"email": "jane@example.com"}}}
	if variant == "" {
		return p
	}
	path := variants[code]
	var v any = variant
	if variant == "true" || variant == "false" {
		v = variant == "true"
	}
	m := p
	for _, k := range path[:len(path)-1] {
		child := map[string]any{}
		m[k] = child
		m = child
	}
	m[path[len(path)-1]] = v
	return p
}

// everyRow decodes one audit-log node per row of the table (and per
// pass-through type) and returns each record's action, outcome and severity.
func everyRow(t *testing.T) map[string][3]string {
	t.Helper()
	got := map[string][3]string{}
	keys := make([]string, 0, len(mappings)+len(passThrough))
	for k := range mappings {
		keys = append(keys, k)
	}
	for k := range passThrough {
		keys = append(keys, k)
	}
	for _, key := range keys {
		code, variant, _ := strings.Cut(key, "/")
		node := map[string]any{"activityType": code, "createdAt": "2026-08-21T10:00:00Z", "data": map[string]any{
			"id": "e-" + key, "payload": variantPayload(code, variant),
			"context": map[string]any{"timestamp": 1787306400, "triggered_by": triggeredBy(code), "app_id": "myapp"},
		}}
		raw, err := json.Marshal(map[string]any{"data": map[string]any{"auditLogs": map[string]any{"edges": []any{map[string]any{"node": node}}}}})
		require.NoError(t, err)
		page, err := DecodePage(raw, "", sources.Options{})
		require.NoError(t, err, key)
		lr := sourcetest.Records(page.Logs)[0]
		sourcetest.CheckRecord(t, lr, Vendor)
		a := func(k string) string { return sourcetest.Attr(lr, k) }
		got[key] = [3]string{a(schema.AttrEventAction), a(schema.AttrEventOutcome), a(schema.AttrSeverity)}
	}
	return got
}

// everyRowWant is the action, outcome and severity of each row of the table
// (docs/schema.md) and of each pass-through type, with an admin as the actor of
// Admin API and portal events.
var everyRowWant = map[string][3]string{
	"ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED":               {"group.permission_update", "success", "medium"},
	"ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED":               {"group.membership_change", "success", "low"},
	"ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED":         {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED":               {"group.permission_update", "success", "medium"},
	"ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED":                {"user.role_change", "success", "medium"},
	"ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED":           {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED":               {"group.membership_change", "success", "low"},
	"ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED":                {"user.role_change", "success", "medium"},
	"ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED":                   {"user.delete", "success", "medium"},
	"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED":             {"user.identifier_add", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED/secondary":   {"mfa.enable", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED":                     {"group.create", "success", "informational"},
	"ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED":                  {"user.identifier_add", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED":                  {"config.create", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED":                      {"config.create", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED":                     {"config.create", "success", "low"},
	"ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED":                   {"authentication.impersonate", "success", "high"},
	"ADMIN_API_MUTATION_CREATE_USER_EXECUTED":                      {"user.create", "success", "informational"},
	"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED":             {"user.identifier_remove", "success", "low"},
	"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED/secondary":   {"mfa.disable", "success", "high"},
	"ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED":             {"token.revoke", "success", "informational"},
	"ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED":                     {"group.delete", "success", "low"},
	"ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED":                  {"user.identifier_remove", "success", "low"},
	"ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED":                  {"config.delete", "success", "medium"},
	"ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED":                      {"config.delete", "success", "medium"},
	"ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED":                     {"config.delete", "success", "medium"},
	"ADMIN_API_MUTATION_DELETE_USER_EXECUTED":                      {"user.delete", "success", "medium"},
	"ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED":            {"otp.generate", "success", "high"},
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED":          {"group.permission_update", "success", "medium"},
	"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED":          {"group.membership_change", "success", "low"},
	"ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED":    {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED":          {"group.permission_update", "success", "medium"},
	"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED":           {"user.role_change", "success", "medium"},
	"ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED":      {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED":          {"group.membership_change", "success", "low"},
	"ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED":           {"user.role_change", "success", "medium"},
	"ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED":       {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED":            {"user.unlock", "success", "low"},
	"ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED":                   {"password.reset", "success", "medium"},
	"ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED":              {"session.terminate", "success", "low"},
	"ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED":                   {"session.terminate", "success", "low"},
	"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED":   {"user.delete_schedule", "success", "medium"},
	"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED":        {"user.delete_schedule", "success", "medium"},
	"ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED":      {"password.reset_request", "success", "medium"},
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED":           {"user.update", "success", "informational"},
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED":         {"user.update", "success", "informational"},
	"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED":          {"user.update", "success", "informational"},
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED":              {"user.disable", "success", "medium"},
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED/false":        {"user.enable", "success", "low"},
	"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED/true":         {"user.disable", "success", "medium"},
	"ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED":             {"user.update", "success", "informational"},
	"ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED":              {"user.identifier_update", "success", "low"},
	"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED": {"user.delete_unschedule", "success", "low"},
	"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED":      {"user.delete_unschedule", "success", "low"},
	"ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED":                     {"group.rename", "success", "informational"},
	"ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED":                  {"user.identifier_update", "success", "low"},
	"ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED":                  {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED":                      {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED":                     {"config.update", "success", "low"},
	"ADMIN_API_MUTATION_UPDATE_USER_EXECUTED":                      {"user.update", "success", "informational"},
	"AUTHENTICATION_BLOCKED":                                       {"authentication.login", "failure", "medium"},
	"AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED":                     {"authentication.login", "failure", "low"},
	"AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED":                     {"authentication.login", "failure", "low"},
	"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED":                      {"authentication.login", "failure", "low"},
	"AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED":                  {"authentication.login", "failure", "low"},
	"AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED":                    {"authentication.login", "failure", "low"},
	"AUTHENTICATION_PRIMARY_PASSWORD_FAILED":                       {"authentication.login", "failure", "low"},
	"AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED":                {"authentication.login", "failure", "medium"},
	"AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED":                  {"authentication.login", "failure", "medium"},
	"AUTHENTICATION_SECONDARY_PASSWORD_FAILED":                     {"authentication.login", "failure", "medium"},
	"AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED":                {"authentication.login", "failure", "medium"},
	"AUTHENTICATION_SECONDARY_TOTP_FAILED":                         {"authentication.login", "failure", "medium"},
	"BOT_PROTECTION_VERIFICATION_FAILED":                           {"protection.block", "failure", "medium"},
	"EMAIL_ERROR":                                                  {"notification.email_send", "failure", "informational"},
	"EMAIL_SENT":                                                   {"notification.email_send", "success", "informational"},
	"EMAIL_SUPPRESSED":                                             {"notification.email_send", "failure", "informational"},
	"FRAUD_PROTECTION_DECISION_RECORDED":                           {"protection.block", "failure", "medium"},
	"FRAUD_PROTECTION_DECISION_RECORDED/allowed":                   {"protection.allow", "success", "informational"},
	"FRAUD_PROTECTION_DECISION_RECORDED/blocked":                   {"protection.block", "failure", "medium"},
	"IDENTITY_BIOMETRIC_DISABLED":                                  {"user.identifier_remove", "success", "low"},
	"IDENTITY_BIOMETRIC_ENABLED":                                   {"user.identifier_add", "success", "informational"},
	"IDENTITY_EMAIL_ADDED":                                         {"user.identifier_add", "success", "low"},
	"IDENTITY_EMAIL_REMOVED":                                       {"user.identifier_remove", "success", "medium"},
	"IDENTITY_EMAIL_UNVERIFIED":                                    {"user.identifier_update", "success", "low"},
	"IDENTITY_EMAIL_UPDATED":                                       {"user.identifier_update", "success", "medium"},
	"IDENTITY_EMAIL_VERIFIED":                                      {"user.identifier_update", "success", "low"},
	"IDENTITY_OAUTH_CONNECTED":                                     {"user.identifier_add", "success", "low"},
	"IDENTITY_OAUTH_DISCONNECTED":                                  {"user.identifier_remove", "success", "low"},
	"IDENTITY_PHONE_ADDED":                                         {"user.identifier_add", "success", "low"},
	"IDENTITY_PHONE_REMOVED":                                       {"user.identifier_remove", "success", "medium"},
	"IDENTITY_PHONE_UNVERIFIED":                                    {"user.identifier_update", "success", "low"},
	"IDENTITY_PHONE_UPDATED":                                       {"user.identifier_update", "success", "medium"},
	"IDENTITY_PHONE_VERIFIED":                                      {"user.identifier_update", "success", "low"},
	"IDENTITY_USERNAME_ADDED":                                      {"user.identifier_add", "success", "low"},
	"IDENTITY_USERNAME_REMOVED":                                    {"user.identifier_remove", "success", "low"},
	"IDENTITY_USERNAME_UPDATED":                                    {"user.identifier_update", "success", "low"},
	"M2M_TOKEN_CREATED":                                            {"token.issue", "success", "informational"},
	"PROJECT_APP_CREATED":                                          {"config.create", "success", "low"},
	"PROJECT_APP_SECRET_VIEWED":                                    {"secret.view", "success", "high"},
	"PROJECT_APP_UPDATED":                                          {"config.update", "success", "low"},
	"PROJECT_BILLING_CHECKOUT_CREATED":                             {"unmapped", "unknown", "informational"},
	"PROJECT_BILLING_SUBSCRIPTION_CANCELLED":                       {"unmapped", "unknown", "informational"},
	"PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED":                  {"unmapped", "unknown", "informational"},
	"PROJECT_BILLING_SUBSCRIPTION_UPDATED":                         {"unmapped", "unknown", "informational"},
	"PROJECT_COLLABORATOR_DELETED":                                 {"user.permission_remove", "success", "medium"},
	"PROJECT_COLLABORATOR_INVITATION_ACCEPTED":                     {"user.role_change", "success", "medium"},
	"PROJECT_COLLABORATOR_INVITATION_CREATED":                      {"user.invite", "success", "medium"},
	"PROJECT_COLLABORATOR_INVITATION_DELETED":                      {"user.invite_revoke", "success", "informational"},
	"PROJECT_DOMAIN_CREATED":                                       {"config.create", "success", "low"},
	"PROJECT_DOMAIN_DELETED":                                       {"config.delete", "success", "medium"},
	"PROJECT_DOMAIN_VERIFIED":                                      {"config.update", "success", "low"},
	"RATE_LIMIT_BLOCKED":                                           {"protection.block", "failure", "medium"},
	"SMS_ERROR":                                                    {"notification.sms_send", "failure", "informational"},
	"SMS_SENT":                                                     {"notification.sms_send", "success", "informational"},
	"SMS_SUPPRESSED":                                               {"notification.sms_send", "failure", "informational"},
	"USAGE_ALERT_TRIGGERED":                                        {"unmapped", "unknown", "informational"},
	"USER_ANONYMIZATION_SCHEDULED":                                 {"user.delete_schedule", "success", "medium"},
	"USER_ANONYMIZATION_UNSCHEDULED":                               {"user.delete_unschedule", "success", "low"},
	"USER_ANONYMIZED":                                              {"user.delete", "success", "medium"},
	"USER_ANONYMOUS_PROMOTED":                                      {"user.promote", "success", "informational"},
	"USER_AUTHENTICATED":                                           {"authentication.login", "success", "informational"},
	"USER_CREATED":                                                 {"user.create", "success", "informational"},
	"USER_DELETED":                                                 {"user.delete", "success", "medium"},
	"USER_DELETION_SCHEDULED":                                      {"user.delete_schedule", "success", "medium"},
	"USER_DELETION_UNSCHEDULED":                                    {"user.delete_unschedule", "success", "low"},
	"USER_DISABLED":                                                {"user.disable", "success", "medium"},
	"USER_PROFILE_UPDATED":                                         {"user.update", "success", "informational"},
	"USER_REAUTHENTICATED":                                         {"authentication.verify", "success", "informational"},
	"USER_REENABLED":                                               {"user.enable", "success", "low"},
	"USER_SESSION_TERMINATED":                                      {"session.terminate", "success", "low"},
	"USER_SIGNED_OUT":                                              {"authentication.logout", "success", "informational"},
	"WHATSAPP_ERROR":                                               {"notification.whatsapp_send", "failure", "informational"},
	"WHATSAPP_OTP_VERIFIED":                                        {"authentication.verify", "success", "informational"},
	"WHATSAPP_SENT":                                                {"notification.whatsapp_send", "success", "informational"},
	"WHATSAPP_SUPPRESSED":                                          {"notification.whatsapp_send", "failure", "informational"},
}

func TestEveryRowActionOutcomeSeverity(t *testing.T) {
	got := everyRow(t)
	require.Len(t, got, len(everyRowWant))
	for key, want := range everyRowWant {
		assert.Equal(t, want, got[key], key)
	}
}

// The golden samples of the newer families (built from the payloads of the
// server's nonblocking events and the Audit Log pages of docs.authgear.com).
func TestNewerFamiliesFieldMapping(t *testing.T) {
	got := sourcetest.Golden(t, Vendor, decodePage)
	attrs := func(code string) map[string]any { return sourcetest.Records(got[code])[0].Attributes().AsRaw() }

	blocked := attrs("AUTHENTICATION_BLOCKED")
	assert.Equal(t, "account_locked", blocked["error.type"])
	assert.Equal(t, "jane.doe@example.com", blocked["user.email"])

	fraud := attrs("FRAUD_PROTECTION_DECISION_RECORDED")
	assert.Equal(t, "protection.block", fraud["event.action"])
	assert.Equal(t, "SMS_PHONE_COUNTRIES_BY_IP_DAILY_THRESHOLD_EXCEEDED", fraud["event.reason"])
	assert.Equal(t, "198.51.100.23", fraud["client.address"], "the node's address wins over the record's")

	m2m := attrs("M2M_TOKEN_CREATED")
	assert.Equal(t, "m2m-reporting", m2m["authtrail.application.id"])
	assert.Equal(t, "client_credentials", m2m["authtrail.token.grant_type"])
	assert.NotContains(t, m2m, "authgear.payload.client_secret", "a client secret never reaches a record")
	assert.NotContains(t, attrs("BOT_PROTECTION_VERIFICATION_FAILED"), "authgear.payload.token")

	app := attrs("PROJECT_APP_UPDATED")
	assert.NotContains(t, app, "authgear.payload.app_config_old.id", "whole project configurations stay out")
	assert.Contains(t, app["authgear.payload.app_config_diff"], "if_exists")

	role := attrs("ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED")
	assert.Equal(t, "high", role["authtrail.severity"], "granting the admin role")
	assert.Equal(t, []any{"admin"}, role["user.changes.roles"])

	owner := attrs("PROJECT_COLLABORATOR_INVITATION_ACCEPTED")
	assert.Equal(t, "high", owner["authtrail.severity"], "a new project owner")

	session := attrs("ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED")
	assert.Equal(t, "8a2c4f1e-3b7d-4e9a-9c1f-2d6e8b0a4c57", session["user.effective.id"])
	assert.NotContains(t, session, "user.id", "the admin acts; Authgear does not name them")

	identity := attrs("ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED")
	assert.Equal(t, "phone", identity["authtrail.change.field"], "read from the identity's claims")
	assert.Equal(t, "+85291234567", identity["authtrail.change.to"])

	assert.Equal(t, "user.enable", attrs("ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED")["event.action"])
	assert.Equal(t, "mfa.disable", attrs("ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED")["event.action"])
	assert.Equal(t, "identity.unmapped", sourcetest.Records(got["PROJECT_BILLING_SUBSCRIPTION_UPDATED"])[0].EventName())
}
