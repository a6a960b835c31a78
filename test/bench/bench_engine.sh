#!/usr/bin/env bash
# Engine benchmark (issue 3, "Benchmarks"), run by `make bench` (test/bench/run.sh).
#
# One throw-away cluster, set up the way the test harness sets it up (common.sh), and
# on it, in one run, side by side:
#   1. the raw ceiling: pgbench claim-and-complete with FOR UPDATE SKIP LOCKED on a
#      plain table of 100,000 rows, batched (100 rows a claim) and single-row, 2 clients;
#   2. Graphile Worker (npm graphile-worker, pinned in engine/graphile/package.json):
#      100,000 no-op jobs, with the library's defaults and in its fastest configuration
#      (localQueue 500, batched completion, 24 concurrent jobs), in database graphile;
#   3. realmap: a map task of 100,000 (and 1,000) no-op items, the dispatch latency
#      along a chain of 1,000 sequential no-op tasks (a chain of 100, or 50, when the
#      1,000 cannot be defined within a minute; the report says so), and the size of
#      realmap's tables across 20 consecutive runs with a 1-second history retention.
# Measurements are repeated and their median reported (raw batched: 3 drains;
# Graphile fastest: 3 runs; realmap map of 100,000: 3 runs; of 1,000: 5 runs).
# Each realmap part starts from vacuumed and analyzed tables (VACUUM ANALYZE of
# realmap's engine tables), as pgbench vacuums its tables before a run: not from the
# dead rows of the part before, which autovacuum (naptime 1 min) reclaims a while
# later.  The chain also runs once right after the map of 100,000, before the vacuum,
# and the report shows that latency beside the target's.
# Then one report: figures, ratios and the targets of issue 3 (met / NOT met).
# It asserts nothing about time: it exits 0 whenever it could set up the cluster;
# a part that cannot run (e.g. the realmap API before it exists) is reported as
# "not available (<error>)".  Each part has a timeout and the whole run a budget
# (BENCH_BUDGET seconds, default 540).  KEEP=1 keeps the work directory.
# Smaller runs for trying it out: BENCH_N, BENCH_N_SMALL, BENCH_CHAIN, BENCH_RUNS.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. test/harness/common.sh
ENG=$ROOT/test/bench/engine

N=${BENCH_N:-100000}             # rows / jobs / map items
N_SMALL=${BENCH_N_SMALL:-1000}   # the small map (scaling) and the retention runs
CHAIN=${BENCH_CHAIN:-1000}       # tasks in the dispatch-latency chain
RUNS=${BENCH_RUNS:-20}           # consecutive runs for the retention check
RUN_PAD=0.25                     # ... each taking at least this long (seconds)
CHAIN_SETUP_S=60                 # defining the chain may take this long, else ...
CHAIN_FALLBACKS="100 50"         # ... the first of these lengths that can be defined
BATCH=100                        # rows per claim in the batched raw ceiling
CLIENTS=2                        # pgbench clients (= realmap.max_workers)
SINGLE_SECONDS=10                # the single-row raw ceiling runs this long
BUDGET=${BENCH_BUDGET:-540}
DEADLINE=$(( $(date +%s) + BUDGET ))

# --------------------------------------------------------------------------- helpers
declare -a CMDS=()
cmd() { CMDS+=("$*"); }           # remember a command for the report

# part_timeout WANT: WANT seconds, or what is left of the budget if less; fails when
# fewer than 10 s are left.
part_timeout() {
  local left=$(( DEADLINE - $(date +%s) ))
  [ "$left" -lt 10 ] && return 1
  [ "$1" -lt "$left" ] && echo "$1" || echo "$left"
}

calc() { awk "BEGIN { printf \"%s\", $* }"; }       # calc 'EXPR' (awk arithmetic)
fmt_int() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else printf "%\047.0f", x }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
first_error() {  # first_error FILE: the first ERROR line (or the last line), one line
  local e; e=$(grep -m1 -E 'ERROR|FATAL|Error|error' "$1" 2>/dev/null)
  [ -z "$e" ] && e=$(tail -1 "$1" 2>/dev/null)
  echo "${e:-no output}" | sed -E 's/^psql:[^:]*:[0-9]+: //; s/[[:space:]]+/ /g' | cut -c1-200
}

