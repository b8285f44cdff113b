package main

import (
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/vendorsim"
)

func TestParseServeLateness(t *testing.T) {
	o, err := parseServe([]string{"-google-rate", "5", "-late-mix", "0.9:0s-1m,0.07:10m-40m", "-time-scale", "60"})
	require.NoError(t, err)
	assert.Equal(t, 5.0, o.googleRate)
	assert.Equal(t, 60.0, o.late.Scale)
	assert.Len(t, o.late.Parts, 2)

	o, err = parseServe(nil)
	require.NoError(t, err)
	assert.Empty(t, o.late.Parts, "published at once by default")
	assert.Equal(t, 1.0, o.late.Scale)
	assert.Zero(t, o.googleRate)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-late-mix", "0.9:0s-1m,soon"}, `-late-mix: late mix part 2 "soon"`},
		{[]string{"-late-mix", "0.9:0s-1m,0.2:1h-2h"}, "more than 1"},
		{[]string{"-time-scale", "0"}, "-time-scale: must be positive"},
		{[]string{"-google-rate", "-1"}, "-google-rate: must not be negative"},
	} {
		_, err := parseServe(tc.args)
		require.Error(t, err, tc.args)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// generateGoogle adds activities to every application at the rate, each
// published after the mix's (scaled) delay, and the truth endpoint lists them.
func TestGenerateGoogleRecordsTruth(t *testing.T) {
	g := vendorsim.NewReportsAPI("C0sim", nil)
	mix, err := vendorsim.ParseLateMix("1:1h-1h")
	require.NoError(t, err)
	mix.Scale = 3600 // 1h becomes 1s
	g.Late = mix
	truth := &truthLog{}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	start := time.Now()
	generateGoogle(ctx, g, mrand.New(mrand.NewPCG(1, 2)), 20, truth)
	elapsed := time.Since(start)
	firstQual := truth.entries[0].UniqueQualifier
	truth.served("admin", firstQual)
	truth.served("admin", firstQual)
	truth.served("admin", -1) // not generated while serving: not counted

	rec := httptest.NewRecorder()
	truth.ServeHTTP(rec, httptest.NewRequest("GET", "/sim/google/truth", nil))
	var got struct {
		Activities []truthEntry
		Dropped    int
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	apps := vendorsim.GoogleApplications()
	require.NotEmpty(t, got.Activities)
	assert.Zero(t, got.Dropped)
	count := map[string]int{}
	last := map[string]time.Time{}
	for i, a := range got.Activities {
		if i == 0 {
			assert.Equal(t, 2, a.Reads)
		} else {
			assert.Zero(t, a.Reads)
		}
		at, err := time.Parse(time.RFC3339Nano, a.Time)
		require.NoError(t, err)
		pub, err := time.Parse(time.RFC3339Nano, a.Published)
		require.NoError(t, err)
		assert.Equal(t, time.Second, pub.Sub(at), "1h divided by the scale")
		assert.False(t, at.Before(last[a.Application]), "times grow")
		assert.False(t, at.After(start.Add(elapsed)), "no activity in the future")
		last[a.Application] = at
		count[a.Application]++
	}
	perApp := count[apps[0]]
	assert.InDelta(t, 20*elapsed.Seconds(), perApp, 3, "20 a second per application")
	for _, app := range apps {
		want := perApp
		if app == "login" {
			want = 2 * perApp // its own and user_accounts' twins
		}
		assert.Equal(t, want, count[app], app)
	}
	assert.Len(t, g.Activities(apps[0], time.Now()), perApp)
}
