package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ReportsScope is the scope a Reports API token must carry.
const ReportsScope = "https://www.googleapis.com/auth/admin.reports.audit.readonly"

// googleEvents are the events the mock generates per application.
var googleEvents = map[string][]struct{ typ, name, params string }{
	"user_accounts": {
		{"2sv_change", "2sv_enroll", ""},
		{"2sv_change", "2sv_disable", ""},
		{"password_change", "password_edit", ""},
		{"recovery_info_change", "recovery_phone_edit", ""},
		{"titanium_change", "titanium_enroll", ""},
		{"email_forwarding_change", "email_forwarding_out_of_domain", `[{"name":"email_forwarding_destination_address","value":"fwd@gmail.example"}]`},
	},
	"login": {
		{"login", "login_success", `[{"name":"login_type","value":"google_password"},{"name":"login_challenge_method","multiValue":["password"]},{"name":"is_suspicious","boolValue":false}]`},
		{"login", "login_failure", `[{"name":"login_type","value":"google_password"},{"name":"login_failure_type","value":"login_failure_invalid_password"}]`},
		{"login", "logout", `[{"name":"login_type","value":"google_password"}]`},
		{"login", "suspicious_login", `[{"name":"login_type","value":"google_password"},{"name":"is_suspicious","boolValue":true}]`},
	},
	// An administrator ({user} is the user acted on), per the admin-* pages.
	"admin": {
		{"USER_SETTINGS", "CREATE_USER", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "SUSPEND_USER", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "DELETE_USER", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "CHANGE_PASSWORD", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "TURN_OFF_2_STEP_VERIFICATION", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "GRANT_ADMIN_PRIVILEGE", `[{"name":"USER_EMAIL","value":"{user}"}]`},
		{"USER_SETTINGS", "GRANT_DELEGATED_ADMIN_PRIVILEGES", `[{"name":"USER_EMAIL","value":"{user}"},{"name":"NEW_VALUE","value":"User Management Admin"}]`},
		{"USER_SETTINGS", "REVOKE_ASP", `[{"name":"USER_EMAIL","value":"{user}"},{"name":"ASP_ID","value":"3"}]`},
		{"USER_SETTINGS", "USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD", `[{"name":"USER_EMAIL","value":"{user}"},{"name":"NEW_VALUE","value":"2026-12-07T00:00:00Z"}]`},
		{"DELEGATED_ADMIN_SETTINGS", "ASSIGN_ROLE", `[{"name":"ORG_UNIT_NAME","value":"/"},{"name":"ROLE_NAME","value":"_HELP_DESK_ADMIN_ROLE"},{"name":"USER_EMAIL","value":"{user}"}]`},
		{"GROUP_SETTINGS", "ADD_GROUP_MEMBER", `[{"name":"GROUP_EMAIL","value":"staff@example.com"},{"name":"USER_EMAIL","value":"{user}"}]`},
		{"SECURITY_SETTINGS", "ENFORCE_STRONG_AUTHENTICATION", `[{"name":"ORG_UNIT_NAME","value":"/Sales"},{"name":"NEW_VALUE","value":"false"},{"name":"OLD_VALUE","value":"true"}]`},
		{"DOMAIN_SETTINGS", "AUTHORIZE_API_CLIENT_ACCESS", `[{"name":"DOMAIN_NAME","value":"example.com"},{"name":"API_CLIENT_NAME","value":"112233445566778899000"},{"name":"API_SCOPES","multiValue":["https://mail.google.com/"]}]`},
		{"DOMAIN_SETTINGS", "CHANGE_ACCOUNT_AUTO_RENEWAL", `[{"name":"DOMAIN_NAME","value":"example.com"},{"name":"NEW_VALUE","value":"RENEWAL_BY_LICENSES"}]`},
	},
	"token": {
		{"auth", "authorize", `[{"name":"client_id","value":"555000111-mailmerge.apps.googleusercontent.com"},{"name":"app_name","value":"Acme Mail Merge"},{"name":"client_type","value":"WEB"},{"name":"scope","multiValue":["https://www.googleapis.com/auth/gmail.readonly"]}]`},
		{"auth", "revoke", `[{"name":"client_id","value":"555000111-mailmerge.apps.googleusercontent.com"},{"name":"app_name","value":"Acme Mail Merge"},{"name":"client_type","value":"WEB"},{"name":"scope","multiValue":["https://www.googleapis.com/auth/gmail.readonly"]}]`},
	},
	"saml": {
		{"login", "login_success", `[{"name":"application_name","value":"Acme Payroll"},{"name":"initiated_by","value":"sp"}]`},
		{"login", "login_failure", `[{"name":"application_name","value":"Acme Payroll"},{"name":"failure_type","value":"failure_app_not_enabled_for_user"},{"name":"initiated_by","value":"idp"}]`},
	},
}

