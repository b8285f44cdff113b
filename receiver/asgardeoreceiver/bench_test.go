package asgardeoreceiver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

// BenchmarkHandler is the per-event cost of one signed Asgardeo webhook:
// verify + decode + map + consume into a no-op sink.
func BenchmarkHandler(b *testing.B) {
	for _, name := range []string{"loginSuccess", "userProfileUpdated", "sessionRevoked"} {
		b.Run(name, func(b *testing.B) {
			body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(b), "testdata", "asgardeo", name+".json"))
			require.NoError(b, err)
			cfg := createDefaultConfig().(*Config)
			cfg.Webhook.Signature.Secret = secret
			// Every iteration repeats one body, which dedupe would answer from
			// memory; internal/webhook's BenchmarkDedupe measures that step.
			cfg.Webhook.Dedupe.Window = 0
			webhooktest.BenchHandler(b, NewFactory(), cfg, body,
				map[string]string{"X-Hub-Signature": "sha256=" + webhooktest.HexSHA256(secret, body)})
		})
	}
}
