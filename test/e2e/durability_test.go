//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			agKey, gKey := filepath.Join(dir, "authgear.pem"), filepath.Join(dir, "google-sa.json")
			gAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
			agAddr := startSim(t, sim, "-authgear-key", agKey, "-google", gAddr, "-google-key", gKey, "-backlog", "0", "-rate", "0")
			asgPort := freePort(t)
			env := map[string]string{
				ex.endpointVar:                      vl.url() + ex.path,
				"AUTHTRAIL_STORAGE_DIR":             filepath.Join(dir, "storage"),
				"AUTHTRAIL_REPLAY_DIR":              filepath.Join(dir, "replay"),
				"AUTHTRAIL_METRICS_PORT":            strconv.Itoa(freePort(t)),
				"VGS_ENDPOINT":                      fmt.Sprintf("127.0.0.1:%d", freePort(t)),
				"VGS_TOKEN":                         vgsToken,
				"ASGARDEO_ENDPOINT":                 fmt.Sprintf("127.0.0.1:%d", asgPort),
				"ASGARDEO_WEBHOOK_SECRET":           asgardeoSecret,
				"AUTHGEAR_ENDPOINT":                 "http://" + agAddr,
				"AUTHGEAR_PROJECT_ID":               "simapp",
				"AUTHGEAR_KEY_ID":                   "sim-key",
				"AUTHGEAR_PRIVATE_KEY_FILE":         agKey,
				"GOOGLE_WORKSPACE_ENDPOINT":         "http://" + gAddr + "/",
				"GOOGLE_WORKSPACE_CREDENTIALS_FILE": gKey,
				"GOOGLE_WORKSPACE_SUBJECT":          "admin@example.com",
			}
			asgURL := fmt.Sprintf("http://127.0.0.1:%d", asgPort)
			start := func() *collector {
				c := startExample(t, otelcol, ex.example, dir, env)
				require.Eventually(t, func() bool { return healthy(asgURL) }, 60*time.Second, 50*time.Millisecond, "webhook intake")
				return c
			}

			first := start()
			vl.stop(t) // the backend goes down
			runSim(t, sim, "-vendor", "asgardeo", "-url", asgURL+"/events", "-secret", asgardeoSecret,
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
