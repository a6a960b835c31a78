#!/usr/bin/env bash
# make demo: builds realmap, starts a throw-away cluster with it preloaded, creates
# the extension in database "realmap", starts the portal simulator (the CG RERA portal,
# Nominatim and Overpass over the 1,988 real projects, on loopback) and runs the whole
# pipeline against it with a live progress display, then prints the run's summary and
# the ten best-scored projects.  The cluster and the simulator are left running;
# `make demo-stop` stops them and removes the directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. test/harness/common.sh

DEMO_DIR=${REALMAP_DEMO_DIR:-/tmp/realmap-demo}
if [ "${1:-}" = "stop" ]; then
  [ -f "$DEMO_DIR/simulator.pid" ] && kill "$(cat "$DEMO_DIR/simulator.pid")" 2>/dev/null
  stop_cluster "$DEMO_DIR/cluster" fast
  rm -rf "$DEMO_DIR"
  echo "realmap demo stopped and $DEMO_DIR removed"
  exit 0
fi

ensure_packages
phase "dependencies"
# a previous demo's cluster is stopped and replaced
[ -f "$DEMO_DIR/simulator.pid" ] && kill "$(cat "$DEMO_DIR/simulator.pid")" 2>/dev/null
stop_cluster "$DEMO_DIR/cluster" fast
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"; chmod 755 "$DEMO_DIR"
WORK=$DEMO_DIR
build_and_stage "$ROOT"
phase "build + stage"

C=$DEMO_DIR/cluster
init_cluster "$C" "pg_cron,realmap" \
  "cron.database_name = 'realmap'" "realmap.database_name = 'realmap'"
start_cluster "$C"
PORT=$(cluster_port "$C")
export PGHOST=$C PGPORT=$PORT PGUSER=postgres
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE realmap"
psql -X -q -v ON_ERROR_STOP=1 -d realmap -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION realmap"
phase "cluster + extension"

echo
echo "== realmap.version()"
psql -X -d realmap -c "SELECT * FROM realmap.version()" --expanded
echo "== settings"
psql -X -d realmap -c "SELECT name, setting, context, short_desc FROM pg_settings
                       WHERE name LIKE 'realmap.%' OR name IN ('shared_preload_libraries',
                       'cron.database_name', 'max_worker_processes') ORDER BY name"
echo "== extensions in database realmap"
psql -X -d realmap -c "SELECT extname, extversion, extnamespace::regnamespace AS schema
                       FROM pg_extension ORDER BY extname"
# ------------------------------------------------------------------ the pipeline
# the simulator lives a day (it stops by itself then, or with make demo-stop)
python3 "$ROOT/test/portal/server.py" --port 0 --lifetime 86400 >"$DEMO_DIR/simulator.log" 2>&1 &
echo $! >"$DEMO_DIR/simulator.pid"
SIM_PORT=
for _ in $(seq 1 300); do
  SIM_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DEMO_DIR/simulator.log")
  [ -n "$SIM_PORT" ] && break
  sleep 0.1
done
[ -n "$SIM_PORT" ] || { cat "$DEMO_DIR/simulator.log"; exit 1; }
SIM=http://127.0.0.1:$SIM_PORT
# realmap's defaults are polite to the real sites; the simulator can take more
psql -X -q -v ON_ERROR_STOP=1 -d realmap <<SQL
UPDATE realmap.config SET value = to_jsonb('$SIM/'::text) WHERE key = 'portal.base_url';
UPDATE realmap.config SET value = to_jsonb('$SIM'::text) WHERE key = 'geocode.base_url';
UPDATE realmap.config SET value = to_jsonb('$SIM/api/interpreter'::text) WHERE key = 'amenities.overpass_url';
UPDATE realmap.config SET value = '["127.0.0.1"]' WHERE key = 'http.allowed_hosts';
UPDATE realmap.config SET value = '32' WHERE key = 'http.max_concurrent_per_host';
UPDATE realmap.config SET value = '0' WHERE key = 'http.max_requests_per_second_per_host';
UPDATE realmap.config SET value = '4' WHERE key = 'geocode.max_concurrent';
UPDATE realmap.config SET value = '0' WHERE key = 'geocode.max_requests_per_second';
UPDATE realmap.config SET value = '8' WHERE key = 'amenities.max_concurrent';
UPDATE realmap.config SET value = '0' WHERE key = 'amenities.max_requests_per_second';
SQL
phase "simulator on $SIM"

