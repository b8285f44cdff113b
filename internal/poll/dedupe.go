package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// SharedStream returns a consumer for events that reach the receiver another
// way (a vendor webhook) while p polls the same stream: it drops events p
// already delivered, and once next accepted the rest, p drops them when a pass
// reads them.
func SharedStream(p *Poller, next consumer.Logs) consumer.Logs {
	return &sharedStream{p: p, next: next}
}

type sharedStream struct {
	p    *Poller
	next consumer.Logs
}

func (s *sharedStream) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (s *sharedStream) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	type seen struct {
		id string
		t  time.Time
	}
	var delivered []seen
	removeByEventID(ld, func(id string, lr plog.LogRecord) bool {
		if s.p.Seen(id) {
			return true
		}
		delivered = append(delivered, seen{id, lr.Timestamp().AsTime()})
		return false
	})
	if ld.LogRecordCount() == 0 {
		return nil
	}
	if err := s.next.ConsumeLogs(ctx, ld); err != nil {
		return err
	}
	for _, d := range delivered {
		s.p.Remember(d.id, d.t)
	}
	return nil
}

// removeByEventID drops the records for which drop returns true; records
// without an event.id are kept.
func removeByEventID(ld plog.Logs, drop func(id string, lr plog.LogRecord) bool) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				v, ok := lr.Attributes().Get(schema.AttrEventID)
				return ok && drop(v.Str(), lr)
			})
		}
	}
}
