package fillout

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func FuzzDecode(f *testing.F) { sourcetest.Fuzz(f, Vendor, Decode) }
