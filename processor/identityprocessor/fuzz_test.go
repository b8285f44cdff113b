package identityprocessor

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

// FuzzNormalize sends arbitrary bodies, as a map or as text, named as each
// vendor, through the processor in each profile and PII mode. Records that
// reach the pipeline by OTLP or a file replay are untrusted input: the
// processor must neither panic nor fail, and what it normalizes must be well formed.
func FuzzNormalize(f *testing.F) {
	vendors := registry.Vendors()
	slices.Sort(vendors) // sel must name the same vendor in every run
	n := len(vendors)
	dirs := map[string]string{"authgear": "authgear"}
	for v, dir := range vendorDirs {
		dirs[v] = dir
	}
	seeds := 0
	for vendor, dir := range dirs {
		for _, in := range sourcetest.Inputs(f, dir) {
			raw, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			proc := seeds % 9
			for asText := range 2 {
				f.Add(raw, uint8(slices.Index(vendors, vendor)+n*(asText+2*proc)))
			}
			seeds++
		}
	}

	sinks, procs := fuzzProcessors(f)

	f.Fuzz(func(t *testing.T, raw []byte, sel uint8) {
		// sel picks the vendor, then map or text body, then the processor.
		vendor := vendors[int(sel)%n]
		asText := (int(sel)/n)%2 == 1
		p := int(sel) / (2 * n) % len(procs)
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.Attributes().PutStr(schema.AttrEventProvider, vendor)
		var m map[string]any
		if !asText && json.Unmarshal(raw, &m) == nil {
			if err := lr.Body().SetEmptyMap().FromRaw(m); err != nil {
				t.Fatalf("a JSON object does not convert to pdata: %v", err)
			}
		} else {
			lr.Body().SetStr(string(raw))
		}
		sinks[p].Reset()
		if err := procs[p].ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatalf("the processor failed a batch: %v", err)
		}
		for _, out := range sinks[p].AllLogs() {
			for _, got := range sourcetest.Records(out) {
				action, ok := got.Attributes().Get(schema.AttrEventAction)
				if !ok {
					continue // passed through
				}
				if got.EventName() != schema.EventNamePrefix+action.Str() {
					t.Fatalf("event name %q does not follow event.action %q", got.EventName(), action.Str())
				}
				switch body := got.Body(); body.Type() {
				case pcommon.ValueTypeStr: // otel and ecs: a sentence (docs/schema.md#d15-body-and-nothing-lost)
					if strings.TrimSpace(body.Str()) == "" {
						t.Fatal("a normalized record has a blank body")
					}
				case pcommon.ValueTypeMap: // ocsf: the OCSF event
					if _, ok := body.Map().Get("class_uid"); !ok {
						t.Fatal("an OCSF body has no class_uid")
					}
				default:
					t.Fatalf("a normalized record has a %s body", body.Type())
				}
			}
		}
	})
}

// fuzzProcessors starts the processor in every profile and PII mode (index
// profile*3 + mode), each with its sink.
func fuzzProcessors(f *testing.F) ([]*consumertest.LogsSink, []processor.Logs) {
	var sinks []*consumertest.LogsSink
	var procs []processor.Logs
	for _, profile := range []string{ProfileOTel, ProfileECS, ProfileOCSF} {
		for _, pii := range []string{PIIKeep, PIIHash, PIIDrop} {
			cfg := defaults()
			cfg.Profile, cfg.PII, cfg.PIISalt = profile, pii, "pepper"
			cfg.TenantNames = map[string]string{"12402": "Named Org"}
			sink := new(consumertest.LogsSink)
			p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
			if err != nil {
				f.Fatal(err)
			}
			if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
				f.Fatal(err)
			}
			f.Cleanup(func() { _ = p.Shutdown(context.Background()) })
			sinks, procs = append(sinks, sink), append(procs, p)
		}
	}
	return sinks, procs
}
