package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/webhook"
)

// authgearReceiver polls the audit log and, when configured, takes webhooks
// for the same stream, deduped by event id.
type authgearReceiver struct {
	cfg    *Config
	set    receiver.Settings
	api    *adminAPI
	poller *poll.Poller
	hook   *webhook.Server
}

func (r *authgearReceiver) Start(ctx context.Context, host component.Host) error {
	httpClient, err := r.cfg.Client.ToClient(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("creating the Admin API client: %w", err)
	}
	r.api.http = httpClient
	if err := r.poller.Start(ctx, host); err != nil {
		return err
	}
	if r.hook != nil {
		if err := r.hook.Start(ctx, host); err != nil {
			return errors.Join(err, r.poller.Shutdown(ctx))
		}
	}
	return nil
}

func (r *authgearReceiver) Shutdown(ctx context.Context) error {
	var errs []error
	if r.hook != nil {
		errs = append(errs, r.hook.Shutdown(ctx))
	}
	errs = append(errs, r.poller.Shutdown(ctx))
	return errors.Join(errs...)
}
