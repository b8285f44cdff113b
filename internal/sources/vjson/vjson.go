// Package vjson reads vendor JSON for the sources: pooled parsing, typed field
// access, and flattening of the fields a mapping does not consume under the
// vendor's attribute namespace (docs/schema.md#d15-body-and-nothing-lost). It knows no vendor.
package vjson // import "github.com/authtrail/authtrail/internal/sources/vjson"

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

var parsers fastjson.ParserPool

// Doc is a parsed JSON document. Nodes taken from it are valid until Release.
type Doc struct {
	p    *fastjson.Parser
	Root Node
}

// Parse parses raw. The caller must Release the document when done.
func Parse(raw []byte) (Doc, error) {
	p := parsers.Get()
	v, err := p.ParseBytes(raw)
	if err != nil {
		parsers.Put(p)
		return Doc{}, fmt.Errorf("malformed JSON: %w", err)
	}
	return Doc{p: p, Root: JSONNode(v)}, nil
}

// Release returns the parser to its pool; the document's nodes become invalid.
func (d *Doc) Release() {
	if d.p != nil {
		parsers.Put(d.p)
	}
	*d = Doc{}
}

// ParseObject parses raw and requires a JSON object at the top; what names it
// in errors. The caller must Release the document when done.
func ParseObject(raw []byte, what string) (Doc, error) {
	doc, err := Parse(raw)
	if err != nil {
		return Doc{}, err
	}
	if err := RequireObject(doc.Root, what); err != nil {
		doc.Release()
		return Doc{}, err
	}
	return doc, nil
}

// RequireObject returns an error naming what n is, unless it is an object.
func RequireObject(n Node, what string) error {
	switch k := n.Kind(); k {
	case KindObject:
		return nil
	case KindMissing:
		return fmt.Errorf("missing %s", what)
	default:
		return fmt.Errorf("%s: expected a JSON object, got %s", what, k)
	}
}

// ErrNotNumber is returned when an epoch field is neither a number nor a numeric string.
var ErrNotNumber = errors.New("expected a number")

// EpochMillis reads epoch milliseconds given as a number or a numeric string.
// It returns the zero time when the field is absent.
func EpochMillis(n Node, path ...string) (time.Time, error) {
	x := n.Get(path...)
	var ms int64
	switch x.Kind() {
	case KindMissing:
		return time.Time{}, nil
	case KindNumber:
		i, f, isInt, ok := x.number()
		switch {
		case isInt:
			ms = i
		case ok && math.Abs(f) < 1<<62:
			ms = int64(f)
		default:
			return time.Time{}, ErrNotNumber
		}
	case KindString:
		v, err := strconv.ParseInt(x.Str(), 10, 64)
		if err != nil {
			return time.Time{}, ErrNotNumber
		}
		ms = v
	default:
		return time.Time{}, ErrNotNumber
	}
	return time.UnixMilli(ms).UTC(), nil
}

// RFC3339 reads an RFC 3339 time. It returns the zero time when absent.
func RFC3339(n Node, path ...string) (time.Time, error) {
	x := n.Get(path...)
	switch x.Kind() {
	case KindMissing:
		return time.Time{}, nil
	case KindString:
	default:
		return time.Time{}, errors.New("expected an RFC 3339 string")
	}
	t, err := time.Parse(time.RFC3339Nano, x.Str())
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 time: %w", err)
	}
	return t.UTC(), nil
}

// Skip is a tree of JSON object keys a mapping has consumed. A key mapped to nil
// consumes the whole subtree; a key mapped to a Skip consumes only those children.
type Skip map[string]Skip

// Flatten writes every field of the object n that skip does not consume into
// dst under prefix, with snake_case keys joined by dots: nested objects
// recurse, scalar arrays become string slices, arrays holding objects become
// JSON text, nulls and empty strings are left out. Numbers that are integers
// become ints whether the JSON wrote them as 3, 3.0 or 3e0, so that a replayed
// body flattens like the wire bytes it came from. Objects nested deeper than
// maxFlattenDepth below n become JSON text too: a map body can nest thousands
// of levels, and their keys would cost memory quadratic in the depth.
func Flatten(dst pcommon.Map, prefix string, n Node, skip Skip) {
	flatten(dst, prefix, n, skip, 1)
}