cleanup() {
  set +e
  remove_workdir
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# --------------------------------------------------------------------------- setup
# pgbench ships with postgresql-15 (/usr/lib/postgresql/15/bin/pgbench).  Node.js with
# npm is the machine's package nodejs; Debian's own nodejs needs npm beside it.
REALMAP_PACKAGES="$REALMAP_PACKAGES nodejs"
ensure_packages || exit 1
if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm >/dev/null 2>&1
fi
phase "dependencies"

make_workdir
REALMAP_ERR=""
PRELOAD="pg_cron,realmap"
if ! build_and_stage "$ROOT" >"$WORK/build.out" 2>&1; then
  tail -20 "$WORK/build.out"
  REALMAP_ERR="build failed: $(grep -m1 -E 'error' "$WORK/build.out" | cut -c1-150)"
  STAGE=$WORK/stage; mkdir -p "$STAGE"
  PRELOAD="pg_cron"
fi
phase "build + stage"

C=$WORK/bench
CONF=("cron.database_name = 'bench'" "realmap.database_name = 'bench'" "realmap.max_workers = 2"
      "shared_buffers = '1GB'" "max_wal_size = '4GB'" "checkpoint_timeout = '30min'")
init_cluster "$C" "$PRELOAD" "${CONF[@]}" || exit 1
start_cluster "$C" || exit 1
PORT=$(cluster_port "$C")
export PGHOST=$C PGPORT=$PORT PGUSER=postgres
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)
# qt SECONDS NAME PSQL-ARGS...: psql bounded in time on both sides: the server cancels
# a statement after SECONDS (statement_timeout), the client is killed 10 s later, and
# a backend still running then is terminated (found by its application_name).
qt() {
  local t=$1 name=bench_$2; shift 2
  PGAPPNAME=$name PGOPTIONS="-c statement_timeout=${t}s" timeout --foreground $((t + 10)) "${PSQL[@]}" "$@"
  local rc=$?
  [ "$rc" = 124 ] && "${PSQL[@]}" -d postgres -c \
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$name'" >/dev/null 2>&1
  return $rc
}
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" -c "CREATE DATABASE graphile" >/dev/null || exit 1
if [ -z "$REALMAP_ERR" ]; then
  qt 60 ext -d bench -c "CREATE EXTENSION realmap" >"$WORK/ext.log" 2>&1 ||
    REALMAP_ERR="CREATE EXTENSION realmap: $(first_error "$WORK/ext.log")"
fi
PG_VERSION=$("${PSQL[@]}" -d bench -c "SHOW server_version")
phase "cluster start"

# --------------------------------------------------------------------------- 1. raw ceiling
# Claim (UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 100)
# RETURNING) and completion (UPDATE ... SET state = 'done') are two transactions each;
# the client connects over TCP on 127.0.0.1 like Graphile Worker's.
PGBENCH=("$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PORT" -U postgres -c "$CLIENTS" -j "$CLIENTS")
raw_fill() { qt 60 raw -d bench -v n="$N" -f "$ENG/raw_setup.sql" >/dev/null; }
raw_done() { qt 30 raw -d bench -c "SELECT count(*) FROM raw_q WHERE state = 'done'"; }
# raw_run LOG PGBENCH-ARGS...: runs pgbench, prints "rows elapsed_s rows_per_s".
# elapsed = transactions / tps as pgbench reports them (connection time excluded);
# a timed (-T) run that drained the table is timed by the table instead (first claim
# to last completion), so the idle tail after the drain does not count.
raw_run() {
  local log=$1; shift
  local t; t=$(part_timeout 120) || return 1
  timeout --foreground "$t" "${PGBENCH[@]}" "$@" bench >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  local txns tps rows span=0
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
  rows=$(raw_done)
  [ -n "$txns" ] && [ -n "$tps" ] && [ -n "$rows" ] || return 1
  case " $* " in *" -T "*) [ "$rows" -ge "$N" ] && span=$(qt 30 raw -d bench -c \
    "SELECT extract(epoch FROM max(finished_at) - min(claimed_at)) FROM raw_q") ;; esac
  awk -v r="$rows" -v n="$txns" -v tps="$tps" -v span="$span" \
    'BEGIN { e = n / tps; if (span > 0) e = span; printf "%d %.3f %.0f\n", r, e, r / e }'
}

RAW_BATCH="" RAW_SINGLE="" RAW_BATCH_ALL="" RAW_ERR=""
per_client=$(( (N / BATCH + CLIENTS - 1) / CLIENTS ))
cmd "psql -d bench -v n=$N -f test/bench/engine/raw_setup.sql   # before each raw run"
cmd "pgbench -n -M prepared -h 127.0.0.1 -c $CLIENTS -j $CLIENTS -t $per_client -f test/bench/engine/raw_batch.pgbench bench   # 3 drains, median"
cmd "pgbench -n -M prepared -h 127.0.0.1 -c $CLIENTS -j $CLIENTS -T $SINGLE_SECONDS -f test/bench/engine/raw_single.pgbench bench"
for i in 1 2 3; do
  raw_fill || { RAW_ERR="raw_setup.sql failed"; break; }
  out=$(raw_run "$WORK/raw_batch_$i.log" -t "$per_client" -f "$ENG/raw_batch.pgbench") ||
    { RAW_ERR="pgbench (batched) failed: $(first_error "$WORK/raw_batch_$i.log")"; break; }
  echo "raw ceiling, batched, drain $i: rows elapsed_s rows/s = $out"
  RAW_BATCH_ALL="$RAW_BATCH_ALL ${out##* }"
