package identityprocessor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

func run(t *testing.T, cfg *Config, ld plog.Logs) plog.Logs {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, sink.AllLogs(), 1)
	return sink.AllLogs()[0]
}

func defaults() *Config { return createDefaultConfig().(*Config) }

// rawRecord is a vendor event as a replay delivers it: the body a map (filelog's
// json_parser) or the JSON text, with a vendor hint.
func rawRecord(t *testing.T, raw []byte, vendor string, asMap bool) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "replayer")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	if asMap {
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m))
		require.NoError(t, lr.Body().SetEmptyMap().FromRaw(m))
	} else {
		lr.Body().SetStr(string(raw))
	}
	if vendor != "" {
		lr.Attributes().PutStr(schema.AttrEventProvider, vendor)
	}
	lr.Attributes().PutStr("log.file.name", "export.jsonl")
	return ld
}

var vendorDirs = map[string]string{
	"vgs": "vgs", "asgardeo": "asgardeo", "google-workspace": "google_workspace", "fillout": "fillout",
}

// Every vendor sample, replayed as a map or as text, normalizes to the same
// attributes as when its source decodes it directly (the live path).
func TestNormalizeFromBodyMatchesTheLivePath(t *testing.T) {
	for vendor, dir := range vendorDirs {
		decode, ok := registry.Decoder(vendor)
		require.True(t, ok)
		for _, in := range sourcetest.Inputs(t, dir) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			live, err := decode(raw, sources.Options{})
			require.NoError(t, err)
			for _, asMap := range []bool{true, false} {
				name := vendor + "/" + filepath.Base(in)
				out := run(t, defaults(), rawRecord(t, raw, vendor, asMap))
				got, want := sourcetest.Records(out), sourcetest.Records(live)
				require.Len(t, got, len(want), name)
				for i := range want {
					g := got[i].Attributes().AsRaw()
					assert.Equal(t, "export.jsonl", g["log.file.name"], "the record's own attributes stay")
					delete(g, "log.file.name")
					assert.Equal(t, want[i].Attributes().AsRaw(), g, "%s (map body: %v)", name, asMap)
					assert.Equal(t, want[i].EventName(), got[i].EventName(), name)
					assert.Equal(t, want[i].Timestamp(), got[i].Timestamp(), name)
					assert.Equal(t, want[i].Body().AsRaw(), got[i].Body().AsRaw(), name)
				}
				sourcetest.CheckLogs(t, out)
				assert.Equal(t, metadata.ScopeName, out.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
			}
		}
	}
}

func TestAuthgearEventAndVendorSetting(t *testing.T) {
	body := []byte(`{"id":"e1","type":"user.authenticated","payload":{"user":{"id":"u1"}},"context":{"timestamp":1767225600,"triggered_by":"user","app_id":"proj"}}`)
	cfg := defaults()
	cfg.Vendor = "authgear"
	out := run(t, cfg, rawRecord(t, body, "", true))
	lr := sourcetest.Records(out)[0]
	assert.Equal(t, "identity.authentication.login", lr.EventName())
	assert.Equal(t, "authgear", out.ResourceLogs().At(0).Resource().Attributes().AsRaw()["service.name"])
}

func TestPassThrough(t *testing.T) {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Body().SetStr("GET /health 200") // no vendor
	unknown := lrs.AppendEmpty()
	unknown.Body().SetStr(`{"a":1}`)
	unknown.Attributes().PutStr(schema.AttrEventProvider, "okta") // no decoder
	bad := lrs.AppendEmpty()
	bad.Body().SetStr(`{"not":"a vgs event"}`)
	bad.Attributes().PutStr(schema.AttrEventProvider, "vgs") // decoder refuses it
	want := plog.NewLogs()
	ld.CopyTo(want)
	out := run(t, defaults(), ld)
	assert.Equal(t, want, out, "unrecognised records pass through untouched")
}

