//go:generate mdatagen metadata.yaml

// Package authgearreceiver polls Authgear's audit log through the Admin
// GraphQL API (and optionally receives its non-blocking webhooks) and turns
// every entry into a normalized authtrail log record.
package authgearreceiver // import "github.com/authtrail/authtrail/receiver/authgearreceiver"
