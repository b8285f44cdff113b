package vjson // import "github.com/authtrail/authtrail/internal/sources/vjson"

import (
	"bytes"
	"encoding/base64"
	"iter"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Node is a read-only view of one JSON value: either from a parsed document
// (a vendor's bytes from the wire) or from a log record's body (a replayed
// event, decoded by the pipeline). The decoders read both the same way, so a
// replayed body is neither re-encoded nor copied into a second tree, and its
// strings are shared rather than copied.
//
// A body reads as the JSON it came from: integral doubles are integers (JSON
// parsers give epoch milliseconds as doubles), bytes are base64 strings, NaN
// and infinities are null. The zero Node is a missing value; every getter on
// it returns the zero value. A Node is valid while its document is, and while
// its body is not modified.
type Node struct {
	j    *fastjson.Value
	p    pcommon.Value
	body bool // p is set
}

// Kind is the JSON type of a Node.
type Kind uint8

// The kinds of Node; KindMissing is the zero Node's.
const (
	KindMissing Kind = iota
	KindNull
	KindObject
	KindArray
	KindString
	KindNumber
	KindTrue
	KindFalse
)

var kindNames = [...]string{"missing", "null", "object", "array", "string", "number", "true", "false"}

func (k Kind) String() string { return kindNames[k] }

// JSONNode views a parsed value; nil is the missing Node.
func JSONNode(v *fastjson.Value) Node { return Node{j: v} }

// BodyNode views a log record's body, or any other pdata value.
func BodyNode(v pcommon.Value) Node { return Node{p: v, body: true} }

var fastjsonKinds = [...]Kind{
	fastjson.TypeNull: KindNull, fastjson.TypeObject: KindObject, fastjson.TypeArray: KindArray,
	fastjson.TypeString: KindString, fastjson.TypeNumber: KindNumber, fastjson.TypeTrue: KindTrue,
	fastjson.TypeFalse: KindFalse,
}

var bodyKinds = [...]Kind{
	pcommon.ValueTypeEmpty: KindNull, pcommon.ValueTypeStr: KindString, pcommon.ValueTypeInt: KindNumber,
	pcommon.ValueTypeDouble: KindNumber, pcommon.ValueTypeBool: KindTrue, pcommon.ValueTypeMap: KindObject,
	pcommon.ValueTypeSlice: KindArray, pcommon.ValueTypeBytes: KindString,
}

// Kind is the JSON type of n.
func (n Node) Kind() Kind {
	switch {
	case n.body:
		switch t := n.p.Type(); t {
		case pcommon.ValueTypeBool:
			if !n.p.Bool() {
				return KindFalse
			}
		case pcommon.ValueTypeDouble:
			if f := n.p.Double(); math.IsNaN(f) || math.IsInf(f, 0) {
				return KindNull
			}
		}
		return bodyKinds[n.p.Type()]
	case n.j != nil:
		return fastjsonKinds[n.j.Type()]
	}
	return KindMissing
}

// Exists reports whether n is a value, null included.
func (n Node) Exists() bool { return n.body || n.j != nil }

// Get is the value at path: object keys, or decimal indexes into arrays.
func (n Node) Get(path ...string) Node {
	if !n.body {
		if n.j == nil {
			return Node{}
		}
		return JSONNode(n.j.Get(path...))
	}
	v := n.p
	for _, k := range path {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			var ok bool
			if v, ok = v.Map().Get(k); !ok {
				return Node{}
			}
		case pcommon.ValueTypeSlice:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= v.Slice().Len() {
				return Node{}
			}
			v = v.Slice().At(i)
		default:
			return Node{}
		}
	}
	return BodyNode(v)
}

// Str is the string at path, or "" when it is absent or not a string. Invalid
// UTF-8 is replaced, so that no exporter refuses the record.
func (n Node) Str(path ...string) string {
	if len(path) > 0 {
		n = n.Get(path...)
	}
	switch {
	case n.body:
		switch n.p.Type() {
		case pcommon.ValueTypeStr:
			return validString(n.p.Str()) // shared, not copied
		case pcommon.ValueTypeBytes:
			return base64.StdEncoding.EncodeToString(n.p.Bytes().AsRaw())
		}
	case n.j != nil && n.j.Type() == fastjson.TypeString:
		return validBytes(n.j.GetStringBytes()) // copied: the document is reused
	}
	return ""
}

