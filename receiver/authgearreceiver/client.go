package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/authgear"
)

const graphqlPath = "/_api/admin/graphql"

// tokens signs Admin API JWTs (RS256, kid, aud = project id) and reuses each
// until shortly before it expires.
type tokens struct {
	key      *rsa.PrivateKey
	keyID    string
	audience string
	lifetime time.Duration
	now      func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

func newTokens(pemBytes []byte, keyID, audience string, lifetime time.Duration) (*tokens, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("private key: not an RSA private key in PEM (PKCS #1 or #8): %w", err)
	}
	return &tokens{key: key, keyID: keyID, audience: audience, lifetime: lifetime, now: time.Now}, nil
}

func (t *tokens) get() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.token != "" && now.Before(t.expires.Add(-t.lifetime/5)) {
		return t.token, nil
	}
	exp := now.Add(t.lifetime)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Audience:  jwt.ClaimStrings{t.audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	})
	tok.Header["kid"] = t.keyID
	signed, err := tok.SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("signing the Admin API token: %w", err)
	}
	t.token, t.expires = signed, exp
	return signed, nil
}

// adminAPI reads the audit log; it is the poll.Source of the receiver.
type adminAPI struct {
	http          *http.Client
	url           string
	project       string
	tokens        *tokens
	activityTypes []string
	opts          sources.Options
}

type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// Fetch reads one page of [w.Start, w.End). The poll loop aligns windows to
// whole seconds (Settings.Precision); pages after the first start at the last
// row's createdAt (see authgear.Cursor).
func (a *adminAPI) Fetch(ctx context.Context, w poll.Window, cursor string) (poll.Page, error) {
	cur := authgear.ParseCursor(cursor, w.Start)
	vars := map[string]any{
		"first":     authgear.PageSize,
		"rangeFrom": cur.RangeFrom(),
		"rangeTo":   w.End.UTC().Format(time.RFC3339),
	}
	if cur.After != "" {
		vars["after"] = cur.After
	}
	if len(a.activityTypes) > 0 {
		vars["activityTypes"] = a.activityTypes
	}
	body, err := json.Marshal(graphqlRequest{Query: authgear.Query, OperationName: "authtrailAuditLogs", Variables: vars})
	if err != nil {
		return poll.Page{}, err
	}
	token, err := a.tokens.get()
	if err != nil {
		return poll.Page{}, &poll.APIError{Class: poll.ClassAuth, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return poll.Page{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := a.http.Do(req)
	if err != nil {
		return poll.Page{}, &poll.APIError{Class: poll.ClassNetwork, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body) // bounded by poll.SecureClient
	if err != nil {
		return poll.Page{}, poll.Classify(fmt.Errorf("reading the response: %w", err))
	}
	if apiErr := classify(resp, raw); apiErr != nil {
		return poll.Page{}, apiErr
	}
	opts := a.opts
	opts.Observed = time.Now()
	page, err := authgear.DecodePage(raw, a.project, opts)
	if err != nil {
		var gqlErr *authgear.GraphQLError
		if errors.As(err, &gqlErr) {
			return poll.Page{}, &poll.APIError{Class: poll.ClassQueryError, Err: err}
		}
		return poll.Page{}, &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	next, err := authgear.Continue(cur, w.End, &page)
	if err != nil {
		return poll.Page{}, &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	return poll.Page{Logs: page.Logs, Next: next}, nil
}

// classify maps an HTTP answer to the poll loop's error classes.
func classify(resp *http.Response, body []byte) *poll.APIError {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	apiErr := poll.HTTPError(resp.StatusCode, resp.Header,
		fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)]))))
	if apiErr.Class == poll.ClassAuth {
		apiErr.Err = fmt.Errorf("Authgear refused the Admin API token; check key_id, the private key and project_id, and that the key is still listed in Portal → Advanced → Admin API: %w", apiErr.Err)
	}
	return apiErr
}
