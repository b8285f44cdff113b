package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources/authgear"
	"github.com/authtrail/authtrail/internal/webhook"
)

// authgearReceiver polls the audit log and, when configured, takes webhooks
// for the same stream, deduped by event id.
type authgearReceiver struct {
	cfg     *Config
	set     receiver.Settings
	api     *adminAPI
	poller  *poll.Poller
	streams *poll.Group
	hook    *webhook.Server
}

func (r *authgearReceiver) Start(ctx context.Context, host component.Host) error {
	httpClient, err := r.cfg.Client.ToClient(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("creating the Admin API client: %w", err)
	}
	poll.SecureClient(httpClient, poll.MaxResponseBytes(authgear.PageSize))
	r.api.http = httpClient
	if err := r.streams.Start(ctx, host); err != nil {
		return err
	}
	if r.hook != nil {
		if err := r.hook.Start(ctx, host); err != nil {
			return errors.Join(err, r.streams.Shutdown(ctx))
		}
	}
	return nil
}

func (r *authgearReceiver) Shutdown(ctx context.Context) error {
	var errs []error
	if r.hook != nil {
		errs = append(errs, r.hook.Shutdown(ctx))
	}
	errs = append(errs, r.streams.Shutdown(ctx))
	return errors.Join(errs...)
}
