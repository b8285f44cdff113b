//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// exampleEnv is a value for every environment variable an example reads, as
// a deployment would set it (files are made by `authtrail-sim keygen` in ./tmp).
var exampleEnv = map[string]string{
	"ASGARDEO_ENDPOINT":                 "127.0.0.1:18462",
	"ASGARDEO_WEBHOOK_SECRET":           "s",
	"AUTHGEAR_ENDPOINT":                 "https://myapp.authgear.cloud",
	"AUTHGEAR_KEY_ID":                   "k",
	"AUTHGEAR_LAG":                      "1m",
	"AUTHGEAR_POLL_INTERVAL":            "1m",
	"AUTHGEAR_PRIVATE_KEY_FILE":         "tmp/authgear-admin-key.pem",
	"AUTHGEAR_PROJECT_ID":               "myapp",
	"AUTHTRAIL_METRICS_HOST":            "127.0.0.1",
	"AUTHTRAIL_METRICS_PORT":            "18888",
	"AUTHTRAIL_REPLAY_DIR":              "tmp/replay",
	"AUTHTRAIL_STORAGE_DIR":             "tmp/storage",
	"ELASTICSEARCH_API_KEY":             "k",
	"ELASTICSEARCH_URL":                 "https://es.example:9200",
	"GOOGLE_WORKSPACE_CREDENTIALS_FILE": "tmp/google-service-account.json",
	"LATE_HORIZON":                      "6m",
	"LATE_LAG":                          "3s",
	"LATE_LOOKBACK":                     "30m",
	"LATE_MAX_WINDOW":                   "1m",
	"LATE_POLL":                         "1s",
	"GOOGLE_WORKSPACE_CUSTOMER_ID":      "C03az79cb",
	"GOOGLE_WORKSPACE_ENDPOINT":         "",
	"GOOGLE_WORKSPACE_LAG":              "10m",
	"GOOGLE_WORKSPACE_POLL_INTERVAL":    "5m",
	"GOOGLE_WORKSPACE_SUBJECT":          "admin@example.com",
	"HEALTH_CHECK_ENDPOINT":             "127.0.0.1:13133",
	"LOKI_OTLP_ENDPOINT":                "http://loki:3100/otlp",
	"PPROF_ENDPOINT":                    "127.0.0.1:1777",
	"SPLUNK_HEC_TOKEN":                  "t",
	"SPLUNK_HEC_URL":                    "https://splunk:8088/services/collector",
	"VGS_ENDPOINT":                      "127.0.0.1:18461",
	"VGS_TOKEN":                         "t",
	"VICTORIALOGS_ENDPOINT":             "http://127.0.0.1:9428",
}

var envRef = regexp.MustCompile(`\$\{env:([A-Z0-9_]+)`)

// TestExamplesValidate runs `otelcol-authtrail validate` on every example whose
// components are in the distribution, with the environment its README lists,
// and on the collector config of the top README. examples/elastic and
// examples/splunk use exporters the distribution does not include: for them
// only the README's list of environment variables is checked.
func TestExamplesValidate(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	root := sourcetest.RepoRoot(t)
	work := t.TempDir() // examples name key files under ./tmp
	for _, args := range [][]string{
		{"keygen", "-out", "tmp/authgear-admin-key.pem", "-google-out", "tmp/google-service-account.json"},
		{"keygen", "-out", "tmp/bench-authgear-key.pem", "-google-out", "tmp/bench-google-sa.json"},
		{"keygen", "-out", "tmp/bench-late/defaults-authgear.pem", "-google-out", "tmp/bench-late/defaults-sa.json"},
		{"keygen", "-out", "tmp/bench-late/scaled-authgear.pem", "-google-out", "tmp/bench-late/scaled-sa.json"},
	} {
		cmd := exec.Command(sim, args...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	validate := func(t *testing.T, config string, env []string) {
		cmd := exec.Command(otelcol, "validate", "--config", config)
		cmd.Dir = work
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}

	examples, err := filepath.Glob(filepath.Join(root, "examples", "*", "*.yaml"))
	require.NoError(t, err)
	documentedOnly := []string{"elastic", "splunk"}
	for _, config := range examples {
		example := filepath.Base(filepath.Dir(config))
		t.Run(example+"/"+filepath.Base(config), func(t *testing.T) {
			raw, err := os.ReadFile(config)
			require.NoError(t, err)
			readme, _ := os.ReadFile(filepath.Join(filepath.Dir(config), "README.md"))
			var env []string
			for _, m := range envRef.FindAllStringSubmatch(string(raw), -1) {
				v, ok := exampleEnv[m[1]]
				require.True(t, ok, "%s reads %s: give it a value in exampleEnv", config, m[1])
				env = append(env, m[1]+"="+v)
				if len(readme) > 0 {
					assert.Contains(t, string(readme), "`"+m[1]+"`", "%s/README.md lists every environment variable", example)
				}
			}
			if slices.Contains(documentedOnly, example) {
				return
			}
			validate(t, config, env)
		})
	}

	t.Run("README collector config", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(root, "README.md"))
		require.NoError(t, err)
		blocks := regexp.MustCompile("(?s)```yaml\n(# collector config\n.*?)```").FindAllStringSubmatch(string(b), -1)
		require.Len(t, blocks, 1)
		config := filepath.Join(work, "readme-config.yaml")
		require.NoError(t, os.WriteFile(config, []byte(strings.ReplaceAll(blocks[0][1], "/var/lib/otelcol/authtrail", filepath.Join(work, "storage"))), 0o600))
		validate(t, config, []string{"ASGARDEO_WEBHOOK_SECRET=s", "LOKI_OTLP_ENDPOINT=http://loki:3100/otlp"})
	})
}
