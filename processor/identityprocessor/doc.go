//go:generate mdatagen metadata.yaml

// Package identityprocessor sets identity-event policy once for every vendor:
// it normalizes vendor events that reached the pipeline as raw bodies (replays,
// OTLP) with the same decoders the receivers use, and applies severity policy,
// PII handling, tenant names and an output profile to normalized records.
package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"
