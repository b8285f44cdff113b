package sourcetest // import "github.com/authtrail/authtrail/internal/sources/sourcetest"

import (
	"os"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
)

// Fuzz seeds f with testdata/<vendor>/*.json and the extra seeds, and checks
// that decode never panics and that whatever it accepts is a well-formed record.
func Fuzz(f *testing.F, vendor string, decode sources.Decoder, extra ...[]byte) {
	for _, seed := range extra {
		f.Add(seed)
	}
	for _, in := range Inputs(f, vendor) {
		raw, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"events":{"a":{"user":{"claims":[{"uri":5}]}}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ld, err := decode(raw, sources.Options{IncludeOriginal: true})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, lr := range Records(ld) {
			action, ok := lr.Attributes().Get(schema.AttrEventAction)
			if !ok || lr.EventName() != schema.EventNamePrefix+action.Str() {
				t.Fatalf("event name %q does not follow event.action", lr.EventName())
			}
			if lr.Body().Type() != pcommon.ValueTypeStr || strings.TrimSpace(lr.Body().Str()) == "" {
				t.Fatal("body must be a non-empty string")
			}
		}
	})
}
