package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"context"
	"fmt"
	"regexp"
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
	var decoded []plog.Logs
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				if _, ok := lr.Attributes().Get(schema.AttrEventAction); ok {
					return false
				}
				out, vendor, ok := p.normalize(lr, res)
				if !ok {
					p.count(ctx, vendor, "", resultPassedThrough, 1)
					return false
				}
				decoded = append(decoded, out)
				return true
			})
		}
	}
	nDecoded := countResources(decoded)
	for _, d := range decoded {
		d.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	}
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
		return rl.ScopeLogs().Len() == 0
	})
	decodedFrom := rls.Len() - nDecoded // decoded resources are last
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		p.applyTenant(rl.Resource())
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				action, ok := lr.Attributes().Get(schema.AttrEventAction)
				if !ok {
					continue
				}
				result := resultAlreadyNormalized
				if i >= decodedFrom {
					result = resultNormalized
				}
				vendor, _ := lr.Attributes().Get(schema.AttrEventProvider)
				p.count(ctx, vendor.Str(), action.Str(), result, 1)
				p.applyPolicy(lr)
				if p.cfg.Profile == ProfileOCSF {
					toOCSF(lr, rl.Resource(), p.cfg.OCSFVersion)
				}
			}
		}
	}
	return ld, nil
}

func countResources(lds []plog.Logs) int {
	n := 0
	for _, ld := range lds {
		n += ld.ResourceLogs().Len()
	}
	return n
}

// normalize decodes a raw vendor event carried as the body (a map, or a JSON
// object as a string) with the vendor's own decoder. The vendor is the
// record's event.provider, else the resource's service.name, else vendor.
func (p *identityProcessor) normalize(lr plog.LogRecord, res pcommon.Resource) (plog.Logs, string, bool) {
	vendor := p.cfg.Vendor
	if v, ok := lr.Attributes().Get(schema.AttrEventProvider); ok && v.Str() != "" {
		vendor = v.Str()
	} else if v, ok := res.Attributes().Get(schema.AttrServiceName); ok {
		if _, known := registry.Decoder(v.Str()); known {
			vendor = v.Str()
		}
	}
	decode, ok := registry.Decoder(vendor)
	if !ok {
		return plog.Logs{}, vendor, false
	}
	var raw []byte
	switch body := lr.Body(); body.Type() {
	case pcommon.ValueTypeMap:
		raw = appendJSON(make([]byte, 0, 2048), body)
	case pcommon.ValueTypeStr:
		s := body.Str()
		if len(s) == 0 || s[0] != '{' {
			return plog.Logs{}, vendor, false
		}
		raw = []byte(s)
	default:
		return plog.Logs{}, vendor, false
	}
	observed := lr.ObservedTimestamp().AsTime()
	if lr.ObservedTimestamp() == 0 {
		observed = time.Now()
	}
	out, err := decode(raw, sources.Options{Scope: p.scope, Observed: observed})
	if err != nil {
		if ce := p.logger.Check(zap.DebugLevel, "record is not a vendor event; passed through"); ce != nil {
			ce.Write(zap.String("vendor", vendor), zap.Error(err))
		}
		return plog.Logs{}, vendor, false
	}
	// Attributes the record already had (file name, collector metadata) stay.
	orig := lr.Attributes()
	forEachRecord(out, func(n plog.LogRecord) {
		orig.Range(func(k string, v pcommon.Value) bool {
			if _, exists := n.Attributes().Get(k); !exists {
				v.CopyTo(n.Attributes().PutEmpty(k))
			}
			return true
		})
	})
	return out, vendor, true
}

func forEachRecord(ld plog.Logs, f func(plog.LogRecord)) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}

func (p *identityProcessor) applyTenant(res pcommon.Resource) {
	if len(p.cfg.TenantNames) == 0 {
		return
	}
	id, ok := res.Attributes().Get(schema.AttrOrganizationID)
	if !ok {
		return
	}
	if name, ok := p.cfg.TenantNames[id.Str()]; ok {
		res.Attributes().PutStr(schema.AttrOrganizationName, name)
	}
}

// applyPolicy sets the configured severity, then PII handling, then the profile.
func (p *identityProcessor) applyPolicy(lr plog.LogRecord) {
	a := lr.Attributes()
	action, _ := a.Get(schema.AttrEventAction)
	sevName, _ := a.Get(schema.AttrSeverity)
	sev, ok := schema.ParseSeverity(sevName.Str())
	if !ok {
		sev = schema.SeverityInformational
	}
	if o, ok := p.policy.Overrides[schema.Action(action.Str())]; ok {
		sev = o
	} else if action.Str() == string(schema.ActionUserRoleChange) {
		sev = p.roleChangeSeverity(a, sev)
	}
	a.PutStr(schema.AttrSeverity, sev.String())
	if _, ok := a.Get(schema.AttrOCSFSeverityID); ok {
		a.PutInt(schema.AttrOCSFSeverityID, sev.OCSFID())
	}
	lr.SetSeverityNumber(p.policy.Mapping[sev].Number)
	lr.SetSeverityText(p.policy.Mapping[sev].Text)
	if p.geo != nil {
		p.geo.enrich(a) // before PII handling truncates the address
	}
	p.pii.scrub(lr)
	if p.cfg.Profile == ProfileECS {
		addECSCopies(a)
	}
}

// roleChangeSeverity re-applies the privileged-role rule with the configured pattern.
func (p *identityProcessor) roleChangeSeverity(a pcommon.Map, current schema.Severity) schema.Severity {
	roles, ok := a.Get("user.changes.roles")
	if !ok {
		return current
	}
	for i := 0; i < roles.Slice().Len(); i++ {
		if p.policy.Privileged(roles.Slice().At(i).Str()) {
			return schema.SeverityHigh
		}
	}
	return schema.SeverityMedium
}

// ecsCopies are the ECS fields Elastic Security rules match on (decision 6.10.14).
var ecsCopies = [][2]string{
	{schema.AttrClientAddress, "source.ip"},
	{schema.AttrClientAddress, "client.ip"},
	{schema.ActorKeys.ID, "source.user.id"},
	{schema.ActorKeys.Email, "source.user.email"},
	{schema.ActorKeys.Name, "source.user.name"},
}

func addECSCopies(a pcommon.Map) {
	for _, c := range ecsCopies {
		if v, ok := a.Get(c[0]); ok {
			v.CopyTo(a.PutEmpty(c[1]))
		}
	}
}

type countKey struct{ vendor, action, result string }

// count adds to the records metric; attribute sets are built once per key.
func (p *identityProcessor) count(ctx context.Context, vendor, action, result string, n int64) {
	key := countKey{vendor, action, result}
	p.attrMu.RLock()
	opt, ok := p.attrSets[key]
	p.attrMu.RUnlock()
	if !ok {
		opt = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("vendor", vendor), attribute.String("action", action), attribute.String("result", result)))
		p.attrMu.Lock()
		p.attrSets[key] = opt
		p.attrMu.Unlock()
	}
	p.tb.AuthtrailIdentityRecords.Add(ctx, n, opt)
}