done
RAW_BATCH=$(echo "$RAW_BATCH_ALL" | median)
if raw_fill; then
  if out=$(raw_run "$WORK/raw_single.log" -T "$SINGLE_SECONDS" -f "$ENG/raw_single.pgbench"); then
    echo "raw ceiling, single-row: rows elapsed_s rows/s = $out"
    RAW_SINGLE=${out##* }
  else RAW_ERR="${RAW_ERR:+$RAW_ERR; }pgbench (single) failed: $(first_error "$WORK/raw_single.log")"; fi
fi
qt 30 raw -d bench -c "DROP TABLE IF EXISTS raw_q" >/dev/null
phase "raw ceiling"

# --------------------------------------------------------------------------- 2. Graphile Worker
GW_DEFAULT="" GW_FAST="" GW_FAST_ALL="" GW_ERR="" GW_VERSION="" GW_DEFAULT_S=""
GWDIR=$WORK/graphile
GWCONN="postgres://postgres@127.0.0.1:$PORT/graphile"
mkdir -p "$GWDIR"
cp "$ENG/graphile/package.json" "$ENG/graphile/package-lock.json" "$ENG/graphile/run.mjs" "$GWDIR/"
cmd "(cd <work>/graphile && npm ci --no-audit --no-fund)   # test/bench/engine/graphile/{package.json,package-lock.json,run.mjs}"
cmd "node run.mjs migrate postgres://postgres@127.0.0.1:PORT/graphile"
cmd "psql -d graphile -c \"SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(SELECT ROW('noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec FROM generate_series(1, $N)))\"   # before each worker run"
cmd "node run.mjs work postgres://postgres@127.0.0.1:PORT/graphile default $N 240"
cmd "node run.mjs work postgres://postgres@127.0.0.1:PORT/graphile fast $N 240   # 3 runs, median"
gw_enqueue() {
  qt 120 enqueue -d graphile -c "SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
      SELECT ROW('noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
        FROM generate_series(1, $N)))" -c "VACUUM ANALYZE graphile_worker._private_jobs" >/dev/null
}
# gw_work CONFIG: prints "jobs/s seconds"
gw_work() {
  local t; t=$(part_timeout 240) || { echo "out of time budget" >"$WORK/gw_$1.log"; return 1; }
  gw_enqueue 2>"$WORK/gw_$1.log" || return 1
  (cd "$GWDIR" && timeout --foreground $((t + 20)) node run.mjs work "$GWCONN" "$1" "$N" "$t") \
    >"$WORK/gw_$1.out" 2>"$WORK/gw_$1.log"
  local rc=$?
  cat "$WORK/gw_$1.out"
  [ "$rc" = 0 ] || return 1
  python3 -c 'import json,sys; d=json.loads(sys.stdin.readlines()[-1]); print(d["jobs_per_s"], d["seconds"])' \
    <"$WORK/gw_$1.out"
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  GW_ERR="node/npm not found"
elif ! t=$(part_timeout 180); then
  GW_ERR="out of time budget"
elif ! (cd "$GWDIR" && timeout --foreground "$t" npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
  GW_ERR="npm ci failed: $(first_error "$WORK/npm.log")"
elif ! (cd "$GWDIR" && timeout --foreground 60 node run.mjs migrate "$GWCONN") >"$WORK/gw_migrate.log" 2>&1; then
  GW_ERR="migrations failed: $(first_error "$WORK/gw_migrate.log")"
else
  GW_VERSION=$(node -p 'require(process.argv[1]).version' "$GWDIR/node_modules/graphile-worker/package.json")
  if out=$(gw_work default | tail -1) && [ -n "$out" ]; then
    GW_DEFAULT=${out% *}; GW_DEFAULT_S=${out#* }
    echo "Graphile Worker $GW_VERSION, defaults: $GW_DEFAULT jobs/s ($GW_DEFAULT_S s)"
  else GW_ERR="default run failed: $(first_error "$WORK/gw_default.log")"; fi
  # the fastest configuration takes seconds: 3 runs, median (as the batched ceiling)
  for i in 1 2 3; do
    if out=$(gw_work fast | tail -1) && [ -n "$out" ]; then
      echo "Graphile Worker $GW_VERSION, fastest, run $i: ${out% *} jobs/s (${out#* } s)"
      GW_FAST_ALL="$GW_FAST_ALL ${out% *}"
    else GW_ERR="${GW_ERR:+$GW_ERR; }fast run failed: $(first_error "$WORK/gw_fast.log")"; break; fi
  done
  GW_FAST=$(echo "$GW_FAST_ALL" | median)
fi
[ -n "$GW_ERR" ] && echo "Graphile Worker: $GW_ERR"
GW_BEST=$(echo "$GW_DEFAULT $GW_FAST" | tr ' ' '\n' | sort -g | tail -1)
phase "Graphile Worker"

# --------------------------------------------------------------------------- 3. realmap
RM_100K="" RM_100K_WALL="" RM_100K_NOTE="" RM_1K="" RM_1K_WALL="" RM_1K_NOTE=""
RM_P50="" RM_P99="" RM_AVG="" RM_MAX="" RM_EDGES="" RM_CHAIN_NOTE="" RM_CHAIN_LEN=""
RET_NOTE="" RET_OK="" RET_HOW=""
cmd "psql -d bench -f test/bench/engine/realmap_setup.sql"
cmd "psql -d bench -v dag=bench_map -v params='{\"n\": $N_SMALL}' -v task=noop -v wait='60 seconds' -f test/bench/engine/realmap_map.sql   # 5 runs, median"
cmd "psql -d bench -v dag=bench_map -v params='{\"n\": $N}' -v task=noop -v wait='240 seconds' -f test/bench/engine/realmap_map.sql   # 3 runs, median"
cmd "psql -1 -d bench -v chain=$CHAIN -f test/bench/engine/realmap_chain_setup.sql   # ${CHAIN_SETUP_S} s at most, else a chain of ${CHAIN_FALLBACKS// / or }"
cmd "psql -d bench -v dag=bench_chain -v params='{}' -v task=tNNNN -v wait='120 seconds' -f test/bench/engine/realmap_map.sql; psql -d bench -v run_id=ID -f test/bench/engine/realmap_chain.sql"
cmd "$RUNS x realmap_map.sql at n=$N_SMALL with realmap.history_retention = 1 s [+ realmap.cleanup_history()], each run padded to $RUN_PAD s, psql -d bench -f test/bench/engine/realmap_sizes.sql after runs 1, $(( (RUNS + 1) / 2 )), $RUNS"

# settle: VACUUM ANALYZE of the engine's tables (see the header)
settle() {
  qt 120 vacuum -d bench -c "VACUUM ANALYZE realmap.task_instances, realmap.runs, realmap.attempt_history, realmap.dag_tasks, realmap.dag_edges" >/dev/null 2>&1
}
cmd "psql -d bench -c 'VACUUM ANALYZE realmap.task_instances, realmap.runs, realmap.attempt_history, realmap.dag_tasks, realmap.dag_edges'   # before each realmap part"

has_function() { [ "$(qt 30 probe -d bench -c "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'realmap' AND p.proname = '$1'")" != 0 ]; }

# rm_run DAG PARAMS TASK WAIT_S: one timed run; sets R_ID R_STATE R_WALL R_INST R_FIN R_SPAN
# (R_ERR on failure).  A run that did not finish in time is cancelled.
rm_run() {
  R_ID="" R_STATE="" R_WALL="" R_INST="" R_FIN="" R_SPAN="" R_ERR=""
  local t; t=$(part_timeout "$4") || { R_ERR="out of time budget"; return 1; }
  local log=$WORK/rm_run.log
  qt $((t + 5)) run -F '|' -d bench -v dag="$1" -v params="$2" -v task="$3" \
    -v wait="$t seconds" -f "$ENG/realmap_map.sql" >"$log.out" 2>"$log"
  local rc=$? line
  line=$(grep '|' "$log.out" | tail -1)
  if [ "$rc" != 0 ] || [ -z "$line" ]; then
    R_ERR=$(first_error "$log"); [ "$rc" = 124 ] && R_ERR="timed out after $((t + 15)) s"
    qt 30 cancel -d bench -c "SELECT realmap.cancel(run_id) FROM realmap.runs WHERE state IN ('queued', 'running', 'waiting')" >/dev/null 2>&1
    return 1
  fi
  IFS='|' read -r R_ID R_STATE R_WALL R_INST R_FIN R_SPAN <<<"$line"
  case $R_STATE in
    succeeded) ;;
    *) qt 30 cancel -d bench -c "SELECT realmap.cancel('$R_ID')" >/dev/null 2>&1 ;;
  esac
  return 0
}
# rate ITEMS SPAN: items per second, empty if not measurable
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (n > 0 && s > 0) printf "%.0f", n / s }'; }
# map_median N RUNS TIMEOUT_S once|each: RUNS timed runs of the map of N, from tables
# settled once before them or before each; sets MAP_RATE and MAP_WALL (medians of the
# runs' tasks/s over the span and the wall) and MAP_NOTE (how the last run ended badly)
map_median() {
  local n=$1 runs=$2 t=$3 when=$4 i all="" walls=""
  MAP_NOTE=""
  [ "$when" = once ] && settle
  for i in $(seq "$runs"); do
    [ "$when" = each ] && settle
    if rm_run bench_map "{\"n\": $n}" noop "$t"; then
      echo "realmap map of $n, run $i: id $R_ID, $R_STATE, wall $R_WALL s, span $R_SPAN s, $R_FIN/$R_INST finished"
      all="$all $(rate "$R_FIN" "$R_SPAN")"; walls="$walls $(rate "$R_FIN" "$R_WALL")"
      MAP_NOTE=$(note_state "$n")
    else MAP_NOTE="$R_ERR"; echo "realmap map of $n, run $i: $R_ERR"; break; fi
  done
  MAP_RATE=$(echo "$all" | median); MAP_WALL=$(echo "$walls" | median)
}
note_state() {  # note_state EXPECTED: a note when the run did not end well
  local note=""
  [ "$R_STATE" != succeeded ] && note="final state $R_STATE"
  [ "$R_FIN" != "$1" ] && note="${note:+$note, }$R_FIN of $1 instances finished"
  echo "$note"
}

