package googleworkspacereceiver

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/authtrail/authtrail/internal/poll"
)

// Every way the Reports API or Google's token endpoint fails lands in the
// class the poll loop retries it by: quota and rate limits back off honouring
// Retry-After, refused credentials are auth failures (loud, recoverable), a
// wrong request stops the stream.
func TestClassify(t *testing.T) {
	retry := http.Header{"Retry-After": []string{"7"}}
	apiErr := func(code int, reason string) error {
		e := &googleapi.Error{Code: code, Header: retry, Message: "m"}
		if reason != "" {
			e.Errors = []googleapi.ErrorItem{{Reason: reason}}
		}
		return fmt.Errorf("wrapped: %w", e)
	}
	tokenErr := func(code int) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: code, Header: retry}}
	}
	for name, tc := range map[string]struct {
		err   error
		class poll.ErrorClass
		after time.Duration
	}{
		"401":                       {apiErr(401, "authError"), poll.ClassAuth, 0},
		"403 forbidden":             {apiErr(403, "forbidden"), poll.ClassAuth, 0},
		"403 rateLimitExceeded":     {apiErr(403, "rateLimitExceeded"), poll.ClassRateLimited, 7 * time.Second},
		"403 userRateLimitExceeded": {apiErr(403, "userRateLimitExceeded"), poll.ClassRateLimited, 7 * time.Second},
		"403 quotaExceeded":         {apiErr(403, "quotaExceeded"), poll.ClassRateLimited, 7 * time.Second},
		"403 dailyLimitExceeded":    {apiErr(403, "dailyLimitExceeded"), poll.ClassRateLimited, 7 * time.Second},
		"429":                       {apiErr(429, "rateLimitExceeded"), poll.ClassRateLimited, 7 * time.Second},
		"503 quota":                 {apiErr(503, "backendError"), poll.ClassUnavailable, 7 * time.Second},
		"400":                       {apiErr(400, "invalid"), poll.ClassRejected, 0},
		"token 400 invalid_grant":   {tokenErr(400), poll.ClassAuth, 0},
		"token 401":                 {tokenErr(401), poll.ClassAuth, 0},
		"token 503":                 {tokenErr(503), poll.ClassUnavailable, 7 * time.Second},
		"token 429":                 {tokenErr(429), poll.ClassRateLimited, 7 * time.Second},
		"network":                   {errors.New("dial tcp: connection refused"), poll.ClassNetwork, 0},
	} {
		t.Run(name, func(t *testing.T) {
			got := classify(tc.err)
			assert.Equal(t, tc.class, got.Class)
			assert.Equal(t, tc.after, got.RetryAfter)
			assert.ErrorIs(t, got, tc.err)
		})
	}
}