// A batch of replayed events: records of one vendor and tenant share a
// resource, and a payload that fails halfway leaves nothing behind.
func TestBatchSharesResourcesAndRollsBackBadPayloads(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "loginSuccess.json"))
	require.NoError(t, err)
	var good map[string]any
	require.NoError(t, json.Unmarshal(raw, &good))
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range 3 {
		lr := lrs.AppendEmpty()
		lr.Attributes().PutStr(schema.AttrEventProvider, "asgardeo")
		if i != 1 {
			require.NoError(t, lr.Body().SetEmptyMap().FromRaw(good))
			continue
		}
		// Two events in this order: the first maps, the second is not an
		// object, so the payload is refused after one record was written.
		body := lr.Body().SetEmptyMap()
		body.PutStr("jti", "x")
		body.PutDouble("iat", 1751705149662)
		events := body.PutEmptyMap("events")
		const uri = "https://schemas.identity.wso2.org/events/login/event-type/loginSuccess"
		require.NoError(t, events.PutEmptyMap(uri).FromRaw(good["events"].(map[string]any)[uri].(map[string]any)))
		events.PutStr("https://schemas.identity.wso2.org/events/login/event-type/loginFailed", "not an object")
	}
	cfg := defaults()
	cfg.TenantNames = map[string]string{"12402": "Named Org"}
	out := run(t, cfg, ld)
	require.Equal(t, 2, out.ResourceLogs().Len(), "the input resource keeps the refused record; both good ones share one")
	refused := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, refused.Len())
	assert.Equal(t, "x", refused.At(0).Body().Map().AsRaw()["jti"], "the refused payload passes through untouched")
	normalized := out.ResourceLogs().At(1)
	assert.Equal(t, "asgardeo", normalized.Resource().Attributes().AsRaw()["service.name"])
	assert.Equal(t, "Named Org", normalized.Resource().Attributes().AsRaw()["organization.name"], "tenant names reach normalized records")
	require.Equal(t, 2, normalized.ScopeLogs().At(0).LogRecords().Len(), "no record of the refused payload is left")
	for _, lr := range sourcetest.Records(out)[1:] {
		assert.Equal(t, "authentication.login", sourcetest.Attr(lr, schema.AttrEventAction))
	}
}

func TestAlreadyNormalizedRecordsKeepTheirMapping(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "vgs", "user_mfa_deleted.json"))
	require.NoError(t, err)
	live, err := registry.Decoders()["vgs"](raw, sources.Options{})
	require.NoError(t, err)
	in := plog.NewLogs()
	live.CopyTo(in)
	out := run(t, defaults(), in)
	assert.Equal(t, sourcetest.Records(live)[0].Attributes().AsRaw(), sourcetest.Records(out)[0].Attributes().AsRaw())
}

func oneRecord(action string, attrs map[string]any) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(schema.AttrOrganizationID, "T1")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	_ = lr.Attributes().FromRaw(attrs)
	lr.Attributes().PutStr(schema.AttrEventAction, action)
	lr.Body().SetStr("x")
	return ld
}

func TestSeverityPolicy(t *testing.T) {
	cfg := defaults()
	cfg.Severity.Overrides = map[string]string{"authentication.login": "medium"}
	cfg.Severity.PrivilegedRole = `(?i)^billing$`
	cfg.Severity.Numbers = map[string]int{"high": 13}
	out := run(t, cfg, oneRecord("authentication.login", map[string]any{"authtrail.severity": "informational", "ocsf.severity_id": 1}))
	lr := sourcetest.Records(out)[0]
	assert.Equal(t, "medium", sourcetest.Attr(lr, schema.AttrSeverity))
	assert.Equal(t, "3", sourcetest.Attr(lr, schema.AttrOCSFSeverityID))
	assert.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber())

	out = run(t, cfg, oneRecord("user.role_change", map[string]any{"authtrail.severity": "medium", "user.changes.roles": []any{"Billing"}}))
	lr = sourcetest.Records(out)[0]
	assert.Equal(t, "high", sourcetest.Attr(lr, schema.AttrSeverity))
	assert.Equal(t, plog.SeverityNumber(13), lr.SeverityNumber(), "high remapped to 13")
	out = run(t, cfg, oneRecord("user.role_change", map[string]any{"authtrail.severity": "high", "user.changes.roles": []any{"admin"}}))
	assert.Equal(t, "medium", sourcetest.Attr(sourcetest.Records(out)[0], schema.AttrSeverity), "admin is not privileged under this pattern")
}

