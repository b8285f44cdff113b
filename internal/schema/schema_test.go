package schema

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestVocabularyIsSection64(t *testing.T) {
	const (
		base            = 53 // docs/schema.md#actions before the issue 12 blocks
		others          = 10 // Authgear, Asgardeo and VGS
		googleWorkspace = 4  // Google Workspace admin/token/saml and the attack warning
	)
	require.Len(t, Actions(), base+others+googleWorkspace, "the vocabulary (docs/schema.md#actions)")
	for _, a := range Actions() {
		spec, _ := Spec(a)
		assert.Regexp(t, `^[a-z_]+\.[a-z_]+$`, string(a), "actions are <object>.<verb>")
		assert.NotEmpty(t, spec.Category, a)
		assert.NotEmpty(t, spec.Type, a)
		assert.NotEmpty(t, spec.Title, a)
		assert.NotEqual(t, SeverityUnset, spec.Severity, a)
		for _, b := range Actions() {
			assert.False(t, a != b && strings.HasPrefix(string(b), string(a)+"."), "%s is a prefix of %s", a, b)
		}
	}
}

// The Google Workspace admin/token/saml block: OAuth grants are IAM changes of
// who may act on a user's data; other organization security policies are
// configuration changes like the MFA requirement.
func TestGoogleWorkspaceActions(t *testing.T) {
	for a, want := range map[Action]struct {
		category, typ []string
		severity      Severity
	}{
		ActionOAuthAppAuthorize:       {[]string{"iam"}, []string{"creation"}, SeverityLow},
		ActionOAuthAppRevoke:          {[]string{"iam"}, []string{"deletion"}, SeverityInformational},
		ActionOrgSecurityPolicyChange: {[]string{"configuration"}, []string{"change"}, SeverityMedium},
	} {
		spec, ok := Spec(a)
		require.True(t, ok, a)
		assert.Equal(t, want.category, spec.Category, a)
		assert.Equal(t, want.typ, spec.Type, a)
		assert.Equal(t, want.severity, spec.Severity, a)
		assert.False(t, a.IsAuthentication(), "%s carries a target", a)
	}
	e := Event{Action: ActionOAuthAppAuthorize, Severity: SeverityHigh, Actor: Identity{Email: "admin@example.com"}}
	assert.Equal(t, SeverityHigh, DefaultPolicy.SeverityOf(&e), "a table row raises domain-wide delegation")
}

