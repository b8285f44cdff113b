package vjson

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"orgHandle": "org_handle", "userStore": "user_store", "user_email": "user_email",
		"ID": "id", "consumerKey": "consumer_key", "user-agent": "user_agent", "a.b": "a_b", "iat": "iat",
		"https://authgear.com/claims/login_id/key": "https___authgear_com_claims_login_id_key", "é": "__",
	} {
		assert.Equal(t, want, SnakeCase(in), in)
	}
}

// both gives raw as the two nodes a decoder can see: parsed from the wire,
// and as the map body a pipeline's JSON parser makes of it.
func both(t testing.TB, raw string) map[string]Node {
	t.Helper()
	doc, err := Parse([]byte(raw))
	require.NoError(t, err)
	t.Cleanup(doc.Release)
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	body := pcommon.NewValueEmpty()
	require.NoError(t, body.FromRaw(v))
	return map[string]Node{"wire": doc.Root, "body": BodyNode(body)}
}

func TestFlatten(t *testing.T) {
	for name, n := range both(t, `{"keep":"x","skip":"y","empty":"","nil":null,"n":3,"f":1.5,"e":3e0,"t":true,"fa":false,
		"obj":{"innerKey":"v","drop":"d","deep":{"a":1}},"scalars":["a",2,true,2.5],"objs":[{"a":1}],"none":[]}`) {
		m := pcommon.NewMap()
		Flatten(m, "v", n, Skip{"skip": nil, "obj": {"drop": nil}})
		assert.Equal(t, map[string]any{
			"v.keep": "x", "v.n": int64(3), "v.f": 1.5, "v.e": int64(3), "v.t": true, "v.fa": false,
			"v.obj.inner_key": "v", "v.obj.deep.a": int64(1),
			"v.scalars": []any{"a", "2", "true", "2.5"}, "v.objs": `[{"a":1}]`,
		}, m.AsRaw(), name)
	}
}

func TestGetters(t *testing.T) {
	for name, n := range both(t, `{"s":"x","i":7,"f":7.5,"t":true,"fa":false,"nil":null,"o":{"k":"v"},"a":["p",{"q":"r"}]}`) {
		assert.Equal(t, "x", n.Str("s"), name)
		assert.Equal(t, "x", n.Peek("s"), name)
		assert.Empty(t, n.Peek("i"), name)
		assert.Empty(t, n.Str("i"), name)
		assert.Equal(t, int64(7), n.Int("i"), name)
		assert.Zero(t, n.Int("f"), name)
		assert.Zero(t, n.Int("s"), name)
		assert.True(t, n.Bool("t"), name)
		assert.False(t, n.Bool("fa"), name)
		assert.False(t, n.Bool("s"), name)
		assert.Equal(t, "v", n.Str("o", "k"), name)
		assert.Equal(t, "r", n.Str("a", "1", "q"), name)
		assert.Equal(t, "p", n.Get("a").Str("0"), name)
		assert.Equal(t, []string{"p"}, n.Get("a").Strings(), name, "objects in an array are no strings")
		assert.Nil(t, n.Get("o").Strings(), name)
		assert.False(t, n.Get("a", "2").Exists(), name)
		assert.False(t, n.Get("a", "-1").Exists(), name)
		assert.False(t, n.Get("s", "x").Exists(), name)
		assert.True(t, n.Get("nil").Exists(), name)
		assert.Equal(t, KindNull, n.Get("nil").Kind(), name)
		assert.Equal(t, KindMissing, n.Get("none").Kind(), name)
		assert.Equal(t, 2, n.Get("a").Len(), name)
		assert.Zero(t, n.Get("o").Len(), name, "an object has no items")
		assert.Zero(t, n.Get("s").Len(), name)
		assert.Equal(t, 1, n.Get("o").NumFields(), name)
		assert.Zero(t, n.Get("a").NumFields(), name)
		assert.Equal(t, KindString, n.Get("a").At(0).Kind(), name)
		assert.Equal(t, KindObject, n.Get("a").At(1).Kind(), name)
		assert.False(t, n.Get("a").At(2).Exists(), name)
		assert.False(t, n.Get("a").At(-1).Exists(), name)
		assert.False(t, n.Get("o").At(0).Exists(), name)
		fields := map[string]Kind{}
		for k, v := range n.Get("o").Fields() {
			fields[k] = v.Kind()
		}
		assert.Equal(t, map[string]Kind{"k": KindString}, fields, name)
		for range n.Get("a").Fields() {
			t.Fatal("an array has no fields")
		}
	}
	var missing Node
	assert.Empty(t, missing.Str("a"))
	assert.False(t, missing.Get("a").Exists())
	assert.Equal(t, "null", string(missing.AppendJSON(nil)))
}