func personalRecord() plog.Logs {
	ld := oneRecord("mfa.disable", map[string]any{
		"authtrail.severity": "high", "user.email": "admin@example.com", "user.name": "admin@example.com",
		"user.target.id": "u2", "user.target.email": "bob@example.com", "user.target.full_name": "Bob Smith",
		"related.user": []any{"admin@example.com", "u2", "bob@example.com"}, "client.address": "203.0.113.77",
		"related.ip": []any{"203.0.113.77", "2001:db8:1234:5678::1"}, "vgs.summary": "User bob@example.com changed",
	})
	sourcetest.Records(ld)[0].Body().SetStr("MFA disabled for bob@example.com by admin@example.com")
	return ld
}

func noEmails(t *testing.T, lr plog.LogRecord) {
	t.Helper()
	lr.Attributes().Range(func(k string, v pcommon.Value) bool {
		assert.NotContains(t, v.AsString(), "@", k)
		return true
	})
	assert.NotContains(t, lr.Body().Str(), "@")
	assert.NotContains(t, lr.Body().Str(), "Bob Smith")
}

func TestPIIHash(t *testing.T) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	lr := sourcetest.Records(run(t, cfg, personalRecord()))[0]
	noEmails(t, lr)
	a := lr.Attributes().AsRaw()
	s := newScrubber(PIIHash, "pepper")
	assert.Equal(t, s.hash("admin@example.com"), a["user.hash"])
	assert.Equal(t, s.hash("bob@example.com"), a["user.target.hash"])
	assert.Equal(t, "u2", a["user.target.id"], "opaque vendor ids stay")
	assert.Equal(t, []any{s.hash("admin@example.com"), "u2", s.hash("bob@example.com")}, a["related.user"])
	assert.Equal(t, "203.0.113.0", a["client.address"])
	assert.Equal(t, []any{"203.0.113.0", "2001:db8:1234::"}, a["related.ip"])
	assert.Equal(t, "MFA disabled for "+s.hash("bob@example.com")+" by "+s.hash("admin@example.com"), lr.Body().Str())
	assert.NotEqual(t, newScrubber(PIIHash, "other").hash("bob@example.com"), a["user.target.hash"], "the salt keys the hash")
	// The hash is part of the output contract: the same person keeps the same
	// hash across versions (HMAC-SHA256 of the lower-cased value, 32 hex digits).
	assert.Equal(t, "af1cf21e5781b607ac23b8210065fdc5", s.hash("Admin@Example.com"))
}

// A name inside an email address: the address is replaced whole, the same
// way every time.
func TestPIIHashReplacesLongestValuesFirst(t *testing.T) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	s := newScrubber(PIIHash, "pepper")
	for range 20 {
		ld := oneRecord("authentication.login", map[string]any{
			"user.name": "admin", "user.email": "admin@example.com", "vgs.note": "admin signed in as admin@example.com",
		})
		sourcetest.Records(ld)[0].Body().SetStr("Login by admin@example.com")
		lr := sourcetest.Records(run(t, cfg, ld))[0]
		require.Equal(t, "Login by "+s.hash("admin@example.com"), lr.Body().Str())
		require.Equal(t, s.hash("admin")+" signed in as "+s.hash("admin@example.com"), sourcetest.Attr(lr, "vgs.note"))
	}
}

