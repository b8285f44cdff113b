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
// 103 MiB of copies from a 112 KB body.
func TestEnvelopeIsNotMultipliedByEvents(t *testing.T) {
	raw := payload(`"pad":"`+strings.Repeat("x", 100<<10)+`",`, 1000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ld, err := Decode(raw, sources.Options{})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Equal(t, 1000, ld.LogRecordCount())
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "the field is shared, not copied per record")
	pad, ok := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(999).Attributes().Get("asgardeo.pad")
	require.True(t, ok)
	assert.Len(t, pad.Str(), 100<<10)

	// Thousands of envelope fields on thousands of events is no SET: refused
	// whole, with a message that says why, before the records are built.
	var fields strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&fields, `"f%d":1,`, i)
	}
	_, err = Decode(payload(fields.String(), 2000), sources.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2000 envelope fields on each of 2000 events")
}
