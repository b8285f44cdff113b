#!/usr/bin/env bash
# make bench, late arrivals (issue #11): the built collector's google_workspace
# receiver reads `authtrail-sim serve`, which publishes its activities late after
# a realistic mix, and exports to `authtrail-sim sink`, which stamps each record.
#
#   latency     the receiver's defaults in real time: event time -> export
#   late        the defaults divided by LATE_SCALE (sim -time-scale the same):
#               late events recovered per re-read, exactly-once against the
#               sim's truth (fails on a duplicate or a missing in-horizon event),
#               read amplification steady and for an outage + catch-up
#   checkpoint  BenchmarkCheckpointPerPage (1M events an hour, 6h horizon)
#
# latency and late run side by side when both are selected (at most a few
# hundred events a second: neither is bound by the CPU). Outputs stay in
# tmp/bench-late/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
SECTIONS=${SECTIONS:-latency late checkpoint}
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
MIX=${LATE_MIX:-0.9:0s-1m,0.07:10m-40m,0.025:1h-2h,0.005:5h-7h}
APPS=admin,saml,token,user_accounts # the configs' applications: login's twins are not read
LATENCY_SECONDS=${LATENCY_SECONDS:-480}
LATENCY_RATE=${LATENCY_RATE:-5}         # activities a second per application
LATE_SCALE=${LATE_SCALE:-60}            # at most 60: poll_interval 1m must stay >= 1s
LATE_RATE=${LATE_RATE:-50}              # 3,000 activities per vendor hour per application at scale 60
LATE_STEADY_MIN=${LATE_STEADY_MIN:-240} # vendor minutes the collector is up before the outage
LATE_OUTAGE_MIN=${LATE_OUTAGE_MIN:-180} # vendor minutes it is down
OUT=tmp/bench-late
rm -rf "$OUT" && mkdir -p "$OUT/storage"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
now_ms() { date +%s%3N; }
secs() { awk "BEGIN { printf \"%.3f\", ($1) / 1000 }"; } # milliseconds -> seconds
# pause: a sleep that a signal interrupts (bash runs traps only between commands).
pause() { sleep "$1" & wait $!; }
wait_http() { # $1 = URL, $2 = pid that must stay up
  for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
  echo "FAIL: nothing answers $1"; exit 1
}
# start_pair $1 = name, $2 = port base: sim on base/base+1, sink on base+2;
# the rest are sim flags. Sets sim_pid, sink_pid.
start_pair() {
  local name=$1 base=$2; shift 2
  "$BIN/authtrail-sim" serve -authgear "127.0.0.1:$base" -authgear-key "$OUT/$name-authgear.pem" \
    -google "127.0.0.1:$((base + 1))" -google-key "$OUT/$name-sa.json" -backlog 0 -rate 0 \
    -late-mix "$MIX" "$@" >"$OUT/$name-sim.log" 2>&1 &
  sim_pid=$!; pids+=("$sim_pid")
  "$BIN/authtrail-sim" sink -listen "127.0.0.1:$((base + 2))" -out "$OUT/$name-events.jsonl" \
    -receipts "$OUT/$name-receipts.jsonl" -receipt-attrs event.id,google_workspace.id.unique_qualifier \
    >"$OUT/$name-sink.log" 2>&1 &
  sink_pid=$!; pids+=("$sink_pid")
  wait_http "http://127.0.0.1:$base/sim/stats" "$sim_pid"
  wait_http "http://127.0.0.1:$((base + 2))/stats" "$sink_pid"
}
start_collector() { # $1 = config, $2 = log, $3 = metrics port; sets col_pid
  "$BIN/otelcol-authtrail" --config "$1" >>"$2" 2>&1 &
  col_pid=$!; pids+=("$col_pid")
  wait_http "http://127.0.0.1:$3/metrics" "$col_pid"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

latency() {
  trap cleanup EXIT # in the background too: stop its own processes
  trap 'exit 1' TERM INT
  start_pair defaults 18480 -google-rate "$LATENCY_RATE"
  start_collector examples/bench/late-defaults.yaml "$OUT/defaults-collector.log" 18889
  pause "$LATENCY_SECONDS"
  curl -sf http://127.0.0.1:18480/sim/google/truth >"$OUT/defaults-truth.json"
  local end; end=$(now_ms)
  stop_pid "$col_pid"; stop_pid "$sink_pid"; stop_pid "$sim_pid"
  {
    echo "== late arrivals, latency: the receiver's defaults (poll 1m, lag 3m, horizon 6h), $LATENCY_RATE activities/s per application ($APPS), mix $MIX, ${LATENCY_SECONDS}s real time"
    # Measured: activities old enough that the main pass (lag 3m, every 1m) had read them when published within a minute.
    python3 scripts/bench_late.py latency --truth "$OUT/defaults-truth.json" --receipts "$OUT/defaults-receipts.jsonl" \
      --apps "$APPS" --end-ms "$end" --censor-ms 330000
  } >"$OUT/latency-report.txt" 2>&1
}

snapshot() { # $1 = name
  local t sim sink
  t=$(now_ms)
  sim=$(curl -sf http://127.0.0.1:18490/sim/stats/google)
  sink=$(curl -sf http://127.0.0.1:18492/stats)
  printf '{"name":"%s","t_ms":%s,"sim":%s,"sink":%s}\n' "$1" "$t" "$sim" "$sink" >>"$OUT/scaled-snapshots.jsonl"
}
# caught_up: every stream's main pass is back within lag + 3 polls of now.
caught_up() {
  curl -sf http://127.0.0.1:18890/metrics | awk -v max="$1" '
    index($0, "otelcol_authtrail_poll_lag{") == 1 { n++; if ($NF > max) behind++ }
    END { exit !(n == 4 && behind == 0) }'
}

late() {
  local s=$LATE_SCALE
  if ! [ "$s" -ge 1 ] 2>/dev/null || [ "$s" -gt 60 ]; then echo "LATE_SCALE: an integer from 1 to 60, got $s"; exit 1; fi
  # The receiver's defaults (poll 1m, lag 3m, horizon 6h, max_window 1h, initial_lookback 24h), divided by s.
  local poll=$((60000 / s)) lag=$((180000 / s)) horizon=$((21600000 / s))
  export LATE_POLL=${poll}ms LATE_LAG=${lag}ms LATE_HORIZON=${horizon}ms
  export LATE_MAX_WINDOW=$((3600000 / s))ms LATE_LOOKBACK=$((86400000 / s))ms
  # Every re-read has run for a window once it is horizon + horizon/8 (the 6h
  # re-read's step) + lag + two polls old. The sim counts the reads of each
  # activity, so the figures need no warm-up: the re-reads start at collector
  # start minus their age, just after the sim's first activities.
  local settle=$((horizon + horizon / 8 + lag + 2 * poll))
  start_pair scaled 18490 -google-rate "$LATE_RATE" -time-scale "$s"
  start_collector examples/bench/late-scaled.yaml "$OUT/scaled-collector.log" 18890
  snapshot steady_from
  pause "$(secs "$LATE_STEADY_MIN * 60000 / $s")"
  snapshot steady_to
  curl -sf http://127.0.0.1:18890/metrics >"$OUT/scaled-metrics-1.txt"
  stop_pid "$col_pid"
  pause "$(secs "$LATE_OUTAGE_MIN * 60000 / $s")"
  snapshot restarted
  start_collector examples/bench/late-scaled.yaml "$OUT/scaled-collector.log" 18890
  local behind deadline
  behind=$(secs "$lag + 3 * $poll")
  deadline=$(($(now_ms) + 120000 + LATE_OUTAGE_MIN * 60000 / s))
  until caught_up "$behind"; do
    kill -0 "$col_pid" 2>/dev/null || { echo "FAIL: the collector exited (see $OUT/scaled-collector.log)"; exit 1; }
    [ "$(now_ms)" -lt "$deadline" ] || { echo "FAIL: the restarted collector did not catch up"; exit 1; }
    sleep 0.2
  done
  pause "$(secs "3 * $poll")" # the re-reads' passes of the same loop
  snapshot caught_up
  # Until the outage's last activities have had every re-read.
  pause "$(secs "$settle")"
  snapshot end
  curl -sf http://127.0.0.1:18890/metrics >"$OUT/scaled-metrics-2.txt"
  curl -sf http://127.0.0.1:18490/sim/google/truth >"$OUT/scaled-truth.json"
  stop_pid "$col_pid"; stop_pid "$sink_pid"; stop_pid "$sim_pid"
  echo "== late arrivals, re-reads: the defaults divided by $s (poll ${LATE_POLL}, lag ${LATE_LAG}, horizon ${LATE_HORIZON}), $LATE_RATE activities/s per application ($APPS), mix $MIX; ${LATE_STEADY_MIN}m steady, ${LATE_OUTAGE_MIN}m down (vendor time)"
  python3 scripts/bench_late.py late --truth "$OUT/scaled-truth.json" --receipts "$OUT/scaled-receipts.jsonl" \
    --apps "$APPS" --snapshots "$OUT/scaled-snapshots.jsonl" --metrics "$OUT/scaled-metrics-1.txt" "$OUT/scaled-metrics-2.txt" \
    --scale "$s" --horizon-ms "$horizon" --settle-ms "$settle" --read-margin-ms $((330000 / s)) || status=1
}

status=0
latency_pid=""
if want latency; then # in the background, so that late runs beside it
  latency &
  latency_pid=$!; pids+=("$latency_pid")
fi
if want late; then late; fi
if [ -n "$latency_pid" ]; then
  wait "$latency_pid" || status=1
  cat "$OUT/latency-report.txt"
fi
if want checkpoint; then
  echo "== late arrivals, checkpoint bytes written per page: 1M events an hour, horizon 6h, pages of 1000 (Go benchmark, internal/poll)"
  go test -run '^$' -bench CheckpointPerPage -benchmem -count "${COUNT:-3}" ./internal/poll | grep -E '^Benchmark'
fi
exit $status
