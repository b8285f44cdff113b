// Package processorbench measures a logs processor per record, the same way
// for the identity processor and for the OTTL comparison module.
package processorbench // import "github.com/authtrail/authtrail/internal/processorbench"

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
)

// poolSize is how many input copies are made per pause of the timer.
const poolSize = 32

// PerRecord runs p over copies of in and reports ns/record. The copies are
// made, and the heap collected, while the timer is stopped, so that neither
// the copying nor the garbage collection of the copies is counted; the
// processor's own allocations and their collection are.
func PerRecord(b *testing.B, p processor.Logs, in plog.Logs) {
	b.Helper()
	records := in.LogRecordCount()
	pool := make([]plog.Logs, 0, poolSize)
	refill := func() {
		b.StopTimer()
		for range poolSize {
			ld := plog.NewLogs()
			in.CopyTo(ld)
			pool = append(pool, ld)
		}
		runtime.GC()
		b.StartTimer()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(pool) == 0 {
			refill()
		}
		ld := pool[len(pool)-1]
		pool[len(pool)-1] = plog.Logs{}
		pool = pool[:len(pool)-1]
		if err := p.ConsumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}

// ReplayBatch is n copies of a vendor event as filelog's json_parser delivers
// them: map bodies under one resource, with the vendor in event.provider.
func ReplayBatch(tb testing.TB, event []byte, vendor string, n int) plog.Logs {
	tb.Helper()
	return ReplayMix(tb, [][]byte{event}, vendor, n)
}

// ReplayMix is like ReplayBatch with the events taken in turn, for a batch
// of mixed event types.
func ReplayMix(tb testing.TB, events [][]byte, vendor string, n int) plog.Logs {
	tb.Helper()
	bodies := make([]map[string]any, len(events))
	for i, event := range events {
		if err := json.Unmarshal(event, &bodies[i]); err != nil {
			tb.Fatal(err)
		}
	}
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		lr := lrs.AppendEmpty()
		if err := lr.Body().SetEmptyMap().FromRaw(bodies[i%len(bodies)]); err != nil {
			tb.Fatal(err)
		}
		lr.Attributes().PutStr("event.provider", vendor)
	}
	return ld
}
