package asgardeoreceiver // import "github.com/authtrail/authtrail/receiver/asgardeoreceiver"

import (
	"context"
	"net/http"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/asgardeo"
	"github.com/authtrail/authtrail/internal/webhook"
	"github.com/authtrail/authtrail/receiver/asgardeoreceiver/internal/metadata"
)

const defaultEndpoint = "localhost:8462"

// NewFactory creates the asgardeo receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

// Asgardeo signs with X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>;
// self-hosted WSO2 Identity Server uses the header x-wso2-event-signature.
func createDefaultConfig() component.Config {
	return &Config{Webhook: webhook.NewDefaultConfig(defaultEndpoint, webhook.SignatureConfig{
		Header: "X-Hub-Signature", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256=",
	})}
}

// Each record's event.id is the SET's jti (jti/<event type> when a SET carries
// several), so EventIDKey dedupes on the jti. A permanent pipeline error is
// acknowledged with 200: WSO2's hub marks a subscription stale on any answer
// but 2xx and 500/502/503, and the fault is ours, not the sender's.
func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	c := cfg.(*Config)
	return webhook.NewServer(&c.Webhook, webhook.Settings{
		Receiver:                   set,
		Decode:                     asgardeo.Decode,
		Options:                    sources.ScopeOptions(metadata.ScopeName, set.BuildInfo.Version),
		Verify:                     challenge(c.Topics),
		DeliveryKey:                webhook.EventIDKey,
		AcknowledgePermanentErrors: true,
	}, next)
}

// challenge answers WebSub verifications, refusing with 404 (WebSub's "do not
// subscribe") a topic outside a non-empty allow-list.
func challenge(topics []string) func(r *http.Request) (int, string) {
	return func(r *http.Request) (int, string) {
		q := r.URL.Query()
		if len(topics) > 0 && !slices.Contains(topics, q.Get("hub.topic")) {
			return http.StatusNotFound, "hub.topic is not in this receiver's topics"
		}
		return asgardeo.Challenge(q)
	}
}
