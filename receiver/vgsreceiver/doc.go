//go:generate mdatagen metadata.yaml

// Package vgsreceiver receives VGS webhook notifications about user actions and
// turns each into a normalized authtrail log record.
package vgsreceiver // import "github.com/authtrail/authtrail/receiver/vgsreceiver"
