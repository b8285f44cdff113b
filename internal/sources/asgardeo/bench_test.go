package asgardeo

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"loginSuccess", "userProfileUpdated", "sessionRevoked"} {
		b.Run(name, func(b *testing.B) { sourcetest.BenchDecode(b, Vendor, name, Decode) })
	}
}
