package vgsreceiver

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
	"github.com/authtrail/authtrail/receiver/vgsreceiver/internal/metadata"
)

func start(t *testing.T, mutate func(*Config)) (*webhooktest.Running, *observer.ObservedLogs) {
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zapcore.InfoLevel)
	return webhooktest.Start(t, NewFactory(), cfg, zap.New(core)), logs
}

func TestEverySeedEventThroughTheReceiver(t *testing.T) {
	r, logs := start(t, nil)
	inputs := sourcetest.Inputs(t, "vgs")
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		require.NoError(t, err)
		status, msg := r.Post(t, "/events", body, map[string]string{"Content-Type": "application/json"})
		require.Equal(t, http.StatusOK, status, msg)
	}
	require.Equal(t, len(inputs), r.Sink.LogRecordCount())
	for _, ld := range r.Sink.AllLogs() {
		sourcetest.CheckLogs(t, ld)
		assert.Equal(t, metadata.ScopeName, ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
	}
	warned := logs.FilterMessageSnippet("neither signature nor required_header").Len()
	assert.Equal(t, 1, warned, "one warning when the endpoint is unauthenticated")
	assert.Equal(t, 1, logs.FilterLevelExact(zapcore.WarnLevel).Len(), "nothing else logged at warn")
	assert.Equal(t, 1, logs.FilterMessage("Webhook intake listening").Len(), "where it listens, at info")
}

func TestRequiredHeader(t *testing.T) {
	r, logs := start(t, func(c *Config) {
		c.Webhook.RequiredHeader.Name = "X-Authtrail-Token"
		c.Webhook.RequiredHeader.Value = "a-token-of-24-characters"
	})
	body := []byte(`{"event":"user.logged_in","id":"1","timestamp":"2025-10-23T16:31:39.680Z","producer":{"user_email":"a@b.c"}}`)
	status, _ := r.Post(t, "/events", body, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = r.Post(t, "/events", body, map[string]string{"X-Authtrail-Token": "a-token-of-24-characters"})
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, r.Sink.LogRecordCount())
	assert.Zero(t, logs.FilterLevelExact(zapcore.WarnLevel).Len(), "no warning when a long token is required")
}

func TestSignatureOption(t *testing.T) {
	r, _ := start(t, func(c *Config) {
		c.Webhook.Signature.Secret = "k"
		c.Webhook.Signature.Header = "X-VGS-Signature"
		c.Webhook.Signature.Algorithm = "sha512"
		c.Webhook.Signature.Encoding = "base64"
	})
	body := []byte(`{"event":"user.mfa_deleted","id":"1"}`)
	m := hmac.New(sha512.New, []byte("k"))
	m.Write(body)
	status, msg := r.Post(t, "/events", body, map[string]string{"X-VGS-Signature": base64.StdEncoding.EncodeToString(m.Sum(nil))})
	require.Equal(t, http.StatusOK, status, msg)
	status, _ = r.Post(t, "/events", append(body, ' '), map[string]string{"X-VGS-Signature": base64.StdEncoding.EncodeToString(m.Sum(nil))})
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestUnknownEventIsAccepted(t *testing.T) {
	r, _ := start(t, nil)
	body := []byte(`{"event":"vault.archived","id":"v1","org_id":"AC1","timestamp":"2025-10-24T08:00:00.000Z","details":{"vault_id":"tnt1"}}`)
	status, _ := r.Post(t, "/events", body, nil)
	require.Equal(t, http.StatusOK, status)
	lr := sourcetest.Records(r.Sink.AllLogs()[0])[0]
	assert.Equal(t, "identity.unmapped", lr.EventName())
	assert.Equal(t, "vault.archived", sourcetest.Attr(lr, "event.code"))
}
