package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	reports "google.golang.org/api/admin/reports/v1"
	"google.golang.org/api/googleapi"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
)

// activitiesAPI reads one application's activities; it is a poll.Source.
type activitiesAPI struct {
	svc      *reports.Service
	app      string
	customer string
	pageSize int64
	opts     sources.Options
}

func (a *activitiesAPI) Fetch(ctx context.Context, w poll.Window, cursor string) (poll.Page, error) {
	call := a.svc.Activities.List("all", a.app).
		StartTime(w.Start.UTC().Format(time.RFC3339Nano)).
		EndTime(w.End.UTC().Format(time.RFC3339Nano)).
		MaxResults(a.pageSize).
		CustomerId(a.customer).
		Context(ctx)
	if cursor != "" {
		call = call.PageToken(cursor)
	}
	res, err := call.Do()
	if err != nil {
		return poll.Page{}, classify(err)
	}
	opts := a.opts
	opts.Observed = time.Now()
	logs, err := googleworkspace.Convert(res.Items, opts)
	if err != nil {
		return poll.Page{}, &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	return poll.Page{Logs: logs, Next: res.NextPageToken}, nil
}

// rateReasons are the 403 reasons that mean "slow down", not "forbidden".
var rateReasons = map[string]bool{"rateLimitExceeded": true, "userRateLimitExceeded": true, "quotaExceeded": true}

// classify maps client errors to the poll loop's classes: 429, 5xx (the Reports
// API reports quota as 503) and rate-limit 403s are retried; other 401/403 and
// refused tokens are credentials problems; malformed bodies are retried.
func classify(err error) *poll.APIError {
	var gErr *googleapi.Error
	if errors.As(err, &gErr) {
		switch {
		case gErr.Code == http.StatusTooManyRequests:
			return &poll.APIError{Class: poll.ClassRateLimited, RetryAfter: retryAfter(gErr.Header), Err: err}
		case gErr.Code >= 500:
			return &poll.APIError{Class: poll.ClassUnavailable, RetryAfter: retryAfter(gErr.Header), Err: err}
		case gErr.Code == http.StatusForbidden && len(gErr.Errors) > 0 && rateReasons[gErr.Errors[0].Reason]:
			return &poll.APIError{Class: poll.ClassRateLimited, RetryAfter: retryAfter(gErr.Header), Err: err}
		case gErr.Code == http.StatusUnauthorized || gErr.Code == http.StatusForbidden:
			return &poll.APIError{Class: poll.ClassAuth, Err: errors.Join(errors.New(
				"the Reports API refused the credentials: check domain-wide delegation (client id and scope "+
					reports.AdminReportsAuditReadonlyScope+") and that subject is an admin who can read reports"), err)}
		}
		return &poll.APIError{Class: poll.ClassRejected, Err: err}
	}
	var tokErr *oauth2.RetrieveError
	if errors.As(err, &tokErr) {
		if tokErr.Response != nil && tokErr.Response.StatusCode >= 500 {
			return &poll.APIError{Class: poll.ClassUnavailable, Err: err}
		}
		return &poll.APIError{Class: poll.ClassAuth, Err: errors.Join(errors.New(
			"Google refused to mint a token for the service account (expired or deleted key, or delegation not granted)"), err)}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	return &poll.APIError{Class: poll.ClassNetwork, Err: err}
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
