//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// TestExamplesValidate runs `otelcol-authtrail validate` on every example whose
// components are in the distribution. examples/elastic and examples/splunk use
// exporters the distribution does not include and are documented only.
func TestExamplesValidate(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	root := sourcetest.RepoRoot(t)
	work := t.TempDir() // examples name key files under ./tmp
	for _, args := range [][]string{
		{"keygen", "-out", "tmp/authgear-admin-key.pem", "-google-out", "tmp/google-service-account.json"},
		{"keygen", "-out", "tmp/bench-authgear-key.pem", "-google-out", "tmp/bench-google-sa.json"},
	} {
		cmd := exec.Command(sim, args...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	for _, example := range []string{
		"local/config.yaml", "replay/config.yaml", "bench/config.yaml", "bench/poll.yaml", "bench/poll-google.yaml", "loki/config.yaml",
	} {
		t.Run(example, func(t *testing.T) {
			cmd := exec.Command(otelcol, "validate", "--config", filepath.Join(root, "examples", example))
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "ASGARDEO_WEBHOOK_SECRET=s", "VGS_TOKEN=t")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}
