package authgear

import (
	"os"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func FuzzDecodePage(f *testing.F) { sourcetest.Fuzz(f, Vendor, decodePage) }

// FuzzDecodeEvent fuzzes the webhook shape, seeded with each sample's event data.
func FuzzDecodeEvent(f *testing.F) {
	var seeds [][]byte
	for _, in := range sourcetest.Inputs(f, Vendor) {
		raw, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		v, err := fastjson.ParseBytes(raw)
		if err != nil {
			f.Fatal(err)
		}
		for _, edge := range v.GetArray("data", "auditLogs", "edges") {
			if data := edge.Get("node", "data"); data != nil {
				seeds = append(seeds, data.MarshalTo(nil))
			}
		}
	}
	if len(seeds) == 0 {
		f.Fatal("no event seeds in the samples")
	}
	sourcetest.Fuzz(f, Vendor, DecodeEvent, seeds...)
}
