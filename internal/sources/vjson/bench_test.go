package vjson

import (
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// BenchmarkFlatten: keeping every field of an Asgardeo loginSuccess under
// a namespace, read from a replayed body in place, against parsing the same
// event's JSON text first.
func BenchmarkFlatten(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "asgardeo", "loginSuccess.json"))
	if err != nil {
		b.Fatal(err)
	}
	body := both(b, string(raw))["body"]
	b.Run("body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Flatten(pcommon.NewMap(), "v", body, nil)
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc, err := Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			Flatten(pcommon.NewMap(), "v", doc.Root, nil)
			doc.Release()
		}
	})
}
