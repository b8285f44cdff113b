package googleworkspacereceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/authtrail/authtrail/internal/poll/polltest"
	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/vendorsim"
	"github.com/authtrail/authtrail/receiver/googleworkspacereceiver/internal/metadata"
)

// changes counts the delivered records of account changes that user_accounts
// and login both report, by what tells one change from another (event name,
// time, actor), whatever their event.id.
func (e *env) changes() map[string]int {
	out := map[string]int{}
	for _, ld := range e.sink.AllLogs() {
		for _, lr := range sourcetest.Records(ld) {
			if googleworkspace.SharedAccountChange(lr) {
				out[sourcetest.Attr(lr, schema.AttrEventCode)+"|"+lr.Timestamp().String()+"|"+sourcetest.Attr(lr, "user.id")]++
			}
		}
	}
	return out
}

// startMeasured starts the receiver with its metrics recorded.
func (e *env) startMeasured(t *testing.T) *componenttest.Telemetry {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set, _ := polltest.ObservedSettings(metadata.Type)
	set.MeterProvider = tel.NewTelemetrySettings().MeterProvider
	rcv, err := NewFactory().CreateLogs(context.Background(), set, e.cfg, e.sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return tel
}

func duplicatesDropped(t *testing.T, tel *componenttest.Telemetry) map[string]int64 {
	out := map[string]int64{}
	m, err := tel.GetMetric("otelcol_authtrail_poll_duplicates_dropped")
	if err != nil {
		return out
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		stream, _ := dp.Attributes.Value("stream")
		out[stream.AsString()] += dp.Value
	}
	return out
}

// Google reports each account change in user_accounts and in login: reading
// both, the receiver delivers it once, and counts the other copy as a
// duplicate of the user_accounts stream.
func TestAccountChangeInBothApplicationsIsDeliveredOnce(t *testing.T) {
	e := newEnv(t, 400)
	e.cfg.Poll.Overlap, e.cfg.Poll.LateArrivals.Horizon = 0, 0 // no re-reads: every duplicate is a copy
	tel := e.startMeasured(t)
	e.waitAll(t)
	accountChanges := len(e.api.Activities("user_accounts", time.Now()))
	require.Equal(t, 400, accountChanges)
	assert.Len(t, e.api.Activities("login", time.Now()), 800, "login reports its own 400 and the 400 changes")
	changes := e.changes()
	assert.Len(t, changes, accountChanges)
	for change, n := range changes {
		assert.Equal(t, 1, n, change)
	}
	assert.Equal(t, map[string]int64{"user_accounts": int64(accountChanges)}, duplicatesDropped(t, tel))
}

// One application's copy shows up first; the other shows up later and a
// re-read finds it (horizon compressed to 8s): still one record, whichever
// came first.
func TestLateCopyOfAnAccountChangeIsDropped(t *testing.T) {
	for _, first := range []string{"user_accounts", "login"} {
		t.Run(first+" first", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 50)
			e.cfg.Poll.Lag = time.Second
			e.cfg.Poll.LateArrivals.Horizon = 8 * time.Second
			e.start(t, componenttest.NewNopHost())
			e.waitAll(t)
			a, err := e.api.InsertAlone(first, time.Now().Add(-2*time.Second))
			require.NoError(t, err)
			id := eventID(a)
			require.Eventually(t, func() bool { return e.delivered()[id] == 1 }, 15*time.Second, 10*time.Millisecond)
			twin, err := e.api.InsertTwin(a)
			require.NoError(t, err)
			assert.Equal(t, id, eventID(twin), "both copies have one event.id")
			time.Sleep(9 * time.Second) // every re-read passes over the twin
			assert.Equal(t, 1, e.delivered()[id])
			for change, n := range e.changes() {
				assert.Equal(t, 1, n, change)
			}
		})
	}
}

// With login alone, its copies of the account changes are delivered: nothing
// is dropped for a stream that is not read. A copy that shows up late is
// found by a re-read, as the test above relies on.
func TestLoginAloneDeliversItsAccountChanges(t *testing.T) {
	e := newEnv(t, 100)
	e.cfg.Applications = []string{"login"}
	e.cfg.Poll.Lag = time.Second
	e.cfg.Poll.LateArrivals.Horizon = 8 * time.Second
	e.start(t, componenttest.NewNopHost())
	e.waitAll(t)
	assert.Len(t, e.changes(), 100, "login's copies of user_accounts' 100 changes")

	a, err := e.api.InsertAlone("user_accounts", time.Now().Add(-2*time.Second))
	require.NoError(t, err)
	time.Sleep(500 * time.Millisecond)
	twin, err := e.api.InsertTwin(a)
	require.NoError(t, err)
	assert.Equal(t, vendorsim.Activity{Time: a.Time, UniqueQualifier: twin.UniqueQualifier, Application: "login",
		Name: a.Name, ActorEmail: a.ActorEmail, ActorProfileID: a.ActorProfileID}, twin)
	require.Eventually(t, func() bool { return e.delivered()[eventID(twin)] == 1 }, 15*time.Second, 10*time.Millisecond)
	for change, n := range e.changes() {
		assert.Equal(t, 1, n, change)
	}
}
