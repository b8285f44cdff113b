//go:generate mdatagen metadata.yaml

// Package asgardeoreceiver receives Asgardeo (WSO2) WebSub webhooks, answers
// their subscription challenges, verifies their HMAC signatures, and turns every
// event into a normalized authtrail log record.
package asgardeoreceiver // import "github.com/authtrail/authtrail/receiver/asgardeoreceiver"
