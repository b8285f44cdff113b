//go:generate mdatagen metadata.yaml

// Package poll is the durable poll loop every authtrail polling receiver uses:
// fixed windows, checkpoints saved only after the pipeline accepted a page,
// dedupe by vendor event id over the overlap, and backoff with jitter that
// honours Retry-After. It knows no vendor: a receiver passes a Source.
package poll // import "github.com/authtrail/authtrail/internal/poll"
