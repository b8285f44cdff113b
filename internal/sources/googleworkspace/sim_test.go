package googleworkspace

import (
	crand "crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/internal/vendorsim"
)

// The mock Reports API (make demo) writes its own wire format; what it sends for
// the admin, token and saml applications must map, but for the admin event it
// sends to show a pass-through.
func TestSimulatorEventsMap(t *testing.T) {
	key, err := rsa.GenerateKey(crand.Reader, 2048)
	require.NoError(t, err)
	api := vendorsim.NewReportsAPI("C0sim", &key.PublicKey)
	now := time.Now()
	r := rand.New(rand.NewPCG(5, 6))
	for _, app := range vendorsim.GoogleApplications() {
		api.Generate(r, app, 200, now.Add(-time.Hour), now.Add(-time.Minute))
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	token := simToken(t, srv.URL, key)

	for _, app := range []string{"admin", "token", "saml"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/admin/reports/v1/activity/users/all/applications/"+app+
			"?maxResults=1000&startTime="+url.QueryEscape(now.Add(-2*time.Hour).Format(time.RFC3339)), http.NoBody)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, res.Body.Close())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, string(body))
		ld, err := DecodeJSON(body, sources.Options{})
		require.NoError(t, err)
		require.Equal(t, 200, ld.LogRecordCount(), app)
		seen := map[string]bool{}
		for _, lr := range sourcetest.Records(ld) {
			code := sourcetest.Attr(lr, schema.AttrEventCode)
			seen[code] = true
			if code == "CHANGE_ACCOUNT_AUTO_RENEWAL" {
				assert.Equal(t, "identity.unmapped", lr.EventName())
				continue
			}
			assert.NotEqual(t, "identity.unmapped", lr.EventName(), "%s/%s", code, app)
		}
		for code := range applications[app].rows {
			if app != "admin" {
				assert.True(t, seen[code], "the mock sends no %s/%s", code, app)
			}
		}
		if app == "admin" {
			assert.True(t, seen["GRANT_ADMIN_PRIVILEGE"] && seen["AUTHORIZE_API_CLIENT_ACCESS"] && seen["ENFORCE_STRONG_AUTHENTICATION"], "%v", seen)
		}
	}
}

// simToken mints an access token from the mock's JWT-bearer grant.
func simToken(t *testing.T, base string, key *rsa.PrivateKey) string {
	t.Helper()
	assertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "sim@example.iam.gserviceaccount.com", "sub": "admin@example.com", "scope": vendorsim.ReportsScope,
		"aud": base + "/token", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	require.NoError(t, err)
	res, err := http.PostForm(base+"/token", url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion},
	})
	require.NoError(t, err)
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return tok.AccessToken
}