func TestSeverityRules(t *testing.T) {
	admin := Identity{Email: "admin@example.com"}
	bob := Identity{Email: "bob@example.com"}
	for name, tc := range map[string]struct {
		e    Event
		want Severity
	}{
		"login ok":                             {Event{Action: ActionLogin, Outcome: OutcomeSuccess}, SeverityInformational},
		"login failed primary":                 {Event{Action: ActionLogin, Outcome: OutcomeFailure}, SeverityLow},
		"login failed secondary":               {Event{Action: ActionLogin, Outcome: OutcomeFailure, AuthFactor: FactorSecondary}, SeverityMedium},
		"org delete":                           {Event{Action: ActionOrgDelete}, SeverityCritical},
		"mfa disable self":                     {Event{Action: ActionMFADisable, Actor: bob, Target: bob}, SeverityHigh},
		"mfa disable by admin capped":          {Event{Action: ActionMFADisable, Actor: admin, Target: bob}, SeverityHigh},
		"mfa enable by admin":                  {Event{Action: ActionMFAEnable, Actor: admin, Target: bob}, SeverityLow},
		"password self":                        {Event{Action: ActionPasswordChange, Actor: bob, Target: bob}, SeverityLow},
		"password by admin":                    {Event{Action: ActionPasswordChange, Actor: admin, Target: bob}, SeverityMedium},
		"password by admin (flag)":             {Event{Action: ActionPasswordReset, Performer: PerformerOther}, SeverityMedium},
		"password unknown actor":               {Event{Action: ActionPasswordChange, Target: bob}, SeverityLow},
		"email identifier removed":             {Event{Action: ActionUserIdentifierRemove, ChangeField: "email"}, SeverityMedium},
		"username identifier removed":          {Event{Action: ActionUserIdentifierRemove, ChangeField: "username"}, SeverityLow},
		"phone identifier updated":             {Event{Action: ActionUserIdentifierUpdate, ChangeField: "phone"}, SeverityMedium},
		"role to admin":                        {Event{Action: ActionUserRoleChange, Changes: Identity{Roles: []string{"Org Admin"}}}, SeverityHigh},
		"role to viewer":                       {Event{Action: ActionUserRoleChange, Changes: Identity{Roles: []string{"viewer"}}}, SeverityMedium},
		"mfa requirement off":                  {Event{Action: ActionOrgMFARequirementChange, RequirementOff: true}, SeverityHigh},
		"mfa requirement on":                   {Event{Action: ActionOrgMFARequirementChange}, SeverityMedium},
		"failed registration":                  {Event{Action: ActionUserCreate, Outcome: OutcomeFailure}, SeverityLow},
		"failed deletion is low":               {Event{Action: ActionUserDelete, Outcome: OutcomeFailure}, SeverityLow},
		"app deletes user":                     {Event{Action: ActionUserDelete, ActorType: ActorApplication}, SeverityHigh},
		"api key disables mfa":                 {Event{Action: ActionMFADisable, ActorType: ActorAPIKey}, SeverityHigh},
		"vendor override":                      {Event{Action: ActionUserIdentifierAdd, Severity: SeverityInformational}, SeverityInformational},
		"unmapped":                             {Event{Action: ActionUnmapped, Outcome: OutcomeUnknown}, SeverityInformational},
		"protection denial keeps its severity": {Event{Action: ActionProtectionBlock, Outcome: OutcomeFailure}, SeverityMedium},
		"failed config change is low":          {Event{Action: ActionConfigDelete, Outcome: OutcomeFailure}, SeverityLow},
		"admin generates a user's code":        {Event{Action: ActionOTPGenerate, Performer: PerformerOther}, SeverityHigh},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, DefaultPolicy.SeverityOf(&tc.e))
		})
	}
}

func TestPolicyOverrides(t *testing.T) {
	p := &Policy{
		PrivilegedRole: regexp.MustCompile(`^root$`),
		Overrides:      map[Action]Severity{ActionLogin: SeverityMedium},
		Mapping:        DefaultSeverityMapping,
	}
	assert.Equal(t, SeverityMedium, p.SeverityOf(&Event{Action: ActionLogin, Outcome: OutcomeSuccess}))
	assert.Equal(t, SeverityMedium, p.SeverityOf(&Event{Action: ActionUserRoleChange, Changes: Identity{Roles: []string{"admin"}}}))
	assert.Equal(t, SeverityHigh, p.SeverityOf(&Event{Action: ActionUserRoleChange, Changes: Identity{Roles: []string{"root"}}}))
}

func TestSeverityNames(t *testing.T) {
	for s := SeverityInformational; s <= SeverityCritical; s++ {
		got, ok := ParseSeverity(s.String())
		assert.True(t, ok)
		assert.Equal(t, s, got)
		assert.Equal(t, int64(s), s.OCSFID())
	}
	_, ok := ParseSeverity("severe")
	assert.False(t, ok)
	assert.Equal(t, plog.SeverityNumberError2, DefaultSeverityMapping[SeverityCritical].Number)
	assert.Equal(t, plog.SeverityNumberWarn, DefaultSeverityMapping[SeverityMedium].Number)
}

