// Package ottl compares the identity processor's normalize-from-body with the
// same normalization written as transform processor (OTTL) statements. It is a
// separate module so that the authtrail module does not depend on contrib's
// transform processor. Run by `make bench`.
package ottl

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/processorbench"
	"github.com/authtrail/authtrail/processor/identityprocessor"
)

const ev = `log.body["events"]["https://schemas.identity.wso2.org/events/login/event-type/loginSuccess"]`

// statements produce the identity processor's whole record for an Asgardeo
// loginSuccess: written for this one event type, so they need none of the
// processor's table lookups.
var statements = []any{
	`set(log.cache["e"], ` + ev + `)`,
	`set(log.attributes["event.action"], "authentication.login")`,
	`set(log.attributes["event.category"], ["authentication", "session"])`,
	`set(log.attributes["event.type"], ["start"])`,
	`set(log.attributes["event.outcome"], "success")`,
	`set(log.attributes["event.kind"], "event")`,
	`set(log.attributes["event.code"], "loginSuccess")`,
	`set(log.attributes["event.id"], log.body["jti"])`,
	`set(log.attributes["event.provider"], "asgardeo")`,
	`set(log.attributes["event.dataset"], "asgardeo.webhook")`,
	`set(log.attributes["authtrail.severity"], "informational")`,
	`set(log.attributes["authtrail.correlation.id"], log.body["rci"])`,
	`set(log.attributes["user.id"], log.cache["e"]["user"]["id"])`,
	`set(log.attributes["user.name"], log.cache["e"]["user"]["claims"][0]["value"])`,
	`set(log.attributes["authtrail.actor.type"], "user")`,
	`set(log.attributes["related.user"], [log.cache["e"]["user"]["id"], log.cache["e"]["user"]["claims"][0]["value"]])`,
	`set(log.attributes["authtrail.application.id"], log.cache["e"]["application"]["id"])`,
	`set(log.attributes["authtrail.application.name"], log.cache["e"]["application"]["name"])`,
	`set(log.attributes["authtrail.auth.provider"], log.cache["e"]["authenticationMethods"][0])`,
	`set(log.attributes["authtrail.auth.method"], "password") where log.cache["e"]["authenticationMethods"][0] == "BasicAuthenticator"`,
	`set(log.attributes["ocsf.version"], "1.8.0")`,
	`set(log.attributes["ocsf.category_uid"], 3)`,
	`set(log.attributes["ocsf.class_uid"], 3002)`,
	`set(log.attributes["ocsf.activity_id"], 1)`,
	`set(log.attributes["ocsf.type_uid"], 300201)`,
	`set(log.attributes["ocsf.severity_id"], 1)`,
	`set(log.attributes["ocsf.status_id"], 1)`,
	`set(log.attributes["asgardeo.iss"], log.body["iss"])`,
	`set(log.attributes["asgardeo.organization.id"], log.cache["e"]["organization"]["id"])`,
	`set(log.attributes["asgardeo.organization.name"], log.cache["e"]["organization"]["name"])`,
	`set(log.attributes["asgardeo.organization.org_handle"], log.cache["e"]["organization"]["orgHandle"])`,
	`set(log.attributes["asgardeo.organization.depth"], Int(log.cache["e"]["organization"]["depth"]))`,
	`set(log.attributes["asgardeo.user.organization.id"], log.cache["e"]["user"]["organization"]["id"])`,
	`set(log.attributes["asgardeo.user.organization.name"], log.cache["e"]["user"]["organization"]["name"])`,
	`set(log.attributes["asgardeo.user.organization.org_handle"], log.cache["e"]["user"]["organization"]["orgHandle"])`,
	`set(log.attributes["asgardeo.user.organization.depth"], Int(log.cache["e"]["user"]["organization"]["depth"]))`,
	`set(log.attributes["asgardeo.user.ref"], log.cache["e"]["user"]["ref"])`,
	`set(log.attributes["asgardeo.authentication_methods"], log.cache["e"]["authenticationMethods"])`,
	`set(log.attributes["asgardeo.user_store.id"], log.cache["e"]["userStore"]["id"])`,
	`set(log.attributes["asgardeo.user_store.name"], log.cache["e"]["userStore"]["name"])`,
	`set(log.time_unix_nano, Int(log.body["iat"]) * 1000000)`,
	`set(log.event_name, "identity.authentication.login")`,
	`set(log.severity_number, 9)`,
	`set(log.severity_text, "INFO")`,
	`set(log.body, Concat(["Login by ", log.cache["e"]["user"]["claims"][0]["value"]], ""))`,
}

