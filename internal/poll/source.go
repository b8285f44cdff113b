package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Window is the time range of one pass: [Start, End).
type Window struct {
	Start, End time.Time
}

// Page is one page of vendor events, converted to normalized records. Every
// record carries event.id and its event time, which the loop uses for dedupe.
type Page struct {
	Logs plog.Logs
	// Next is the cursor of the following page; empty on the last page.
	Next string
}

// Source reads one vendor's audit API. It holds all vendor knowledge: requests,
// auth, pagination format, and conversion.
type Source interface {
	// Fetch returns the page of w at cursor ("" for the first page).
	Fetch(ctx context.Context, w Window, cursor string) (Page, error)
}

// ErrorClass says how the loop treats a failed Fetch.
type ErrorClass string

// Error classes, also the "class" attribute of authtrail_poll_api_errors.
const (
	ClassRateLimited     ErrorClass = "rate_limited"     // 429 or a quota error: retry after Retry-After
	ClassUnavailable     ErrorClass = "unavailable"      // 5xx: retry with backoff
	ClassNetwork         ErrorClass = "network"          // transport failure or timeout: retry with backoff
	ClassInvalidResponse ErrorClass = "invalid_response" // truncated or malformed body: retry with backoff
	ClassAuth            ErrorClass = "auth"             // credentials refused: retried at the poll interval
	ClassQueryError      ErrorClass = "query_error"      // the vendor's error for a query (GraphQL): its fault or ours, retried at the poll interval
	ClassRejected        ErrorClass = "rejected"         // the request itself is wrong (4xx, 3xx to another host): the stream stops
)

// APIError is a classified Fetch failure.
type APIError struct {
	Class      ErrorClass
	RetryAfter time.Duration // the vendor's Retry-After, if any
	Err        error
}

func (e *APIError) Error() string { return fmt.Sprintf("%s: %v", e.Class, e.Err) }
func (e *APIError) Unwrap() error { return e.Err }

// Retryable reports whether the loop retries the same page with backoff. Auth
// and query errors are retried at the poll interval (a key or grant can be
// restored without touching the collector; a GraphQL error may be the vendor's
// own); a rejected request cannot heal without a configuration change and
// stops its stream.
func (e *APIError) Retryable() bool {
	return e.Class != ClassAuth && e.Class != ClassQueryError && e.Class != ClassRejected
}

// Permanent reports whether only a configuration change can fix the request.
func (e *APIError) Permanent() bool { return e.Class == ClassRejected }

// Classify wraps err: an answer cut at the size limit is an invalid response,
// any other error that is not an *APIError a network error.
func Classify(err error) *APIError {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrResponseTooLarge):
		return &APIError{Class: ClassInvalidResponse, Err: err}
	}
	return &APIError{Class: ClassNetwork, Err: err}
}
