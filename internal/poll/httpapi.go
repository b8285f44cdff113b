package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPError classifies a vendor's non-2xx answer; err describes it. Every
// polling receiver maps status codes through here, so that they retry alike.
func HTTPError(status int, header http.Header, err error) *APIError {
	retryAfter := RetryAfter(header, time.Now())
	switch {
	case status >= 300 && status < 400:
		return &APIError{Class: ClassRejected, Err: fmt.Errorf(
			"redirected to %q: redirects to another host are not followed, set the endpoint to the final URL: %w",
			header.Get("Location"), err)}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &APIError{Class: ClassAuth, Err: err}
	case status == http.StatusTooManyRequests:
		return &APIError{Class: ClassRateLimited, RetryAfter: retryAfter, Err: err}
	case status == http.StatusRequestTimeout || status >= 500:
		return &APIError{Class: ClassUnavailable, RetryAfter: retryAfter, Err: err}
	}
	return &APIError{Class: ClassRejected, Err: err}
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date
// (RFC 9110 section 10.2.3); zero when absent, malformed or past.
func RetryAfter(header http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 32); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Fingerprint identifies a stream by what defines it (endpoint, tenant,
// filters): a checkpoint saved under another fingerprint is not reused.
func Fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:])
}

// ErrResponseTooLarge is the read error of a response body longer than the
// limit the client was built with.
var ErrResponseTooLarge = errors.New("response body exceeds the size limit")

// maxEventBytes is generous for one vendor event (they are a few KB); a page
// larger than its page size allows is a broken or hostile answer.
const maxEventBytes = 32 << 10

// MaxResponseBytes is the largest answer accepted for a page of pageSize events.
func MaxResponseBytes(pageSize int) int64 { return 1<<20 + int64(pageSize)*maxEventBytes }

// SecureClient makes c safe for credentials: response bodies (token answers
// included) are cut at maxBody with ErrResponseTooLarge, and redirects are
// followed only on the same host and scheme; another one is returned as the 3xx
// answer, which HTTPError reports. Credentials added per request (a bearer
// token by oauth2.Transport, a signed assertion in a token request body) thus
// never reach another host.
func SecureClient(c *http.Client, maxBody int64) {
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &limitedTransport{base: base, max: maxBody}
	c.CheckRedirect = sameHostRedirects
}

func sameHostRedirects(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

type limitedTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// limitedBody reads at most left bytes, then fails instead of truncating, so
// that a cut body is never taken for a complete one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
