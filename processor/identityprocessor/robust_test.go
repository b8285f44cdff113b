package identityprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

// withTelemetry runs cfg over ld with a telemetry the test can read.
func withTelemetry(t *testing.T, cfg *Config, ld plog.Logs) (plog.Logs, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, sink.AllLogs(), 1)
	return sink.AllLogs()[0], tel
}

func sumPoints(t *testing.T, tel *componenttest.Telemetry, name string) []metricdata.DataPoint[int64] {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	return m.Data.(metricdata.Sum[int64]).DataPoints
}

// The record of issue 8 (event.action and a string related.user) and other
// schema attributes of the wrong type: in every profile and PII mode the
// record leaves the processor, the field reads as absent, and it is counted.
func TestMalformedAttributesReadAsAbsent(t *testing.T) {
	cases := map[string]struct {
		attrs     map[string]any
		malformed string
	}{
		"string related.user": {map[string]any{"related.user": "bob@example.com"}, "related.user"},
		"map related.ip":      {map[string]any{"related.ip": map[string]any{"ip": "203.0.113.77"}}, "related.ip"},
		"string roles": {map[string]any{"event.action": "user.role_change", "user.changes.roles": "admin"},
			"user.changes.roles"},
		"int email":         {map[string]any{"user.email": 42}, "user.email"},
		"bytes address":     {map[string]any{"client.address": []byte("203.0.113.77")}, "client.address"},
		"string ocsf class": {map[string]any{"ocsf.class_uid": "3002"}, "ocsf.class_uid"},
		"double severity id": {map[string]any{"ocsf.severity_id": 1.5, "ocsf.class_uid": int64(3002)},
			"ocsf.severity_id"},
		"slice severity": {map[string]any{"authtrail.severity": []any{"high", 1}}, "authtrail.severity"},
	}
	for name, c := range cases {
		for _, profile := range []string{ProfileOTel, ProfileECS, ProfileOCSF} {
			for _, mode := range []string{PIIKeep, PIIHash, PIIDrop} {
				cfg := defaults()
				cfg.Profile, cfg.PII, cfg.PIISalt = profile, mode, "pepper"
				attrs := map[string]any{"event.action": "authentication.login"}
				for k, v := range c.attrs {
					attrs[k] = v
				}
				out, tel := withTelemetry(t, cfg, oneRecord(attrs["event.action"].(string), attrs))
				where := fmt.Sprintf("%s (%s, pii: %s)", name, profile, mode)
				require.Len(t, sourcetest.Records(out), 1, where)
				dps := sumPoints(t, tel, "otelcol_authtrail_identity_malformed_attributes")
				require.Len(t, dps, 1, where)
				got, _ := dps[0].Attributes.Value("attribute")
				assert.Equal(t, c.malformed, got.AsString(), where)
				assert.Equal(t, int64(1), dps[0].Value, where)
				if mode != PIIKeep {
					assert.Empty(t, plantedIn(attributesValue(sourcetest.Records(out)[0].Attributes())), where)
				}
			}
		}
	}
}

// A malformed event.action is no action: the record is not treated as
// normalized; with no vendor body it passes through, counted.
func TestMalformedActionPassesThrough(t *testing.T) {
	ld := oneRecord("x", nil)
	lr := sourcetest.Records(ld)[0]
	lr.Attributes().PutInt(schema.AttrEventAction, 7)
	want := plog.NewLogs()
	ld.CopyTo(want)
	out, tel := withTelemetry(t, defaults(), ld)
	assert.Equal(t, want, out)
	got, _ := sumPoints(t, tel, "otelcol_authtrail_identity_records")[0].Attributes.Value("result")
	assert.Equal(t, resultPassedThrough, got.AsString())
}