// Peek is Str without the copy and the UTF-8 check, for comparing a value
// in place (a claim URI, say). The string is valid only until the document
// is released: never keep it, return it or put it in an error.
func (n Node) Peek(path ...string) string {
	if len(path) > 0 {
		n = n.Get(path...)
	}
	switch {
	case n.body:
		if n.p.Type() == pcommon.ValueTypeStr {
			return n.p.Str()
		}
	case n.j != nil && n.j.Type() == fastjson.TypeString:
		b := n.j.GetStringBytes()
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	return ""
}

// Int is the integer at path, or 0 when it is absent, not a number, or not
// integral.
func (n Node) Int(path ...string) int64 {
	if len(path) > 0 {
		n = n.Get(path...)
	}
	if n.Kind() != KindNumber {
		return 0
	}
	i, _, isInt, _ := n.number()
	if !isInt {
		return 0
	}
	return i
}

// number is the value of a number node: an integer when it is one, whether
// written 3, 3.0 or 3e0. ok is false for a number no double holds (1e999).
func (n Node) number() (i int64, f float64, isInt, ok bool) {
	if n.body {
		switch n.p.Type() {
		case pcommon.ValueTypeInt:
			return n.p.Int(), float64(n.p.Int()), true, true
		case pcommon.ValueTypeDouble:
			f = n.p.Double()
		}
	} else if n.j != nil {
		if i, err := n.j.Int64(); err == nil {
			return i, float64(i), true, true
		}
		f, _ = n.j.Float64()
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, 0, false, false
	}
	if i, ok := integral(f); ok {
		return i, f, true, true
	}
	return 0, f, false, true
}

// Bool reports whether the value at path is true.
func (n Node) Bool(path ...string) bool {
	if len(path) > 0 {
		n = n.Get(path...)
	}
	return n.Kind() == KindTrue
}

// Strings lists the non-empty strings of an array; nil for any other kind.
func (n Node) Strings() []string {
	var out []string
	for i := range n.Len() {
		if s := n.At(i).Str(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Len is the number of an array's items; 0 for any other kind.
func (n Node) Len() int {
	switch {
	case n.body:
		if n.p.Type() == pcommon.ValueTypeSlice {
			return n.p.Slice().Len()
		}
	case n.j != nil:
		a, _ := n.j.Array()
		return len(a)
	}
	return 0
}

// At is an array's item i; the missing Node for any other kind or index.
// Loop with "for i := range n.Len()": an iterator would cost an allocation.
func (n Node) At(i int) Node {
	switch {
	case n.body:
		if n.p.Type() == pcommon.ValueTypeSlice && i >= 0 && i < n.p.Slice().Len() {
			return BodyNode(n.p.Slice().At(i))
		}
	case n.j != nil:
		if a, _ := n.j.Array(); i >= 0 && i < len(a) {
			return JSONNode(a[i])
		}
	}
	return Node{}
}

// NumFields is the number of an object's fields; 0 for any other kind.
func (n Node) NumFields() int {
	switch {
	case n.body:
		if n.p.Type() == pcommon.ValueTypeMap {
			return n.p.Map().Len()
		}
	case n.j != nil:
		if o, err := n.j.Object(); err == nil {
			return o.Len()
		}
	}
	return 0
}

// Fields are an object's keys and values in document order; none for any
// other kind.
func (n Node) Fields() iter.Seq2[string, Node] {
	return func(yield func(string, Node) bool) {
		if n.Kind() != KindObject {
			return
		}
		if n.body {
			for k, v := range n.p.Map().All() {
				if !yield(k, BodyNode(v)) {
					return
				}
			}
			return
		}
		o, _ := n.j.Object()
		stop := false
		o.Visit(func(k []byte, v *fastjson.Value) {
			if !stop && !yield(string(k), JSONNode(v)) {
				stop = true
			}
		})
	}
}

// appendKeys appends an object's keys, copied; without the iterator's allocations.
func (n Node) appendKeys(dst []string) []string {
	switch {
	case n.body:
		n.p.Map().Range(func(k string, _ pcommon.Value) bool {
			dst = append(dst, k)
			return true
		})
	case n.j != nil:
		if o, err := n.j.Object(); err == nil {
			o.Visit(func(k []byte, _ *fastjson.Value) { dst = append(dst, string(k)) })
		}
	}
	return dst
}

// AppendJSON appends n as JSON text: a parsed value as parsed, a body with
// its object keys sorted.
func (n Node) AppendJSON(dst []byte) []byte {
	if n.body {
		return Canonical(dst, n)
	}
	if n.j == nil {
		return append(dst, "null"...)
	}
	return n.j.MarshalTo(dst)
}

// integral is f as an integer when it is one that a double holds exactly.
func integral(f float64) (int64, bool) {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), true
	}
	return 0, false
}

func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func validBytes(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}
