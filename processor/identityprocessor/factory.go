package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

// NewFactory creates the identity processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		PII:         PIIKeep,
		Profile:     ProfileOTel,
		OCSFVersion: OCSF18,
		Severity:    SeverityConfig{PrivilegedRole: schema.DefaultPrivilegedRole},
	}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newIdentityProcessor(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithShutdown(p.shutdown))
}