func TestPIIDrop(t *testing.T) {
	cfg := defaults()
	cfg.PII = PIIDrop
	lr := sourcetest.Records(run(t, cfg, personalRecord()))[0]
	noEmails(t, lr)
	a := lr.Attributes().AsRaw()
	assert.NotContains(t, a, "user.hash")
	assert.NotContains(t, a, "client.address")
	assert.NotContains(t, a, "related.ip")
	assert.Equal(t, []any{"u2"}, a["related.user"])
	assert.Equal(t, "MFA disabled for [redacted] by [redacted]", lr.Body().Str())
}

func TestTenantNamesAndECSProfile(t *testing.T) {
	cfg := defaults()
	cfg.TenantNames = map[string]string{"T1": "Acme Production"}
	cfg.Profile = ProfileECS
	out := run(t, cfg, oneRecord("authentication.login", map[string]any{
		"authtrail.severity": "informational", "client.address": "198.51.100.1", "user.name": "jane", "user.id": "u1",
	}))
	assert.Equal(t, "Acme Production", out.ResourceLogs().At(0).Resource().Attributes().AsRaw()["organization.name"])
	a := sourcetest.Records(out)[0].Attributes().AsRaw()
	for k, v := range map[string]any{"source.ip": "198.51.100.1", "client.ip": "198.51.100.1", "source.user.name": "jane", "source.user.id": "u1"} {
		assert.Equal(t, v, a[k], k)
	}
	plain := sourcetest.Records(run(t, defaults(), oneRecord("authentication.login", map[string]any{"client.address": "198.51.100.1"})))[0]
	assert.Empty(t, sourcetest.Attr(plain, "source.ip"), "otel profile adds no ECS copies")
}

// TestECSCopiesAreScrubbed: the ecs profile copies identities after PII
// handling, so no raw address or email escapes through source.*.
func TestECSCopiesAreScrubbed(t *testing.T) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt, cfg.Profile = PIIHash, "pepper", ProfileECS
	lr := sourcetest.Records(run(t, cfg, personalRecord()))[0]
	noEmails(t, lr)
	a := lr.Attributes().AsRaw()
	assert.Equal(t, "203.0.113.0", a["source.ip"])
	assert.Equal(t, "203.0.113.0", a["client.ip"])
	assert.Equal(t, a["user.name"], a["source.user.name"], "the copy is what PII handling left")
}

func TestSeverityIsWrittenInPlace(t *testing.T) {
	cfg := defaults()
	cfg.Severity.Overrides = map[string]string{"authentication.login": "low"}
	lr := sourcetest.Records(run(t, cfg, oneRecord("authentication.login", map[string]any{
		"authtrail.severity": "informational", "ocsf.severity_id": int64(1),
	})))[0]
	a := lr.Attributes().AsRaw()
	assert.Equal(t, "low", a["authtrail.severity"])
	assert.Equal(t, int64(2), a["ocsf.severity_id"])
	assert.Equal(t, 3, lr.Attributes().Len(), "no key is added twice")
	// Without a severity attribute the map grows; the OCSF id is still updated.
	missing := sourcetest.Records(run(t, cfg, oneRecord("authentication.login", map[string]any{"ocsf.severity_id": int64(1)})))[0]
	assert.Equal(t, "low", sourcetest.Attr(missing, "authtrail.severity"), "a record without severity gets one")
	assert.Equal(t, int64(2), missing.Attributes().AsRaw()["ocsf.severity_id"])
}

