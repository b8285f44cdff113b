#!/usr/bin/env bash
# Moves every go.opentelemetry.io/collector module in go.mod (of the current
# directory) back to the pinned set: v1.x modules to STABLE, v0.x ones to CORE,
# or to STABLE when the module has been declared stable since (it has no CORE
# version, e.g. config/confighttp went from v0.161.0 to v1.71.0).
# `go mod tidy` resolves a newly imported package at @latest, and the newest
# versions are incomplete in the module mirror; run this after adding imports.
set -euo pipefail
CORE=${CORE_VERSION:-v0.165.0}
STABLE=${STABLE_VERSION:-v1.71.0}
args=()
while read -r mod ver; do
  case "$ver" in
    v1.*) want=$STABLE ;;
    *) want=$CORE ;;
  esac
  if [ "$ver" != "$want" ] && [ "$want" = "$CORE" ] && ! go mod download "$mod@$CORE" >/dev/null 2>&1; then
    want=$STABLE
  fi
  [ "$ver" = "$want" ] || args+=("$mod@$want")
done < <(go list -m -f '{{.Path}} {{.Version}}' all 2>/dev/null | grep '^go.opentelemetry.io/collector/' || true)
if [ ${#args[@]} -gt 0 ]; then
  go get "${args[@]}"
fi
