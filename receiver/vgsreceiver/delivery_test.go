package vgsreceiver

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/authtrail/authtrail/internal/contracttest"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func seed(t *testing.T, name string) []byte {
	body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "vgs", name+".json"))
	require.NoError(t, err)
	return body
}

func TestSameNotificationTwiceIsOneRecord(t *testing.T) {
	r, _ := start(t, nil)
	body := seed(t, "user_logged_in")
	for range 2 {
		status, msg := r.Post(t, "/events", body, nil)
		require.Equal(t, http.StatusOK, status, msg)
	}
	assert.Equal(t, 1, r.Sink.LogRecordCount())
}

// VGS's documented samples share one id across different events, so the
// receiver dedupes on the whole notification, not on id.
func TestSharedIDDistinctNotificationsAreTwoRecords(t *testing.T) {
	r, _ := start(t, nil)
	login := seed(t, "user_logged_in")
	mfa := seed(t, "user_mfa_deleted")
	require.Contains(t, string(mfa), `"id": "ccd01bb2-e87f-4934-9a72-1367f5131905"`, "the samples share one id")
	later := []byte(strings.Replace(string(login), "2025-10-23T16:31:39.680Z", "2025-10-23T16:41:02.113Z", 1))
	require.NotEqual(t, login, later)
	for _, body := range [][]byte{login, mfa, later, login} {
		status, msg := r.Post(t, "/events", body, nil)
		require.Equal(t, http.StatusOK, status, msg)
	}
	assert.Equal(t, 3, r.Sink.LogRecordCount(), "login, mfa, the later login; the repeated login dropped")
}

func TestSameNotificationAcrossRestartWithStorage(t *testing.T) {
	n := webhooktest.PostAcrossRestart(t, NewFactory(), func(storage component.ID) component.Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
		cfg.Webhook.Dedupe.Storage = &storage
		return cfg
	}, seed(t, "user_password_updated"), nil)
	assert.Equal(t, 1, n)
}

// VGS's retry policy is not documented, so the generic contract holds: a
// permanent pipeline error is 400.
func TestPermanentPipelineErrorIs400(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	r := webhooktest.StartWith(t, NewFactory(), cfg, webhooktest.Options{
		Next: consumertest.NewErr(consumererror.NewPermanent(errors.New("backend refuses"))),
	})
	body := seed(t, "user_logged_in")
	status, _ := r.Post(t, "/events", body, nil)
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestUnknownKeysRejected(t *testing.T) {
	contracttest.CheckUnknownKeys(t, NewFactory().CreateDefaultConfig,
		map[string]any{"endpoint": "localhost:8461", "required_header": map[string]any{"name": "X-Authtrail-Token", "value": "tok"},
			"dedupe": map[string]any{"window": "5m"}},
		map[string]any{"overlapp": "5m"},
		map[string]any{"required_header": map[string]any{"name": "X-Authtrail-Token", "vaule": "tok"}},
		map[string]any{"dedupe": map[string]any{"window": "5m", "storag": "file_storage"}})
}
