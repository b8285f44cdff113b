#!/usr/bin/env python3
"""Figures of make bench's latency and late sections (scripts/bench-late.sh).

Reads what authtrail-sim served (GET /sim/google/truth: every activity generated
while serving, with its event and publication time and how often activities.list
returned it), the sink's receipts (one
JSON line per exported record: receive time, google_workspace.id.unique_qualifier,
event.id), counter snapshots and the collector's Prometheus metrics. Prints the
figures; exits 1 on a duplicate or on an activity published within the horizon
that was not delivered.
"""
import argparse
import collections
import datetime
import json
import re
import sys


def millis(ts):
    """Unix milliseconds of the sim's RFC 3339 times (2006-01-02T15:04:05.000Z)."""
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(d.timestamp() * 1000)


def load_truth(path, apps):
    with open(path) as f:
        t = json.load(f)
    if t["dropped"]:
        sys.exit(f"the sim's truth log dropped {t['dropped']} activities: shorten the run or lower the rate")
    return [
        {"qual": str(a["UniqueQualifier"]), "app": a["Application"], "t": millis(a["Time"]), "pub": millis(a["Published"]),
         "reads": a.get("Reads", 0)}
        for a in t["activities"] if a["Application"] in apps
    ]


def load_receipts(path, until_ms=None):
    """Receipts by unique qualifier (first receive time) and the event ids delivered more than once."""
    first, by_id = {}, collections.Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if until_ms is not None and r["received_ms"] > until_ms:
                continue
            by_id[r["event.id"]] += 1
            q = r.get("google_workspace.id.unique_qualifier")
            if q is not None and (q not in first or r["received_ms"] < first[q]):
                first[q] = r["received_ms"]
    dups = {k: n for k, n in by_id.items() if n > 1}
    return first, dups, sum(by_id.values())


def pct(values, p):
    """Nearest-rank percentile; None when it falls on an activity never exported."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, -(-len(s) * p // 100) - 1)]


def minutes(ms):
    if ms is None:
        return "none measured"
    return "not exported by the end" if ms == float("inf") else f"{ms / 60000:.1f} min"


def latencies(truth, first, scale=1):
    prompt, overall = [], []
    for a in truth:
        lat = (first[a["qual"]] - a["t"]) * scale if a["qual"] in first else float("inf")
        overall.append(lat)
        if (a["pub"] - a["t"]) * scale <= 60_000:
            prompt.append(lat)
    return prompt, overall


def report_latency(name, truth, first, scale=1):
    prompt, overall = latencies(truth, first, scale)
    late = sum(1 for v in overall if v == float("inf"))
    print(f"  {name}: {len(truth)} activities, {len(prompt)} published within a minute")
    print(f"    published within a minute: p50 {minutes(pct(prompt, 50))}, p99 {minutes(pct(prompt, 99))}"
          f" ({sum(1 for v in prompt if v == float('inf'))} not exported by the end)")
    print(f"    all: p50 {minutes(pct(overall, 50))}, p99 {minutes(pct(overall, 99))} ({late} not exported by the end)")


def fail_on_duplicates(dups):
    if dups:
        sample = ", ".join(f"{k} ×{n}" for k, n in list(dups.items())[:5])
        print(f"FAIL: {len(dups)} event ids delivered more than once: {sample}")
        return True
    return False


def latency(args):
    """The real-time run at the receiver's defaults."""
    truth = [a for a in load_truth(args.truth, args.apps.split(",")) if a["t"] <= args.end_ms - args.censor_ms]
    first, dups, n = load_receipts(args.receipts, args.end_ms)
    print(f"  {n} records exported; activities whose time is at least {args.censor_ms / 60000:.1f} min before the end are measured")
    report_latency("event time -> export (real time)", truth, first)
    print(f"  duplicates: {len(dups)}")
    return 1 if fail_on_duplicates(dups) else 0


def duration_ms(s):
    """Go's time.Duration.String() forms (45s, 3m0s, 6m0s, 1h2m3.5s, 500ms) in ms."""
    units = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1, "us": 0.001, "µs": 0.001, "ns": 1e-6}
    return sum(float(v) * units[u] for v, u in re.findall(r"([\d.]+)(ms|us|µs|ns|h|m|s)", s))


def vendor_time(ms):
    m = round(ms / 60000)
    return f"{m // 60}h{m % 60:02d}m" if m >= 60 else f"{m}m"


def recovered(metrics_files, scale):
    """late_events_recovered summed over streams and collector runs, by re-read age in vendor time."""
    by_age = collections.Counter()
    pat = re.compile(r'^otelcol_authtrail_poll_late_events_recovered(?:_total)?\{([^}]*)\} (\S+)')
    for path in metrics_files:
        with open(path) as f:
            for line in f:
                m = pat.match(line)
                if m:
                    age = re.search(r'reread="([^"]+)"', m.group(1)).group(1)
                    by_age[duration_ms(age) * scale] += float(m.group(2))
    return by_age


