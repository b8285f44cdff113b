package vendorsim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const realisticMix = "0.9:0s-1m,0.07:10m-40m,0.025:1h-2h,0.005:5h-7h"

func TestParseLateMix(t *testing.T) {
	m, err := ParseLateMix(realisticMix)
	require.NoError(t, err)
	assert.Equal(t, []LatePart{
		{0.9, 0, time.Minute}, {0.07, 10 * time.Minute, 40 * time.Minute},
		{0.025, time.Hour, 2 * time.Hour}, {0.005, 5 * time.Hour, 7 * time.Hour},
	}, m.Parts)

	m, err = ParseLateMix("")
	require.NoError(t, err)
	assert.Empty(t, m.Parts)
	assert.Zero(t, m.Delay(rand.New(rand.NewPCG(1, 2))), "no mix: published at once")

	for in, want := range map[string]string{
		"0.9:0s-1m,0.07":                `late mix part 2 "0.07": want fraction:min-max`,
		"0.9:0s-1m, 0.1:10m":            `late mix part 2 " 0.1:10m": want fraction:min-max`,
		"x:0s-1m":                       `late mix part 1 "x:0s-1m": fraction "x"`,
		"1.5:0s-1m":                     `late mix part 1 "1.5:0s-1m": fraction "1.5"`,
		"0:0s-1m":                       `late mix part 1 "0:0s-1m": fraction "0"`,
		"0.5:soon-1m":                   `late mix part 1 "0.5:soon-1m": min "soon"`,
		"0.5:2m-1m":                     `late mix part 1 "0.5:2m-1m": max "1m": want a duration from min (2m0s)`,
		"0.5:0s-2000h":                  `late mix part 1 "0.5:0s-2000h": max "2000h"`,
		"0.6:0s-1m,0.3:1m-2m,0.2:1h-2h": `late mix part 3 "0.2:1h-2h": fractions add up to 1.1, more than 1`,
	} {
		_, err := ParseLateMix(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestLateMixDelay(t *testing.T) {
	m, err := ParseLateMix(realisticMix)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	bands := make([]int, len(m.Parts))
	const n = 200_000
	for range n {
		d := m.Delay(r)
		i := 0
		for i < len(m.Parts) && !(d >= m.Parts[i].Min && d <= m.Parts[i].Max) {
			i++
		}
		require.Less(t, i, len(m.Parts), "delay %s in no part", d)
		bands[i]++
	}
	for i, p := range m.Parts {
		assert.InDelta(t, p.Fraction, float64(bands[i])/n, 0.005, "part %d", i+1)
	}

	m.Scale = 60
	for range 10_000 {
		assert.LessOrEqual(t, m.Delay(r), 7*time.Minute, "7h divided by 60")
	}
	half, err := ParseLateMix("0.5:1h-1h")
	require.NoError(t, err)
	half.Scale = 10
	var late int
	for range 10_000 {
		switch d := half.Delay(r); d {
		case 6 * time.Minute:
			late++
		case 0:
		default:
			t.Fatalf("delay %s: want 0 or 1h/10", d)
		}
	}
	assert.InDelta(t, 5000, late, 300, "the remainder is published at once")
}

// Rows stay as small as before they had a publication time: a bench backlog
// holds about a million of them.
func TestRowsStaySmall(t *testing.T) {
	assert.Equal(t, uintptr(24), unsafe.Sizeof(gActivity{}))
	assert.Equal(t, uintptr(24), unsafe.Sizeof(agEvent{}))
}

// googlePage lists app over [from, to) as the receiver does.
func googlePage(t *testing.T, g *ReportsAPI, app string, from, to time.Time, max int, token string) (quals []int64, next string) {
	t.Helper()
	q := url.Values{"startTime": {from.UTC().Format(time.RFC3339Nano)}, "endTime": {to.UTC().Format(time.RFC3339Nano)},
		"maxResults": {strconv.Itoa(max)}}
	if token != "" {
		q.Set("pageToken", token)
	}
	body, err := g.list(app, httptest.NewRequest("GET", "/?"+q.Encode(), nil))
	require.NoError(t, err)
	var res struct {
		Items []struct {
			ID struct {
				UniqueQualifier string `json:"uniqueQualifier"`
			} `json:"id"`
		} `json:"items"`
		NextPageToken string `json:"nextPageToken"`
	}
	require.NoError(t, json.Unmarshal(body, &res), string(body))
	for _, it := range res.Items {
		q, err := strconv.ParseInt(it.ID.UniqueQualifier, 10, 64)
		require.NoError(t, err)
		quals = append(quals, q)
	}
	return quals, res.NextPageToken
}

func googlePass(t *testing.T, g *ReportsAPI, app string, from, to time.Time, max int) []int64 {
	t.Helper()
	var all []int64
	for token := ""; ; {
		quals, next := googlePage(t, g, app, from, to, max, token)
		all = append(all, quals...)
		if token = next; token == "" {
			return all
		}
	}
}

func TestGoogleListsOnlyPublishedActivities(t *testing.T) {
	g := NewReportsAPI("C0sim", nil)
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	g.Late = LateMix{Parts: []LatePart{{Fraction: 1, Min: 10 * time.Minute, Max: 10 * time.Minute}}}
	old := g.Add(r, "admin", now.Add(-15*time.Minute))[0]                       // published 5 minutes ago
	soon := g.Add(r, "admin", now.Add(-10*time.Minute+300*time.Millisecond))[0] // published in 300 ms
	later := g.Add(r, "admin", now.Add(-5*time.Minute))[0]                      // published in 5 minutes
	assert.Equal(t, formatMillis(now.Add(5*time.Minute).UnixMilli()), later.Published)

	from, to := now.Add(-time.Hour), now
	assert.Equal(t, []int64{old.UniqueQualifier}, googlePass(t, g, "admin", from, to, 10))
	require.Eventually(t, func() bool { return len(googlePass(t, g, "admin", from, to, 10)) == 2 },
		5*time.Second, 20*time.Millisecond, "visible from its publication time on")
	assert.Equal(t, []int64{soon.UniqueQualifier, old.UniqueQualifier}, googlePass(t, g, "admin", from, to, 10))
	assert.Len(t, g.Activities("admin", now), 3, "Activities lists published or not")

	ins := g.Insert("admin", now.Add(-20*time.Minute))
	assert.Contains(t, googlePass(t, g, "admin", from, to, 10), ins.UniqueQualifier, "Insert publishes at once")
}

// A twin (login's copy of a user_accounts change) shows up after a delay of
// its own, as Google's applications publish independently.
func TestTwinsArePublishedAfterTheirOwnDelay(t *testing.T) {
	g := NewReportsAPI("C0sim", nil)
	r := rand.New(rand.NewPCG(1, 2))
	g.Late = LateMix{Parts: []LatePart{{Fraction: 0.5, Min: time.Hour, Max: time.Hour}}}
	differ := 0
	for range 100 {
		added := g.Add(r, "user_accounts", time.Now())
		require.Len(t, added, 2)
		assert.Equal(t, "login", added[1].Application)
		assert.Equal(t, added[0].Time, added[1].Time)
		if added[0].Published != added[1].Published {
			differ++
		}
	}
	assert.InDelta(t, 50, differ, 20, "each copy draws its delay")
	assert.Len(t, g.Add(r, "admin", time.Now()), 1, "no twin")
}

// Rows that appear while a client pages (added, or reaching their publication
// time) neither shift the offset of the pages after the first nor get served
// within that pass: each row of the first view comes once, none is skipped.
func TestGooglePaginationIsStableWhileRowsAppear(t *testing.T) {
	g := NewReportsAPI("C0sim", nil)
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	from, to := now.Add(-time.Hour), now
	g.Generate(r, "admin", 25, from, now.Add(-time.Minute))
	g.Late = LateMix{Parts: []LatePart{{Fraction: 1, Min: 50 * time.Minute, Max: 50 * time.Minute}}}
	g.Add(r, "admin", now.Add(-50*time.Minute+200*time.Millisecond)) // published during the pass

	reads := map[int64]int{}
	g.OnServe = func(app string, q int64) {
		assert.Equal(t, "admin", app)
		reads[q]++
	}
	first, token := googlePage(t, g, "admin", from, to, 10, "")
	require.Len(t, first, 10)
	// Newer than every row served so far, so a live offset would shift by two.
	g.Insert("admin", now.Add(-30*time.Second))
	g.Insert("admin", now.Add(-20*time.Second))
	time.Sleep(300 * time.Millisecond)
	rest := first
	for token != "" {
		var quals []int64
		quals, token = googlePage(t, g, "admin", from, to, 10, token)
		rest = append(rest, quals...)
	}
	assert.Len(t, rest, 25)
	seen := map[int64]bool{}
	for _, q := range rest {
		assert.False(t, seen[q], "qualifier %d served twice", q)
		assert.LessOrEqual(t, q, int64(25), "qualifier %d appeared within the pass", q)
		seen[q] = true
	}
	assert.Len(t, reads, 25)
	for q, n := range reads {
		assert.Equal(t, 1, n, "OnServe: qualifier %d served once", q)
	}
	assert.Len(t, googlePass(t, g, "admin", from, to, 10), 28, "the next pass sees them")
	assert.Len(t, reads, 28)
	assert.Equal(t, 2, reads[1], "OnServe counts every read")
}

func authgearPass(t *testing.T, a *AuthgearAPI, from, to time.Time, first int, during func()) []string {
	t.Helper()
	var ids []string
	var req gqlRequest
	req.Query = "query { auditLogs(sortDirection: ASC) }"
	req.Variables.First = first
	req.Variables.RangeFrom, req.Variables.RangeTo = from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)
	for {
		body, err := a.answer(req)
		require.NoError(t, err)
		var res struct {
			Data struct {
				AuditLogs struct {
					Edges []struct {
						Node struct {
							Data struct {
								ID string `json:"id"`
							} `json:"data"`
						} `json:"node"`
					} `json:"edges"`
					PageInfo struct {
						HasNextPage bool    `json:"hasNextPage"`
						EndCursor   *string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"auditLogs"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &res))
		for _, e := range res.Data.AuditLogs.Edges {
			ids = append(ids, e.Node.Data.ID)
		}
		if !res.Data.AuditLogs.PageInfo.HasNextPage {
			return ids
		}
		req.Variables.After = *res.Data.AuditLogs.PageInfo.EndCursor
		if during != nil {
			during()
			during = nil
		}
	}
}

func TestAuthgearListsOnlyPublishedRows(t *testing.T) {
	a := NewAuthgearAPI("simapp", "k", nil)
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().Truncate(time.Second)
	from, to := now.Add(-time.Hour), now.Add(time.Second)
	a.Generate(r, 30, now.Add(-50*time.Minute), now.Add(-20*time.Minute))
	a.Late = LateMix{Parts: []LatePart{{Fraction: 1, Min: 30 * time.Minute, Max: 30 * time.Minute}}}
	a.Generate(r, 2, now.Add(-40*time.Minute), now.Add(-40*time.Minute+time.Second)) // published 10 minutes ago
	a.Generate(r, 1, now.Add(-10*time.Minute), now.Add(-10*time.Minute+time.Second)) // published in 20 minutes
	assert.Len(t, authgearPass(t, a, from, to, 100, nil), 32)
	assert.Len(t, a.IDs(now.Add(time.Second)), 33, "IDs lists published or not")

	// A pass in pages of 10 while rows are inserted before its cursor.
	ids := authgearPass(t, a, from, to, 10, func() {
		a.Insert(now.Add(-55 * time.Minute))
		a.Insert(now.Add(-54 * time.Minute))
	})
	assert.Len(t, ids, 32)
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "%s served twice", id)
		seen[id] = true
	}
	assert.Len(t, authgearPass(t, a, from, to, 10, nil), 34, "the next pass sees the inserted rows")
}
