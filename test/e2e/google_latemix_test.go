//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lateMixSettings: the Google default horizon (6h) compressed 900 times: 24s,
// re-read at 3s, 12s and 24s in windows of at least 1s, 1.5s and 3s.
const lateMixSettings = `
    page_size: 20
    late_arrivals: {horizon: 24s}
    initial_lookback: 1m`

// The sim's publication delays, in Google's time (divided by -time-scale 900:
// 0–67 ms, 2–8 s, 8–16 s, 16–22 s and 26–32 s): every re-read has a band to
// recover, and 5 % come later than the horizon.
const (
	lateMix        = "0.5:0s-1m,0.2:30m-2h,0.15:2h-4h,0.1:4h-5h30m,0.05:6h30m-8h"
	timeScale      = 900
	lateMixHorizon = 24 * time.Second
)

// simActivity is one activity of the sim's GET /sim/google/truth.
type simActivity struct {
	googleActivity
	Published string
}

func (a simActivity) times(t *testing.T) (event time.Time, delay time.Duration) {
	event, err := time.Parse(time.RFC3339Nano, a.Time)
	require.NoError(t, err)
	published, err := time.Parse(time.RFC3339Nano, a.Published)
	require.NoError(t, err)
	return event, published.Sub(event)
}

// TestGoogleWorkspaceLateMix: a steady stream whose activities show up after
// delays drawn from a mix of lateness, at the default horizon compressed in
// time. Every activity that shows up within the horizon is delivered once; a
// later one at most once.
func TestGoogleWorkspaceLateMix(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	apps := []string{"admin", "user_accounts"}
	dir := t.TempDir()
	googleAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	saKey := filepath.Join(dir, "google-service-account.json")
	simAddr := startSim(t, sim, "-authgear-key", filepath.Join(dir, "authgear-key.pem"),
		"-google", googleAddr, "-google-key", saKey, "-backlog", "0", "-rate", "0",
		"-google-rate", "20", "-late-mix", lateMix, "-time-scale", fmt.Sprint(timeScale))
	capt := newCapture(t)
	cfg, metricsAddr := writePollConfig(t, dir, "google_workspace", fmt.Sprintf(googleSettings, googleAddr, saKey, lateMixSettings), capt.srv.URL)
	startPollingCollector(t, otelcol, dir, cfg)

	// The activities checked are those of the next 15 s. Sentinels 23s late,
	// after them: the 12s re-read has passed that age (it trails now by under
	// 15 s) and the 24s one has not.
	cutoff := time.Now().Add(15 * time.Second)
	sentinels := awaitLastReread(t, capt, activityKey, cutoff, 23*time.Second, func(ago string) []string {
		var keys []string
		for _, app := range apps {
			var a googleActivity
			simLate(t, simAddr, "google/late?app="+app+"&ago="+ago, &a)
			keys = append(keys, a.key())
		}
		return keys
	})
	// The sink has the sentinels before the poller counts them.
	m := scrapeWhen(t, metricsAddr, func(m promText) bool {
		return valueOf(m, "otelcol_authtrail_poll_late_events_recovered", `reread="24s"`) > 0
	})

	var truth struct {
		Activities []simActivity
		Dropped    int
	}
	resp, err := http.Get("http://" + simAddr + "/sim/google/truth")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&truth))
	_ = resp.Body.Close()
	require.Zero(t, truth.Dropped)

	capt.logRepeats(t, activityKey)
	got := capt.countBy(activityKey)
	known := map[string]bool{}
	for _, k := range sentinels {
		known[k] = true
	}
	var checked, pastHorizon, pastDelivered int
	lateDelivered := len(sentinels)
	for _, a := range truth.Activities {
		if a.Application != "admin" && a.Application != "user_accounts" {
			continue
		}
		known[a.key()] = true
		event, delay := a.times(t)
		if got[a.key()] > 0 && delay >= time.Second {
			lateDelivered++
		}
		switch {
		case !event.Before(cutoff):
		case delay < lateMixHorizon:
			checked++
			assert.Equal(t, 1, got[a.key()], "activity %s, %s late, delivered %d times", a.key(), delay, got[a.key()])
		default:
			pastHorizon++
			pastDelivered += got[a.key()]
			assert.LessOrEqual(t, got[a.key()], 1, "activity %s, %s late, delivered %d times", a.key(), delay, got[a.key()])
		}
	}
	for k, n := range got {
		assert.True(t, known[k], "%s is none of the sim's activities", k)
		assert.LessOrEqual(t, n, 1, "%s delivered %d times", k, n)
	}
	require.Greater(t, checked, 500, "the stream ran for 15 s at 20 activities a second per application")

	// Every re-read recovered some; none an activity published before the
	// main pass (1s behind now) could read it.
	var recovered float64
	for _, reread := range []string{"3s", "12s", "24s"} {
		n := valueOf(m, "otelcol_authtrail_poll_late_events_recovered", `reread="`+reread+`"`)
		assert.Positive(t, n, "the %s re-read recovered late activities", reread)
		recovered += n
	}
	assert.LessOrEqual(t, recovered, float64(lateDelivered), "recovered: only activities published 1 s or more late")
	t.Logf("%d activities within the horizon delivered once; %d later than it, %d of them delivered; %.0f recovered by re-reads",
		checked, pastHorizon, pastDelivered, recovered)
}
