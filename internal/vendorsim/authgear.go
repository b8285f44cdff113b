package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Faults makes a mock API misbehave: every Nth request (0: never) is answered
// with that fault, so that tests are deterministic.
type Faults struct {
	RateLimitEvery   int           // 429 with Retry-After: 1
	UnavailableEvery int           // 503
	TruncateEvery    int           // 200 with half a JSON body
	SlowEvery        int           // answered after Slow
	Slow             time.Duration // delay of slow answers
}

func (f Faults) pick(n int64) string {
	switch {
	case f.RateLimitEvery > 0 && n%int64(f.RateLimitEvery) == 0:
		return "429"
	case f.UnavailableEvery > 0 && n%int64(f.UnavailableEvery) == 0:
		return "503"
	case f.TruncateEvery > 0 && n%int64(f.TruncateEvery) == 0:
		return "truncate"
	case f.SlowEvery > 0 && n%int64(f.SlowEvery) == 0:
		return "slow"
	}
	return ""
}

// authgearActivities are the activity types the mock generates, with the event
// type Authgear writes into data.type.
var authgearActivities = []struct{ activity, eventType string }{
	{"USER_AUTHENTICATED", "user.authenticated"},
	{"USER_SIGNED_OUT", "user.signed_out"},
	{"AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "authentication.primary.password.failed"},
	{"AUTHENTICATION_SECONDARY_TOTP_FAILED", "authentication.secondary.totp.failed"},
	{"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED", "authentication.identity.login_id.failed"},
	{"USER_CREATED", "user.created"},
	{"USER_PROFILE_UPDATED", "user.profile.updated"},
	{"IDENTITY_EMAIL_UPDATED", "identity.email.updated"},
	{"IDENTITY_PHONE_ADDED", "identity.phone.added"},
	{"USER_DISABLED", "user.disabled"},
	{"USER_DELETED", "user.deleted"},
	{"EMAIL_SENT", "email.sent"},
	{"AUTHENTICATION_BLOCKED", "authentication.blocked"},
	{"RATE_LIMIT_BLOCKED", "rate_limit.blocked"},
	{"BOT_PROTECTION_VERIFICATION_FAILED", "bot_protection.verification.failed"},
	{"FRAUD_PROTECTION_DECISION_RECORDED", "fraud_protection.decision_recorded"},
	{"ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED", "admin_api.mutation.add_role_to_users.executed"},
	{"ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED", "admin_api.mutation.create_session.executed"},
	{"PROJECT_APP_SECRET_VIEWED", "project.app.secret.viewed"},
	{"PROJECT_BILLING_SUBSCRIPTION_UPDATED", "project.billing.subscription.updated"},
}

// agEvent is one audit row, kept compact (24 bytes; a million of them with
// their slice's headroom fit in ~60 MB).
type agEvent struct {
	unix     int64 // created_at, second precision as Authgear stores it
	seq      int64 // in the order rows were added
	activity uint8
	ip       uint8
	user     uint16
	delay    uint32 // milliseconds from created_at until auditLogs shows it
}

func (ev agEvent) published() int64 { return ev.unix*1000 + int64(ev.delay) }

// AuthgearAPI is a mock of Authgear's Admin GraphQL endpoint
// (POST /_api/admin/graphql) serving the auditLogs query from generated rows.
type AuthgearAPI struct {
	Project string
	KeyID   string
	Key     *rsa.PublicKey
	Faults  Faults
	// Late delays the rows Generate makes (set it before serving): auditLogs
	// shows a row only from its publication time on.
	Late LateMix
	// UnstableTies serves the rows that share a created_at in an order that
	// depends on the page's offset, as PostgreSQL may for Authgear's ORDER BY
	// created_at LIMIT/OFFSET (no tie-breaker): offset paging then skips some
	// tied rows at page boundaries and serves others twice.
	UnstableTies bool

	mu       sync.RWMutex
	rows     []agEvent // sorted by (unix, seq)
	seq      int64
	requests atomic.Int64
	served   atomic.Int64
}

// NewAuthgearAPI returns an empty mock for project, accepting tokens signed by
// the private half of key with key id keyID.
func NewAuthgearAPI(project, keyID string, key *rsa.PublicKey) *AuthgearAPI {
	return &AuthgearAPI{Project: project, KeyID: keyID, Key: key}
}

// Generate adds n rows spread evenly over [from, to), each published after a
// delay drawn from Late.
func (a *AuthgearAPI) Generate(r *rand.Rand, n int, from, to time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	span := to.Sub(from)
	for i := range n {
		t := from.Add(time.Duration(float64(span) * float64(i) / float64(n)))
		a.seq++
		a.rows = append(a.rows, agEvent{
			unix: t.Unix(), seq: a.seq, activity: uint8(r.IntN(len(authgearActivities))),
			user: uint16(r.IntN(5000)), ip: uint8(r.IntN(250)), delay: delayMillis(a.Late.Delay(r)),
		})
	}
	a.sortLocked()
}

// Insert adds one row at t, published now (a late-arriving event), and returns
// its data.id.
func (a *AuthgearAPI) Insert(t time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	ev := agEvent{unix: t.Unix(), seq: a.seq}
	ev.delay = delayMillis(time.Duration(time.Now().UnixMilli()-ev.unix*1000) * time.Millisecond)
	a.rows = append(a.rows, ev)
	a.sortLocked()
	return eventID(ev.seq)
}

func (a *AuthgearAPI) sortLocked() {
	sort.Slice(a.rows, func(i, j int) bool {
		if a.rows[i].unix != a.rows[j].unix {
			return a.rows[i].unix < a.rows[j].unix
		}
		return a.rows[i].seq < a.rows[j].seq
	})
}

// IDs returns the data.id of every row created before t, published or not.
func (a *AuthgearAPI) IDs(before time.Time) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var ids []string
	for _, ev := range a.rows {
		if ev.unix < before.Unix() {
			ids = append(ids, eventID(ev.seq))
		}
	}
	return ids
}

