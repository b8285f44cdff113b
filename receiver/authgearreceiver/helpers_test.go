package authgearreceiver

import (
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
)

type consumerCapabilities = consumer.Capabilities

func configString(s string) configopaque.String { return configopaque.String(s) }
