package identityprocessor

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestAppendJSON(t *testing.T) {
	v := pcommon.NewValueMap()
	require.NoError(t, v.Map().FromRaw(map[string]any{
		"s": "quote\" back\\ nl\n tab\t é ✓", "i": int64(-7), "f": 1.5, "big": 1751705149662.0, "b": true,
		"n": nil, "arr": []any{"x", int64(1), map[string]any{"k": "v"}}, "bytes": []byte("hi"), "nan": math.NaN(),
	}))
	raw := appendJSON(nil, v)
	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got), "%s", raw)
	assert.Equal(t, "quote\" back\\ nl\n tab\t é ✓", got["s"])
	assert.Equal(t, float64(-7), got["i"])
	assert.Equal(t, 1.5, got["f"])
	assert.Contains(t, string(raw), `"big":1751705149662`, "integral doubles stay integers (epoch ms)")
	assert.Equal(t, true, got["b"])
	assert.Nil(t, got["n"])
	assert.Nil(t, got["nan"])
	assert.Equal(t, []any{"x", float64(1), map[string]any{"k": "v"}}, got["arr"])
	assert.Equal(t, "aGk=", got["bytes"])
	assert.Equal(t, `"bad\ufffd"`, string(appendString(nil, "bad\xff")))
}