// Requests is how many GraphQL requests reached the mock; Served how many rows it returned.
func (a *AuthgearAPI) Requests() int64 { return a.requests.Load() }
func (a *AuthgearAPI) Served() int64   { return a.served.Load() }

func eventID(seq int64) string { return fmt.Sprintf("0c1f5e3a-0000-4000-8000-%012d", seq) }

type gqlRequest struct {
	Query     string `json:"query"`
	Variables struct {
		First         int      `json:"first"`
		After         string   `json:"after"`
		RangeFrom     string   `json:"rangeFrom"`
		RangeTo       string   `json:"rangeTo"`
		ActivityTypes []string `json:"activityTypes"`
	} `json:"variables"`
}

func (a *AuthgearAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := a.requests.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/_api/admin/graphql" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err := a.checkToken(r.Header.Get("Authorization")); err != nil {
		http.Error(w, "Forbidden: "+err.Error(), http.StatusForbidden)
		return
	}
	fault := a.Faults.pick(n)
	switch fault {
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, "rate limited", http.StatusTooManyRequests)
		return
	case "503":
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	case "slow":
		time.Sleep(a.Faults.Slow)
	}
	var req gqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	body, err := a.answer(req)
	if err != nil {
		writeJSON(w, map[string]any{"errors": []map[string]string{{"message": err.Error()}}, "data": nil})
		return
	}
	if fault == "truncate" {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (a *AuthgearAPI) checkToken(header string) error {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return errors.New("missing bearer token")
	}
	tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != a.KeyID {
			return nil, fmt.Errorf("unknown kid %v", t.Header["kid"])
		}
		return a.Key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.Project), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		return err
	}
	exp, _ := tok.Claims.GetExpirationTime()
	if time.Until(exp.Time) > time.Hour {
		return errors.New("token lifetime over 1h")
	}
	return nil
}