RUN=$(psql -X -At -v ON_ERROR_STOP=1 -d realmap -c "SELECT realmap.run()")
echo
echo "== run $RUN of realmap_etl over the simulated portal (1,988 projects)"
# progress: per stage, instances done / known, the rate since the last look, failures
progress_sql="SELECT t.task_name, count(*) FILTER (WHERE i.state IN ('succeeded', 'skipped')) AS done,
                     count(i.*) AS total, count(*) FILTER (WHERE i.state IN ('failed', 'upstream_failed')) AS failed,
                     count(*) FILTER (WHERE i.state = 'running') AS running
                FROM realmap.dag_tasks t
                LEFT JOIN realmap.task_instances i ON i.run_id = $RUN AND i.task_name = t.task_name
               WHERE t.dag_name = 'realmap_etl' GROUP BY t.task_name, t.position ORDER BY t.position"
declare -A last_done
tty=false; [ -t 1 ] && tty=true
lines=0
t_last=$(date +%s.%N)
while :; do
  state=$(psql -X -At -d realmap -c "SELECT state FROM realmap.runs WHERE run_id = $RUN")
  now=$(date +%s.%N)
  out=$(printf '%-16s %13s %9s %8s %8s\n' stage done/total rate/s running failed)
  while IFS='|' read -r task done total failed running; do
    prev=${last_done[$task]:-0}
    rate=$(awk -v d="$done" -v p="$prev" -v a="$now" -v b="$t_last" 'BEGIN { r = (a > b) ? (d - p) / (a - b) : 0; printf "%.1f", r < 0 ? 0 : r }')
    last_done[$task]=$done
    out+=$'\n'$(printf '%-16s %13s %9s %8s %8s' "$task" "$done/$total" "$rate" "$running" "$failed")
  done < <(psql -X -At -d realmap -c "$progress_sql")
  t_last=$now
  if $tty && [ "$lines" -gt 0 ]; then printf '\033[%dA' "$lines"; fi
  printf '%s\n' "$out" | sed 's/$/\x1b[K/'
  printf 'run %s: %s (%s s)\033[K\n' "$RUN" "$state" "$(psql -X -At -d realmap -c "SELECT round(extract(epoch FROM now() - started_at)) FROM realmap.runs WHERE run_id = $RUN")"
  lines=$(( $(printf '%s\n' "$out" | wc -l) + 1 ))
  case $state in succeeded|failed|cancelled) break ;; esac
  $tty || echo
  sleep 2
done
phase "the run"

echo
echo "== the run's summary (realmap.run_summaries)"
psql -X -d realmap -c "SELECT key, value FROM realmap.run_summaries, jsonb_each(summary)
                       WHERE run_id = $RUN AND key NOT IN ('errors', 'tasks') ORDER BY key"
echo "   the failed items (the 29 listed pages that show another registration):"
psql -X -d realmap -c "SELECT task_name, item, error_message FROM realmap.task_instances
                       WHERE run_id = $RUN AND state = 'failed' ORDER BY item LIMIT 5"
echo "== the ten best-scored projects (scored on both location and on-site amenities first)"
psql -X -d realmap -c "SELECT s.overall_score AS overall, s.location_score AS location, s.amenity_score AS onsite,
                              s.value_bucket AS value, p.project_name, p.district, p.geo_source AS position
                         FROM realmap.project_scores s JOIN realmap.projects p USING (project_id)
                        ORDER BY s.score_status = 'ok' DESC, s.overall_score DESC NULLS LAST, p.project_id LIMIT 10"
psql -X -At -d realmap -c "SELECT realmap.run_timeline_svg($RUN)" >"$DEMO_DIR/run-$RUN-timeline.svg"
echo "== the run's timeline: $DEMO_DIR/run-$RUN-timeline.svg (one lane per stage, one bar per item; open it in a browser)"
echo
cat <<MSG
The demo cluster is running (data in $C/data, log in $C/server.log), and the
simulator at $SIM (log in $DEMO_DIR/simulator.log).
  connect:  psql -h $C -p $PORT -U postgres realmap
  the map:  psql -h $C -p $PORT -U postgres -At realmap -c "SELECT realmap.projects_geojson()" > projects.geojson
  again:    SELECT realmap.run();   -- then SELECT * FROM realmap.run_progress WHERE run_id = ...
  stop:     make demo-stop
MSG
