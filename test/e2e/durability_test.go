//go:build e2e

package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// acknowledged is how many Asgardeo deliveries the durability test sends while
// the backend is down.
const acknowledged = 1000

// TestDurableExamples runs each production example whose components are in the
// distribution, as shipped, through a backend outage and a kill -9 of the
// collector: every webhook delivery answered 200 must reach the backend once
// both are back. VictoriaLogs is the backend of both (Loki's OTLP exporter is
// pointed at VictoriaLogs' OTLP path). examples/elastic and examples/splunk use
// the same queue settings but their exporters are not in the distribution.
func TestDurableExamples(t *testing.T) {
	for _, ex := range []struct{ example, endpointVar, path string }{
		{"victorialogs", "VICTORIALOGS_ENDPOINT", ""},
		{"loki", "LOKI_OTLP_ENDPOINT", "/insert/opentelemetry"},
	} {
		t.Run(ex.example, func(t *testing.T) {
			otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
			dir := t.TempDir()
			vl := startVictoriaLogs(t)
			d := newDeployment(t, sim, dir, 0, time.Hour)
			d.env[ex.endpointVar] = vl.url() + ex.path
			start := func() *collector { return d.start(t, otelcol, ex.example, dir) }

			first := start()
			vl.stop(t) // the backend goes down
			runSim(t, sim, "-vendor", "asgardeo", "-url", d.asgardeoURL+"/events", "-secret", asgardeoSecret,
				"-count", strconv.Itoa(acknowledged), "-concurrency", "4", "-expect", "200")
			first.kill(t) // with every delivery acknowledged and none exported

			vl.start(t)
			start()
			var stored, distinct int
			deadline := time.Now().Add(3 * time.Minute)
			for time.Now().Before(deadline) && distinct < acknowledged {
				rows := vl.query(t, `service.name:=asgardeo | stats count() n, count_uniq(event.id) ids`)
				if len(rows) == 1 {
					stored, _ = strconv.Atoi(rows[0]["n"])
					distinct, _ = strconv.Atoi(rows[0]["ids"])
				}
				time.Sleep(250 * time.Millisecond)
			}
			assert.Equal(t, 0, acknowledged-distinct, "acknowledged (200) and never exported")
			t.Logf("%s: %d deliveries acknowledged while the backend was down, collector killed with SIGKILL; after the restart %d distinct events exported (%d records, %d duplicates)",
				ex.example, acknowledged, distinct, stored, stored-distinct)
		})
	}
}