if [ -z "$REALMAP_ERR" ]; then
  qt 60 setup -d bench -f "$ENG/realmap_setup.sql" >"$WORK/rm_setup.out" 2>"$WORK/rm_setup.log" ||
    REALMAP_ERR=$(first_error "$WORK/rm_setup.log")
fi
if [ -z "$REALMAP_ERR" ]; then
  # the small map, 5 times (the first also warms the workers up)
  map_median "$N_SMALL" 5 60 once
  RM_1K=$MAP_RATE RM_1K_WALL=$MAP_WALL RM_1K_NOTE=$MAP_NOTE
  [ -z "$RM_1K" ] && REALMAP_ERR="map of $N_SMALL: ${RM_1K_NOTE:-no timing}"
fi
if [ -z "$REALMAP_ERR" ]; then
  # the large map, 3 times, each from settled tables (as Graphile Worker's fastest
  # and the batched ceiling are medians of 3)
  map_median "$N" 3 240 each
  RM_100K=$MAP_RATE RM_100K_WALL=$MAP_WALL RM_100K_NOTE=$MAP_NOTE
  phase "realmap map"

  # The chain is defined in one transaction, bounded in time; if the full length cannot
  # be defined in time, a shorter chain is, and the report says so.
  for len in "$CHAIN" $CHAIN_FALLBACKS; do
    t=$(part_timeout "$CHAIN_SETUP_S") || { RM_CHAIN_NOTE="out of time budget"; break; }
    if qt "$t" chain_setup -1 -d bench -v chain="$len" -f "$ENG/realmap_chain_setup.sql" \
         >/dev/null 2>"$WORK/rm_chain_setup.log"; then
      RM_CHAIN_LEN=$len; break
    fi
    err=$(first_error "$WORK/rm_chain_setup.log"); [ -z "$(grep -v '^$' "$WORK/rm_chain_setup.log")" ] && err="no answer"
    grep -q 'timeout\|canceling statement' "$WORK/rm_chain_setup.log" && err="not defined within $t s"
    RM_CHAIN_NOTE="${RM_CHAIN_NOTE:+$RM_CHAIN_NOTE; }defining a chain of $len: $err"
    echo "realmap chain: defining a chain of $len: $err"
  done
  # once as the map left the tables (informational), then settled (the target's)
  if [ -n "$RM_CHAIN_LEN" ] && rm_run bench_chain '{}' "t$(printf %04d "$RM_CHAIN_LEN")" 120 &&
     line=$(qt 60 chain_latency -F '|' -d bench -v run_id="$R_ID" -f "$ENG/realmap_chain.sql" 2>/dev/null); then
    IFS='|' read -r _ RM_P50_UNSETTLED RM_P99_UNSETTLED _ <<<"$line"
    echo "realmap chain of $RM_CHAIN_LEN before vacuum: id $R_ID, $R_STATE, p50 $RM_P50_UNSETTLED ms, p99 $RM_P99_UNSETTLED ms"
  fi
  settle
  if [ -n "$RM_CHAIN_LEN" ] && rm_run bench_chain '{}' "t$(printf %04d "$RM_CHAIN_LEN")" 120; then
    echo "realmap chain of $RM_CHAIN_LEN: id $R_ID, $R_STATE, wall $R_WALL s"
    note=$(note_state 1); [ -n "$note" ] && RM_CHAIN_NOTE="${RM_CHAIN_NOTE:+$RM_CHAIN_NOTE; }$note"
    if line=$(qt 60 chain_latency -F '|' -d bench -v run_id="$R_ID" -f "$ENG/realmap_chain.sql" 2>"$WORK/rm_chain.log"); then
      IFS='|' read -r RM_EDGES RM_P50 RM_P99 RM_AVG RM_MAX <<<"$line"
      [ "${RM_EDGES:-0}" = 0 ] && { RM_P50="" RM_P99=""; }
      [ "$RM_EDGES" != $((RM_CHAIN_LEN - 1)) ] && RM_CHAIN_NOTE="${RM_CHAIN_NOTE:+$RM_CHAIN_NOTE; }$RM_EDGES of $((RM_CHAIN_LEN - 1)) edges"
    else RM_CHAIN_NOTE="${RM_CHAIN_NOTE:+$RM_CHAIN_NOTE; }$(first_error "$WORK/rm_chain.log")"; fi
  elif [ -n "$RM_CHAIN_LEN" ]; then
    RM_CHAIN_NOTE="${RM_CHAIN_NOTE:+$RM_CHAIN_NOTE; }$R_ERR"; echo "realmap chain: $R_ERR"
  fi
  phase "realmap chain"

  # Retention: a history retention of 1 second where the setting exists, and the
  # cleanup function after every run where it exists.  Each run is padded to at least
  # RUN_PAD seconds, so that the history reaches its steady state (about 1 / RUN_PAD
  # runs kept) well before the middle run, against which the last one is compared.
  # The criterion is on rows (the history itself); bytes are shown beside them and
  # include dead rows that autovacuum (naptime 1 min) has not reclaimed yet.
  guc=$(qt 30 probe -F '|' -d bench -c "SELECT vartype, coalesce(unit, ''), context FROM pg_settings WHERE name = 'realmap.history_retention'")
  if [ -n "$guc" ]; then
    IFS='|' read -r g_type g_unit g_context <<<"$guc"
    case $g_unit in ms) val=1000;; s|min|h|d) val=1;; *) [ "$g_type" = string ] && val="'1 second'" || val=1;; esac
    case $g_context in
      user|superuser)
        qt 30 guc -d bench -c "ALTER DATABASE bench SET realmap.history_retention = $val" >/dev/null 2>&1 &&
        qt 30 guc -d bench -c "ALTER SYSTEM SET realmap.history_retention = $val" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 &&
          RET_HOW="realmap.history_retention = $val";;
      sighup)
        qt 30 guc -d bench -c "ALTER SYSTEM SET realmap.history_retention = $val" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 &&
          RET_HOW="realmap.history_retention = $val (ALTER SYSTEM, reload)";;
      *) RET_HOW="realmap.history_retention is $g_context-only: left at $(qt 30 probe -d bench -c "SHOW realmap.history_retention")";;
    esac
    sleep 0.5
  fi
  # the cleanup function: called with no argument when the setting was applied, with
  # the short interval itself when it takes one and the setting is missing
  CLEANUP=""
  if has_function cleanup_history; then
    CLEANUP="realmap.cleanup_history()"
    case $RET_HOW in
      realmap.history_retention\ =*) ;;
      *) [ "$(qt 30 probe -d bench -c "SELECT count(*) FROM pg_proc WHERE oid = to_regproc('realmap.cleanup_history') AND proargtypes[0] = 'interval'::regtype")" = 1 ] &&
           CLEANUP="realmap.cleanup_history(interval '1 second')";;
    esac
    RET_HOW="${RET_HOW:+$RET_HOW + }$CLEANUP after each run"
  fi
  [ -z "$RET_HOW" ] && RET_HOW="no retention setting or cleanup function found"
  : >"$WORK/sizes.txt"
  for k in $(seq 1 "$RUNS"); do
    t_run=$(date +%s.%N)
    if ! rm_run bench_map "{\"n\": $N_SMALL}" noop 60; then RET_NOTE="run $k: $R_ERR"; break; fi
    if [ -n "$CLEANUP" ]; then
      qt 60 cleanup -d bench -c "SELECT $CLEANUP" >/dev/null 2>"$WORK/cleanup.log" ||
        RET_NOTE="$CLEANUP: $(first_error "$WORK/cleanup.log")"
    fi
    pad=$(awk -v a="$t_run" -v b="$(date +%s.%N)" -v p="$RUN_PAD" 'BEGIN { d = p - (b - a); if (d > 0) printf "%.3f", d; else print 0 }')
    sleep "$pad"
    if [ "$k" = 1 ] || [ "$k" = $(( (RUNS + 1) / 2 )) ] || [ "$k" = "$RUNS" ]; then
      qt 60 sizes -F '|' -d bench -f "$ENG/realmap_sizes.sql" | sed "s/^/$k|/" >>"$WORK/sizes.txt"
    fi
  done
  phase "realmap retention"
