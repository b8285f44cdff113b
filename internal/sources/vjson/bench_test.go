package vjson

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// BenchmarkFromValue: building the tree of a replayed Asgardeo loginSuccess
// body, against parsing the same event's JSON text.
func BenchmarkFromValue(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "asgardeo", "loginSuccess.json"))
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	body := pcommon.NewValueMap()
	if err := body.Map().FromRaw(m); err != nil {
		b.Fatal(err)
	}
	b.Run("from_value", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc := FromValue(body)
			doc.Release()
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc, err := Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			doc.Release()
		}
	})
}
