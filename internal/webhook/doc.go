//go:generate mdatagen metadata.yaml

// Package webhook is the HTTP intake every authtrail webhook receiver uses.
package webhook // import "github.com/authtrail/authtrail/internal/webhook"
