package asgardeoreceiver // import "github.com/authtrail/authtrail/receiver/asgardeoreceiver"

import (
	"context"
	"net/http"

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

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	c := cfg.(*Config)
	return webhook.NewServer(&c.Webhook, webhook.Settings{
		Receiver: set,
		Decode:   asgardeo.Decode,
		Options:  sources.ScopeOptions(metadata.ScopeName, set.BuildInfo.Version),
		Verify:   func(r *http.Request) (int, string) { return asgardeo.Challenge(r.URL.Query()) },
	}, next)
}
