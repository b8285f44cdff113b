package schema // import "github.com/authtrail/authtrail/internal/schema"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Scope names the component that wrote the records (InstrumentationScope).
type Scope struct {
	Name    string
	Version string
}

// Builder collects records of one vendor into plog.Logs, one ResourceLogs per
// run of records that share a tenant (docs/schema.md#d17-tenant-on-the-resource).
type Builder struct {
	logs     plog.Logs
	vendor   string
	scope    Scope
	observed pcommon.Timestamp
	records  plog.LogRecordSlice
	tenant   Tenant
	started  bool
	// last is the record appended last, and attrs the most attributes a
	// record of this batch has had: the size of the next attribute map.
	last    plog.LogRecord
	hasLast bool
	attrs   int
}

// NewBuilder starts an empty batch for vendor (the service.name slug).
func NewBuilder(vendor string, scope Scope, observed time.Time) *Builder {
	b := &Builder{logs: plog.NewLogs(), vendor: vendor, scope: scope}
	if !observed.IsZero() {
		b.observed = pcommon.NewTimestampFromTime(observed)
	}
	return b
}

// Vendor is the product slug records are written for.
func (b *Builder) Vendor() string { return b.vendor }

// Append adds an empty record under the resource of tenant t.
func (b *Builder) Append(t Tenant) plog.LogRecord {
	if !b.started || t != b.tenant {
		b.startResource(t)
	}
	lr := b.records.AppendEmpty()
	if b.observed != 0 {
		lr.SetObservedTimestamp(b.observed)
	}
	lr.Attributes().EnsureCapacity(b.attrCapacity())
	b.last, b.hasLast = lr, true
	return lr
}

// attrCapacity sizes a record's attribute map once: the largest record of
// the batch so far, up to maxAttrCapacity (one record with thousands of
// attributes must not make every later one reserve as many), or a typical
// record's size for the first.
func (b *Builder) attrCapacity() int {
	if b.hasLast {
		b.attrs = min(max(b.attrs, b.last.Attributes().Len()), maxAttrCapacity)
	}
	if b.attrs == 0 {
		return attrCapacity
	}
	return b.attrs
}

// Write appends e under its tenant and writes it with the default policy.
func (b *Builder) Write(t Tenant, e *Event) plog.LogRecord {
	lr := b.Append(t)
	e.WriteTo(lr, b.vendor, DefaultPolicy)
	return lr
}

func (b *Builder) startResource(t Tenant) {
	b.started, b.tenant = true, t
	rl := b.logs.ResourceLogs().AppendEmpty()
	WriteResource(rl.Resource().Attributes(), b.vendor, t)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(b.scope.Name)
	sl.Scope().SetVersion(b.scope.Version)
	b.records = sl.LogRecords()
}

// SetObserved sets the ObservedTimestamp of the records appended from now on.
func (b *Builder) SetObserved(t pcommon.Timestamp) { b.observed = t }

// Mark is a position in the batch, for Since and Rollback.
type Mark struct{ resources, records int }

// Mark returns the current end of the batch.
func (b *Builder) Mark() Mark {
	m := Mark{resources: b.logs.ResourceLogs().Len()}
	if b.started {
		m.records = b.records.Len()
	}
	return m
}

// Since calls f with the resource and each record appended after m.
func (b *Builder) Since(m Mark, f func(pcommon.Resource, plog.LogRecord)) {
	rls := b.logs.ResourceLogs()
	for i := max(m.resources-1, 0); i < rls.Len(); i++ {
		first := 0
		if i == m.resources-1 {
			first = m.records
		}
		rl := rls.At(i)
		lrs := rl.ScopeLogs().At(0).LogRecords()
		for j := first; j < lrs.Len(); j++ {
			f(rl.Resource(), lrs.At(j))
		}
	}
}

// Rollback removes every record appended after m, for an event that turned
// out malformed halfway.
func (b *Builder) Rollback(m Mark) {
	b.hasLast = false
	rls := b.logs.ResourceLogs()
	if rls.Len() > m.resources {
		i := 0
		rls.RemoveIf(func(plog.ResourceLogs) bool { i++; return i > m.resources })
		b.started = false // the next record starts a resource of its own
	}
	if b.started {
		i := 0
		b.records.RemoveIf(func(plog.LogRecord) bool { i++; return i > m.records })
	} else if m.resources > 0 {
		// Trim the resource that was current at m; new records go to a new one.
		lrs := rls.At(m.resources - 1).ScopeLogs().At(0).LogRecords()
		i := 0
		lrs.RemoveIf(func(plog.LogRecord) bool { i++; return i > m.records })
	}
}

// Logs returns the batch built so far.
func (b *Builder) Logs() plog.Logs { return b.logs }

// WriteResource sets the resource attributes of docs/schema.md#resource-attributes.
func WriteResource(a pcommon.Map, vendor string, t Tenant) {
	a.EnsureCapacity(4)
	a.PutStr(AttrServiceName, vendor)
	a.PutStr(AttrServiceNamespace, ServiceNamespace)
	putStr(a, AttrOrganizationID, t.ID)
	putStr(a, AttrOrganizationName, t.Name)
}
