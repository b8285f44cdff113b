package identityprocessor

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

var ocsfVendors = map[string]string{
	"vgs": "vgs", "asgardeo": "asgardeo", "google-workspace": "google_workspace", "fillout": "fillout",
}

// Every vendor sample, in the ocsf profile, is an OCSF 1.8.0 event carrying every
// attribute its class requires.
func TestOCSFProfileIsValidOCSF18(t *testing.T) {
	cfg := defaults()
	cfg.Profile = ProfileOCSF
	checked := 0
	for _, e := range ocsfEvents(t, cfg) {
		in, class, body := e.in, e.class, e.body
		for _, attr := range sourcetest.OCSFRequired(t, class) {
			assert.Contains(t, body, attr, "%s: class %d requires %s", in, class, attr)
		}
		meta := body["metadata"].(map[string]any)
		assert.Equal(t, "1.8.0", meta["version"])
		assert.Contains(t, meta, "product")
		assert.Equal(t, class, body["class_uid"])
		assert.Equal(t, class*100+body["activity_id"].(int64), body["type_uid"])
		assert.NotEmpty(t, body["message"])
		checked++
	}
	assert.Greater(t, checked, 60)
}

func TestOCSFProfileActorAndUser(t *testing.T) {
	cfg := defaults()
	cfg.Profile = ProfileOCSF
	raw, err := os.ReadFile(sourcetest.RepoRoot(t) + "/testdata/vgs/user_password_updated_by_admin.json")
	require.NoError(t, err)
	ld, err := registry.Decoders()["vgs"](raw, sources.Options{})
	require.NoError(t, err)
	body := sourcetest.Records(run(t, cfg, ld))[0].Body().Map().AsRaw()
	assert.Equal(t, map[string]any{"user": map[string]any{"email_addr": "admin@example.com", "name": "admin@example.com"}}, body["actor"])
	assert.Equal(t, map[string]any{"email_addr": "bob@example.com", "name": "bob@example.com"}, body["user"])
	assert.Equal(t, map[string]any{"ip": "203.0.113.7"}, body["src_endpoint"])
	assert.Equal(t, "Success", body["status"])
	assert.Equal(t, "Medium", body["severity"])
	assert.Equal(t, "ACxxxxxxxxxxxxxxxxx2399", body["metadata"].(map[string]any)["tenant_uid"])
}

func TestOCSF19(t *testing.T) {
	cfg := defaults()
	cfg.Profile, cfg.OCSFVersion = ProfileOCSF, OCSF19
	require.NoError(t, cfg.Validate())
	for name, want := range map[string][2]int64{
		"user_password_updated": {3007, 8},  // 1.8: 3001/3
		"user_logged_in":        {3002, 1},  // same in both
		"user_mfa_deleted":      {3007, 13}, // 1.8: 3001/11
	} {
		raw, err := os.ReadFile(sourcetest.RepoRoot(t) + "/testdata/vgs/" + name + ".json")
		require.NoError(t, err)
		ld, err := registry.Decoders()["vgs"](raw, sources.Options{})
		require.NoError(t, err)
		lr := sourcetest.Records(run(t, cfg, ld))[0]
		body := lr.Body().Map().AsRaw()
		assert.Equal(t, want[0], body["class_uid"], name)
		assert.Equal(t, want[1], body["activity_id"], name)
		assert.Equal(t, "1.9.0", body["metadata"].(map[string]any)["version"], name)
	}
	// Records without OCSF ids (unmapped, SMS) keep their body.
	unmapped := plog.NewLogs()
	lr := unmapped.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(schema.AttrEventAction, "unmapped")
	lr.Body().SetStr("Vendor event x")
	assert.Equal(t, "Vendor event x", sourcetest.Records(run(t, cfg, unmapped))[0].Body().Str())
}
