package identityprocessor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

const batch = 100

// benchBatch builds batches of 100 copies of one input and measures the
// processor per record; copies are made outside the timer.
func benchBatch(b *testing.B, cfg *Config, one plog.Logs) {
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(b, err)
	in := plog.NewLogs()
	for range batch {
		one.ResourceLogs().At(0).CopyTo(in.ResourceLogs().AppendEmpty())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		ld := plog.NewLogs()
		in.CopyTo(ld)
		b.StartTimer()
		if err := p.ConsumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/record")
}

func sample(b *testing.B, dir, name string) []byte {
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(b), "testdata", dir, name+".json"))
	require.NoError(b, err)
	return raw
}

// BenchmarkPolicy: records already normalized by a receiver (Asgardeo
// loginSuccess), with severity overrides, tenant names and the ecs profile.
func BenchmarkPolicy(b *testing.B) {
	decode, _ := registry.Decoder("asgardeo")
	one, err := decode(sample(b, "asgardeo", "loginSuccess"), sources.Options{})
	require.NoError(b, err)
	cfg := defaults()
	cfg.Severity.Overrides = map[string]string{"authentication.login": "low"}
	cfg.TenantNames = map[string]string{"12402": "My Org"}
	cfg.Profile = ProfileECS
	benchBatch(b, cfg, one)
}

// BenchmarkPolicyPIIHash adds pii: hash to the policy path.
func BenchmarkPolicyPIIHash(b *testing.B) {
	decode, _ := registry.Decoder("asgardeo")
	one, err := decode(sample(b, "asgardeo", "loginSuccess"), sources.Options{})
	require.NoError(b, err)
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	benchBatch(b, cfg, one)
}

// BenchmarkNormalizeFromBody: the same event replayed as a map body
// (filelog's json_parser) and normalized by the processor.
func BenchmarkNormalizeFromBody(b *testing.B) {
	var m map[string]any
	require.NoError(b, json.Unmarshal(sample(b, "asgardeo", "loginSuccess"), &m))
	one := plog.NewLogs()
	lr := one.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	require.NoError(b, lr.Body().SetEmptyMap().FromRaw(m))
	lr.Attributes().PutStr("event.provider", "asgardeo")
	benchBatch(b, defaults(), one)
}
