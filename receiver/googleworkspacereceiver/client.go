package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
	reports "google.golang.org/api/admin/reports/v1"
	"google.golang.org/api/googleapi"

	"github.com/authtrail/authtrail/internal/poll"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/googleworkspace"
)

// activitiesAPI reads one application's activities; it is a poll.Source.
type activitiesAPI struct {
	logger   *zap.Logger
	svc      *reports.Service
	app      string
	customer string
	pageSize int64
	opts     sources.Options

	typeWarned atomic.Int64 // when decodeLeniently last warned (Unix ns)
}

func (a *activitiesAPI) Fetch(ctx context.Context, w poll.Window, cursor string) (poll.Page, error) {
	call := a.svc.Activities.List("all", a.app).
		StartTime(w.Start.UTC().Format(time.RFC3339Nano)).
		EndTime(w.End.UTC().Format(time.RFC3339Nano)).
		MaxResults(a.pageSize).
		CustomerId(a.customer)
	if cursor != "" {
		call = call.PageToken(cursor)
	}
	var raw bytes.Buffer
	res, err := call.Context(context.WithValue(ctx, rawBodyKey{}, &raw)).Do()
	if err != nil {
		if res = a.decodeLeniently(err, raw.Bytes()); res == nil {
			return poll.Page{}, classify(err)
		}
	}
	if res.NextPageToken != "" && res.NextPageToken == cursor {
		return poll.Page{}, &poll.APIError{Class: poll.ClassInvalidResponse, Err: errSameToken}
	}
	opts := a.opts
	opts.Observed = time.Now()
	logs, err := googleworkspace.Convert(res.Items, opts)
	if err != nil {
		return poll.Page{}, &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	return poll.Page{Logs: logs, Next: res.NextPageToken}, nil
}

// errSameToken: followed, the token would read its page again, forever.
var errSameToken = errors.New("the page's nextPageToken is the token it was read with")

// decodeLeniently decodes a complete answer the client could not (err): a
// field of an unexpected type would otherwise refuse the page at every poll,
// and stall the stream on it (see googleworkspace.DecodeLeniently). It says
// so at warn, at most once per typeWarnEvery for the application. It returns
// nil when the call failed otherwise, or the answer cannot be read either.
func (a *activitiesAPI) decodeLeniently(err error, raw []byte) *reports.Activities {
	var gErr *googleapi.Error
	if errors.As(err, &gErr) || len(raw) == 0 {
		return nil
	}
	res, lerr := googleworkspace.DecodeLeniently(raw)
	if lerr != nil {
		return nil
	}
	now := time.Now().UnixNano()
	if last := a.typeWarned.Load(); now-last >= int64(typeWarnEvery) && a.typeWarned.CompareAndSwap(last, now) {
		a.logger.Warn("the Reports API sent a field of an unexpected type: its value is kept as text or left out, its activity delivered",
			zap.String("application", a.app), zap.Error(err))
	}
	return res
}

const typeWarnEvery = 10 * time.Minute

// rawBodyKey asks rawBodies to copy a request's answer into a *bytes.Buffer.
type rawBodyKey struct{}

// rawBodies copies the answer of a request whose context holds a buffer
// under rawBodyKey, as the client reads it (bounded by poll.SecureClient).
type rawBodies struct{ next http.RoundTripper }

func (t rawBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if buf, ok := req.Context().Value(rawBodyKey{}).(*bytes.Buffer); ok && err == nil {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(resp.Body, buf), resp.Body}
	}
	return resp, err
}

// rateReasons are the 403 reasons that mean "slow down", not "forbidden".
var rateReasons = map[string]bool{
	"rateLimitExceeded": true, "userRateLimitExceeded": true, "quotaExceeded": true, "dailyLimitExceeded": true,
}

// classify maps client errors to the poll loop's classes: 429, 5xx (the
// Reports API reports quota as 503) and rate-limit 403s are retried; other
// 401/403 and refused tokens are credentials problems; malformed or oversized
// bodies are retried.
func classify(err error) *poll.APIError {
	var gErr *googleapi.Error
	if errors.As(err, &gErr) {
		if gErr.Code == http.StatusForbidden && len(gErr.Errors) > 0 && rateReasons[gErr.Errors[0].Reason] {
			return &poll.APIError{Class: poll.ClassRateLimited, RetryAfter: poll.RetryAfter(gErr.Header, time.Now()), Err: err}
		}
		apiErr := poll.HTTPError(gErr.Code, gErr.Header, err)
		if apiErr.Class == poll.ClassAuth {
			apiErr.Err = errors.Join(errors.New("the Reports API refused the credentials: check domain-wide delegation (client id and scope "+
				reports.AdminReportsAuditReadonlyScope+") and that subject is an admin who can read reports"), err)
		}
		return apiErr
	}
	var tokErr *oauth2.RetrieveError
	if errors.As(err, &tokErr) {
		if r := tokErr.Response; r != nil && (r.StatusCode < 400 || r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500) {
			return poll.HTTPError(r.StatusCode, r.Header, fmt.Errorf("token endpoint: %w", err))
		}
		return &poll.APIError{Class: poll.ClassAuth, Err: errors.Join(errors.New(
			"Google refused to mint a token for the service account (expired or deleted key, or delegation not granted)"), err)}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &poll.APIError{Class: poll.ClassInvalidResponse, Err: err}
	}
	return poll.Classify(err)
}