fi
[ -n "$REALMAP_ERR" ] && echo "realmap: not available ($REALMAP_ERR)"

# --------------------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
row() {  # row NAME ITEMS PER_S WALL_PER_S NOTE
  printf "%-40s %8s %9s %12s %11s %9s  %s\n" "$1" "$(fmt_int "$2")" "$(fmt_int "$3")" \
    "$(fmt_int "$4")" "$(ratio "$3" "$RAW_BATCH")" "$(ratio "$3" "$GW_BEST")" "$5"
}
echo
echo "================================================================ engine benchmark"
echo "PostgreSQL $PG_VERSION, $(nproc) cores; cluster: ${CONF[*]}; fsync = off, synchronous_commit = on (common.sh)"
echo "Node.js $(node --version 2>/dev/null || echo -), graphile-worker ${GW_VERSION:-not installed}"
echo
printf "%-40s %8s %9s %12s %11s %9s  %s\n" "workload" "items" "per s" "per s (wall)" "/ raw batch" "/ GW best" "note"
row "raw ceiling, batched ($BATCH/claim, $CLIENTS cl)" "$N" "$RAW_BATCH" "" "median of 3 drains:$RAW_BATCH_ALL rows/s${RAW_ERR:+; $RAW_ERR}"
row "raw ceiling, single-row ($CLIENTS cl)" "" "$RAW_SINGLE" "" "pgbench -T $SINGLE_SECONDS"
row "Graphile Worker, defaults" "$N" "$GW_DEFAULT" "$GW_DEFAULT" "${GW_DEFAULT_S:+$GW_DEFAULT_S s, }concurrentJobs 1, no local queue or batching${GW_ERR:+; $GW_ERR}"
row "Graphile Worker, fastest" "$N" "$GW_FAST" "$GW_FAST" "${GW_FAST_ALL:+median of 3:$GW_FAST_ALL jobs/s; }localQueue 500, batch delays 0, concurrentJobs 24"
if [ -n "$REALMAP_ERR" ]; then
  echo "realmap: not available ($REALMAP_ERR)"