func TestWriteTo(t *testing.T) {
	e := Event{
		Code: "user.mfa_deleted", ID: "id1", Time: time.Unix(1700000000, 0), Dataset: "v.webhook",
		Actor: Identity{Email: "admin@example.com", Name: "admin@example.com"}, ActorType: ActorUser,
		Target:        Identity{ID: "u1", Email: "bob@example.com", Name: "bob@example.com"},
		ClientAddress: "203.0.113.9", CorrelationID: "c1",
	}
	e.Apply(Mapping{Action: ActionMFADisable, OCSF: OCSF{Class: OCSFAccountChange, Activity: 11}})
	lr := plog.NewLogRecord()
	e.WriteTo(lr, "v", nil)
	a := lr.Attributes().AsRaw()
	assert.Equal(t, "identity.mfa.disable", lr.EventName())
	assert.Equal(t, "MFA disabled for bob@example.com by admin@example.com", lr.Body().Str())
	assert.Equal(t, plog.SeverityNumberError, lr.SeverityNumber())
	assert.Equal(t, "ERROR", lr.SeverityText())
	assert.Equal(t, int64(1700000000), lr.Timestamp().AsTime().Unix())
	for k, v := range map[string]any{
		"event.action": "mfa.disable", "event.category": []any{"iam"}, "event.type": []any{"user", "change"},
		"event.outcome": "success", "event.kind": "event", "event.code": "user.mfa_deleted", "event.id": "id1",
		"event.provider": "v", "event.dataset": "v.webhook", "authtrail.severity": "high",
		"user.email": "admin@example.com", "user.target.id": "u1", "user.target.email": "bob@example.com",
		"related.user": []any{"admin@example.com", "u1", "bob@example.com"}, "related.ip": []any{"203.0.113.9"},
		"client.address": "203.0.113.9", "authtrail.correlation.id": "c1",
		"ocsf.version": "1.8.0", "ocsf.category_uid": int64(3), "ocsf.class_uid": int64(3001),
		"ocsf.activity_id": int64(11), "ocsf.type_uid": int64(300111), "ocsf.severity_id": int64(4), "ocsf.status_id": int64(1),
	} {
		assert.Equal(t, v, a[k], k)
	}
	assert.NotContains(t, a, "error.type", "only failures carry error.type")
	assert.NotContains(t, a, "ocsf.activity_name")
}

func TestFailureAndUnmapped(t *testing.T) {
	e := Event{Code: "x", Actor: Identity{Name: "peter"}, Reason: "bad password"}
	e.Apply(Mapping{Action: ActionLogin, Outcome: OutcomeFailure, OCSF: OCSF{Class: OCSFAuthentication, Activity: 1}})
	lr := plog.NewLogRecord()
	e.WriteTo(lr, "v", nil)
	assert.Equal(t, "_OTHER", lr.Attributes().AsRaw()["error.type"])
	assert.Equal(t, int64(2), lr.Attributes().AsRaw()["ocsf.status_id"])
	assert.Equal(t, "Login by peter (failed): bad password", lr.Body().Str())

	u := Event{Code: "vault.created"}
	u.Unmapped()
	lr = plog.NewLogRecord()
	u.WriteTo(lr, "v", nil)
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.NotContains(t, lr.Attributes().AsRaw(), "ocsf.class_uid")
	assert.NotContains(t, lr.Attributes().AsRaw(), "event.category")
	assert.Equal(t, "Vendor event vault.created", lr.Body().Str())
}

// A blank vendor summary (the fuzzer sent " ") must not become a blank body
// (docs/schema.md#d15-body-and-nothing-lost: the body is a non-empty string).
func TestBlankSummaryIsNoSummary(t *testing.T) {
	for _, summary := range []string{" ", "\t\n", "\u00a0"} {
		e := Event{Code: "x", Summary: summary, Actor: Identity{Name: "peter"}}
		e.Apply(Mapping{Action: ActionLogin})
		lr := plog.NewLogRecord()
		e.WriteTo(lr, "v", nil)
		assert.Equal(t, "Login by peter", lr.Body().Str(), "summary %q", summary)
	}
}

