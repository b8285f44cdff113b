package vjson // import "github.com/authtrail/authtrail/internal/sources/vjson"

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

var arenas fastjson.ArenaPool

// FromValue builds the JSON tree of a log record's body, so that an event
// replayed through the pipeline is decoded by the same code as one from the
// wire, without writing JSON text and parsing it again. The tree is what the
// body would read as JSON: integral doubles are integers (JSON parsers give
// epoch milliseconds as doubles), bytes are base64 strings, NaN and infinities
// are null, invalid UTF-8 is replaced. The caller must Release the document.
func FromValue(v pcommon.Value) Doc {
	a := arenas.Get()
	return Doc{a: a, Root: fromValue(a, v)}
}

func fromValue(a *fastjson.Arena, v pcommon.Value) *fastjson.Value {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		obj := a.NewObject()
		o, _ := obj.Object()
		for k, e := range v.Map().All() {
			o.Set(validUTF8(k), fromValue(a, e))
		}
		return obj
	case pcommon.ValueTypeSlice:
		arr := a.NewArray()
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			arr.SetArrayItem(i, fromValue(a, s.At(i)))
		}
		return arr
	case pcommon.ValueTypeStr:
		return a.NewString(validUTF8(v.Str()))
	case pcommon.ValueTypeInt:
		return newInt(a, v.Int())
	case pcommon.ValueTypeDouble:
		f := v.Double()
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return a.NewNull()
		case f == math.Trunc(f) && math.Abs(f) < 1e15:
			return newInt(a, int64(f)) // 1.751705149662e+12 → 1751705149662
		}
		return a.NewNumberFloat64(f)
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return a.NewTrue()
		}
		return a.NewFalse()
	case pcommon.ValueTypeBytes:
		return a.NewString(base64.StdEncoding.EncodeToString(v.Bytes().AsRaw()))
	}
	return a.NewNull()
}

// newInt keeps int64 whole where int is 32 bits wide.
func newInt(a *fastjson.Arena, n int64) *fastjson.Value {
	if int64(int(n)) == n {
		return a.NewNumberInt(int(n))
	}
	return a.NewNumberString(strconv.FormatInt(n, 10))
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
