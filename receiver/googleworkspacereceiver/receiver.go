package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
	reports "google.golang.org/api/admin/reports/v1"
	"google.golang.org/api/option"

	"github.com/authtrail/authtrail/internal/poll"
)

// workspaceReceiver runs one poll stream per application.
type workspaceReceiver struct {
	cfg     *Config
	set     receiver.Settings
	jwt     *jwt.Config
	apis    []*activitiesAPI
	streams *poll.Group
}

func (r *workspaceReceiver) Start(ctx context.Context, host component.Host) error {
	base, err := r.cfg.Client.ToClient(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("creating the HTTP client: %w", err)
	}
	// Tokens are minted (JWT-bearer grant, subject = the impersonated admin)
	// through the same client, and reused until they expire. Neither the
	// assertion nor the token follows a redirect to another host.
	poll.SecureClient(base, poll.MaxResponseBytes(int(r.cfg.PageSize)))
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, base)
	client := &http.Client{
		Transport:     rawBodies{&oauth2.Transport{Source: r.jwt.TokenSource(tokenCtx), Base: base.Transport}},
		Timeout:       base.Timeout,
		CheckRedirect: base.CheckRedirect,
	}
	opts := []option.ClientOption{option.WithHTTPClient(client)}
	if ep := r.cfg.Client.Endpoint; ep != "" {
		opts = append(opts, option.WithEndpoint(strings.TrimRight(ep, "/")+"/"))
	}
	svc, err := reports.NewService(ctx, opts...)
	if err != nil {
		return fmt.Errorf("creating the Reports API client: %w", err)
	}
	for _, api := range r.apis {
		api.svc = svc
	}
	return r.streams.Start(ctx, host)
}

func (r *workspaceReceiver) Shutdown(ctx context.Context) error {
	return r.streams.Shutdown(ctx)
}
