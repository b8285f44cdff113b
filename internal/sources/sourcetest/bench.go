package sourcetest // import "github.com/authtrail/authtrail/internal/sources/sourcetest"

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/authtrail/authtrail/internal/sources"
)

// BenchDecode measures decode + map of testdata/<vendor>/<name>.json.
func BenchDecode(b *testing.B, vendor, name string, decode sources.Decoder) {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(b), "testdata", vendor, name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := decode(raw, sources.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