// googleAdmin is the actor of admin application events.
const googleAdmin = "admin@example.com"

// GoogleApplications lists the Reports applications the mock generates events for.
func GoogleApplications() []string {
	out := make([]string, 0, len(googleEvents))
	for app := range googleEvents {
		out = append(out, app)
	}
	sort.Strings(out)
	return out
}

type gActivity struct {
	ms    int64 // id.time, milliseconds
	qual  int64 // id.uniqueQualifier, in the order rows were added
	event uint8
	user  uint16
	delay uint32 // milliseconds from id.time until list shows it
}

func (a gActivity) published() int64 { return a.ms + int64(a.delay) }

// Activity identifies a generated activity (for tests that compute event ids).
type Activity struct {
	Time            string
	UniqueQualifier int64
	Application     string
	Name            string
	ActorEmail      string
	ActorProfileID  string
}

// Arrival is a generated activity with the time activities.list first shows it.
type Arrival struct {
	Activity
	Published string
}

func (a gActivity) describe(app string) Activity {
	email := userEmail(a.user)
	if app == "admin" {
		email = googleAdmin
	}
	return Activity{Time: formatMillis(a.ms), UniqueQualifier: a.qual, Application: app,
		Name: eventRow(googleEvents, app, a.event).name, ActorEmail: email, ActorProfileID: profileID(a.user)}
}

func userEmail(user uint16) string {
	return fmt.Sprintf("%s.%d@example.com", firstNames[int(user)%len(firstNames)], user)
}

func profileID(user uint16) string { return fmt.Sprintf("1%020d", user) }

// ReportsAPI is a mock of the Admin SDK Reports API activities.list and of
// Google's OAuth token endpoint (JWT-bearer grant, domain-wide delegation).
type ReportsAPI struct {
	Customer string
	Key      *rsa.PublicKey // the service account's public key
	Faults   Faults
	// Late delays the activities Generate and Add make (set it before serving):
	// list shows an activity only from its publication time on.
	Late LateMix
	// OnServe, when set (before serving), is called for every activity list
	// returns, under the mock's read lock, for measurements of how often each
	// activity is read.
	OnServe func(app string, uniqueQualifier int64)

	mu       sync.RWMutex
	apps     map[string][]gActivity // per application, sorted oldest first
	qual     int64
	requests atomic.Int64
	served   atomic.Int64
	tokens   sync.Map // access token → subject
	nTokens  atomic.Int64
	lastSub  atomic.Value
}

// ReportsRetention is how far back the Reports API serves activities; it
// refuses (400) a startTime older than that.
const ReportsRetention = 180 * 24 * time.Hour

// NewReportsAPI returns an empty mock for customer, trusting key.
func NewReportsAPI(customer string, key *rsa.PublicKey) *ReportsAPI {
	return &ReportsAPI{Customer: customer, Key: key, apps: map[string][]gActivity{}}
}

// Generate adds n activities of app spread over [from, to), each published
// after a delay drawn from Late.
func (g *ReportsAPI) Generate(r *rand.Rand, app string, n int, from, to time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	span := to.Sub(from)
	rows := g.apps[app]
	for i := range n {
		t := from.Add(time.Duration(float64(span) * float64(i) / float64(n)))
		rows = append(rows, g.newActivity(r, app, t))
	}
	g.addTwins(r, app, rows[len(g.apps[app]):])
	sort.Slice(rows, func(i, j int) bool { return rows[i].ms < rows[j].ms })
	g.apps[app] = rows
}

