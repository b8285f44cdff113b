// Package vjson reads vendor JSON for the sources: pooled parsing, typed field
// access, and flattening of the fields a mapping does not consume under the
// vendor's attribute namespace (decision 6.10.15). It knows no vendor.
package vjson // import "github.com/authtrail/authtrail/internal/sources/vjson"

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

var parsers fastjson.ParserPool

// Doc is a parsed or built JSON document. Values taken from it are valid
// until Release.
type Doc struct {
	p    *fastjson.Parser
	a    *fastjson.Arena
	Root *fastjson.Value
}

// Parse parses raw. The caller must Release the document when done.
func Parse(raw []byte) (Doc, error) {
	p := parsers.Get()
	v, err := p.ParseBytes(raw)
	if err != nil {
		parsers.Put(p)
		return Doc{}, fmt.Errorf("malformed JSON: %w", err)
	}
	return Doc{p: p, Root: v}, nil
}

// Release returns the parser or arena to its pool; the document's values
// become invalid.
func (d *Doc) Release() {
	if d.p != nil {
		parsers.Put(d.p)
	}
	if d.a != nil {
		arenas.Put(d.a)
	}
	d.p, d.a, d.Root = nil, nil, nil
}

// ParseObject parses raw and requires a JSON object at the top; what names it
// in errors. The caller must Release the document when done.
func ParseObject(raw []byte, what string) (Doc, *fastjson.Object, error) {
	doc, err := Parse(raw)
	if err != nil {
		return Doc{}, nil, err
	}
	obj, err := Object(doc.Root, what)
	if err != nil {
		doc.Release()
		return Doc{}, nil, err
	}
	return doc, obj, nil
}

// Object returns v as an object, or an error naming what it is instead.
func Object(v *fastjson.Value, what string) (*fastjson.Object, error) {
	if v == nil {
		return nil, fmt.Errorf("missing %s", what)
	}
	o, err := v.Object()
	if err != nil {
		return nil, fmt.Errorf("%s: expected a JSON object, got %s", what, v.Type())
	}
	return o, nil
}

