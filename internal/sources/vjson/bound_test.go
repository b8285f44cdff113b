package vjson

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFieldsWithin(t *testing.T) {
	// 6 object fields (a, b, b.c, b.d, b.d.e, arr); arrays count once, as
	// Flatten writes each as one attribute.
	const doc = `{"a":1,"b":{"c":2,"d":{"e":3}},"arr":[{"x":1},{"y":2},3]}`
	for name, n := range both(t, doc) {
		assert.True(t, FieldsWithin(n, 6), name)
		assert.False(t, FieldsWithin(n, 5), name)
		assert.True(t, FieldsWithin(both(t, `"scalar"`)[name], 0), name)
	}
}
