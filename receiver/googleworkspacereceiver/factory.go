package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"golang.org/x/oauth2/google"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
	"github.com/authtrail/authtrail/receiver/googleworkspacereceiver/internal/metadata"
)

// NewFactory creates the google_workspace receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = time.Minute
	// Google publishes most events within minutes, account changes within tens
	// of minutes, some applications within a couple of hours, a few later: the
	// main pass reads at 3m (an event published promptly is exported within
	// about 5 minutes) and re-reads catch the rest up to 6h (see poll.Schedule).
	// The default applications are the identity ones: users' own account
	// changes, sign-ins, administrators' changes, OAuth grants, SAML sign-ins.
	return &Config{
		Client:       client,
		CustomerID:   "my_customer",
		Applications: []string{"user_accounts", "login", "admin", "token", "saml"},
		PageSize:     1000,
		Poll:         poll.NewDefaultConfig(time.Minute, 3*time.Minute, 6*time.Hour),
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	c := cfg.(*Config)
	key, err := os.ReadFile(c.CredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("credentials_file: %w", err)
	}
	jwtConf, err := google.JWTConfigFromJSON(key, reports.AdminReportsAuditReadonlyScope)
	if err != nil {
		return nil, fmt.Errorf("credentials_file: not a service account key: %w", err)
	}
	jwtConf.Subject = c.Subject
	r := &workspaceReceiver{cfg: c, set: set, jwt: jwtConf}
	opts := sources.ScopeOptions(metadata.ScopeName, set.BuildInfo.Version)
	endpoint := c.Client.Endpoint
	if endpoint == "" {
		endpoint = "https://admin.googleapis.com/" // the client library's default, for logs
	}
	pollers := map[string]*poll.Poller{}
	var order []*poll.Poller
	for _, app := range streamOrder(c.Applications) {
		api := &activitiesAPI{logger: set.Logger, app: app, customer: c.CustomerID, pageSize: c.PageSize, opts: opts}
		p, err := poll.New(&c.Poll, poll.Settings{
			Receiver: set, Source: api, Name: app, Stream: app, Endpoint: endpoint,
			Fingerprint: c.fingerprint(app), Retention: retention, Precision: time.Millisecond,
		}, streamConsumer(app, pollers, next))
		if err != nil {
			return nil, err
		}
		r.apis = append(r.apis, api)
		pollers[app] = p
		order = append(order, p)
	}
	r.streams = poll.NewGroup(order...)
	return r, nil
}

// streamConsumer is next, or, for an application that reports another
// configured application's account changes too (login), the shared stream
// over that application's poller: each change is delivered once, by whichever
// stream reads it first (docs/schema.md#d18-one-record-per-google-account-change).
func streamConsumer(app string, pollers map[string]*poll.Poller, next consumer.Logs) consumer.Logs {
	if owner, ok := pollers[googleworkspace.DedupedBy(app)]; ok {
		return poll.SharedStream(owner, next, googleworkspace.SharedAccountChange)
	}
	return next
}

// streamOrder puts the applications that dedupe another's copies first: their
// pollers must exist (and start, and stop last) before the streams that settle
// ids in them.
func streamOrder(apps []string) []string {
	owners := map[string]bool{}
	for _, app := range apps {
		owners[googleworkspace.DedupedBy(app)] = true
	}
	out := slices.Clone(apps)
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case owners[a] == owners[b]:
			return 0
		case owners[a]:
			return -1
		}
		return 1
	})
	return out
}
