package asgardeo

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources"
)

// payload is a SET whose envelope carries extra, a run of extra fields, and
// whose events object holds n empty events.
func payload(extra string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"jti":"j","iat":1700000000000,` + extra + `"events":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"https://x/event-type/e%d":{}`, i)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// Every record carries the envelope's extra fields; a body must not grow
// into memory by the product of the two. A 100 KB field on 1000 events was
// 103 MiB of copies from a 112 KB body; 200 KB on 100 events would be 20 MiB.
func TestEnvelopeIsNotMultipliedByEvents(t *testing.T) {
	raw := payload(`"pad":"`+strings.Repeat("x", 200<<10)+`",`, maxEvents)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ld, err := Decode(raw, sources.Options{})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Equal(t, maxEvents, ld.LogRecordCount())
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "the field is shared, not copied per record")
	pad, ok := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(maxEvents - 1).Attributes().Get("asgardeo.pad")
	require.True(t, ok)
	assert.Len(t, pad.Str(), 200<<10)

	// Hundreds of envelope fields on each of a hundred events is no SET: refused
	// whole, with a message that says why, before the records are built.
	var fields strings.Builder
	for i := range 200 {
		fmt.Fprintf(&fields, `"f%d":1,`, i)
	}
	_, err = Decode(payload(fields.String(), maxEvents), sources.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "200 envelope fields on each of 100 events")
}

// Each key of "events" is a distinct event type, and Asgardeo and WSO2
// Identity Server document fewer than maxEvents of them: more is no SET. A
// 1 MiB body of empty events was 101,675 records and 87 MiB of live memory.
func TestEventsPerPayloadBounded(t *testing.T) {
	names := map[string]bool{}
	for key := range Mappings() {
		names[strings.SplitN(key, "/", 2)[0]] = true
	}
	assert.Less(t, 2*len(names), maxEvents, "the bound leaves room for the documented event types")

	ld, err := Decode(payload("", maxEvents), sources.Options{})
	require.NoError(t, err)
	assert.Equal(t, maxEvents, ld.LogRecordCount())
	_, err = Decode(payload("", maxEvents+1), sources.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf(`field "events": %d event types, more than the %d a payload can carry`, maxEvents+1, maxEvents))
}

// Each claim of a user's claim lists becomes an attribute of its own name;
// WSO2 Identity Server defines about a hundred claims, so a list of thousands
// is no user.
func TestClaimsBounded(t *testing.T) {
	var claims strings.Builder
	for i := range maxClaims + 1 {
		if i > 0 {
			claims.WriteByte(',')
		}
		fmt.Fprintf(&claims, `{"uri":"http://wso2.org/claims/c%d","value":"v"}`, i)
	}
	raw := `{"jti":"j","events":{"https://x/event-type/userProfileUpdated":{"user":{"id":"u","addedClaims":[` + claims.String() + `]}}}}`
	_, err := Decode([]byte(raw), sources.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf(`"user.addedClaims": %d claims, more than %d`, maxClaims+1, maxClaims))
}
