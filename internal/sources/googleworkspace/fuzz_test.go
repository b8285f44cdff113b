package googleworkspace

import (
	"testing"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

func FuzzDecodeJSON(f *testing.F) { sourcetest.Fuzz(f, testdataDir, DecodeJSON) }
