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
// run of records that share a tenant (schema.md 6.7).
type Builder struct {
	logs     plog.Logs
	vendor   string
	scope    Scope
	observed pcommon.Timestamp
	records  plog.LogRecordSlice
	tenant   Tenant
	started  bool
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
	return lr
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

// Logs returns the batch built so far.
func (b *Builder) Logs() plog.Logs { return b.logs }

// WriteResource sets the resource attributes of schema.md 6.3.
func WriteResource(a pcommon.Map, vendor string, t Tenant) {
	a.EnsureCapacity(4)
	a.PutStr(AttrServiceName, vendor)
	a.PutStr(AttrServiceNamespace, ServiceNamespace)
	putStr(a, AttrOrganizationID, t.ID)
	putStr(a, AttrOrganizationName, t.Name)
}
