package authgear

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func BenchmarkDecodePage(b *testing.B) {
	for _, name := range []string{"USER_AUTHENTICATED", "IDENTITY_EMAIL_UPDATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"} {
		b.Run(name, func(b *testing.B) { sourcetest.BenchDecode(b, Vendor, name, decodePage) })
	}
}
