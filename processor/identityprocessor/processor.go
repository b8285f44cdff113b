package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/vjson"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

// Results of the records metric.
const (
	resultNormalized        = "normalized"
	resultAlreadyNormalized = "already_normalized"
	resultPassedThrough     = "passed_through"
)

type identityProcessor struct {
	cfg    *Config
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	scope  schema.Scope

	policy   *schema.Policy
	pii      *scrubber
	geo      *geoIP
	attrMu   sync.RWMutex
	attrSets map[countKey]metric.MeasurementOption // built once per vendor, action, result
	// malformedAttrs are the malformed metric's attribute sets, by field.
	malformedAttrs [numFields]metric.MeasurementOption
}

func newIdentityProcessor(cfg *Config, set processor.Settings) (*identityProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating telemetry: %w", err)
	}
	p := &identityProcessor{
		cfg: cfg, logger: set.Logger, tb: tb,
		scope: schema.Scope{Name: metadata.ScopeName, Version: set.BuildInfo.Version},
		policy: &schema.Policy{
			PrivilegedRole: regexp.MustCompile(cfg.Severity.PrivilegedRole),
			Overrides:      map[schema.Action]schema.Severity{},
			Mapping:        schema.DefaultSeverityMapping,
		},
		pii:      newScrubber(cfg.PII, string(cfg.PIISalt)),
		attrSets: map[countKey]metric.MeasurementOption{},
	}
	for i, k := range fieldKeys {
		p.malformedAttrs[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("attribute", k)))
	}
	if cfg.GeoIP.Database != "" {
		if p.geo, err = openGeoIP(cfg.GeoIP.Database); err != nil {
			tb.Shutdown()
			return nil, err
		}
	}
	for action, name := range cfg.Severity.Overrides {
		p.policy.Overrides[schema.Action(action)], _ = schema.ParseSeverity(name)
	}
	for name, n := range cfg.Severity.Numbers {
		s, _ := schema.ParseSeverity(name)
		p.policy.Mapping[s].Number = plog.SeverityNumber(n)
		p.policy.Mapping[s].Text = plog.SeverityNumber(n).String()
	}
	return p, nil
}

func (p *identityProcessor) shutdown(context.Context) error {
	p.tb.Shutdown()
	if p.geo != nil {
		return p.geo.close()
	}
	return nil
}

func (p *identityProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var counts recordCounts
	var malformed malformedCounts
	decoded := batchBuilders{scope: p.scope}
	var pii *scrubState // only where PII is scrubbed
	if p.pii.mode != PIIKeep {
		pii = new(scrubState)
	}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource()
		p.applyTenant(res)
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				f := readFields(lr.Attributes())
				malformed.add(f.malformed)
				if f.has(fieldAction) {
					counts.add(f.str(fieldProvider), f.str(fieldAction), resultAlreadyNormalized)
					p.applyPolicy(lr, res, &f, pii)
					return false
				}
				if vendor, ok := p.normalize(lr, res, &decoded); !ok {
					counts.add(vendor, "", resultPassedThrough)
					p.pii.scrub(lr, pii) // what could not be decoded hides its personal data too
					return false
				}
				return true
			})
		}
	}
	if len(decoded.builders) > 0 {
		ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
			rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
			return rl.ScopeLogs().Len() == 0
		})
	}
	for _, b := range decoded.builders {
		built := b.Logs().ResourceLogs()
		for i := 0; i < built.Len(); i++ {
			res := built.At(i).Resource()
			// Once per shared resource, before the policy reads it.
			p.applyTenant(res)
			lrs := built.At(i).ScopeLogs().At(0).LogRecords() // a builder writes one scope
			for k := 0; k < lrs.Len(); k++ {
				f := readFields(lrs.At(k).Attributes())
				counts.add(f.str(fieldProvider), f.str(fieldAction), resultNormalized)
				p.applyPolicy(lrs.At(k), res, &f, pii)
			}
		}
		built.MoveAndAppendTo(ld.ResourceLogs())
	}
	for _, c := range counts.entries {
		p.count(ctx, c.key, c.n)
	}
	for i, n := range malformed {
		if n > 0 {
			p.tb.AuthtrailIdentityMalformedAttributes.Add(ctx, n, p.malformedAttrs[i])
		}
	}
	return ld, nil
}

// batchBuilders collect one batch's normalized records, a builder per
// vendor, so records of one vendor and tenant share a resource.
type batchBuilders struct {
	scope    schema.Scope
	builders []*schema.Builder // few vendors per batch: a slice beats a map
}

func (bb *batchBuilders) get(vendor string) *schema.Builder {
	for _, b := range bb.builders {
		if b.Vendor() == vendor {
			return b
		}
	}
	b := schema.NewBuilder(vendor, bb.scope, time.Time{})
	bb.builders = append(bb.builders, b)
	return b
}

