package identityprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/processorbench"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

const batch = 100

// benchBatch measures the processor per record over batches of 100 records.
func benchBatch(b *testing.B, cfg *Config, in plog.Logs) {
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(b, err)
	processorbench.PerRecord(b, p, in)
}

// receiverBatch is 100 records as a receiver and the batch processor deliver
// them: one resource each.
func receiverBatch(one plog.Logs) plog.Logs {
	in := plog.NewLogs()
	for range batch {
		one.ResourceLogs().At(0).CopyTo(in.ResourceLogs().AppendEmpty())
	}
	return in
}

func sample(b *testing.B, dir, name string) []byte {
	raw, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(b), "testdata", dir, name+".json"))
	require.NoError(b, err)
	return raw
}

// normalizedBatch is Asgardeo loginSuccess as the receiver writes it.
func normalizedBatch(b *testing.B) plog.Logs {
	decode, _ := registry.Decoder("asgardeo")
	one, err := decode(sample(b, "asgardeo", "loginSuccess"), sources.Options{})
	require.NoError(b, err)
	return receiverBatch(one)
}

// BenchmarkPolicy: records already normalized by a receiver, with a
// severity override and tenant names.
func BenchmarkPolicy(b *testing.B) {
	cfg := defaults()
	cfg.Severity.Overrides = map[string]string{"authentication.login": "low"}
	cfg.TenantNames = map[string]string{"12402": "My Org"}
	benchBatch(b, cfg, normalizedBatch(b))
}

// BenchmarkPolicyECS adds the ecs profile's five copies. The input copies
// have no spare attribute capacity, so every record's map grows once.
func BenchmarkPolicyECS(b *testing.B) {
	cfg := defaults()
	cfg.Severity.Overrides = map[string]string{"authentication.login": "low"}
	cfg.TenantNames = map[string]string{"12402": "My Org"}
	cfg.Profile = ProfileECS
	benchBatch(b, cfg, normalizedBatch(b))
}

// BenchmarkPolicyPIIHash adds pii: hash to the policy path.
func BenchmarkPolicyPIIHash(b *testing.B) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	benchBatch(b, cfg, normalizedBatch(b))
}

// BenchmarkPolicyPIIHashDistinct is BenchmarkPolicyPIIHash with another
// person in every record of the batch, so that no hash is reused.
func BenchmarkPolicyPIIHashDistinct(b *testing.B) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	in := normalizedBatch(b)
	for i := range in.ResourceLogs().Len() {
		lr := in.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0)
		email, id := fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("d4002616-f00c-49d5-b9b7-%012d", i)
		lr.Attributes().PutStr("user.name", email)
		lr.Attributes().PutStr("user.id", id)
		related := lr.Attributes().PutEmptySlice("related.user")
		related.AppendEmpty().SetStr(id)
		related.AppendEmpty().SetStr(email)
		lr.Body().SetStr("Login by " + email)
	}
	benchBatch(b, cfg, in)
}

// BenchmarkNormalizeFromBody: the same event replayed as a map body
// (filelog's json_parser) and normalized by the processor.
func BenchmarkNormalizeFromBody(b *testing.B) {
	benchBatch(b, defaults(), processorbench.ReplayBatch(b, sample(b, "asgardeo", "loginSuccess"), "asgardeo", batch))
}

// BenchmarkPIIHashManyPersonalValues: one record (an OTLP sender's) with
// 5,000 values under a personal key and 5,000 other strings, per record.
func BenchmarkPIIHashManyPersonalValues(b *testing.B) {
	cfg := defaults()
	cfg.PII, cfg.PIISalt = PIIHash, "pepper"
	logins, notes := make([]any, 5000), make([]any, 5000)
	for i := range logins {
		logins[i], notes[i] = fmt.Sprintf("login%06d", i), fmt.Sprintf("note %d", i)
	}
	benchBatch(b, cfg, oneRecord("user.update", map[string]any{"vendor.login_id": logins, "vendor.notes": notes}))
}

// BenchmarkPIIDropManyAttributes: one record (an OTLP sender's) with 5,000
// attributes naming people ("vendor.a1.user.name"), per record.
func BenchmarkPIIDropManyAttributes(b *testing.B) {
	cfg := defaults()
	cfg.PII = PIIDrop
	attrs := map[string]any{}
	for i := range 5000 {
		attrs[fmt.Sprintf("vendor.a%d.user.name", i)] = "Jane Roe"
		attrs[fmt.Sprintf("vendor.a%d.user.type", i)] = "user"
	}
	benchBatch(b, cfg, oneRecord("user.update", attrs))
}

// BenchmarkNormalizeManyRecordAttributes: a Fillout event replayed as a map
// body on a record (an OTLP sender's) with 10,000 attributes of its own.
func BenchmarkNormalizeManyRecordAttributes(b *testing.B) {
	in := processorbench.ReplayBatch(b, sample(b, "fillout", "auth.logout"), "fillout", 1)
	attrs := in.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	own := map[string]any{}
	for i := range 10000 {
		own[fmt.Sprintf("sender.attribute_%d", i)] = "v"
	}
	for k, v := range attrs.AsRaw() {
		own[k] = v
	}
	require.NoError(b, attrs.FromRaw(own))
	benchBatch(b, defaults(), in)
}

// BenchmarkPIIDropTextWithManyAtSigns: one attribute of 200 KB holding
// 50,000 "@" and no full stop, per record.
func BenchmarkPIIDropTextWithManyAtSigns(b *testing.B) {
	cfg := defaults()
	cfg.PII = PIIDrop
	benchBatch(b, cfg, oneRecord("user.update", map[string]any{"vendor.note": strings.Repeat("a@a ", 50000)}))
}