// The records metric takes vendors and actions from the known vocabulary
// only: thousands of random values give a handful of series, and the
// attribute-set cache stays as small.
func TestMetricAttributesAreBounded(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	p, err := newIdentityProcessor(defaults(), set)
	require.NoError(t, err)
	defer func() { require.NoError(t, p.shutdown(context.Background())) }()
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func() string { return fmt.Sprintf("%x", rnd.Uint64()) }
	for range 40 {
		ld := plog.NewLogs()
		lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		for i := range 100 {
			lr := lrs.AppendEmpty()
			lr.Attributes().PutStr(schema.AttrEventProvider, random())
			if i%2 == 0 { // already normalized, with an unknown action
				lr.Attributes().PutStr(schema.AttrEventAction, random())
			} else { // passed through: an unknown vendor
				lr.Body().SetStr(`{"a":1}`)
			}
		}
		lrs.AppendEmpty().Attributes().PutStr(schema.AttrEventAction, string(schema.ActionLogin))
		_, err := p.processLogs(context.Background(), ld)
		require.NoError(t, err)
	}
	dps := sumPoints(t, tel, "otelcol_authtrail_identity_records")
	assert.LessOrEqual(t, len(dps), 3, "4,000 random vendors and actions")
	assert.LessOrEqual(t, len(p.attrSets), 3)
	vendors := append(registry.Vendors(), "", otherValue)
	for _, dp := range dps {
		v, _ := dp.Attributes.Value("vendor")
		a, _ := dp.Attributes.Value("action")
		assert.Contains(t, vendors, v.AsString())
		_, known := schema.Spec(schema.Action(a.AsString()))
		assert.True(t, known || slices.Contains([]string{"", otherValue}, a.AsString()), a.AsString())
	}
	other := attribute.NewSet(attribute.String("vendor", otherValue), attribute.String("action", otherValue),
		attribute.String("result", resultAlreadyNormalized))
	i := slices.IndexFunc(dps, func(dp metricdata.DataPoint[int64]) bool { return dp.Attributes.Equals(&other) })
	require.GreaterOrEqual(t, i, 0, "unknown vendors and actions count as other")
	assert.Equal(t, int64(2000), dps[i].Value)
}

// An empty Google Activities page decodes into no record: the record is kept.
func TestBodyWithoutEventsPassesThrough(t *testing.T) {
	ld := rawRecord(t, []byte(`{"kind":"admin#reports#activities","items":[]}`), "google-workspace", true)
	want := plog.NewLogs()
	ld.CopyTo(want)
	assert.Equal(t, want, run(t, defaults(), ld))
}

// PII rules beyond the schema's identities: values under personal keys at any
// depth, names of people (not of groups), claims, identifier changes, and
// addresses in text; what is not personal stays.
func TestPIIScrubsEveryDepth(t *testing.T) {
	ld := oneRecord("user.identifier_update", map[string]any{
		"authtrail.change.field": "phone", "authtrail.change.from": "+85298765432", "authtrail.change.to": "85291234567",
		"vendor.detail": map[string]any{"members": []any{
			map[string]any{"type": "user", "name": "Zed Zebediah", "standard_attributes": map[string]any{"given_name": "Zed", "family_name": "Zebediah"}},
			map[string]any{"type": "group", "name": "Growth"},
		}},
		"vendor.claims": []any{map[string]any{"uri": "http://wso2.org/claims/givenname", "value": "Quentin"}},
		"vendor.note":   "called from 198.51.100.23 and 2001:db8:1234:5678::9, at +44 20 7946 0958",
	})
	for _, mode := range []string{PIIHash, PIIDrop} {
		cfg := defaults()
		cfg.PII, cfg.PIISalt = mode, "pepper"
		in := plog.NewLogs()
		ld.CopyTo(in)
		lr := sourcetest.Records(run(t, cfg, in))[0]
		all := fmt.Sprint(lr.Attributes().AsRaw())
		for _, personal := range []string{"98765432", "91234567", "Zed", "Zebediah", "Quentin", "198.51.100.23", "5678::9", "7946"} {
			assert.NotContains(t, all, personal, mode)
		}
		assert.Contains(t, all, "Growth", "a group's name is not personal")
		if mode == PIIHash {
			assert.Contains(t, all, "198.51.100.0", "addresses in text are truncated")
			assert.Contains(t, all, "2001:db8:1234::")
		}
	}
}