const batch = 100

func measure(b *testing.B, p processor.Logs) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "asgardeo", "loginSuccess.json"))
	if err != nil {
		b.Fatal(err)
	}
	processorbench.PerRecord(b, p, processorbench.ReplayBatch(b, raw, "asgardeo", batch))
}

func create(b *testing.B, f processor.Factory, cfg component.Config, next consumer.Logs) processor.Logs {
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkNormalizeFromBody(b *testing.B) {
	b.Run("identity", func(b *testing.B) {
		f := identityprocessor.NewFactory()
		measure(b, create(b, f, f.CreateDefaultConfig(), consumertest.NewNop()))
	})
	b.Run("transform_ottl", func(b *testing.B) {
		groups := []any{map[string]any{"context": "log", "statements": statements}}
		measure(b, create(b, transformprocessor.NewFactory(), transformConfig(b, "ignore", groups), consumertest.NewNop()))
	})
	b.Run("transform_ottl_all_types", func(b *testing.B) {
		uris, _, err := sampleURIs()
		if err != nil {
			b.Fatal(err)
		}
		measure(b, create(b, transformprocessor.NewFactory(), transformConfig(b, "ignore", completeProgram(uris)), consumertest.NewNop()))
	})
}

// transformConfig is a transform processor running groups. The benchmarks
// use error_mode ignore, as a production pipeline would; the tests use
// propagate, so that a statement that fails fails the test.
func transformConfig(tb testing.TB, errorMode string, groups []any) component.Config {
	cfg := transformprocessor.NewFactory().CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{"error_mode": errorMode, "log_statements": groups})
	if err := conf.Unmarshal(cfg); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// TestCompleteProgramMatchesTheProcessor guards the all-types comparison:
// for every Asgardeo sample, the generated OTTL program gives the processor's
// whole record: every attribute, the body, the severity, the time and the
// event name. (The processor also moves the tenant to the resource; the
// program leaves the resource alone, which only makes OTTL's work smaller.)
func TestCompleteProgramMatchesTheProcessor(t *testing.T) {
	uris, raws, err := sampleURIs()
	if err != nil {
		t.Fatal(err)
	}
	if len(uris) < 17 {
		t.Fatalf("found %d Asgardeo samples, want the 17 documented event types", len(uris))
	}
	identity := identityprocessor.NewFactory()
	viaProcessor := runner(t, identity, identity.CreateDefaultConfig())
	viaOTTL := runner(t, transformprocessor.NewFactory(), transformConfig(t, "propagate", completeProgram(uris)))
	for name, raw := range raws {
		want, got := viaProcessor(raw), viaOTTL(raw)
		sameRecord(t, name, want, got)
	}
}

// sameRecord fails t unless got is the processor's record want: every
// attribute, the body, the severity, the time and the event name.
func sameRecord(t *testing.T, name string, want, got plog.LogRecord) {
	t.Helper()
	w, g := want.Attributes().AsRaw(), got.Attributes().AsRaw()
	if len(w) < 30 {
		t.Fatalf("%s: the processor gave only %d attributes", name, len(w))
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: %s = %v, which the processor does not write", name, k, g[k])
		}
	}
	for k, wv := range w {
		if !sameValue(wv, g[k]) {
			t.Errorf("%s: %s = %#v, the processor gives %#v", name, k, g[k], wv)
		}
	}
	if want.Body().AsString() != got.Body().AsString() {
		t.Errorf("%s: body %q, the processor gives %q", name, got.Body().AsString(), want.Body().AsString())
	}
	if want.SeverityNumber() != got.SeverityNumber() || want.SeverityText() != got.SeverityText() {
		t.Errorf("%s: severity %v %q, the processor gives %v %q", name, got.SeverityNumber(), got.SeverityText(), want.SeverityNumber(), want.SeverityText())
	}
	if want.Timestamp() != got.Timestamp() || want.EventName() != got.EventName() {
		t.Errorf("%s: time %v and event name %q, the processor gives %v and %q", name, got.Timestamp(), got.EventName(), want.Timestamp(), want.EventName())
	}
}

