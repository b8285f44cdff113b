package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Records across resources and scopes are visited in order, until told to
// stop, and removed where drop says.
func TestEachRecordAndRemoveRecords(t *testing.T) {
	ld := plog.NewLogs()
	for _, names := range [][]string{{"a", "b"}, {"c"}, {"d", "e"}} {
		lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		for _, n := range names {
			lrs.AppendEmpty().SetEventName(n)
		}
	}
	var seen []string
	EachRecord(ld, func(lr plog.LogRecord) bool {
		seen = append(seen, lr.EventName())
		return lr.EventName() != "d"
	})
	assert.Equal(t, []string{"a", "b", "c", "d"}, seen)

	RemoveRecords(ld, func(lr plog.LogRecord) bool { return lr.EventName() == "b" || lr.EventName() == "e" })
	seen = nil
	EachRecord(ld, func(lr plog.LogRecord) bool { seen = append(seen, lr.EventName()); return true })
	assert.Equal(t, []string{"a", "c", "d"}, seen)
}
