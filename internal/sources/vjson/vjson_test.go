package vjson

import (
	"math"
	"testing"
	"time"

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

func TestFlatten(t *testing.T) {
	doc, err := Parse([]byte(`{"keep":"x","skip":"y","empty":"","nil":null,"n":3,"f":1.5,"t":true,"fa":false,
		"obj":{"innerKey":"v","drop":"d","deep":{"a":1}},"scalars":["a",2,true],"objs":[{"a":1}],"none":[]}`))
	require.NoError(t, err)
	defer doc.Release()
	o, err := Object(doc.Root, "doc")
	require.NoError(t, err)
	m := pcommon.NewMap()
	Flatten(m, "v", o, Skip{"skip": nil, "obj": {"drop": nil}})
	assert.Equal(t, map[string]any{
		"v.keep": "x", "v.n": int64(3), "v.f": 1.5, "v.t": true, "v.fa": false,
		"v.obj.inner_key": "v", "v.obj.deep.a": int64(1),
		"v.scalars": []any{"a", "2", "true"}, "v.objs": `[{"a":1}]`,
	}, m.AsRaw())
}

func TestTimes(t *testing.T) {
	doc, err := Parse([]byte(`{"ms":1751705149662,"s":"1751705149662","bad":"x","rfc":"2025-10-23T16:31:39.680Z","obj":{}}`))
	require.NoError(t, err)
	defer doc.Release()
	want := time.UnixMilli(1751705149662).UTC()
	got, err := EpochMillis(doc.Root, "ms")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	got, err = EpochMillis(doc.Root, "s")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	_, err = EpochMillis(doc.Root, "bad")
	assert.ErrorIs(t, err, ErrNotNumber)
	got, err = EpochMillis(doc.Root, "absent")
	require.NoError(t, err)
	assert.True(t, got.IsZero())
	got, err = RFC3339(doc.Root, "rfc")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 10, 23, 16, 31, 39, 680e6, time.UTC), got)
	_, err = RFC3339(doc.Root, "obj")
	assert.Error(t, err)
}

func TestParseErrors(t *testing.T) {
	_, err := Parse([]byte(`{"a":`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "malformed JSON")
	doc, err := Parse([]byte(`[1]`))
	require.NoError(t, err)
	defer doc.Release()
	_, err = Object(doc.Root, "payload")
	assert.EqualError(t, err, "payload: expected a JSON object, got array")
	_, err = Object(nil, `field "x"`)
	assert.EqualError(t, err, `missing field "x"`)
}

func TestCanonical(t *testing.T) {
	a, err := Parse([]byte(`[{"b":1,"a":{"z":true,"y":[{"d":"x","c":null}]}}]`))
	require.NoError(t, err)
	defer a.Release()
	assert.Equal(t, `[{"a":{"y":[{"c":null,"d":"x"}],"z":true},"b":1}]`, string(Canonical(nil, a.Root)))
}

// TestFromValueReadsLikeJSON: a body built into a tree reads exactly like
// the same body written as JSON and parsed.
func TestFromValueReadsLikeJSON(t *testing.T) {
	v := pcommon.NewValueMap()
	require.NoError(t, v.Map().FromRaw(map[string]any{
		"s": "quote\" back\\ nl\n tab\t é ✓", "i": int64(-7), "f": 1.5, "big": 1751705149662.0, "b": true,
		"n": nil, "arr": []any{"x", int64(1), map[string]any{"k": "v"}}, "bytes": []byte("hi"), "nan": math.NaN(),
		"bad": "bad\xff", "max": int64(math.MaxInt64),
	}))
	doc := FromValue(v)
	defer doc.Release()
	want := `{"arr":["x",1,{"k":"v"}],"b":true,"bad":"bad\ufffd","big":1751705149662,"bytes":"aGk=","f":1.5,` +
		`"i":-7,"max":9223372036854775807,"n":null,"nan":null,"s":"quote\" back\\ nl\n tab\t é ✓"}`
	assert.JSONEq(t, want, string(doc.Root.MarshalTo(nil)))
	assert.Equal(t, "quote\" back\\ nl\n tab\t é ✓", Str(doc.Root, "s"), "escapes read back")
	assert.Equal(t, int64(1751705149662), doc.Root.GetInt64("big"), "epoch milliseconds stay integers")
	assert.Equal(t, int64(math.MaxInt64), doc.Root.GetInt64("max"))
	assert.Equal(t, "v", Str(doc.Root.Get("arr", "2"), "k"))
	m := pcommon.NewMap()
	o, _ := doc.Root.Object()
	Flatten(m, "x", o, nil)
	assert.Equal(t, int64(1751705149662), m.AsRaw()["x.big"], "flattened like the parsed JSON")
}