// scrubbed runs a copy of ld's one record through pii mode; all is its
// attributes and body as text.
func scrubbed(t *testing.T, mode string, ld plog.Logs) (lr plog.LogRecord, all string) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = mode, "pepper"
	in := plog.NewLogs()
	ld.CopyTo(in)
	lr = sourcetest.Records(run(t, cfg, in))[0]
	return lr, fmt.Sprint(lr.Attributes().AsRaw(), lr.Body().AsString())
}

// A schema identity of the wrong type (an array, bytes) is removed, and its
// values are still the record's personal values: their copies in the body
// and in other attributes are replaced too.
func TestPIIMalformedIdentitiesHideTheirCopies(t *testing.T) {
	ld := oneRecord("mfa.disable", map[string]any{
		"user.full_name": []any{"Bob Smith"}, "user.target.name": []byte("jdoe42"),
		"vendor.note": "changed by Bob Smith",
	})
	sourcetest.Records(ld)[0].Body().SetStr("MFA disabled for jdoe42 by Bob Smith")
	for _, mode := range []string{PIIHash, PIIDrop} {
		lr, all := scrubbed(t, mode, ld)
		for _, personal := range []string{"Bob Smith", "jdoe42"} {
			assert.NotContains(t, all, personal, mode)
		}
		assert.NotContains(t, lr.Attributes().AsRaw(), "user.full_name", mode)
		assert.NotContains(t, lr.Attributes().AsRaw(), "user.target.name", mode)
	}
}

// A record with thousands of personal values: every one is still replaced
// where it stands and in related.user, but the record's text is searched for
// the longest maxKnownValues only, so the work grows with the record's size,
// not with its size squared.
func TestPIIManyPersonalValuesAreBounded(t *testing.T) {
	const n = 4 * maxKnownValues
	logins := make([]any, n)
	for i := range logins {
		logins[i] = fmt.Sprintf("login%04d", i)
	}
	for _, mode := range []string{PIIHash, PIIDrop} {
		ld := oneRecord("user.update", map[string]any{
			"vendor.login_id": logins, "related.user": []any{"login0007", "u1", "login0200"},
			"vendor.note": "the longest: " + strings.Repeat("x", 40) + "@example.com",
		})
		lr := sourcetest.Records(ld)[0]
		s := newScrubber(mode, "pepper")
		st := new(scrubState)
		s.scrub(lr, st)
		assert.LessOrEqual(t, len(st.values), maxKnownValues, "the known values the text is searched for")
		got, _ := lr.Attributes().Get("vendor.login_id")
		for i, v := range got.Slice().AsRaw() {
			assert.Equal(t, s.replacement(logins[i].(string), st), v, "replaced where it stands")
		}
		related, _ := lr.Attributes().Get("related.user")
		if mode == PIIHash {
			assert.Equal(t, []any{s.hash("login0007"), "u1", s.hash("login0200")}, related.Slice().AsRaw())
		} else {
			assert.Equal(t, []any{"u1"}, related.Slice().AsRaw())
		}
		assert.NotContains(t, sourcetest.Attr(lr, "vendor.note"), "@example.com")
	}
}

// Addresses and phone numbers in text as log lines write them: an address
// after a label and a colon ("IP:203.0.113.77"), a phone number followed by
// more numbers (a date).
func TestPIITextAddressesAfterLabelsAndPhonesBeforeNumbers(t *testing.T) {
	notes := map[string]string{
		"vendor.ip":     "login from IP:203.0.113.77",
		"vendor.client": "client_ip:198.51.100.23:443 ok",
		"vendor.v6":     "src:2001:db8:1234:5678::9",
		"vendor.sms":    "SMS sent to +447700900123 - 2026-11-30",
		"vendor.time":   "at T12:30:45.123 from v1.2.3",
	}
	attrs := map[string]any{}
	for k, v := range notes {
		attrs[k] = v
	}
	for _, mode := range []string{PIIHash, PIIDrop} {
		cfg := defaults()
		cfg.PII, cfg.PIISalt = mode, "pepper"
		lr := sourcetest.Records(run(t, cfg, oneRecord("user.update", attrs)))[0]
		all := fmt.Sprint(lr.Attributes().AsRaw())
		for _, personal := range []string{"203.0.113.77", "198.51.100.23", "5678::9", "447700900123"} {
			assert.NotContains(t, all, personal, mode)
		}
		assert.Equal(t, notes["vendor.time"], sourcetest.Attr(lr, "vendor.time"), "times and versions are not addresses")
		if mode == PIIHash {
			assert.Equal(t, "login from IP:203.0.113.0", sourcetest.Attr(lr, "vendor.ip"))
			assert.Equal(t, "client_ip:198.51.100.0:443 ok", sourcetest.Attr(lr, "vendor.client"))
			assert.Equal(t, "src:2001:db8:1234::", sourcetest.Attr(lr, "vendor.v6"))
			assert.Equal(t, "SMS sent to "+newScrubber(mode, "pepper").hash("+447700900123")+" - 2026-11-30", sourcetest.Attr(lr, "vendor.sms"))
		}
	}
}