// normalize decodes a raw vendor event carried as the body (a map, or a JSON
// object as a string) with the vendor's own decoder into the batch's builder.
// The vendor is the record's event.provider, else the resource's
// service.name, else the vendor setting.
func (p *identityProcessor) normalize(lr plog.LogRecord, res pcommon.Resource, decoded *batchBuilders) (string, bool) {
	vendor := p.cfg.Vendor
	if v := strAttr(lr.Attributes(), schema.AttrEventProvider); v != "" {
		vendor = v
	} else if v := strAttr(res.Attributes(), schema.AttrServiceName); v != "" {
		if _, known := registry.Writer(v); known {
			vendor = v
		}
	}
	write, ok := registry.Writer(vendor)
	if !ok {
		return vendor, false
	}
	var root vjson.Node
	switch body := lr.Body(); body.Type() {
	case pcommon.ValueTypeMap:
		root = vjson.BodyNode(body) // read in place
	case pcommon.ValueTypeStr:
		// A file's first line may carry its byte order mark, an export indentation.
		s := strings.TrimLeft(strings.TrimPrefix(body.Str(), "\ufeff"), " \t\r\n")
		if len(s) == 0 || s[0] != '{' {
			return vendor, false
		}
		doc, err := vjson.Parse([]byte(s))
		if err != nil {
			p.debugPassThrough(vendor, err)
			return vendor, false
		}
		defer doc.Release()
		root = doc.Root
	default:
		return vendor, false
	}
	if !vjson.FieldsWithin(root, sources.MaxFields) { // as the receivers refuse it
		p.debugPassThrough(vendor, fmt.Errorf("body has more than %d fields, no vendor event has as many", sources.MaxFields))
		return vendor, false
	}
	observed := lr.ObservedTimestamp()
	if observed == 0 {
		observed = pcommon.NewTimestampFromTime(time.Now())
	}
	b := decoded.get(vendor)
	b.SetObserved(observed)
	mark := b.Mark()
	if err := write(b, root, ""); err != nil {
		b.Rollback(mark)
		p.debugPassThrough(vendor, err)
		return vendor, false
	}
	// Attributes the record already had (file name, collector metadata) stay.
	orig := lr.Attributes()
	written := 0
	b.Since(mark, func(_ pcommon.Resource, n plog.LogRecord) {
		written++
		keepAttributes(n.Attributes(), orig)
	})
	if written == 0 { // e.g. an empty Activities page: the record is kept as it came
		b.Rollback(mark)
		return vendor, false
	}
	return vendor, true
}

// keepAttributes adds to a, a normalized record's attributes, those of orig
// it lacks. A record with many attributes (an OTLP sender's) is copied
// whole and a written over it instead: a lookup in a for each of them would
// cost time quadratic in their number.
func keepAttributes(a, orig pcommon.Map) {
	if orig.Len() <= a.Len() {
		for k, v := range orig.All() {
			if _, exists := a.Get(k); !exists {
				v.CopyTo(a.PutEmpty(k))
			}
		}
		return
	}
	merged := pcommon.NewMap()
	orig.CopyTo(merged)
	for k, v := range a.All() {
		v.CopyTo(merged.PutEmpty(k))
	}
	merged.MoveTo(a)
}

func (p *identityProcessor) debugPassThrough(vendor string, err error) {
	if ce := p.logger.Check(zap.DebugLevel, "record is not a vendor event; passed through"); ce != nil {
		ce.Write(zap.String("vendor", vendor), zap.Error(err))
	}
}

func (p *identityProcessor) applyTenant(res pcommon.Resource) {
	if len(p.cfg.TenantNames) == 0 {
		return
	}
	id := strAttr(res.Attributes(), schema.AttrOrganizationID)
	if id == "" {
		return
	}
	if name, ok := p.cfg.TenantNames[id]; ok {
		res.Attributes().PutStr(schema.AttrOrganizationName, name)
	}
}

