package sourcetest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
)

// recorder is a testing.TB that records failures instead of failing the test.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() { runtime.Goexit() }

// failures runs check against a recorder and returns what it reported.
func failures(t *testing.T, check func(testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failures
}

func TestCheckOCSFIDs(t *testing.T) {
	for name, tc := range map[string]struct {
		ids  schema.OCSF
		fail string
	}{
		"1.8 only":                {schema.OCSF{Class: 3002, Activity: 1}, ""},
		"1.8 and 1.9":             {schema.OCSF{Class: 3001, Activity: 11, Class19: 3007, Activity19: 13}, ""},
		"other activity":          {schema.OCSF{Class: 3001, Activity: 99, ActivityName: "Invite"}, ""},
		"unknown class":           {schema.OCSF{Class: 3009, Activity: 1}, "class_uid 3009 is not an OCSF 1.8.0 class"},
		"unknown activity":        {schema.OCSF{Class: 3001, Activity: 13}, "activity_id 13 is not defined for OCSF 1.8.0 class 3001"},
		"unknown 1.9 class":       {schema.OCSF{Class: 3001, Activity: 1, Class19: 3008, Activity19: 1}, "class_uid 3008 is not an OCSF 1.9.0 class"},
		"unknown 1.9 activity":    {schema.OCSF{Class: 3001, Activity: 1, Class19: 3007, Activity19: 42}, "activity_id 42 is not defined for OCSF 1.9.0 class 3007"},
		"1.8 class in 1.9 output": {schema.OCSF{Class: 3005, Activity: 2, Class19: 3005, Activity19: 2}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			got := failures(t, func(tb testing.TB) { CheckOCSFIDs(tb, tc.ids) })
			if tc.fail == "" {
				assert.Empty(t, got)
				return
			}
			assert.True(t, slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, tc.fail) }),
				"want a failure saying %q, got %q", tc.fail, got)
		})
	}
}

func TestCheckOCSFWantsANameForOther(t *testing.T) {
	a := pcommon.NewMap()
	a.PutInt(schema.AttrOCSFClassUID, 3001)
	a.PutInt(schema.AttrOCSFActivityID, 99)
	a.PutInt(schema.AttrOCSFCategoryUID, 3)
	a.PutInt(schema.AttrOCSFTypeUID, 300199)
	a.PutInt(schema.AttrOCSFSeverityID, 1)
	a.PutInt(schema.AttrOCSFStatusID, 1)
	got := failures(t, func(tb testing.TB) { CheckOCSF(tb, a) })
	assert.Len(t, got, 1)
	a.PutStr(schema.AttrOCSFActivityName, "Invite")
	assert.Empty(t, failures(t, func(tb testing.TB) { CheckOCSF(tb, a) }))
}

// Every class the schema package names is in the facts, with what the OCSF
// profile must fill in.
func TestFactsHoldTheClassesTheCodeNames(t *testing.T) {
	f := OCSFFacts(t)
	for _, uid := range []int64{schema.OCSFAccountChange, schema.OCSFAuthentication, schema.OCSFAuthorizeSession,
		schema.OCSFEntityManagement, schema.OCSFUserAccessMgmt, schema.OCSFGroupManagement, schema.OCSFEmailActivity} {
		c, ok := f.Class18(uid)
		if assert.True(t, ok, "class %d", uid) {
			assert.Contains(t, c.Required, "class_uid", "class %d: the base event's requirements are inherited", uid)
			assert.Equal(t, uid/1000, c.CategoryUID)
		}
	}
	c, ok := f.Class19(schema.OCSFUserAccess19)
	if assert.True(t, ok) {
		assert.Contains(t, c.Required, "user")
	}
	assert.Equal(t, "1.8.0", f.Version)
	assert.Contains(t, f.Source, "OCSF schema 1.8.0")
	assert.Contains(t, f.V19.Source, "1.9.0-dev")
}
