package vgs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources"
)

// notification is a user.logged_in notification with n extra fields, half of
// them nested one level down.
func notification(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"event":"user.logged_in","details":{`)
	for i := range n / 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"d%x":1`, i)
	}
	b.WriteString("}")
	for i := range n - n/2 {
		fmt.Fprintf(&b, `,"f%x":1`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// Every field becomes an attribute, and a record's attributes cost time
// quadratic in their number: a 512 KB notification of flat fields took 4.5 s
// of CPU, 1 MiB about 18 s, and VGS may run without authentication. A
// notification has some twenty fields; one with more than sources.MaxFields
// is refused.
func TestNotificationFieldsBounded(t *testing.T) {
	ld, err := Decode(notification(sources.MaxFields-10), sources.Options{})
	require.NoError(t, err)
	assert.Greater(t, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len(), sources.MaxFields-20)

	_, err = Decode(notification(20_000), sources.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("more than %d fields", sources.MaxFields))
}