// Str returns the string at path, or "" when it is absent or not a string.
func Str(v *fastjson.Value, path ...string) string {
	if v == nil {
		return ""
	}
	b := v.GetStringBytes(path...)
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// Strs returns the strings of the array at path, skipping non-strings.
func Strs(v *fastjson.Value, path ...string) []string {
	if v == nil {
		return nil
	}
	arr := v.GetArray(path...)
	if len(arr) == 0 {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if b, err := x.StringBytes(); err == nil && len(b) > 0 {
			out = append(out, string(b))
		}
	}
	return out
}

// ErrNotNumber is returned when an epoch field is neither a number nor a numeric string.
var ErrNotNumber = errors.New("expected a number")

// EpochMillis reads epoch milliseconds given as a number or a numeric string.
// It returns the zero time when the field is absent.
func EpochMillis(v *fastjson.Value, path ...string) (time.Time, error) {
	x := v.Get(path...)
	if x == nil {
		return time.Time{}, nil
	}
	var ms int64
	switch x.Type() {
	case fastjson.TypeNumber:
		f, err := x.Float64()
		if err != nil {
			return time.Time{}, ErrNotNumber
		}
		ms = int64(f)
	case fastjson.TypeString:
		n, err := strconv.ParseInt(string(x.GetStringBytes()), 10, 64)
		if err != nil {
			return time.Time{}, ErrNotNumber
		}
		ms = n
	default:
		return time.Time{}, ErrNotNumber
	}
	return time.UnixMilli(ms).UTC(), nil
}

// RFC3339 reads an RFC 3339 time. It returns the zero time when absent.
func RFC3339(v *fastjson.Value, path ...string) (time.Time, error) {
	b := v.GetStringBytes(path...)
	if b == nil {
		if v.Get(path...) != nil {
			return time.Time{}, errors.New("expected an RFC 3339 string")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 time: %w", err)
	}
	return t.UTC(), nil
}

// Skip is a tree of JSON object keys a mapping has consumed. A key mapped to nil
// consumes the whole subtree; a key mapped to a Skip consumes only those children.
type Skip map[string]Skip

// Flatten writes every field of obj that skip does not consume into dst under
// prefix, with snake_case keys joined by dots: nested objects recurse, scalar
// arrays become string slices, arrays holding objects become JSON text, nulls and
// empty strings are left out.
func Flatten(dst pcommon.Map, prefix string, obj *fastjson.Object, skip Skip) {
	if obj == nil {
		return
	}
	obj.Visit(func(key []byte, v *fastjson.Value) {
		child, consumed := skip[string(key)]
		if consumed && child == nil {
			return
		}
		k := joinKey(prefix, key)
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			Flatten(dst, k, o, child)
		case fastjson.TypeArray:
			putArray(dst, k, v)
		case fastjson.TypeString:
			if b := v.GetStringBytes(); len(b) > 0 {
				dst.PutStr(k, string(b))
			}
		case fastjson.TypeNumber:
			putNumber(dst, k, v)
		case fastjson.TypeTrue:
			dst.PutBool(k, true)
		case fastjson.TypeFalse:
			dst.PutBool(k, false)
		}
	})
}

func putNumber(dst pcommon.Map, k string, v *fastjson.Value) {
	if i, err := v.Int64(); err == nil {
		dst.PutInt(k, i)
		return
	}
	if f, err := v.Float64(); err == nil {
		dst.PutDouble(k, f)
	}
}

func putArray(dst pcommon.Map, k string, v *fastjson.Value) {
	arr, _ := v.Array()
	if len(arr) == 0 {
		return
	}
	for _, x := range arr {
		if t := x.Type(); t == fastjson.TypeObject || t == fastjson.TypeArray {
			dst.PutStr(k, string(Canonical(nil, v)))
			return
		}
	}
	s := dst.PutEmptySlice(k)
	s.EnsureCapacity(len(arr))
	for _, x := range arr {
		if b, err := x.StringBytes(); err == nil {
			s.AppendEmpty().SetStr(string(b))
		} else {
			s.AppendEmpty().SetStr(string(Canonical(nil, x)))
		}
	}
}

// Canonical appends v as JSON with object keys sorted, so that the same event
// gives the same text whether it arrived as the vendor's bytes or as a map
// re-encoded by the pipeline (replays).
func Canonical(dst []byte, v *fastjson.Value) []byte {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		keys := make([]string, 0, o.Len())
		o.Visit(func(k []byte, _ *fastjson.Value) { keys = append(keys, string(k)) })
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, k)
			dst = append(dst, ':')
			dst = Canonical(dst, o.Get(k))
		}
		return append(dst, '}')
	case fastjson.TypeArray:
		arr, _ := v.Array()
		dst = append(dst, '[')
		for i, x := range arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Canonical(dst, x)
		}
		return append(dst, ']')
	}
	return v.MarshalTo(dst)
}

// keyCache memoizes joined snake_case keys: vendor key sets are small, so the
// steady state allocates nothing per key. Reads are lock-free (copy-on-write);
// its size is bounded against payloads with many distinct keys.
var (
	keyCache   atomic.Pointer[map[string]string]
	keyCacheMu sync.Mutex
)

const keyCacheMax = 4096

func init() { keyCache.Store(&map[string]string{}) }

func joinKey(prefix string, key []byte) string {
	var buf [128]byte
	raw := append(append(append(buf[:0], prefix...), 0), key...)
	if k, ok := (*keyCache.Load())[string(raw)]; ok {
		return k
	}
	k := prefix + "." + SnakeCase(string(key))
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	old := *keyCache.Load()
	if len(old) < keyCacheMax {
		next := make(map[string]string, len(old)+1)
		for ok, ov := range old {
			next[ok] = ov
		}
		next[string(raw)] = k
		keyCache.Store(&next)
	}
	return k
}

// SnakeCase turns a vendor key such as "orgHandle" or "user-store" into
// "org_handle"/"user_store". Every character outside [a-z0-9_] becomes "_", so
// attribute names stay queryable the same way in Loki, Elasticsearch and Splunk
// (schema.md 5.5); "https://authgear.com/claims/x" becomes "https___authgear_com_claims_x".
func SnakeCase(s string) string {
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if i > 0 && len(out) > 0 && out[len(out)-1] != '_' && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				out = append(out, '_')
			}
			out = append(out, c+('a'-'A'))
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			out = append(out, c)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}
