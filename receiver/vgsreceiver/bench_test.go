package vgsreceiver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

// BenchmarkHandler is the per-event cost of one VGS notification with a
// required token header: check + decode + map + consume into a no-op sink.
func BenchmarkHandler(b *testing.B) {
	for _, name := range []string{"user_logged_in", "user_mfa_deleted"} {
		b.Run(name, func(b *testing.B) {
			body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(b), "testdata", "vgs", name+".json"))
			require.NoError(b, err)
			cfg := createDefaultConfig().(*Config)
			cfg.Webhook.RequiredHeader.Name = "X-Authtrail-Token"
			cfg.Webhook.RequiredHeader.Value = "tok"
			// Every iteration repeats one body, which dedupe would answer from
			// memory; internal/webhook's BenchmarkDedupe measures that step.
			cfg.Webhook.Dedupe.Window = 0
			webhooktest.BenchHandler(b, NewFactory(), cfg, body, map[string]string{"X-Authtrail-Token": "tok"})
		})
	}
}
