package vendorsim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// change is what both copies of one account change share.
type change struct{ time, actor, profile, name string }

func changes(as []Activity) map[change]int64 {
	out := map[change]int64{}
	for _, a := range as {
		out[change{a.Time, a.ActorEmail, a.ActorProfileID, a.Name}] = a.UniqueQualifier
	}
	return out
}

// renderedEvents lists, as the mock serves them, the type and name of each
// activity's event by uniqueQualifier.
func renderedEvents(t *testing.T, g *ReportsAPI, app string, from time.Time) map[string][2]string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/?maxResults=1000&startTime="+url.QueryEscape(from.Format(time.RFC3339)), nil)
	body, err := g.list(app, r)
	require.NoError(t, err)
	var page struct {
		Items []struct {
			ID struct {
				UniqueQualifier string `json:"uniqueQualifier"`
				ApplicationName string `json:"applicationName"`
			} `json:"id"`
			Events []struct{ Type, Name string } `json:"events"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	out := map[string][2]string{}
	for _, it := range page.Items {
		require.Equal(t, app, it.ID.ApplicationName)
		out[it.ID.UniqueQualifier] = [2]string{it.Events[0].Type, it.Events[0].Name}
	}
	return out
}

// Every user_accounts activity the mock generates has a twin in login: the
// same time, actor and event, its own uniqueQualifier, rendered with the
// event's type. login's own activities have none.
func TestUserAccountsActivitiesHaveALoginTwin(t *testing.T) {
	g := NewReportsAPI("C0sim", nil)
	now := time.Now()
	r := rand.New(rand.NewPCG(1, 2))
	g.Generate(r, "user_accounts", 60, now.Add(-time.Hour), now)
	g.Generate(r, "login", 40, now.Add(-time.Hour), now)
	accounts, login := g.Activities("user_accounts", now), g.Activities("login", now)
	require.Len(t, accounts, 60)
	require.Len(t, login, 100)
	twins := changes(login)
	for c, qual := range changes(accounts) {
		twin, ok := twins[c]
		require.True(t, ok, "no login twin of %+v", c)
		assert.NotEqual(t, qual, twin)
	}

	types := map[string]string{}
	for _, row := range googleEvents["user_accounts"] {
		types[row.name] = row.typ
	}
	rendered := renderedEvents(t, g, "login", now.Add(-2*time.Hour))
	require.Len(t, rendered, 100)
	for _, a := range login {
		ev := rendered[strconv.FormatInt(a.UniqueQualifier, 10)]
		assert.Equal(t, a.Name, ev[1])
		if typ, ok := types[a.Name]; ok {
			assert.Equal(t, typ, ev[0], "a twin carries its event's type")
		}
	}
}

// Insert adds both copies; InsertAlone adds one, and InsertTwin the other
// later, in either order.
func TestInsertedAccountChanges(t *testing.T) {
	g := NewReportsAPI("C0sim", nil)
	at := time.Now().Add(-time.Minute)
	both := g.Insert("user_accounts", at)
	assert.Len(t, g.Activities("login", time.Now()), 1)
	g.Insert("login", at)
	assert.Len(t, g.Activities("user_accounts", time.Now()), 1, "login's own activities have no twin")

	for _, first := range []string{"user_accounts", "login"} {
		a, err := g.InsertAlone(first, at)
		require.NoError(t, err)
		assert.Equal(t, both.Name, a.Name, "an account change in %s", first)
		twin, err := g.InsertTwin(a)
		require.NoError(t, err)
		assert.NotEqual(t, first, twin.Application)
		assert.Equal(t, change{a.Time, a.ActorEmail, a.ActorProfileID, a.Name}, change{twin.Time, twin.ActorEmail, twin.ActorProfileID, twin.Name})
		assert.NotEqual(t, a.UniqueQualifier, twin.UniqueQualifier)
	}
	assert.Len(t, g.Activities("user_accounts", time.Now()), 3)
	assert.Len(t, g.Activities("login", time.Now()), 4)

	_, err := g.InsertAlone("admin", at)
	require.Error(t, err)
	_, err = g.InsertTwin(Activity{Application: "login", UniqueQualifier: 999})
	require.Error(t, err)
}
