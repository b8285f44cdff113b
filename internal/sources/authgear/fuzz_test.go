package authgear

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func FuzzDecodePage(f *testing.F) { sourcetest.Fuzz(f, Vendor, decodePage) }
