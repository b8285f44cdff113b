package googleworkspace

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", testdataDir, name))
	require.NoError(t, err)
	return raw
}

// change is liz's 2-step verification enrollment as user_accounts reports it
// (testdata 2sv_enroll.json).
func change(t *testing.T) *reports.Activity {
	t.Helper()
	items, err := activities(readTestdata(t, "2sv_enroll.json"))
	require.NoError(t, err)
	return items[0]
}

// loginCopy is the same change as the login application reports it: its own
// activity, with its own uniqueQualifier.
func loginCopy(a *reports.Activity) *reports.Activity {
	c := *a
	id := *a.Id
	id.ApplicationName, id.UniqueQualifier = "login", a.Id.UniqueQualifier+1000
	c.Id, c.Etag = &id, `"login-etag"`
	return &c
}

func convertOne(t *testing.T, a *reports.Activity) plog.LogRecord {
	t.Helper()
	ld, err := Convert([]*reports.Activity{a}, sources.Options{})
	require.NoError(t, err)
	return sourcetest.Records(ld)[0]
}

// The user_accounts and login copies of one account change become records
// with one event.id (docs/schema.md#d18-one-record-per-google-account-change);
// each keeps its own application and uniqueQualifier.
func TestBothCopiesOfAnAccountChangeShareTheEventID(t *testing.T) {
	ua := change(t)
	fromAccounts, fromLogin := convertOne(t, ua), convertOne(t, loginCopy(ua))
	assert.Equal(t, sourcetest.Attr(fromAccounts, schema.AttrEventID), sourcetest.Attr(fromLogin, schema.AttrEventID))
	assert.Equal(t, "google_workspace.user_accounts", sourcetest.Attr(fromAccounts, schema.AttrEventDataset))
	assert.Equal(t, "google_workspace.login", sourcetest.Attr(fromLogin, schema.AttrEventDataset))
	assert.Equal(t, int64(2), fromAccounts.Attributes().AsRaw()["google_workspace.id.unique_qualifier"])
	assert.Equal(t, int64(1002), fromLogin.Attributes().AsRaw()["google_workspace.id.unique_qualifier"])
	assert.Equal(t, EventID(ua, 0), EventID(loginCopy(ua), 0))

	// Google may write id.time with more digits; the instant is what counts.
	longer := loginCopy(ua)
	longer.Id.Time = "2026-10-02T15:00:00.123000Z"
	assert.Equal(t, EventID(ua, 0), EventID(longer, 0))
}

// Changes that differ in time, actor, name, customer or rank among the
// activity's events of that name are different changes.
func TestDifferentAccountChangesHaveDifferentIDs(t *testing.T) {
	base := EventID(change(t), 0)
	for name, edit := range map[string]func(a *reports.Activity){
		"time": func(a *reports.Activity) { a.Id.Time = "2026-10-02T15:00:00.124Z" },
		"actor": func(a *reports.Activity) {
			a.Actor = &reports.ActivityActor{ProfileId: "999", Email: "liz@example.com"}
		},
		"name": func(a *reports.Activity) {
			a.Events = []*reports.ActivityEvents{{Type: "2sv_change", Name: "2sv_disable"}}
		},
		"customer": func(a *reports.Activity) { a.Id.CustomerId = "C0other" },
		"second of its name": func(a *reports.Activity) {
			a.Events = []*reports.ActivityEvents{{Name: "2sv_enroll"}, {Name: "2sv_enroll"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := loginCopy(change(t))
			edit(a)
			index := len(a.Events) - 1
			assert.NotEqual(t, base, EventID(a, index))
		})
	}
	// The rank counts events of the same name only: another event before it
	// (in one copy, not the other) does not change the id.
	a := loginCopy(change(t))
	a.Events = append([]*reports.ActivityEvents{{Name: "titanium_enroll"}}, a.Events...)
	assert.Equal(t, base, EventID(a, 1))
}

// Without a profile id both copies are keyed by the actor's email; with no
// actor at all a change cannot be told from another user's, so each copy keeps
// its own id (delivered twice, never merged with someone else's).
func TestAccountChangeActorFallbacks(t *testing.T) {
	byEmail := change(t)
	byEmail.Actor = &reports.ActivityActor{Email: "liz@example.com"}
	assert.Equal(t, EventID(byEmail, 0), EventID(loginCopy(byEmail), 0))
	assert.NotEqual(t, EventID(change(t), 0), EventID(byEmail, 0), "a profile id and an email are different keys")

	anonymous := change(t)
	anonymous.Actor = nil
	assert.NotEqual(t, EventID(anonymous, 0), EventID(loginCopy(anonymous), 0))
}

// Events only one application reports keep an id of their own activity: two
// activities at the same time by the same user are two events.
func TestOtherEventsKeepTheirActivityID(t *testing.T) {
	for app, name := range map[string]string{"login": "login_success", "admin": "CHANGE_PASSWORD", "saml": "login_success"} {
		a := change(t)
		a.Id.ApplicationName = app
		a.Events = []*reports.ActivityEvents{{Name: name}}
		other := loginCopy(a)
		other.Id.ApplicationName = app
		assert.NotEqual(t, EventID(a, 0), EventID(other, 0), "%s/%s", name, app)
	}
	pass := change(t)
	pass.Id.ApplicationName = "drive"
	assert.NotEqual(t, EventID(pass, 0), EventID(change(t), 0), "an application passing through is not an account change")
}

// The shared events are the rows both applications' tables have, and only
// records of those events match (what a receiver dedupes across streams).
func TestSharedAccountChanges(t *testing.T) {
	for name := range accountChanges {
		_, inAccounts := applications["user_accounts"].rows[name]
		_, inLogin := applications["login"].rows[name]
		assert.True(t, inAccounts && inLogin, name)
	}
	for name := range applications["login"].rows {
		_, inAccounts := applications["user_accounts"].rows[name]
		_, shared := accountChanges[name]
		assert.Equal(t, inAccounts, shared, "%s: in both tables exactly when shared", name)
	}
	ua := change(t)
	assert.True(t, SharedAccountChange(convertOne(t, ua)))
	assert.True(t, SharedAccountChange(convertOne(t, loginCopy(ua))))
	for app, name := range map[string]string{"login": "login_success", "admin": "CHANGE_PASSWORD", "drive": "2sv_enroll"} {
		a := change(t)
		a.Id.ApplicationName = app
		a.Events = []*reports.ActivityEvents{{Name: name}}
		assert.False(t, SharedAccountChange(convertOne(t, a)), "%s/%s", name, app)
	}
	assert.False(t, SharedAccountChange(plog.NewLogRecord()))
	assert.Equal(t, "user_accounts", DedupedBy("login"))
	assert.Empty(t, DedupedBy("user_accounts"), "user_accounts never sends into another stream")
}