func flatten(dst pcommon.Map, prefix string, n Node, skip Skip, depth int) {
	switch {
	case n.body:
		if n.p.Type() == pcommon.ValueTypeMap {
			for k, v := range n.p.Map().All() {
				flattenField(dst, prefix, k, BodyNode(v), skip, depth)
			}
		}
	case n.j != nil:
		if o, err := n.j.Object(); err == nil {
			o.Visit(func(k []byte, v *fastjson.Value) { flattenField(dst, prefix, k, JSONNode(v), skip, depth) })
		}
	}
}

// FlattenField writes the field key of an object, whose value is v, into dst
// under prefix as Flatten writes each field.
func FlattenField(dst pcommon.Map, prefix, key string, v Node) {
	flattenField(dst, prefix, key, v, nil, 1)
}

func flattenField[K string | []byte](dst pcommon.Map, prefix string, key K, v Node, skip Skip, depth int) {
	child, consumed := skip[string(key)]
	if consumed && child == nil {
		return
	}
	k := joinKey(prefix, key)
	switch v.Kind() {
	case KindObject:
		if depth < maxFlattenDepth || child != nil { // skip trees are shallow
			flatten(dst, k, v, child, depth+1)
			return
		}
		var buf [512]byte
		dst.PutStr(k, string(Canonical(buf[:0], v)))
	case KindArray:
		putArray(dst, k, v)
	case KindString:
		if s := v.Str(); s != "" {
			dst.PutStr(k, s)
		}
	case KindNumber:
		switch i, f, isInt, ok := v.number(); {
		case isInt:
			dst.PutInt(k, i)
		case ok:
			dst.PutDouble(k, f)
		}
	case KindTrue:
		dst.PutBool(k, true)
	case KindFalse:
		dst.PutBool(k, false)
	}
}

func putArray(dst pcommon.Map, k string, v Node) {
	n := v.Len()
	if n == 0 {
		return
	}
	for i := range n {
		if kind := v.At(i).Kind(); kind == KindObject || kind == KindArray {
			var buf [512]byte // on the stack: only the string is allocated
			dst.PutStr(k, string(Canonical(buf[:0], v)))
			return
		}
	}
	s := dst.PutEmptySlice(k)
	s.EnsureCapacity(n)
	for i := range n {
		if x := v.At(i); x.Kind() == KindString {
			s.AppendEmpty().SetStr(x.Str())
		} else {
			var buf [64]byte
			s.AppendEmpty().SetStr(string(Canonical(buf[:0], x)))
		}
	}
}

// Canonical appends n as JSON with object keys sorted and numbers written one
// way, so that the same event gives the same text whether it arrived as the
// vendor's bytes or as a map re-encoded by the pipeline (replays).
func Canonical(dst []byte, n Node) []byte {
	switch n.Kind() {
	case KindObject:
		keys := n.appendKeys(make([]string, 0, n.NumFields()))
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, validString(k))
			dst = append(dst, ':')
			dst = Canonical(dst, n.Get(k))
		}
		return append(dst, '}')
	case KindArray:
		dst = append(dst, '[')
		for i := range n.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Canonical(dst, n.At(i))
		}
		return append(dst, ']')
	case KindString:
		return appendJSONString(dst, n.Str())
	case KindNumber:
		switch i, f, isInt, ok := n.number(); {
		case isInt:
			return strconv.AppendInt(dst, i, 10)
		case ok:
			return strconv.AppendFloat(dst, f, 'g', -1, 64)
		}
	case KindTrue:
		return append(dst, "true"...)
	case KindFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// appendJSONString appends s quoted as a JSON string; s is valid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// keyCache memoizes joined snake_case keys: vendor key sets are small, so the
// steady state allocates nothing per key. Reads are lock-free (copy-on-write);
// its size is bounded against payloads with many distinct keys.
var (
	keyCache   atomic.Pointer[map[string]string]
	keyCacheMu sync.Mutex
)

const keyCacheMax = 4096

// maxFlattenDepth is how many levels of nested objects Flatten writes as
// keys; deeper objects become JSON text.
const maxFlattenDepth = 16

func init() { keyCache.Store(&map[string]string{}) }

func joinKey[K string | []byte](prefix string, key K) string {
	var buf [128]byte
	if len(prefix)+1+len(key) > len(buf) { // not cached: the cache keeps its keys for good
		return prefix + "." + SnakeCase(string(key))
	}
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
// (docs/schema.md#d16-flat-attributes); "https://authgear.com/claims/x" becomes "https___authgear_com_claims_x".
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