else
  row "realmap, map of $N" "$N" "$RM_100K" "$RM_100K_WALL" "per s: over the noop instances' span; wall: run() to wait(), $(ratio "$RM_100K_WALL" "$RAW_BATCH") of raw, $(ratio "$RM_100K_WALL" "$GW_BEST") of GW${RM_100K_NOTE:+; $RM_100K_NOTE}"
  row "realmap, map of $N_SMALL" "$N_SMALL" "$RM_1K" "$RM_1K_WALL" "median of 5${RM_1K_NOTE:+; $RM_1K_NOTE}"
  echo
  if [ -n "$RM_P50" ]; then
    echo "dispatch latency, chain of $RM_CHAIN_LEN: p50 $RM_P50 ms, p99 $RM_P99 ms, avg $RM_AVG ms, max $RM_MAX ms over $RM_EDGES edges${RM_CHAIN_NOTE:+ ($RM_CHAIN_NOTE)}"
    [ -n "${RM_P50_UNSETTLED:-}" ] && echo "  (right after the map of $N, before VACUUM: p50 $RM_P50_UNSETTLED ms, p99 $RM_P99_UNSETTLED ms)"
  else
    echo "dispatch latency: not measured (${RM_CHAIN_NOTE:-no edges})"
  fi
  echo
  echo "retention: $RET_HOW${RET_NOTE:+ ($RET_NOTE)}"
  if [ -s "$WORK/sizes.txt" ]; then
    mid=$(( (RUNS + 1) / 2 ))
    awk -F'|' -v a=1 -v b="$mid" -v c="$RUNS" '
      { key[$2] = 1; bytes[$1 "|" $2] = $3; rows[$1 "|" $2] = $4; tb[$1] += $3; tr[$1] += $4 }
      END {
        printf "  %-34s %14s %14s %14s\n", "table (bytes / rows) after run", a, b, c
        for (k in key) printf "  %-34s %14s %14s %14s\n", k, bytes[a "|" k] "/" rows[a "|" k],
          bytes[b "|" k] "/" rows[b "|" k], bytes[c "|" k] "/" rows[c "|" k]
        printf "  %-34s %14s %14s %14s\n", "all realmap tables", tb[a] "/" tr[a], tb[b] "/" tr[b], tb[c] "/" tr[c]
      }' "$WORK/sizes.txt"
    echo "  (bytes include dead rows that autovacuum has not reclaimed yet; the target is judged on rows)"
    # bounded: from the middle run to the last, the rows grow by at most 3 runs' worth
    # (the steady state holds a few runs; without retention they would grow by
    # RUNS - mid runs' worth): the history stops accumulating once retention applies.
    RET_OK=$(awk -F'|' -v b="$mid" -v c="$RUNS" -v per_run=$((N_SMALL + 1)) '
      { tb[$1] += $3; tr[$1] += $4 }
      END { if (!(b in tb) || !(c in tb)) exit
            print (tr[c] <= tr[b] + 3 * per_run) ? "yes" : "no"
            printf "%d|%d|%d|%d\n", tr[b], tr[c], tb[b], tb[c] }' "$WORK/sizes.txt")
  fi
fi

# targets
verdict() { [ "$1" = 1 ] && echo "met" || echo "NOT met"; }
target() {  # target NAME MEASURED OK(1/0/"") [NOTE]
  local v; if [ -z "$3" ]; then v="n/a (not measured)"; else v=$(verdict "$3"); fi
  printf "  %-46s %-36s %s\n" "$1" "$2" "$v"
}
cmp() { awk -v x="$1" -v op="$2" -v y="$3" 'BEGIN { if (x == "" || y == "") exit
  if (op == ">=") print (x + 0 >= y + 0) ? 1 : 0; else print (x + 0 <= y + 0) ? 1 : 0 }'; }
SCALE=""
[ -n "$RM_100K" ] && [ -n "$RM_1K" ] && SCALE=$(calc "$RM_1K / $RM_100K")   # cost/task 100k ÷ 1k
RAW_RATIO=$( [ -n "$RM_100K" ] && [ -n "$RAW_BATCH" ] && calc "$RM_100K / $RAW_BATCH" )
GW_RATIO=$( [ -n "$RM_100K" ] && [ -n "$GW_BEST" ] && calc "$RM_100K / $GW_BEST" )
echo
echo "targets (issue 3):"
target "map of $N: >= 30,000 tasks/s" "$(fmt_int "$RM_100K") tasks/s" "$(cmp "$RM_100K" '>=' 30000)"
target ">= 50 % of the raw batched ceiling" "$( [ -n "$RAW_RATIO" ] && calc "sprintf(\"%.0f %%\", $RAW_RATIO * 100)")" "$(cmp "$RAW_RATIO" '>=' 0.5)"
target ">= 1.3x Graphile Worker's best" "$( [ -n "$GW_RATIO" ] && calc "sprintf(\"%.2fx\", $GW_RATIO)")" "$(cmp "$GW_RATIO" '>=' 1.3)"
CHAIN_AT=""; [ -n "$RM_CHAIN_LEN" ] && [ "$RM_CHAIN_LEN" != "$CHAIN" ] && CHAIN_AT=" (chain of $RM_CHAIN_LEN)"
target "dispatch latency p50 <= 1 ms" "${RM_P50:+$RM_P50 ms$CHAIN_AT}" "$(cmp "$RM_P50" '<=' 1)"
target "dispatch latency p99 <= 10 ms" "${RM_P99:+$RM_P99 ms$CHAIN_AT}" "$(cmp "$RM_P99" '<=' 10)"
target "per-task cost $N vs $N_SMALL within 1.5x" "$( [ -n "$SCALE" ] && calc "sprintf(\"%.2fx\", $SCALE)")" "$(cmp "$SCALE" '<=' 1.5)"
ret_measured="" ret_ok=""
if [ -n "$RET_OK" ]; then
  IFS='|' read -r r_b r_c b_b b_c <<<"$(echo "$RET_OK" | tail -1)"
  ret_measured="rows $r_b -> $r_c (bytes $(calc "sprintf(\"%+.0f %%\", ($b_c - $b_b) * 100 / $b_b)"))"
  [ "$(echo "$RET_OK" | head -1)" = yes ] && ret_ok=1 || ret_ok=0
fi
target "history bounded over $RUNS runs (run $(( (RUNS + 1) / 2 )) -> $RUNS)" "$ret_measured" "$ret_ok"
echo
echo "commands (PGHOST=<work>/bench, port $PORT, user postgres):"
for c in "${CMDS[@]}"; do echo "  $c"; done
phase "report"
exit 0
