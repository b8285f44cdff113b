module github.com/authtrail/authtrail/cmd/otelcol-authtrail

go 1.26.0

replace github.com/authtrail/authtrail => ../../
