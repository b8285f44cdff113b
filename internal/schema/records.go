package schema // import "github.com/authtrail/authtrail/internal/schema"

import "go.opentelemetry.io/collector/pdata/plog"

// EachRecord calls f with each log record of ld, in order, until f returns
// false.
func EachRecord(ld plog.Logs, f func(plog.LogRecord) bool) {
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				if !f(lrs.At(k)) {
					return
				}
			}
		}
	}
}

// RemoveRecords removes the log records of ld for which drop returns true.
func RemoveRecords(ld plog.Logs, drop func(plog.LogRecord) bool) {
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			sls.At(j).LogRecords().RemoveIf(drop)
		}
	}
}