def amplification(label, acts, first):
    delivered = sum(1 for a in acts if a["qual"] in first)
    reads = sum(a["reads"] for a in acts)
    if delivered:
        print(f"    {label}: {len(acts)} activities, {delivered} delivered, read {reads} times:"
              f" {reads / delivered:.2f} events read per event delivered")
    return delivered


def late(args):
    """The time-compressed run: recoveries, exactly-once, read amplification."""
    s = args.scale
    with open(args.snapshots) as f:
        snaps = {d["name"]: d for d in map(json.loads, f)}
    t = {name: snap["t_ms"] for name, snap in snaps.items()}
    truth = load_truth(args.truth, args.apps.split(","))
    first, dups, n = load_receipts(args.receipts)
    streams = len(args.apps.split(","))
    status = 0
    print(f"  scale {s:g}: every duration below is in vendor time (real time × {s:g})")

    settled = [a for a in truth if a["t"] <= t["end"] - args.settle_ms]
    up = [a for a in settled if a["t"] < t["steady_to"]]
    down = [a for a in settled if t["steady_to"] <= a["t"] < t["restarted"]]
    print("  read amplification: every time activities.list returned an activity (counted by the sim),"
          " over the activities delivered; activities old enough for every re-read")
    amplification(f"collector up ({vendor_time((t['steady_to'] - t['steady_from']) * s)})", up, first)
    down_delivered = amplification(f"collector down ({vendor_time((t['restarted'] - t['steady_to']) * s)}),"
                                   " read by the catch-up and the re-reads after it", down, first)
    amplification("all", settled, first)

    def requests(a, b):
        return snaps[b]["sim"]["google_requests"] - snaps[a]["sim"]["google_requests"]
    hours = (t["steady_to"] - t["steady_from"]) * s / 3_600_000
    print(f"  requests (sim counter): {requests('steady_from', 'steady_to') / hours / streams:.0f} per stream per hour"
          f" while up; the catch-up (back within lag {vendor_time((t['caught_up'] - t['restarted']) * s)} after the restart,"
          f" {(t['caught_up'] - t['restarted']) / 1000:.1f} s real): {requests('restarted', 'caught_up')} requests"
          + (f", {requests('restarted', 'caught_up') / down_delivered:.4f} per event of the outage delivered" if down_delivered else ""))

    print("  late events recovered, by re-read (collector metrics, both runs):")
    for age, count in sorted(recovered(args.metrics, s).items()):
        print(f"    {vendor_time(age)}: {count:.0f}")

    # Activities whose main-pass read came before the collector stopped.
    measured = [a for a in up if a["t"] <= t["steady_to"] - args.read_margin_ms]
    report_latency("event time -> export while up (scaled back to vendor time)", measured, first, s)

    within = [a for a in settled if a["pub"] - a["t"] <= args.horizon_ms]
    past = [a for a in settled if a["pub"] - a["t"] > args.horizon_ms]
    missing = [a for a in within if a["qual"] not in first]
    known = {a["qual"] for a in truth}
    strangers = [q for q in first if q not in known]
    print(f"  exactly once: {len(settled)} activities old enough for every re-read ({len(truth)} generated);"
          f" {len(within)} published within the horizon: {len(within) - len(missing)} delivered, {len(missing)} missing;"
          f" {len(past)} published past it: {sum(1 for a in past if a['qual'] in first)} delivered anyway")
    print(f"  duplicates: {len(dups)} event ids ({n} records); records of no generated activity: {len(strangers)}")
    if missing:
        sample = ", ".join(f"{a['app']}/{a['qual']} (published {vendor_time((a['pub'] - a['t']) * s)} late)" for a in missing[:5])
        print(f"FAIL: {len(missing)} activities published within the horizon were never delivered: {sample}")
        status = 1
    if strangers:
        print(f"FAIL: {len(strangers)} delivered records match no activity the sim generated: {strangers[:5]}")
        status = 1
    if fail_on_duplicates(dups):
        status = 1
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("latency")
    lp.add_argument("--truth", required=True)
    lp.add_argument("--receipts", required=True)
    lp.add_argument("--apps", required=True)
    lp.add_argument("--end-ms", type=int, required=True)
    lp.add_argument("--censor-ms", type=int, required=True)
    rp = sub.add_parser("late")
    rp.add_argument("--truth", required=True)
    rp.add_argument("--receipts", required=True)
    rp.add_argument("--apps", required=True)
    rp.add_argument("--snapshots", required=True)
    rp.add_argument("--metrics", nargs="+", required=True)
    rp.add_argument("--scale", type=float, required=True)
    rp.add_argument("--horizon-ms", type=int, required=True)
    rp.add_argument("--settle-ms", type=int, required=True)
    rp.add_argument("--read-margin-ms", type=int, required=True)
    args = ap.parse_args()
    sys.exit(latency(args) if args.cmd == "latency" else late(args))


if __name__ == "__main__":
    main()
