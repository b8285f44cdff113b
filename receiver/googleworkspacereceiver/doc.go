//go:generate mdatagen metadata.yaml

// Package googleworkspacereceiver polls the Google Workspace Admin SDK Reports
// API (activities.list) with a service account and domain-wide delegation, and
// turns every event of every activity into a normalized authtrail log record.
package googleworkspacereceiver // import "github.com/authtrail/authtrail/receiver/googleworkspacereceiver"