// sameValue compares attribute values; a list of objects kept as JSON text
// compares as JSON, since OTTL keeps the vendor's key order.
func sameValue(want, got any) bool {
	if ws, ok := want.(string); ok {
		if gs, ok := got.(string); ok && strings.HasPrefix(ws, "[{") {
			var wj, gj any
			return json.Unmarshal([]byte(ws), &wj) == nil && json.Unmarshal([]byte(gs), &gj) == nil && reflect.DeepEqual(wj, gj)
		}
	}
	return reflect.DeepEqual(want, got)
}

// TestOTTLStatementsWork guards the one-event-type comparison: its program
// gives the processor's whole record for loginSuccess.
func TestOTTLStatementsWork(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "asgardeo", "loginSuccess.json"))
	if err != nil {
		t.Fatal(err)
	}
	identity := identityprocessor.NewFactory()
	want := consumeOne(t, identity, identity.CreateDefaultConfig(), raw)
	cfg := transformConfig(t, "propagate", []any{map[string]any{"context": "log", "statements": statements}})
	sameRecord(t, "loginSuccess", want, consumeOne(t, transformprocessor.NewFactory(), cfg, raw))
}

// consumeOne runs one replayed Asgardeo event through a processor and returns
// the record it passes on (normalized records come last).
func consumeOne(t *testing.T, f processor.Factory, cfg component.Config, raw []byte) plog.LogRecord {
	t.Helper()
	return runner(t, f, cfg)(raw)
}

// runner builds a processor once and returns a function that runs one
// replayed Asgardeo event through it.
func runner(t *testing.T, f processor.Factory, cfg component.Config) func(raw []byte) plog.LogRecord {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	return func(raw []byte) plog.LogRecord {
		t.Helper()
		sink.Reset()
		if err := p.ConsumeLogs(context.Background(), processorbench.ReplayBatch(t, raw, "asgardeo", 1)); err != nil {
			t.Fatal(err)
		}
		out := sink.AllLogs()[0]
		return out.ResourceLogs().At(out.ResourceLogs().Len() - 1).ScopeLogs().At(0).LogRecords().At(0)
	}
}

// BenchmarkNormalizeMixed is a replayed batch of every Asgardeo event type in
// turn, 6 of each, which is what a replay of an export looks like.
func BenchmarkNormalizeMixed(b *testing.B) {
	uris, raws, err := sampleURIs()
	if err != nil {
		b.Fatal(err)
	}
	var events [][]byte
	for _, name := range sortedKeys(raws) {
		events = append(events, raws[name])
	}
	in := processorbench.ReplayMix(b, events, "asgardeo", 6*len(events))
	b.Run("identity", func(b *testing.B) {
		f := identityprocessor.NewFactory()
		processorbench.PerRecord(b, create(b, f, f.CreateDefaultConfig(), consumertest.NewNop()), in)
	})
	b.Run("transform_ottl_all_types", func(b *testing.B) {
		processorbench.PerRecord(b, create(b, transformprocessor.NewFactory(), transformConfig(b, "ignore", completeProgram(uris)), consumertest.NewNop()), in)
	})
}
