package authgearreceiver

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
)

type consumerCapabilities = consumer.Capabilities

func configString(s string) configopaque.String { return configopaque.String(s) }

// statusHost records the component status events it is given.
type statusHost struct {
	report func(string)
}

func (*statusHost) GetExtensions() map[component.ID]component.Component { return nil }

func (h *statusHost) Report(ev *componentstatus.Event) {
	msg := ev.Status().String()
	if ev.Err() != nil {
		msg += ": " + ev.Err().Error()
	}
	h.report(msg)
}
