#!/usr/bin/env bash
# (Re)writes cmd/otelcol-authtrail/go.mod and go.sum from builder-config.yaml.
#
# ocb normally runs `go mod tidy`, which fails against the partial module mirror
# (it resolves some packages at @latest, e.g. a contrib module at a version the mirror lacks).
# Instead every module of the manifest is added with a pinned `go get`, the
# collector core set is snapped back to v0.165.0/v1.71.0, and `go build` does the
# rest. Run it after changing builder-config.yaml, then commit both files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/cmd/otelcol-authtrail"
cd "$dist"
rm -f go.mod go.sum
go mod init github.com/authtrail/authtrail/cmd/otelcol-authtrail >/dev/null 2>&1
go mod edit -go=1.26.0 -replace github.com/authtrail/authtrail=../../
mods=()
while read -r mod ver; do
  [ "$mod" = github.com/authtrail/authtrail ] && ver=v0.0.0
  mods+=("$mod@$ver")
done < <(sed -n 's/^ *- gomod: *\([^ ]*\) \([^ ]*\).*/\1 \2/p' "$root/builder-config.yaml")
# otelcol and the service are what ocb's generated main imports.
go get "${mods[@]}" go.opentelemetry.io/collector/otelcol@v0.165.0 go.opentelemetry.io/collector/service@v0.165.0
# Packages the generated main needs that no listed module's go.mod names.
go get go.opentelemetry.io/collector/service/telemetry/otelconftelemetry@v0.165.0 go.opentelemetry.io/contrib/otelconf/x@v0.27.0
# Every requirement of the authtrail module itself, so that go.sum covers what its
# components import (go get of a replaced module's packages asks the proxy first).
reqs=$(cd "$root" && go mod edit -json | python3 -c 'import json,sys; print(" ".join(r["Path"]+"@"+r["Version"] for r in json.load(sys.stdin)["Require"]))')
go get $reqs
"$root/scripts/pin-collector.sh"
