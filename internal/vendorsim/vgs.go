package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// VGS notification, as in "Monitoring User Actions Programmatically" (VGS docs; samples in testdata/vgs).
type vgsNotification struct {
	Description   string      `json:"description"`
	Details       vgsDetails  `json:"details"`
	Event         string      `json:"event"`
	Grouping      string      `json:"grouping"`
	ID            string      `json:"id"`
	IntegrationID string      `json:"integration_id"`
	Occurrence    int         `json:"occurrence"`
	OrgID         string      `json:"org_id"`
	Producer      vgsProducer `json:"producer"`
	Scope         string      `json:"scope"`
	Summary       string      `json:"summary"`
	Tenant        string      `json:"tenant"`
	Timestamp     string      `json:"timestamp"`
}

type vgsDetails struct {
	UserEmail string `json:"user_email,omitempty"`
	UserIP    string `json:"user_ip,omitempty"`
	// Route and vault notifications (scope vault / organization).
	VaultID     string `json:"vault_id,omitempty"`
	VaultName   string `json:"vault_name,omitempty"`
	RouteID     string `json:"route_id,omitempty"`
	RouteName   string `json:"route_name,omitempty"`
	Environment string `json:"environment,omitempty"`
}

type vgsProducer struct {
	UserAgent string `json:"user_agent"`
	UserEmail string `json:"user_email"`
}

// vgsEvents are the user-scope notification types with their human texts.
var vgsEvents = []struct{ event, description, verb string }{
	{"user.logged_in", "User logged in", "logged in"},
	{"user.permissions_updated", "User permissions updated", "updated permissions"},
	{"user.permissions_deleted", "User permissions deleted", "deleted permissions"},
	{"user.password_updated", "User password updated", "updated password"},
	{"user.mfa_created", "User enabled MFA", "enabled MFA"},
	{"user.mfa_deleted", "User disabled MFA", "disabled MFA"},
}

// vgsConfigEvents are the route and vault notifications of the same channel
// ("Webhook Notifications", docs.verygoodsecurity.com), with their scope.
var vgsConfigEvents = []struct{ event, description, scope string }{
	{"route.created", "Route created", "vault"},
	{"route.updated", "Route updated", "vault"},
	{"route.delete", "Route deleted", "vault"},
	{"vault.created", "Vault created", "organization"},
}

type vgsVendor struct{}

func (vgsVendor) Name() string { return "vgs" }

func (vgsVendor) Generate(r *rand.Rand, now time.Time) (string, []byte) {
	ev := pick(r, vgsEvents)
	subject := randomPerson(r)
	producer := subject
	if ev.event != "user.logged_in" && r.IntN(3) == 0 {
		producer = randomPerson(r) // an admin acting on someone else
	}
	n := vgsNotification{
		Description:   ev.description,
		Details:       vgsDetails{UserEmail: subject.email, UserIP: randomIP(r)},
		Event:         ev.event,
		Grouping:      "every_single",
		ID:            UUID(r),
		IntegrationID: "INsim0000000R31",
		Occurrence:    1,
		OrgID:         "ACsim000000000000000001",
		Producer:      vgsProducer{UserAgent: pick(r, userAgents), UserEmail: producer.email},
		Scope:         "user",
		Summary:       fmt.Sprintf("User %q %s", subject.email, ev.verb),
		Tenant:        "ACsim000000000000000001",
		Timestamp:     now.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if r.IntN(5) == 0 { // one in five is a route or vault change
		cfg := pick(r, vgsConfigEvents)
		n.Event, n.Description, n.Scope = cfg.event, cfg.description, cfg.scope
		n.Details = vgsDetails{VaultID: "tntsim0001", VaultName: "payments-live", Environment: "live"}
		n.Summary = fmt.Sprintf("%s in vault %s by %s", cfg.description, n.Details.VaultID, producer.email)
		if cfg.scope == "vault" {
			n.Details.RouteID, n.Details.RouteName = fmt.Sprintf("rt%04d", r.IntN(10000)), "inbound-payments"
		}
	}
	body, err := json.Marshal(n)
	if err != nil {
		panic(err) // a fixed struct always marshals
	}
	return n.Event, body
}

// VGS's signing scheme is not public; setups put a static token in a header.
func (vgsVendor) Sign(p *Payload, c Credentials) {
	p.Header.Set("Content-Type", "application/json")
	if c.TokenHeader != "" {
		p.Header.Set(c.TokenHeader, c.Token)
	}
}
