#!/usr/bin/env bash
# The per-host limits bind and hold across workers.  64 detail pages wanted at once:
# with 200 ms simulator latency and a limit of 8 requests in flight (rate 50/s, which
# 8 / 0.2 s = 40/s never reaches) the simulator sees a peak of exactly 8; with no
# latency and a rate of 20 starts per second the rate binds: no second holds more
# than 20 arrivals and the 64 take at least 63 / 20 s.  The pages come through two or
# more workers.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..9"
e2e_cluster limits "realmap.max_workers = 4" || { echo "Bail out! cluster"; exit 1; }
start_simulator || { echo "Bail out! simulator"; exit 1; }
use_simulator 8 50
# small batches: eight claims, so that the pages come through several workers even on a
# loaded machine, and the limits must hold between them
q -c "UPDATE realmap.config SET value = '8' WHERE key = 'fetch.batch_size'" >/dev/null

R=$(q -c "SELECT realmap.run('{\"max_listings\": 64}')")
wait_for 60 "SELECT count(*) = 64 FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details'"
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null

# detail_stats: the simulator's view of the detail requests since the last reset
detail_stats() {
  sim GET '/__sim/stats?timestamps=all' | python3 -c '
import json, sys
s = json.load(sys.stdin)
ts = sorted(t["t"] for t in s["timestamps"] if t["endpoint"] == "detail")
busiest = max(sum(1 for u in ts[i:] if u - t < 1.0) for i, t in enumerate(ts)) if ts else 0
print(s["peak_inflight"].get("detail", 0), len(ts), busiest, round(ts[-1] - ts[0], 2) if ts else 0,
      s["peak_concurrent_connections"])'
}

# the pages again, now slow: every request takes 200 ms
sim POST /__sim/faults '{"detail": {"latency_ms": 200}}' >/dev/null
sim POST /__sim/stats/reset >/dev/null
q -c "SELECT realmap.rerun($R, 'fetch_details')" >/dev/null
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null
read -r peak n busiest spread conns <<<"$(detail_stats)"
is "$peak" 8 "200 ms latency, limit 8: the simulator saw a peak of exactly 8 page requests in flight ($conns connections open at most)"
ok "$( [ "$n" -ge 64 ]; echo $?)" "all $n page requests reached it"
ok "$( [ "$busiest" -le 50 ]; echo $?)" "within the configured rate of 50/s (busiest second: $busiest)"
workers=$(q -c "SELECT count(DISTINCT worker_pid) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details'")
ok "$( [ "$workers" -ge 2 ]; echo $?)" "the pages came through $workers workers"

# fast pages, a rate of 20/s: the rate binds
sim DELETE /__sim/faults >/dev/null
use_simulator 8 20   # a run keeps the configuration it started with: a new run
sim POST /__sim/stats/reset >/dev/null
R=$(q -c "SELECT realmap.run('{\"max_listings\": 64}')")
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null
read -r peak n busiest spread conns <<<"$(detail_stats)"
is "$n" 64 "rate 20/s: 64 page requests"
# the limiter spaces the starts 50 ms apart; the simulator sees arrivals, which a loaded
# machine can displace by a few ms, so one window may catch an extra one or two (the
# spread below bounds the average rate exactly)
ok "$( [ "$busiest" -le 22 ]; echo $?)" "rate 20/s: no second holds more than 20 page requests, give or take two displaced arrivals (busiest: $busiest)"
ok "$(awk -v s="$spread" 'BEGIN { exit !(s >= 3.0) }'; echo $?)" "64 requests spread over ${spread} s (at least 63 / 20 = 3.15 s, less the clock's grain)"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details' AND state = 'succeeded'")" 64 \
   "every page came through"
workers=$(q -c "SELECT count(DISTINCT worker_pid) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details'")
ok "$( [ "$workers" -ge 2 ]; echo $?)" "through $workers workers"
