package identityprocessor

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/registry"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// ocsfEvent is the body the ocsf profile made of one vendor sample's record.
type ocsfEvent struct {
	in    string // the sample file
	class int64  // the record's ocsf.class_uid (OCSF 1.8.0)
	body  map[string]any
}

// ocsfEvents runs every vendor sample through the processor with cfg and
// returns the records that carry OCSF ids, whose bodies must be maps.
func ocsfEvents(t *testing.T, cfg *Config) []ocsfEvent {
	t.Helper()
	var out []ocsfEvent
	for vendor, dir := range ocsfVendors {
		decode, _ := registry.Decoder(vendor)
		for _, in := range sourcetest.Inputs(t, dir) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			ld, err := decode(raw, sources.Options{})
			require.NoError(t, err)
			for _, lr := range sourcetest.Records(run(t, cfg, ld)) {
				class, ok := lr.Attributes().Get(schema.AttrOCSFClassUID)
				if !ok {
					continue
				}
				require.Equal(t, "Map", lr.Body().Type().String(), in)
				out = append(out, ocsfEvent{in: in, class: class.Int(), body: lr.Body().Map().AsRaw()})
			}
		}
	}
	return out
}

// With ocsf_version 1.9, every vendor sample with OCSF ids becomes an OCSF 1.9
// event: a class and activity of the 1.9 facts, carrying every attribute that
// class requires.
func TestOCSFProfileIsValidOCSF19(t *testing.T) {
	cfg := defaults()
	cfg.Profile, cfg.OCSFVersion = ProfileOCSF, OCSF19
	facts := sourcetest.OCSFFacts(t)
	checked := map[int64]int{}
	for _, e := range ocsfEvents(t, cfg) {
		class, activity := e.body["class_uid"].(int64), e.body["activity_id"].(int64)
		c, ok := facts.Class19(class)
		require.True(t, ok, "%s: class %d is not an OCSF 1.9 class", e.in, class)
		assert.Contains(t, c.Activities, activity, "%s: class %d has no activity %d in 1.9", e.in, class, activity)
		for _, attr := range c.Required {
			assert.Contains(t, e.body, attr, "%s: OCSF 1.9 class %d requires %s", e.in, class, attr)
		}
		assert.Equal(t, "1.9.0", e.body["metadata"].(map[string]any)["version"])
		checked[class]++
	}
	assert.Positive(t, checked[schema.OCSFUserAccess19], "samples switch to User Management (3007): %v", checked)
}
