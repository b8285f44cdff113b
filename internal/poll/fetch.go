package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// fetch gets one page, retrying 429, 5xx, network and malformed answers with
// exponential backoff and jitter, and never sooner than the vendor's
// Retry-After (up to maxRetryAfter). Other failures end the pass (see failed).
func (p *Poller) fetch(ctx context.Context, w Window, cursor string) (Page, error) {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     p.cfg.BackOff.InitialInterval,
		RandomizationFactor: p.cfg.BackOff.RandomizationFactor,
		Multiplier:          p.cfg.BackOff.Multiplier,
		MaxInterval:         p.cfg.BackOff.MaxInterval,
	}
	bo.Reset()
	for {
		page, err := p.set.Source.Fetch(ctx, w, cursor)
		if err == nil {
			p.succeeded(ctx)
			return page, nil
		}
		if ctx.Err() != nil {
			return Page{}, ctx.Err()
		}
		apiErr := p.failed(ctx, err)
		if !apiErr.Retryable() || !p.cfg.BackOff.Enabled {
			return Page{}, apiErr
		}
		wait := retryWait(bo.NextBackOff(), apiErr.RetryAfter)
		select {
		case <-ctx.Done():
			return Page{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// maxRetryAfter bounds how long a vendor's Retry-After holds a stream: a
// broken or hostile answer ("retry in a year") must not stop it for good.
const maxRetryAfter = 15 * time.Minute

// retryWait is the wait before the next attempt: the backoff's, or longer
// when the vendor asks, up to maxRetryAfter.
func retryWait(backoff, retryAfter time.Duration) time.Duration {
	return max(backoff, min(retryAfter, maxRetryAfter))
}

func (p *Poller) succeeded(ctx context.Context) {
	p.tb.AuthtrailPollPagesFetched.Add(ctx, 1, p.measure())
	p.apiFails.recovered()
	p.health.apiResult(componentstatus.NewEvent(componentstatus.StatusOK))
}

// failed counts, logs and reports a failed call. Whatever may heal on its own
// (including refused credentials: a key or grant can be restored without
// touching the collector) is Recoverable; a request only a configuration change
// can fix is Permanent, and its stream stops.
func (p *Poller) failed(ctx context.Context, err error) *APIError {
	apiErr := Classify(err)
	p.tb.AuthtrailPollAPIErrors.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("receiver", p.set.Receiver.ID.String()), attribute.String("stream", p.set.Stream),
		attribute.String("class", string(apiErr.Class)))))
	if apiErr.Permanent() {
		p.logger.Error("the vendor API rejected the request: this stream stops until the configuration is fixed and the collector restarted",
			zap.Error(apiErr))
		p.health.apiResult(componentstatus.NewPermanentErrorEvent(apiErr))
		return apiErr
	}
	next := "retrying at the next poll"
	if apiErr.Retryable() && p.cfg.BackOff.Enabled {
		next = "retrying with backoff"
	}
	p.apiFails.failed(levelOf(apiErr), apiErr, next)
	p.health.apiResult(componentstatus.NewRecoverableErrorEvent(apiErr))
	return apiErr
}