// answer runs the auditLogs query: created_at in [rangeFrom, rangeTo), oldest
// first, rows published by the first page's request only (see visibility),
// offset cursors ("offset:<n>.<view>", base64url), at most 100 rows a page.
func (a *AuthgearAPI) answer(req gqlRequest) ([]byte, error) {
	if !strings.Contains(req.Query, "auditLogs") || !strings.Contains(req.Query, "sortDirection: ASC") {
		return nil, errors.New("the mock serves auditLogs with sortDirection: ASC only")
	}
	from, err := time.Parse(time.RFC3339, req.Variables.RangeFrom)
	if err != nil {
		return nil, fmt.Errorf("rangeFrom: %w", err)
	}
	to, err := time.Parse(time.RFC3339, req.Variables.RangeTo)
	if err != nil {
		return nil, fmt.Errorf("rangeTo: %w", err)
	}
	first := min(max(req.Variables.First, 1), 100)
	offset, view := 0, a.view()
	if req.Variables.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(req.Variables.After)
		tok, ok := strings.CutPrefix(string(b), "offset:")
		if err != nil || !ok {
			return nil, errors.New("invalid cursor")
		}
		if offset, view, err = parseOffsetToken(tok, view); err != nil {
			return nil, fmt.Errorf("invalid cursor: %w", err)
		}
		offset++
	}
	var wanted map[uint8]bool
	if len(req.Variables.ActivityTypes) > 0 {
		wanted = map[uint8]bool{}
		for i, act := range authgearActivities {
			if slices.Contains(req.Variables.ActivityTypes, act.activity) {
				wanted[uint8(i)] = true
			}
		}
	}

	a.mu.RLock()
	lo := sort.Search(len(a.rows), func(i int) bool { return a.rows[i].unix >= from.Unix() })
	hi := sort.Search(len(a.rows), func(i int) bool { return a.rows[i].unix >= to.Unix() })
	var page []agEvent
	skipped, more := 0, false
	for _, ev := range a.rows[lo:hi] {
		if wanted != nil && !wanted[ev.activity] || !view.shows(ev.published(), ev.seq) {
			continue
		}
		if a.UnstableTies {
			// Whole runs of tied rows, up to the row after the page.
			if len(page) > offset+first && ev.unix != page[len(page)-1].unix {
				break
			}
			page = append(page, ev)
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		if len(page) == first {
			more = true
			break
		}
		page = append(page, ev)
	}
	a.mu.RUnlock()
	if a.UnstableTies {
		page, more = pageOfUnstableTies(page, offset, first)
	}

	var b strings.Builder
	b.WriteString(`{"data":{"auditLogs":{"edges":[`)
	end := ""
	for i, ev := range page {
		cur := base64.RawURLEncoding.EncodeToString([]byte("offset:" + view.token(offset+i)))
		end = cur
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"cursor":%q,"node":`, cur)
		a.writeNode(&b, ev)
		b.WriteByte('}')
	}
	fmt.Fprintf(&b, `],"pageInfo":{"hasNextPage":%t,"hasPreviousPage":%t,"startCursor":null,"endCursor":%s}}}}`,
		more, offset > 0, jsonOrNull(end))
	a.served.Add(int64(len(page)))
	return []byte(b.String()), nil
}

// pageOfUnstableTies cuts [offset, offset+first) from rows after ordering
// each run of tied rows by a hash of the row and the offset, so that another
// offset sees another order.
func pageOfUnstableTies(rows []agEvent, offset, first int) ([]agEvent, bool) {
	mix := func(seq int64) uint64 {
		x := uint64(seq)*0x9E3779B97F4A7C15 ^ uint64(offset+1)*0xBF58476D1CE4E5B9
		x ^= x >> 31
		return x * 0x94D049BB133111EB
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].unix != rows[j].unix {
			return rows[i].unix < rows[j].unix
		}
		return mix(rows[i].seq) < mix(rows[j].seq)
	})
	if offset >= len(rows) {
		return nil, false
	}
	return rows[offset:min(offset+first, len(rows))], len(rows) > offset+first
}

// view is what a first page shows: rows published and added by now.
func (a *AuthgearAPI) view() visibility {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return visibility{asOf: time.Now().UnixMilli(), maxSeq: a.seq}
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return strconv.Quote(s)
}

// writeNode renders an AuditLog node as Authgear's Admin API returns it.
func (a *AuthgearAPI) writeNode(b *strings.Builder, ev agEvent) {
	act := authgearActivities[ev.activity]
	id := eventID(ev.seq)
	userID := fmt.Sprintf("7d3e1c2b-0000-4000-9000-%012d", ev.user)
	email := fmt.Sprintf("%s.%d@example.com", firstNames[int(ev.user)%len(firstNames)], ev.user)
	ip := fmt.Sprintf("198.51.100.%d", ev.ip+1)
	created := time.Unix(ev.unix, 0).UTC().Format(time.RFC3339)
	user := map[string]any{
		"id": userID, "created_at": "2025-01-01T00:00:00Z", "updated_at": created, "is_anonymous": false,
		"is_verified": true, "is_disabled": act.activity == "USER_DISABLED", "can_reauthenticate": true,
		"standard_attributes": map[string]any{"email": email, "email_verified": true},
	}
	triggeredBy := "user"
	payload := map[string]any{"user": user}
	switch act.activity {
	case "USER_AUTHENTICATED":
		payload["session"] = map[string]any{"id": "sess-" + strconv.FormatInt(ev.seq, 36), "type": "idp"}
	case "AUTHENTICATION_PRIMARY_PASSWORD_FAILED":
		payload["authentication_stage"], payload["authenticator_type"] = "primary", "password"
	case "AUTHENTICATION_SECONDARY_TOTP_FAILED":
		payload["authentication_stage"], payload["authenticator_type"] = "secondary", "totp"
	case "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED":
		payload = map[string]any{"login_id": "nobody." + strconv.Itoa(int(ev.user)) + "@example.com"}
	case "IDENTITY_EMAIL_UPDATED":
		payload["old_identity"] = map[string]any{"id": "idn-1", "type": "login_id", "claims": map[string]any{"email": email}}
		payload["new_identity"] = map[string]any{"id": "idn-1", "type": "login_id", "claims": map[string]any{"email": "new." + email}}
	case "IDENTITY_PHONE_ADDED":
		payload["identity"] = map[string]any{"id": "idn-2", "type": "login_id", "claims": map[string]any{"phone_number": "+85290000000"}}
	case "USER_DISABLED", "USER_DELETED":
		triggeredBy = "admin_api"
	case "EMAIL_SENT":
		payload = map[string]any{"recipient": email, "type": "verification"}
	case "AUTHENTICATION_BLOCKED":
		payload["error"] = map[string]any{"name": "Forbidden", "reason": "AccountLockout", "message": "account locked", "code": 403}
	case "RATE_LIMIT_BLOCKED":
		payload = map[string]any{"rate_limit": map[string]any{"name": "authentication.general", "group": "authentication"}}
	case "BOT_PROTECTION_VERIFICATION_FAILED":
		payload = map[string]any{"token": "sim-captcha-token", "provider_type": "cloudflare"}
	case "FRAUD_PROTECTION_DECISION_RECORDED":
		payload = map[string]any{"record": map[string]any{"decision": pick2(ev.seq, "blocked", "allowed"), "action": "send_sms",
			"action_detail": map[string]any{"recipient": "+85290000000", "type": "login"}, "user_id": userID,
			"triggered_warnings": []string{"SMS_PHONE_COUNTRIES_BY_IP_DAILY_THRESHOLD_EXCEEDED"}}}
	case "ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED":
		triggeredBy = "admin_api"
		payload = map[string]any{"user_ids": []string{userID}, "role_key": pick2(ev.seq, "admin", "editor")}
	case "ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED":
		triggeredBy = "admin_api"
		payload["session"] = map[string]any{"id": "sess-" + strconv.FormatInt(ev.seq, 36), "type": "offline_grant"}
	case "PROJECT_APP_SECRET_VIEWED":
		triggeredBy = "portal"
		payload = map[string]any{"secrets": []string{"admin-api.auth"}}
	case "PROJECT_BILLING_SUBSCRIPTION_UPDATED":
		triggeredBy = "portal"
		payload = map[string]any{"subscription_id": "sub-sim", "plan_name": "business"}
	}
	data := map[string]any{
		"id": id, "seq": ev.seq, "type": act.eventType, "payload": payload,
		"context": map[string]any{
			"timestamp": ev.unix, "user_id": userID, "triggered_by": triggeredBy, "app_id": a.Project,
			"ip_address": ip, "user_agent": userAgents[int(ev.ip)%len(userAgents)], "geo_location_code": "HK",
			"preferred_languages": []string{"en"}, "language": "en", "audit_context": map[string]any{},
		},
	}
	node := map[string]any{
		"id":           base64.StdEncoding.EncodeToString([]byte("AuditLog:" + id)),
		"activityType": act.activity, "createdAt": created,
		"ipAddress": ip, "userAgent": userAgents[int(ev.ip)%len(userAgents)], "clientID": nil, "data": data,
	}
	enc, err := json.Marshal(node)
	if err != nil {
		panic(err) // maps of plain values always marshal
	}
	b.Write(enc)
}

// pick2 alternates between two values by a row's sequence number.
func pick2(seq int64, even, odd string) string {
	if seq%2 == 0 {
		return even
	}
	return odd
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