func TestTimes(t *testing.T) {
	for name, n := range both(t, `{"ms":1751705149662,"msf":1.751705149662e12,"s":"1751705149662","bad":"x","huge":1e300,
		"rfc":"2025-10-23T16:31:39.680Z","obj":{}}`) {
		want := time.UnixMilli(1751705149662).UTC()
		for _, k := range []string{"ms", "msf", "s"} {
			got, err := EpochMillis(n, k)
			require.NoError(t, err, name)
			assert.Equal(t, want, got, "%s %s", name, k)
		}
		for _, k := range []string{"bad", "huge", "obj"} {
			_, err := EpochMillis(n, k)
			assert.ErrorIs(t, err, ErrNotNumber, "%s %s", name, k)
		}
		got, err := EpochMillis(n, "absent")
		require.NoError(t, err)
		assert.True(t, got.IsZero())
		got, err = RFC3339(n, "rfc")
		require.NoError(t, err)
		assert.Equal(t, time.Date(2025, 10, 23, 16, 31, 39, 680e6, time.UTC), got)
		_, err = RFC3339(n, "obj")
		assert.Error(t, err, name)
		_, err = RFC3339(n, "bad")
		assert.Error(t, err, name)
	}
}

func TestParseErrors(t *testing.T) {
	_, err := Parse([]byte(`{"a":`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "malformed JSON")
	_, err = ParseObject([]byte(`[1]`), "payload")
	assert.EqualError(t, err, "payload: expected a JSON object, got array")
	assert.EqualError(t, RequireObject(Node{}, `field "x"`), `missing field "x"`)
	assert.EqualError(t, RequireObject(BodyNode(pcommon.NewValueStr("x")), "body"), "body: expected a JSON object, got string")
}

func TestCanonical(t *testing.T) {
	for name, n := range both(t, `[{"b":1,"a":{"z":true,"y":[{"d":"x\"\\\n\u0001é","c":null}]},"f":1.50,"e":2e0}]`) {
		assert.Equal(t, `[{"a":{"y":[{"c":null,"d":"x\"\\\n\u0001é"}],"z":true},"b":1,"e":2,"f":1.5}]`,
			string(Canonical(nil, n)), name)
		assert.True(t, json.Valid(Canonical(nil, n)), name)
	}
}

// TestBodyValues: what a body holds beyond JSON reads as the JSON it would
// be, and its strings are read in place.
func TestBodyValues(t *testing.T) {
	v := pcommon.NewValueMap()
	require.NoError(t, v.Map().FromRaw(map[string]any{
		"s": "quote\" back\\ nl\n tab\t é ✓", "big": 1751705149662.0, "bytes": []byte("hi"), "nan": math.NaN(),
		"inf": math.Inf(1), "bad": "bad\xff", "max": int64(math.MaxInt64), "neg": int64(-7),
	}))
	n := BodyNode(v)
	assert.Equal(t, int64(1751705149662), n.Int("big"), "epoch milliseconds stay integers")
	assert.Equal(t, int64(math.MaxInt64), n.Int("max"))
	assert.Equal(t, int64(-7), n.Int("neg"))
	assert.Equal(t, "aGk=", n.Str("bytes"))
	assert.Equal(t, KindNull, n.Get("nan").Kind())
	assert.Equal(t, KindNull, n.Get("inf").Kind())
	assert.Equal(t, "bad\uFFFD", n.Str("bad"))
	s, _ := v.Map().Get("s")
	assert.Equal(t, unsafe.StringData(s.Str()), unsafe.StringData(n.Str("s")), "a body's string is shared")
	want := `{"bad":"bad\ufffd","big":1751705149662,"bytes":"aGk=","inf":null,"max":9223372036854775807,"nan":null,` +
		`"neg":-7,"s":"quote\" back\\ nl\n tab\t é ✓"}`
	assert.JSONEq(t, want, string(n.AppendJSON(nil)))
	m := pcommon.NewMap()
	Flatten(m, "x", n, nil)
	assert.Equal(t, map[string]any{
		"x.s": "quote\" back\\ nl\n tab\t é ✓", "x.big": int64(1751705149662), "x.bytes": "aGk=",
		"x.bad": "bad\uFFFD", "x.max": int64(math.MaxInt64), "x.neg": int64(-7),
	}, m.AsRaw())
}

func TestWireInvalidUTF8(t *testing.T) {
	doc, err := Parse([]byte("{\"s\":\"a\xffb\",\"a\":[\"\xfe\"]}"))
	require.NoError(t, err)
	defer doc.Release()
	assert.Equal(t, "a\uFFFDb", doc.Root.Str("s"))
	m := pcommon.NewMap()
	Flatten(m, "x", doc.Root, nil)
	assert.Equal(t, map[string]any{"x.s": "a\uFFFDb", "x.a": []any{"\uFFFD"}}, m.AsRaw())
}

// TestSamplesReadAlike: every vendor sample flattens and canonicalizes the
// same from its bytes and from the map a replay makes of it.
func TestSamplesReadAlike(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		if !json.Valid(raw) {
			continue // the malformed samples
		}
		n := both(t, string(raw))
		wire, body := pcommon.NewMap(), pcommon.NewMap()
		Flatten(wire, "v", n["wire"], nil)
		Flatten(body, "v", n["body"], nil)
		assert.Equal(t, wire.AsRaw(), body.AsRaw(), f)
		assert.Equal(t, string(Canonical(nil, n["wire"])), string(Canonical(nil, n["body"])), f)
	}
}