// The elements of an array of people ("users", "members") are people: their
// names are personal, in attributes and in JSON text alike.
func TestPIINamesOfPeopleInArrays(t *testing.T) {
	ld := oneRecord("group.membership_change", map[string]any{
		"vendor.users":   []any{map[string]any{"id": "u1", "name": "Alice Wonder"}},
		"vendor.members": []any{map[string]any{"type": "group", "name": "Growth"}},
	})
	sourcetest.Records(ld)[0].Body().SetStr(`{"role":{"users":[{"id":"u2","name":"Carol Danvers"}]}}`)
	for _, mode := range []string{PIIHash, PIIDrop} {
		_, all := scrubbed(t, mode, ld)
		assert.NotContains(t, all, "Alice Wonder", mode)
		assert.NotContains(t, all, "Carol Danvers", mode)
		assert.Contains(t, all, "Growth", "a group's name is not personal")
		assert.Contains(t, all, "u1", "ids stay")
	}
}

// A record with more attributes than the memo holds reads its objects' types
// from an index (BenchmarkPIIDropManyAttributes): people's names go, a
// group's name stays, wherever the attributes sit.
func TestPIIObjectTypesInALargeRecord(t *testing.T) {
	attrs := map[string]any{
		"vendor.actor.name": "Jane Roe", "vendor.actor.type": "user",
		"vendor.owner.name": "Admins", "vendor.owner.type": "group",
		"vendor.member.name": "John Doe",
	}
	for i := range 200 {
		attrs[fmt.Sprintf("vendor.filler%d", i)] = "plain"
	}
	cfg := defaults()
	cfg.PII = PIIDrop
	got := sourcetest.Records(run(t, cfg, oneRecord("user.update", attrs)))[0].Attributes().AsRaw()
	assert.Equal(t, redacted, got["vendor.actor.name"])
	assert.Equal(t, redacted, got["vendor.member.name"])
	assert.Equal(t, "Admins", got["vendor.owner.name"])
}

// A replayed line may start with a byte order mark (the first line of a file
// saved with one) or whitespace (an indented export): it is still the event.
func TestNormalizeTextBodyAfterBOMOrWhitespace(t *testing.T) {
	event := `{"id":"e1","event":"auth.logout","timestamp":"2026-11-30T12:00:00Z","actor":{"id":"u1"}}`
	for _, prefix := range []string{"\ufeff", "  ", "\t\n"} {
		ld := rawRecord(t, []byte(prefix+event), "fillout", false)
		lr := sourcetest.Records(run(t, defaults(), ld))[0]
		assert.Equal(t, "identity.authentication.logout", lr.EventName(), "%q", prefix)
	}
}

// Email addresses with letters beyond ASCII (RFC 6531 local parts,
// internationalized domains) are found whole.
func TestPIITextFindsInternationalEmailAddresses(t *testing.T) {
	cfg := defaults()
	cfg.PII = PIIDrop
	lr := sourcetest.Records(run(t, cfg, oneRecord("user.update", map[string]any{
		"vendor.note": "sent to jörg@exämple.de, then ünal@example.com.",
	})))[0]
	assert.Equal(t, "sent to [redacted], then [redacted].", sourcetest.Attr(lr, "vendor.note"))
}