func TestBuilderGroupsByTenant(t *testing.T) {
	b := NewBuilder("v", Scope{Name: "s", Version: "1"}, time.Unix(5, 0))
	for _, tn := range []Tenant{{ID: "a"}, {ID: "a"}, {ID: "b", Name: "B"}} {
		e := Event{Code: "c"}
		e.Unmapped()
		b.Write(tn, &e)
	}
	ld := b.Logs()
	require.Equal(t, 2, ld.ResourceLogs().Len())
	assert.Equal(t, 2, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().Len())
	res := ld.ResourceLogs().At(1).Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{"service.name": "v", "service.namespace": "identity", "organization.id": "b", "organization.name": "B"}, res)
	assert.Equal(t, "s", ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
	assert.Equal(t, int64(5), ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).ObservedTimestamp().AsTime().Unix())
}

func TestOCSF19(t *testing.T) {
	o := OCSF{Class: OCSFAccountChange, Activity: 3, Class19: OCSFUserAccess19, Activity19: 8}
	assert.Equal(t, OCSF{Class: 3007, Activity: 8}, o.V19())
	assert.Equal(t, o, OCSF{Class: 3001, Activity: 3, Class19: 3007, Activity19: 8})
	plain := OCSF{Class: OCSFAuthentication, Activity: 1}
	assert.Equal(t, plain, plain.V19())
}

func TestBuilderMarkSinceRollback(t *testing.T) {
	b := NewBuilder("vgs", Scope{Name: "test"}, time.Time{})
	write := func(tenant, id string) {
		b.Write(Tenant{ID: tenant}, &Event{Action: ActionLogin, Outcome: OutcomeSuccess, ID: id})
	}
	ids := func(m Mark) (out []string) {
		b.Since(m, func(res pcommon.Resource, lr plog.LogRecord) {
			org, _ := res.Attributes().Get(AttrOrganizationID)
			id, _ := lr.Attributes().Get(AttrEventID)
			out = append(out, org.Str()+"/"+id.Str())
		})
		return out
	}
	start := b.Mark()
	write("t1", "a")
	m := b.Mark()
	write("t1", "b")
	write("t2", "c")
	assert.Equal(t, []string{"t1/b", "t2/c"}, ids(m))
	assert.Equal(t, []string{"t1/a", "t1/b", "t2/c"}, ids(start))

	b.Rollback(m)
	assert.Equal(t, []string{"t1/a"}, ids(start), "records and resources after the mark are gone")
	write("t1", "d")
	assert.Equal(t, []string{"t1/a", "t1/d"}, ids(start))
	assert.Equal(t, 2, b.Logs().ResourceLogs().Len(), "after a rollback past a resource, records start a new one")

	m = b.Mark()
	write("t1", "e")
	b.Rollback(m)
	assert.Equal(t, []string{"t1/a", "t1/d"}, ids(start), "rolled back within one resource")
	b.Rollback(start)
	assert.Equal(t, 0, b.Logs().LogRecordCount())
	b.SetObserved(42)
	write("t3", "f")
	assert.Equal(t, pcommon.Timestamp(42), b.Logs().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).ObservedTimestamp())
}

// One record with thousands of attributes does not make every later record of
// the batch reserve as many: the size hint is the batch's largest record up to
// maxAttrCapacity (a batch of 1,000 small records after a 10,000-field one
// reserved 934 MB).
func TestBuilderAttrCapacityIsBounded(t *testing.T) {
	b := NewBuilder("v", Scope{Name: "s"}, time.Time{})
	big := b.Append(Tenant{ID: "t"})
	for i := range 10 * maxAttrCapacity {
		big.Attributes().PutInt("k"+strconv.Itoa(i), int64(i))
	}
	require.Greater(t, big.Attributes().Len(), maxAttrCapacity)
	b.Append(Tenant{ID: "t"})
	assert.LessOrEqual(t, b.attrCapacity(), maxAttrCapacity)
	assert.Equal(t, attrCapacity, NewBuilder("v", Scope{}, time.Time{}).attrCapacity(), "a first record's hint")
}