func TestMetrics(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "vgs", "user_mfa_deleted.json"))
	require.NoError(t, err)
	p, err := NewFactory().CreateLogs(context.Background(), set, defaults(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, p.ConsumeLogs(context.Background(), rawRecord(t, raw, "vgs", true)))
	m, err := tel.GetMetric("otelcol_authtrail_identity_records")
	require.NoError(t, err)
	s := strings.Join(strings.Fields(fmtData(m.Data)), " ")
	assert.Contains(t, s, "mfa.disable")
	assert.Contains(t, s, "normalized")
}

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(name string) *Config {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		cfg := defaults()
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg
	}
	require.NoError(t, confmap.Validate(load("")))
	full := load("full")
	require.NoError(t, confmap.Validate(full))
	assert.Equal(t, PIIHash, full.PII)
	assert.Equal(t, "fillout", full.Vendor)
	assert.Equal(t, "Acme Production", full.TenantNames["AC1"])
	assert.Equal(t, "low", full.Severity.Overrides["authentication.login"])
	for name, msg := range map[string]string{
		"nosalt": "pii_salt: required", "badpii": "pii: must be keep, hash or drop", "badvendor": "vendor: unknown",
		"badaction": "severity.overrides", "badprofile": "profile:", "badnumber": "severity.numbers.high",
	} {
		err := confmap.Validate(load(name))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), msg, name)
	}
}

// The hash lower-cases as strings.ToLower does, non-ASCII letters too.
func TestPIIHashLowerCasesUnicode(t *testing.T) {
	s := newScrubber(PIIHash, "pepper")
	for _, v := range []string{"Ärger@Example.com", "ÉLODIE", "İstanbul", "bob@example.com", ""} {
		mac := hmac.New(sha256.New, []byte("pepper"))
		mac.Write([]byte(strings.ToLower(v)))
		assert.Equal(t, hex.EncodeToString(mac.Sum(nil)[:16]), s.hash(v), v)
	}
}

// The hashes a batch remembers: more people than it keeps, each recurring,
// in upper and lower case, every record gets its own person's hash.
func TestPIIHashAcrossABatch(t *testing.T) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	s := newScrubber(PIIHash, "pepper")
	ld := plog.NewLogs()
	var emails []string
	for i := range 3 * len(scrubState{}.hashes) {
		email := fmt.Sprintf("person%d@example.com", i%(len(scrubState{}.hashes)+5))
		if i%2 == 1 {
			email = strings.ToUpper(email)
		}
		emails = append(emails, email)
		oneRecord("authentication.login", map[string]any{"user.email": email}).ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	}
	for i, lr := range sourcetest.Records(run(t, cfg, ld)) {
		assert.Equal(t, s.hash(emails[i]), sourcetest.Attr(lr, "user.hash"), emails[i])
		assert.NotContains(t, lr.Attributes().AsRaw(), "user.email")
	}
}

// The keys a batch remembers: records of one batch with the same keys in
// other types, and other keys at the same places, are each judged on their own.
func TestPIIKeysAcrossABatch(t *testing.T) {
	cfg := defaults()
	cfg.PII = PIIDrop
	shapes := []map[string]any{
		{"fillout.actor.name": "Jane Roe", "fillout.actor.type": "user", "fillout.note": "plain"},
		{"fillout.actor.name": "Admins", "fillout.actor.type": "group", "fillout.note": "plain"},
		{"fillout.note": "plain", "fillout.actor.name": "John Doe", "fillout.displayName": "Jo"},
		{"fillout.displayName": "Jo Doe", "fillout.actor.type": "group", "fillout.note": "plain"},
	}
	ld := plog.NewLogs()
	for range 5 {
		for _, attrs := range shapes {
			oneRecord("user.updated", attrs).ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
		}
	}
	for i, lr := range sourcetest.Records(run(t, cfg, ld)) {
		got := lr.Attributes().AsRaw()
		switch i % len(shapes) {
		case 0:
			assert.Equal(t, redacted, got["fillout.actor.name"], "a user's name")
		case 1:
			assert.Equal(t, "Admins", got["fillout.actor.name"], "a group's name")
		case 2:
			assert.Equal(t, redacted, got["fillout.actor.name"], "an actor without a type is a person")
			assert.Equal(t, redacted, got["fillout.displayName"])
		case 3:
			assert.Equal(t, redacted, got["fillout.displayName"])
		}
		assert.Equal(t, "plain", got["fillout.note"])
	}
}
