package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/facts"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	}
}

// A miniature OCSF tree: requirements are inherited through "extends", the
// nearest definition wins, activities merge with the base event's, and only the
// IAM and Application categories plus the named extra classes are kept.
func TestOCSFFacts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"version.json":    `{"version": "1.8.0"}`,
		"categories.json": `{"attributes": {"iam": {"uid": 3}, "network": {"uid": 4}, "findings": {"uid": 2}}}`,
		"events/base_event.json": `{"name": "base_event", "attributes": {
			"activity_id": {"requirement": "required", "enum": {"0": {"caption": "Unknown"}, "99": {"caption": "Other"}}},
			"time": {"requirement": "required"}, "message": {"requirement": "recommended"},
			"$include": ["profiles/cloud.json"]}}`,
		"events/iam/iam.json": `{"name": "iam", "extends": "base_event", "attributes": {"actor": {"requirement": "recommended"}}}`,
		"events/iam/account_change.json": `{"uid": 1, "name": "account_change", "caption": "Account Change", "extends": "iam",
			"attributes": {"activity_id": {"enum": {"1": {"caption": "Create"}}}, "user": {"requirement": "required"},
			"time": {"requirement": "optional"}}}`,
		"events/network/email_activity.json": `{"uid": 9, "name": "email_activity", "caption": "Email Activity", "extends": "base_event",
			"attributes": {"email": {"requirement": "required"}}}`,
		"events/network/http_activity.json": `{"uid": 2, "name": "http_activity", "extends": "base_event", "attributes": {}}`,
		"events/findings/detection.json":    `{"uid": 4, "name": "detection", "extends": "base_event", "attributes": {}}`,
	})
	out := filepath.Join(t.TempDir(), "ocsf.json")
	require.NoError(t, writeOCSF(dir, "4009", out))
	var got facts.OCSF
	require.NoError(t, facts.Read(out, &got))
	assert.Equal(t, "1.8.0", got.Version)
	assert.Contains(t, got.Source, "OCSF schema 1.8.0")
	require.Len(t, got.Classes, 2)
	ac, email := got.Classes[0], got.Classes[1]
	assert.Equal(t, facts.Class{UID: 3001, Name: "account_change", Caption: "Account Change", CategoryUID: 3,
		Activities: facts.Activities{0: "Unknown", 1: "Create", 99: "Other"},
		Required:   []string{"activity_id", "user"}}, ac, "time is optional here: the class overrides the base")
	assert.Equal(t, int64(4009), email.UID)
	assert.Equal(t, []string{"activity_id", "email", "time"}, email.Required)
	_, ok := got.Class19(3007)
	assert.True(t, ok, "the 1.9 section is written")

	assert.ErrorContains(t, writeOCSF(dir, "4042", out), "not in the schema")
}

func TestAuthgearFacts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"schema.graphql": `
scalar DateTime
scalar AuditLogData
enum SortDirection { ASC DESC }
enum AuditLogActivityType { USER_DELETED USER_CREATED }
type User { id: ID! }
type AuditLog { id: ID! activityType: AuditLogActivityType! createdAt: DateTime! data: AuditLogData user: User }
type AuditLogEdge { cursor: String! node: AuditLog }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type AuditLogConnection { edges: [AuditLogEdge] pageInfo: PageInfo! }
type Query { auditLogs(first: Int, after: String, activityTypes: [AuditLogActivityType!], sortDirection: SortDirection): AuditLogConnection }
`})
	out := filepath.Join(t.TempDir(), "authgear.json")
	require.NoError(t, writeAuthgear(filepath.Join(dir, "schema.graphql"), "fa7a7d551dda (2026-08-21)", out))
	var got facts.Authgear
	require.NoError(t, facts.Read(out, &got))
	assert.Contains(t, got.Source, "at commit fa7a7d551dda (2026-08-21)")
	assert.Equal(t, facts.Field{Type: "AuditLogConnection", Args: map[string]string{
		"first": "Int", "after": "String", "activityTypes": "[AuditLogActivityType!]", "sortDirection": "SortDirection",
	}}, got.Query["auditLogs"])
	assert.Equal(t, "[AuditLogEdge]", got.Types["AuditLogConnection"].Fields["edges"])
	assert.Equal(t, "DateTime!", got.Types["AuditLog"].Fields["createdAt"])
	assert.Equal(t, []string{"ASC", "DESC"}, got.Types["SortDirection"].Values)
	assert.Equal(t, facts.Type{Kind: "ENUM", Note: activityTypesNote}, got.Types["AuditLogActivityType"], "the values are not listed here")
	assert.Equal(t, facts.Type{Kind: "OBJECT"}, got.Types["User"], "not selected into: kind only")

	types := filepath.Join(filepath.Dir(out), facts.AuthgearActivityTypesFile)
	raw, err := os.ReadFile(types)
	require.NoError(t, err)
	assert.Equal(t, "# The AuditLogActivityType values of Authgear's Admin API schema at authgear-server commit fa7a7d551dda (2026-08-21), one a line, sorted.\nUSER_CREATED\nUSER_DELETED\n", string(raw))
	require.NoError(t, os.WriteFile(types, []byte("# our header\n# kept\nOLD_VALUE\n"), 0o644))
	require.NoError(t, writeAuthgear(filepath.Join(dir, "schema.graphql"), "fa7a7d551dda (2026-08-21)", out))
	raw, err = os.ReadFile(types)
	require.NoError(t, err)
	assert.Equal(t, "# our header\n# kept\nUSER_CREATED\nUSER_DELETED\n", string(raw), "the header stays, the values are rewritten")
}
