#!/usr/bin/env bash
# fetch_details benchmark (issue 5), run by `make bench` (test/bench/run.sh).
#
# One throw-away cluster and the portal simulator with 100 ms latency on every
# request (pages prerendered, so the simulator's rendering is not what is measured).
# Side by side, in one run:
#   concurrent: all 1,988 detail pages with a per-host limit of 32 requests in flight
#               (the bound: 32 / 0.1 s = 320 pages/s), realmap.max_workers = 4;
#   serial:     one page at a time (per-host limit 1), as the original fetched, on the
#               first 100 projects (its bound: 10 pages/s).
# Throughput is pages over the span from the first fetch's start to the last one's
# end (from realmap.task_instances).  Asserts nothing about time.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export REALMAP_ROOT=$ROOT
. test/harness/e2e_lib.sh
ensure_packages || exit 1
make_workdir
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT
build_and_stage "$ROOT" >"$WORK/build.out" 2>&1 || { tail -20 "$WORK/build.out"; exit 1; }
e2e_cluster bench_fetch "realmap.max_workers = 4" || exit 1
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT
start_simulator --prerender --latency-ms 100 || exit 1
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT

rate() {  # rate RUN: pages/s of the run's fetch_details
  q -c "SELECT round((count(*) / extract(epoch FROM max(finished_at) - min(started_at)))::numeric, 1)
          FROM realmap.task_instances WHERE run_id = $1 AND task_name = 'fetch_details' AND state IN ('succeeded', 'failed')"
}
span() { q -c "SELECT round(extract(epoch FROM max(finished_at) - min(started_at))::numeric, 2) FROM realmap.task_instances WHERE run_id = $1 AND task_name = 'fetch_details'"; }

use_simulator 32 0
# the acquisition tasks alone: extraction and loading would share the workers' time
q >/dev/null <<'SQL'
SELECT realmap.create_dag('fetch_only');
SELECT realmap.add_task('fetch_only', 'init_session', stage => 'init_session');
SELECT realmap.add_task('fetch_only', 'scrape_listings', stage => 'scrape_listings', upstream => '{init_session}');
SELECT realmap.add_task('fetch_only', 'fetch_details', stage => 'fetch_details', upstream => '{scrape_listings}',
                        mode => 'map', max_attempts => 5, backoff => '200 ms');
SQL
BATCH=${BENCH_FETCH_BATCH:-64}   # fetch.batch_size: instances a worker fetches at once
q -c "UPDATE realmap.config SET value = '$BATCH' WHERE key = 'fetch.batch_size'" >/dev/null
R=$(q -c "SELECT realmap.run('{}', dag => 'fetch_only')")
q -c "SELECT realmap.wait($R, '600 s')" >/dev/null
PAGES=$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details'")
CONC=$(rate "$R"); CONC_S=$(span "$R")

use_simulator 1 0
S=$(q -c "SELECT realmap.run('{\"max_listings\": 100}', dag => 'fetch_only')")
q -c "SELECT realmap.wait($S, '600 s')" >/dev/null
SER=$(rate "$S"); SER_S=$(span "$S")

awk -v c="$CONC" -v s="$SER" -v p="$PAGES" -v cs="$CONC_S" -v ss="$SER_S" 'BEGIN {
  printf "\nfetch_details, simulator latency 100 ms (command: make bench, or bash test/bench/bench_fetch.sh)\n"
  printf "  %-44s %10s %12s %10s\n", "", "pages/s", "of bound", "seconds"
  printf "  %-44s %10.1f %11.1f%% %10.2f\n", "concurrent, per-host limit 32, " p " pages", c, 100 * c / 320, cs
  printf "  %-44s %10.1f %11.1f%% %10.2f\n", "serial (one at a time), 100 pages", s, 100 * s / 10, ss
  printf "  concurrent / serial: %.1fx;  target: >= 90%% of 320 pages/s: %s\n", c / s, (c >= 288 ? "met" : "NOT met")
}'
