package sources_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/asgardeo"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/sources/fillout"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/sources/vgs"
)

// Every OCSF class and activity a vendor table names, 1.8.0 and 1.9, is one the
// OCSF facts define. Payload-dependent ids, and the activity name that goes with
// 99 (Other), are checked on the golden records (sourcetest.CheckOCSF).
func TestMappingsUseOCSFClassesOfTheFacts(t *testing.T) {
	tables := map[string]map[string]schema.Mapping{
		"vgs": vgs.Mappings(), "asgardeo": asgardeo.Mappings(), "authgear": authgear.Mappings(),
		"google-workspace": googleworkspace.Mappings(), "fillout": fillout.Mappings(),
	}
	checked := 0
	for vendor, rows := range tables {
		for code, row := range rows {
			if row.OCSF.Class == 0 {
				continue
			}
			t.Run(vendor+"/"+code, func(t *testing.T) { sourcetest.CheckOCSFIDs(t, row.OCSF) })
			checked++
		}
	}
	assert.Greater(t, checked, 100, "too few mapped events: the tables moved")
}
