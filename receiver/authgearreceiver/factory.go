package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/webhook"
	"github.com/authtrail/authtrail/receiver/authgearreceiver/internal/metadata"
)

// NewFactory creates the authgear receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = 30 * time.Second
	return &Config{
		Client:        client,
		TokenLifetime: 5 * time.Minute,
		// Authgear writes audit rows synchronously as events happen: the lag
		// covers replica delay, and a short horizon a transaction committed late.
		Poll: poll.NewDefaultConfig(time.Minute, 30*time.Second, 10*time.Minute),
	}
}

// DefaultWebhookConfig is the webhook block's default: Authgear signs the body
// with x-authgear-body-signature, lowercase hex HMAC-SHA256, no prefix.
func DefaultWebhookConfig() webhook.Config {
	return webhook.NewDefaultConfig("localhost:8463", webhook.SignatureConfig{
		Header: "x-authgear-body-signature", Algorithm: "sha256", Encoding: "hex",
	})
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	c := cfg.(*Config)
	pem, err := c.privateKeyPEM()
	if err != nil {
		return nil, err
	}
	toks, err := newTokens(pem, c.KeyID, c.projectID(), c.TokenLifetime)
	if err != nil {
		return nil, err
	}
	opts := sources.ScopeOptions(metadata.ScopeName, set.BuildInfo.Version)
	r := &authgearReceiver{cfg: c, set: set, api: &adminAPI{
		url:           strings.TrimRight(c.Client.Endpoint, "/") + graphqlPath,
		project:       c.projectID(),
		tokens:        toks,
		activityTypes: c.ActivityTypes,
		opts:          opts,
	}}
	r.poller, err = poll.New(&c.Poll, poll.Settings{
		Receiver: set, Source: r.api, Stream: "audit_log", Endpoint: r.api.url,
		Fingerprint: c.fingerprint(), Precision: time.Second,
	}, next)
	if err != nil {
		return nil, err
	}
	r.streams = poll.NewGroup(r.poller)
	if c.Webhook != nil {
		r.hook, err = webhook.NewServer(c.Webhook, webhook.Settings{
			Receiver: set, Decode: authgear.DecodeEvent, Options: opts,
			DeliveryKey: webhook.EventIDKey, // the event's id
		}, poll.SharedStream(r.poller, next, nil))
		if err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
	}
	return r, nil
}
