#!/usr/bin/env bash
# make bench: handler and decoder micro-benchmarks, then webhook throughput of the
# built collector driven by authtrail-sim over loopback (collector and sim share
# the machine), a polling catch-up, and late arrivals (scripts/bench-late.sh).
# Copy the figures into docs/benchmarks.md with date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-8}
mkdir -p tmp
# SECTIONS picks parts: micro, processor, webhook, catchup, and latency, late,
# checkpoint (scripts/bench-late.sh) (default: all).
SECTIONS=${SECTIONS:-micro processor webhook catchup latency late checkpoint}
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

if want micro; then
echo "== micro-benchmarks: decode+map, and handler = verify + decode + map + consume into a no-op sink"
go test -run '^$' -bench 'Decode|Handler' -benchmem -count "${COUNT:-3}" \
  ./internal/sources/vgs ./internal/sources/asgardeo ./internal/sources/authgear \
  ./receiver/vgsreceiver ./receiver/asgardeoreceiver | grep -E '^Benchmark'
fi

collector_pid=""
stop() { [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null && wait "$collector_pid" 2>/dev/null || true; collector_pid=""; }
trap stop EXIT
start() { # $1 = GOGC
  GOGC=$1 "$BIN/otelcol-authtrail" --config examples/bench/config.yaml > "tmp/bench-collector-gogc$1.log" 2>&1 &
  collector_pid=$!
  for port in 18461 18462; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  done
}
send() { # $1 = vendor, rest = extra flags
  local vendor=$1; shift
  case $vendor in
    asgardeo) set -- -url http://127.0.0.1:18462/events -secret bench-secret "$@" ;;
    vgs) set -- -url http://127.0.0.1:18461/events -token-header X-Authtrail-Token -token bench-token "$@" ;;
  esac
  "$BIN/authtrail-sim" send -vendor "$vendor" -concurrency "$CONCURRENCY" -quiet "$@"
}

if want processor; then
  echo "== identity processor per record (batches of 100): policy path, normalize-from-body, and the same normalization as OTTL (one event type; every event type; a mixed batch of every event type)"
  go test -run '^$' -bench . -benchmem -count "${COUNT:-3}" ./processor/identityprocessor | grep -E '^Benchmark'
  go test -run '^$' -bench Flatten -benchmem -count "${COUNT:-3}" ./internal/sources/vjson | grep -E '^Benchmark'
  (cd bench/ottl && go test -run '^$' -bench . -benchmem -count "${COUNT:-3}" . | grep -E '^Benchmark')
fi

want webhook && for gogc in 100 400; do
  echo "== end-to-end: authtrail-sim -> otelcol-authtrail -> nop exporter (GOGC=$gogc, $CONCURRENCY connections, $DURATION)"
  start $gogc
  send asgardeo -count 5000 >/dev/null # warm-up
  for vendor in asgardeo vgs; do
    ticks0=$(awk '{print $14+$15}' "/proc/$collector_pid/stat")
    out=$(send $vendor -duration "$DURATION" -summary-json)
    ticks1=$(awk '{print $14+$15}' "/proc/$collector_pid/stat")
    echo "$out"
    python3 - "$out" $((ticks1 - ticks0)) <<'PY'
import json, os, sys
d = json.loads(sys.argv[1]); cpu = int(sys.argv[2]) / os.sysconf("SC_CLK_TCK")
print(f"  {d['vendor']}: {d['events_per_second']:.0f} events/s, p50 {d['p50_ms']:.2f} ms, p99 {d['p99_ms']:.2f} ms, "
      f"collector CPU {cpu / d['sent'] * 1e6:.0f} µs/event")
PY
  done
  echo "  collector peak RSS: $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$collector_pid/status")"
  stop
done

catchup() { # $1 = receiver, $2 = config, $3 = rows in all
  local receiver=$1 config=$2 rows=$3
  local t0 t1 rss
  t0=$(date +%s.%N)
  "$BIN/otelcol-authtrail" --config "$config" > "tmp/bench-$receiver-collector.log" 2>&1 &
  collector_pid=$!
  while [ "$(accepted "$receiver")" -lt "$rows" ]; do
    sleep 0.5
    kill -0 "$collector_pid" 2>/dev/null || { echo "collector exited"; exit 1; }
  done
  t1=$(date +%s.%N)
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$collector_pid/status")
  python3 -c "n=$rows; s=$t1-$t0; print(f'  $receiver: {n} events in {s:.1f}s = {n/s:.0f} events/s (from collector start), collector peak RSS {$rss/1024:.0f} MB')"
  stop
}
accepted() {
  curl -sf http://127.0.0.1:18888/metrics 2>/dev/null |
    awk -v r="receiver=\"$1\"" 'index($0, "otelcol_receiver_accepted_log_records") == 1 && index($0, r) {s += $NF} END {printf "%d", s}'
}

if want catchup; then
  BACKLOG=${BACKLOG:-1000000}
  echo "== catch-up: a $BACKLOG-event backlog from authtrail-sim serve -> nop exporter (sim and collector share the cores)"
  "$BIN/authtrail-sim" serve -authgear 127.0.0.1:18470 -authgear-key tmp/bench-authgear-key.pem \
    -google 127.0.0.1:18471 -google-key tmp/bench-google-sa.json \
    -backlog $((BACKLOG / 2)) -backlog-span 23h -rate 0 > tmp/bench-sim.log 2>&1 &
  sim_pid=$!
  trap 'stop; kill $sim_pid 2>/dev/null || true' EXIT
  for _ in $(seq 600); do curl -sf http://127.0.0.1:18470/sim/stats >/dev/null && break; sleep 0.1; done
  # Authgear gets one backlog of BACKLOG/2 rows; Google one per application.
  catchup google_workspace examples/bench/poll-google.yaml "$BACKLOG"
  echo "  sim: $(curl -sf http://127.0.0.1:18470/sim/stats/google)"
  catchup authgear examples/bench/poll.yaml $((BACKLOG / 2))
  echo "  sim: $(curl -sf http://127.0.0.1:18470/sim/stats)"
  kill $sim_pid 2>/dev/null || true
fi

late_sections=""
for sec in latency late checkpoint; do want $sec && late_sections+=" $sec"; done
[ -z "$late_sections" ] || SECTIONS="$late_sections" ./scripts/bench-late.sh
