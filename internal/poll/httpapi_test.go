package poll

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		" 7 ":                           7 * time.Second,
		"-5":                            0,
		"soon":                          0,
		"Mon, 30 Nov 2026 12:01:30 GMT": 90 * time.Second,
		"Mon, 30 Nov 2026 11:59:00 GMT": 0, // already past
		"99999999999999":                0, // overflows: ignored, not a century
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		assert.Equal(t, want, RetryAfter(h, now), "Retry-After %q", v)
	}
}

func TestHTTPError(t *testing.T) {
	cause := errors.New("answer")
	for status, want := range map[int]ErrorClass{
		http.StatusTemporaryRedirect: ClassRejected, http.StatusBadRequest: ClassRejected, http.StatusNotFound: ClassRejected,
		http.StatusUnauthorized: ClassAuth, http.StatusForbidden: ClassAuth,
		http.StatusTooManyRequests: ClassRateLimited, http.StatusRequestTimeout: ClassUnavailable,
		http.StatusInternalServerError: ClassUnavailable, http.StatusServiceUnavailable: ClassUnavailable,
	} {
		h := http.Header{"Retry-After": {"3"}, "Location": {"https://elsewhere.example/x"}}
		err := HTTPError(status, h, cause)
		assert.Equal(t, want, err.Class, "HTTP %d", status)
		assert.ErrorIs(t, err, cause)
		if want == ClassRateLimited || want == ClassUnavailable {
			assert.Equal(t, 3*time.Second, err.RetryAfter, "HTTP %d", status)
		}
	}
	redirect := HTTPError(http.StatusFound, http.Header{"Location": {"https://elsewhere.example/x"}}, cause)
	assert.Contains(t, redirect.Error(), `redirected to "https://elsewhere.example/x"`)
	assert.True(t, redirect.Permanent())
}

// A redirect to another host (here another port of the same address, which
// Go's client treats as the same domain and hands the Authorization header)
// is answered as the 3xx itself; one on the same host is followed.
func TestSecureClientStaysOnItsHost(t *testing.T) {
	var leaked []string
	evil := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Authorization"))
	}))
	defer evil.Close()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, evil.URL+"/steal", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		default:
			_, _ = io.WriteString(w, "auth="+r.Header.Get("Authorization"))
		}
	}))
	defer front.Close()
	c := &http.Client{}
	SecureClient(c, 1<<20)
	get := func(path string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodGet, front.URL+path, http.NoBody)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer secret")
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	resp, _ := get("/away")
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Empty(t, leaked, "nothing reached the other host")
	resp, body := get("/moved")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "auth=Bearer secret", body, "same host: followed")
}

func TestSecureClientCutsLargeBodies(t *testing.T) {
	const limit = 64 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := limit
		if r.URL.Path == "/big" {
			n = 50 * limit
		}
		_, _ = io.WriteString(w, strings.Repeat(" ", n))
	}))
	defer srv.Close()
	c := &http.Client{}
	SecureClient(c, limit)
	read := func(path string) (int, error) {
		resp, err := c.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	n, err := read("/fits")
	require.NoError(t, err)
	assert.Equal(t, limit, n)
	n, err = read("/big")
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.LessOrEqual(t, n, limit)
	assert.Equal(t, ClassInvalidResponse, Classify(err).Class)
	assert.Equal(t, int64(1<<20+100*32<<10), MaxResponseBytes(100))
}

// Fingerprints are those the receivers wrote before they moved here:
// upgrading must not reset their streams.
func TestFingerprintIsStable(t *testing.T) {
	assert.Equal(t, "094558df2136a13a16aecabf149d69206e19893f1ed946607c4dab83ed52091d",
		Fingerprint("https://myapp.authgear.cloud", "myapp", "USER_CREATED,USER_DELETED"))
	assert.Equal(t, "b914d2cf094ca0517d3075e4ad1f6bfe2be994396215bcb5ebe0be2816abce20",
		Fingerprint("http://proxy.internal:8080/", "C03az79cb", "reports-admin@example.com", "login"))
}

// The vendor's Retry-After lengthens the backoff's wait, up to a bound.
func TestRetryWait(t *testing.T) {
	for _, tc := range []struct{ backoff, retryAfter, want time.Duration }{
		{time.Second, 0, time.Second},
		{time.Second, 30 * time.Second, 30 * time.Second},
		{time.Minute, 30 * time.Second, time.Minute},
		{time.Second, 365 * 24 * time.Hour, maxRetryAfter},
	} {
		assert.Equal(t, tc.want, retryWait(tc.backoff, tc.retryAfter), "backoff %s, Retry-After %s", tc.backoff, tc.retryAfter)
	}
}
