package vgsreceiver // import "github.com/authtrail/authtrail/receiver/vgsreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/vgs"
	"github.com/authtrail/authtrail/internal/webhook"
	"github.com/authtrail/authtrail/receiver/vgsreceiver/internal/metadata"
)

const defaultEndpoint = "localhost:8461"

// NewFactory creates the vgs receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{Webhook: webhook.NewDefaultConfig(defaultEndpoint, webhook.SignatureConfig{
		Algorithm: "sha256", Encoding: "hex",
	})}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	c := cfg.(*Config)
	if !c.Webhook.Signature.Enabled() && !c.Webhook.RequiredHeader.Enabled() {
		set.Logger.Warn("neither signature nor required_header is configured: the endpoint accepts unauthenticated requests")
	}
	// VGS's documented notifications all share one id, and its docs do not
	// say that id is unique per notification, so deliveries dedupe on the
	// whole body, which a retry repeats byte for byte.
	return webhook.NewServer(&c.Webhook, webhook.Settings{
		Receiver:    set,
		Decode:      vgs.Decode,
		Options:     sources.ScopeOptions(metadata.ScopeName, set.BuildInfo.Version),
		DeliveryKey: webhook.BodyKey,
	}, next)
}
