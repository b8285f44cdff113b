package googleworkspacereceiver

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// The default configuration reads the admin, token and saml applications too,
// and their identity events arrive mapped: a super-admin grant is a high
// severity role change.
func TestDefaultReadsTheIdentityApplications(t *testing.T) {
	e := newEnv(t, 0)
	now := time.Now()
	r := rand.New(rand.NewPCG(7, 8))
	for _, app := range []string{"admin", "token", "saml"} {
		e.api.Generate(r, app, 300, now.Add(-5*time.Hour), now.Add(-2*time.Minute))
	}
	e.start(t, componenttest.NewNopHost())
	e.waitAll(t)
	datasets := map[string]int{}
	grants := 0
	for _, ld := range e.sink.AllLogs() {
		sourcetest.CheckLogs(t, ld)
		for _, lr := range sourcetest.Records(ld) {
			datasets[sourcetest.Attr(lr, schema.AttrEventDataset)]++
			if sourcetest.Attr(lr, schema.AttrEventCode) == "GRANT_ADMIN_PRIVILEGE" {
				grants++
				assert.Equal(t, "user.role_change", sourcetest.Attr(lr, schema.AttrEventAction))
				assert.Equal(t, "high", sourcetest.Attr(lr, schema.AttrSeverity))
			}
		}
	}
	assert.Equal(t, map[string]int{"google_workspace.admin": 300, "google_workspace.token": 300, "google_workspace.saml": 300}, datasets)
	assert.Positive(t, grants)
}