// Objects nested deeper than maxFlattenDepth become JSON text under the key
// reached there: the keys of a deep object (a record's map body can nest
// thousands of levels) would otherwise cost memory quadratic in its depth.
func TestFlattenDepthIsBounded(t *testing.T) {
	const depth = 3 * maxFlattenDepth
	doc := strings.Repeat(`{"a":`, depth) + `"leaf"` + strings.Repeat("}", depth)
	for name, n := range both(t, `{"top":`+doc+`}`) {
		m := pcommon.NewMap()
		Flatten(m, "v", n, nil)
		key := "v.top" + strings.Repeat(".a", maxFlattenDepth-1)
		rest := maxFlattenDepth*2 + 1 // levels left: the ones below top, minus those flattened
		assert.Equal(t, map[string]any{key: strings.Repeat(`{"a":`, rest) + `"leaf"` + strings.Repeat("}", rest)},
			m.AsRaw(), name)
	}
}

// Long keys are joined without the cache, which would keep up to
// keyCacheMax of them for the life of the process.
func TestJoinKeyCachesNoLongKeys(t *testing.T) {
	long := strings.Repeat("k", 4096)
	assert.Equal(t, "v."+long, joinKey("v", long))
	for raw, k := range *keyCache.Load() {
		assert.Less(t, len(raw)+len(k), 512, "a cached key of %d bytes", len(k))
	}
}