// A record with more attributes of its own than its event gives keeps them
// all (BenchmarkNormalizeManyRecordAttributes), and the event's own values
// win over same-named ones.
func TestNormalizeKeepsManyRecordAttributes(t *testing.T) {
	event := []byte(`{"id":"e1","event":"auth.logout","timestamp":"2026-11-30T12:00:00Z","actor":{"id":"u1"}}`)
	ld := rawRecord(t, event, "fillout", true)
	own := sourcetest.Records(ld)[0].Attributes()
	for i := range 300 {
		own.PutInt(fmt.Sprintf("sender.a%d", i), int64(i))
	}
	own.PutStr("user.id", "spoofed")
	got := sourcetest.Records(run(t, defaults(), ld))[0].Attributes().AsRaw()
	for i := range 300 {
		assert.Equal(t, int64(i), got[fmt.Sprintf("sender.a%d", i)])
	}
	assert.Equal(t, "export.jsonl", got["log.file.name"])
	assert.Equal(t, "u1", got["user.id"], "the event's value")
	assert.Equal(t, "authentication.logout", got["event.action"])
}

// A body with more fields than any vendor event (sources.MaxFields) is not
// decoded, as the receivers refuse it: flattening them would cost time
// quadratic in their number. The record passes through as it came, counted.
func TestBodyWithTooManyFieldsPassesThrough(t *testing.T) {
	body := map[string]any{"id": "e1", "event": "auth.logout"}
	for i := range 5000 {
		body[fmt.Sprintf("f%d", i)] = "v"
	}
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	require.NoError(t, lr.Body().SetEmptyMap().FromRaw(body))
	lr.Attributes().PutStr(schema.AttrEventProvider, "fillout")
	want := plog.NewLogs()
	ld.CopyTo(want)
	out, tel := withTelemetry(t, defaults(), ld)
	assert.Equal(t, want, out)
	dps := sumPoints(t, tel, "otelcol_authtrail_identity_records")
	require.Len(t, dps, 1)
	result, _ := dps[0].Attributes.Value("result")
	assert.Equal(t, "passed_through", result.AsString())
}

// A Fillout actor or user target given as text is read as the person's name:
// kept (nothing lost) and hidden by the PII modes like any name.
func TestFilloutPeopleGivenAsTextAreScrubbed(t *testing.T) {
	event := []byte(`{"id":"e1","event":"auth.mfa.disable","actor":"Bob Smith","payload":{"target":"Carol Danvers"}}`)
	out := sourcetest.Records(run(t, defaults(), rawRecord(t, event, "fillout", true)))[0]
	assert.Equal(t, "Bob Smith", sourcetest.Attr(out, "user.name"))
	assert.Equal(t, "Carol Danvers", sourcetest.Attr(out, "user.target.name"))
	for _, mode := range []string{PIIHash, PIIDrop} {
		_, all := scrubbed(t, mode, rawRecord(t, event, "fillout", true))
		assert.NotContains(t, all, "Bob Smith", mode)
		assert.NotContains(t, all, "Carol Danvers", mode)
	}
}

// An event Fillout adds later (unmapped) keeps its payload whole; a target
// given as text there is the person too, and hidden like the actor.
func TestFilloutUnmappedTextTargetIsScrubbed(t *testing.T) {
	for _, event := range []string{
		`{"id":"e1","event":"workspace.member.renamed","actor":"Bob Smith","payload":{"target":"Carol Danvers"}}`,
		`{"id":"e1","event":"workspace.member.renamed","actor":{"id":"u1"},"target":"Carol Danvers"}`,
	} {
		for _, mode := range []string{PIIHash, PIIDrop} {
			_, all := scrubbed(t, mode, rawRecord(t, []byte(event), "fillout", true))
			assert.NotContains(t, all, "Carol Danvers", "%s: %s", mode, event)
			assert.NotContains(t, all, "Bob Smith", "%s: %s", mode, event)
		}
	}
}