// Add adds one activity of app at t, published after a delay drawn from Late,
// and returns it, followed by its twin if app has one (published after a
// delay of its own).
func (g *ReportsAPI) Add(r *rand.Rand, app string, t time.Time) []Arrival {
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.newActivity(r, app, t)
	g.insert(app, a)
	out := []Arrival{a.arrival(app)}
	if to, ok := googleTwins[app]; ok {
		tw := g.twin(r, to, a)
		g.insert(to, tw)
		out = append(out, tw.arrival(to))
	}
	return out
}

func (a gActivity) arrival(app string) Arrival {
	return Arrival{Activity: a.describe(app), Published: formatMillis(a.published())}
}

// Insert adds one activity of app at t, published now, as Google shows an
// event late (behind a window already read), and returns it.
func (g *ReportsAPI) Insert(app string, t time.Time) Activity {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.qual++
	a := gActivity{ms: t.UnixMilli(), qual: g.qual, delay: delayMillis(time.Since(t))}
	g.insert(app, a)
	g.addTwins(nil, app, []gActivity{a})
	return a.describe(app)
}

func (g *ReportsAPI) newActivity(r *rand.Rand, app string, t time.Time) gActivity {
	g.qual++
	return gActivity{ms: t.UnixMilli(), qual: g.qual, event: uint8(r.IntN(len(googleEvents[app]))),
		user: uint16(r.IntN(5000)), delay: delayMillis(g.Late.Delay(r))}
}

// Activities lists the activities of app whose time is before t, published
// or not.
func (g *ReportsAPI) Activities(app string, before time.Time) []Activity {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []Activity
	for _, a := range g.apps[app] {
		if a.ms < before.UnixMilli() {
			out = append(out, a.describe(app))
		}
	}
	return out
}

// Requests counts API calls; Served counts activities returned; LastSubject is
// the subject of the last token minted.
func (g *ReportsAPI) Requests() int64 { return g.requests.Load() }
func (g *ReportsAPI) Served() int64   { return g.served.Load() }
func (g *ReportsAPI) LastSubject() string {
	s, _ := g.lastSub.Load().(string)
	return s
}

func formatMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func (g *ReportsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		g.token(w, r)
		return
	}
	n := g.requests.Add(1)
	const prefix = "/admin/reports/v1/activity/users/all/applications/"
	app, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok || r.Method != http.MethodGet {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, ok := g.tokens.Load(tok); !ok {
		googleError(w, http.StatusUnauthorized, "Invalid Credentials", "authError")
		return
	}
	switch g.Faults.pick(n) {
	case "429":
		w.Header().Set("Retry-After", "1")
		googleError(w, http.StatusTooManyRequests, "Quota exceeded", "rateLimitExceeded")
		return
	case "503":
		googleError(w, http.StatusServiceUnavailable, "Backend Error", "backendError")
		return
	case "slow":
		time.Sleep(g.Faults.Slow)
	}
	body, err := g.list(app, r)
	if err != nil {
		googleError(w, http.StatusBadRequest, err.Error(), "invalid")
		return
	}
	if g.Faults.pick(n) == "truncate" {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(body)
}

// list answers activities.list: [startTime, endTime), newest first, activities
// published by the first page's request only (see visibility), pageToken as an
// offset into them, maxResults up to 1000.
func (g *ReportsAPI) list(app string, r *http.Request) ([]byte, error) {
	q := r.URL.Query()
	if _, ok := googleEvents[app]; !ok {
		return nil, fmt.Errorf("unknown applicationName %q", app)
	}
	start, err := time.Parse(time.RFC3339Nano, q.Get("startTime"))
	if err != nil {
		return nil, errors.New("startTime: RFC 3339 required")
	}
	if start.Before(time.Now().Add(-ReportsRetention)) {
		// Google's words for a start beyond its 180 days.
		return nil, errors.New("Invalid request: Start time is after end time.")
	}
	end := time.Now()
	if s := q.Get("endTime"); s != "" {
		if end, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, errors.New("endTime: RFC 3339")
		}
	}
	max := 1000
	if s := q.Get("maxResults"); s != "" {
		if max, err = strconv.Atoi(s); err != nil || max < 1 || max > 1000 {
			return nil, errors.New("maxResults: 1 to 1000")
		}
	}
	offset, view := 0, g.view()
	if s := q.Get("pageToken"); s != "" {
		if offset, view, err = parseOffsetToken(strings.TrimPrefix(s, "p"), view); err != nil {
			return nil, fmt.Errorf("invalid pageToken: %w", err)
		}
	}
	g.mu.RLock()
	rows := g.apps[app]
	lo := sort.Search(len(rows), func(i int) bool { return rows[i].ms >= start.UnixMilli() })
	hi := sort.Search(len(rows), func(i int) bool { return rows[i].ms >= end.UnixMilli() })
	var b strings.Builder
	b.WriteString(`{"kind":"admin#reports#activities","etag":"\"sim\"","items":[`)
	skipped, count, more := 0, 0, false
	for i := hi - 1; i >= lo && !more; i-- { // newest first
		a := rows[i]
		switch {
		case !view.shows(a.published(), a.qual):
			continue
		case skipped < offset:
			skipped++
			continue
		case count == max:
			more = true
			continue
		}
		if count > 0 {
			b.WriteByte(',')
		}
		g.writeActivity(&b, app, a)
		if g.OnServe != nil {
			g.OnServe(app, a.qual)
		}
		count++
	}
	g.mu.RUnlock()
	b.WriteString("]")
	if more {
		fmt.Fprintf(&b, `,"nextPageToken":"p%s"`, view.token(offset+count))
	}
	b.WriteString("}")
	g.served.Add(int64(count))
	return []byte(b.String()), nil
}

