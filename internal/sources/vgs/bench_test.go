package vgs

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"user_logged_in", "user_mfa_deleted"} {
		b.Run(name, func(b *testing.B) { sourcetest.BenchDecode(b, Vendor, name, Decode) })
	}
}