// applyPolicy sets the configured severity, then GeoIP, PII handling and
// the profile. f holds the record's attributes as read before any change;
// pii is the batch's PII state.
func (p *identityProcessor) applyPolicy(lr plog.LogRecord, res pcommon.Resource, f *fields, pii *scrubState) {
	a := lr.Attributes()
	current, ok := schema.ParseSeverity(f.str(fieldSeverity))
	if !ok {
		current = schema.SeverityInformational
	}
	sev := current
	action := schema.Action(f.str(fieldAction))
	if o, ok := p.policy.Overrides[action]; ok {
		sev = o
	} else if action == schema.ActionUserRoleChange {
		sev = p.roleChangeSeverity(f, sev)
	}
	// Values in f point into the map: write them in place before it grows.
	if f.has(fieldOCSFSeverity) && f.vals[fieldOCSFSeverity].Int() != sev.OCSFID() {
		f.vals[fieldOCSFSeverity].SetInt(sev.OCSFID())
	}
	switch {
	case !f.has(fieldSeverity):
		a.PutStr(schema.AttrSeverity, sev.String()) // may grow the map: last
		*f = readFields(a)
	case sev != current || f.vals[fieldSeverity].Str() != sev.String():
		f.vals[fieldSeverity].SetStr(sev.String())
	}
	lr.SetSeverityNumber(p.policy.Mapping[sev].Number)
	lr.SetSeverityText(p.policy.Mapping[sev].Text)
	if p.geo != nil {
		p.geo.enrich(a) // before PII handling truncates the address
	}
	p.pii.scrub(lr, pii)
	if p.cfg.Profile == ProfileECS {
		if p.geo != nil || p.pii.mode != PIIKeep {
			*f = readFields(a) // values changed, and the map may have moved
		}
		addECSCopies(a, f) // after PII handling, so the copies are scrubbed too
	}
	if p.cfg.Profile == ProfileOCSF {
		toOCSF(lr, res, p.cfg.OCSFVersion)
	}
}

// roleChangeSeverity re-applies the privileged-role rule with the configured pattern.
func (p *identityProcessor) roleChangeSeverity(f *fields, current schema.Severity) schema.Severity {
	if !f.has(fieldChangedRoles) || f.vals[fieldChangedRoles].Type() != pcommon.ValueTypeSlice {
		return current
	}
	roles := f.vals[fieldChangedRoles].Slice()
	for i := 0; i < roles.Len(); i++ {
		if p.policy.Privileged(roles.At(i).Str()) {
			return schema.SeverityHigh
		}
	}
	return schema.SeverityMedium
}

// ecsCopies are the ECS fields Elastic Security rules match on (docs/schema.md#d14-ecs-profile).
var ecsCopies = [...]struct {
	from fieldIndex
	to   string
}{
	{fieldClientAddress, "source.ip"},
	{fieldClientAddress, "client.ip"},
	{fieldUserID, "source.user.id"},
	{fieldUserEmail, "source.user.email"},
	{fieldUserName, "source.user.name"},
}

// addECSCopies copies the values read in f; the map grows at most once.
func addECSCopies(a pcommon.Map, f *fields) {
	var copies [len(ecsCopies)]string
	n := 0
	for i, c := range ecsCopies {
		if f.has(c.from) {
			copies[i] = f.vals[c.from].AsString()
			n++
		}
	}
	a.EnsureCapacity(a.Len() + n)
	for i, c := range ecsCopies {
		if f.has(c.from) {
			a.PutStr(c.to, copies[i])
		}
	}
}

type countKey struct{ vendor, action, result string }

// otherValue stands for a vendor or action outside the known vocabulary in
// the metric, so its series stay bounded whatever records carry.
const otherValue = "other"

func metricVendor(v string) string {
	if _, ok := registry.Writer(v); ok || v == "" {
		return v
	}
	return otherValue
}

func metricAction(a string) string {
	if _, ok := schema.Spec(schema.Action(a)); ok || a == "" {
		return a
	}
	return otherValue
}

type recordCount struct {
	key countKey
	n   int64
}

// recordCounts adds up one batch, so the metric is recorded once per key.
// Records come in runs of one vendor and action: the last raw key is
// remembered, so a run looks the vocabulary up once.
type recordCounts struct {
	entries []recordCount
	lastRaw countKey
	last    int // index of lastRaw's entry
}

func (c *recordCounts) add(vendor, action, result string) {
	raw := countKey{vendor, action, result}
	if len(c.entries) > 0 && raw == c.lastRaw {
		c.entries[c.last].n++
		return
	}
	k := countKey{metricVendor(vendor), metricAction(action), result}
	c.lastRaw = raw
	for i := range c.entries {
		if c.entries[i].key == k {
			c.entries[i].n++
			c.last = i
			return
		}
	}
	c.entries = append(c.entries, recordCount{k, 1})
	c.last = len(c.entries) - 1
}

// count adds to the records metric; attribute sets are built once per key.
func (p *identityProcessor) count(ctx context.Context, key countKey, n int64) {
	p.attrMu.RLock()
	opt, ok := p.attrSets[key]
	p.attrMu.RUnlock()
	if !ok {
		opt = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("vendor", key.vendor), attribute.String("action", key.action), attribute.String("result", key.result)))
		p.attrMu.Lock()
		p.attrSets[key] = opt
		p.attrMu.Unlock()
	}
	p.tb.AuthtrailIdentityRecords.Add(ctx, n, opt)
}

// malformedCounts adds up one batch's malformed fields, by field.
type malformedCounts [numFields]int64

func (c *malformedCounts) add(mask uint16) {
	for i := 0; mask != 0; i, mask = i+1, mask>>1 {
		if mask&1 != 0 {
			c[i]++
		}
	}
}