// view is what a first page shows: rows published and added by now.
func (g *ReportsAPI) view() visibility {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return visibility{asOf: time.Now().UnixMilli(), maxSeq: g.qual}
}

func (g *ReportsAPI) writeActivity(b *strings.Builder, app string, a gActivity) {
	ev := eventRow(googleEvents, app, a.event)
	email := userEmail(a.user)
	params := ev.params
	if app == "admin" {
		params = strings.ReplaceAll(params, "{user}", email)
		email = googleAdmin
	}
	fmt.Fprintf(b, `{"kind":"admin#reports#activity","id":{"time":%q,"uniqueQualifier":"%d","applicationName":%q,"customerId":%q},`+
		`"etag":"\"e%d\"","actor":{"callerType":"USER","email":%q,"profileId":%q},"ownerDomain":"example.com",`+
		`"ipAddress":"198.51.100.%d","events":[{"type":%q,"name":%q`,
		formatMillis(a.ms), a.qual, app, g.Customer, a.qual, email, profileID(a.user), 1+int(a.user)%250, ev.typ, ev.name)
	if params != "" {
		b.WriteString(`,"parameters":`)
		b.WriteString(params)
	}
	b.WriteString("}]}")
}

// token serves the JWT-bearer grant a service account with domain-wide
// delegation uses: the assertion must be signed by the key, carry the Reports
// scope, and name a subject (the admin it impersonates).
func (g *ReportsAPI) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		tokenError(w, "unsupported_grant_type", "JWT-bearer grant expected")
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(*jwt.Token) (any, error) { return g.Key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		tokenError(w, "invalid_grant", "Invalid JWT Signature: "+err.Error())
		return
	}
	scope, _ := claims["scope"].(string)
	sub, _ := claims["sub"].(string)
	if !strings.Contains(scope, ReportsScope) || sub == "" {
		tokenError(w, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
		return
	}
	tok := fmt.Sprintf("sim-token-%d", g.nTokens.Add(1))
	g.tokens.Store(tok, sub)
	g.lastSub.Store(sub)
	writeJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func tokenError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func googleError(w http.ResponseWriter, status int, msg, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": status, "message": msg, "errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}},
	}})
}

// WriteServiceAccountKey writes a service-account key file, as the Cloud console
// downloads it, whose token_uri points at tokenURL.
func WriteServiceAccountKey(path string, key *rsa.PrivateKey, tokenURL string) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": "authtrail-sim", "private_key_id": "sim-key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "authtrail@authtrail-sim.iam.gserviceaccount.com", "client_id": "100000000000000000001",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": tokenURL,
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}
