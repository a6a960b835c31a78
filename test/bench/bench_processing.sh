#!/usr/bin/env bash
# Processing benchmark (issue 6), run by `make bench` (test/bench/run.sh).
#
# One throw-away cluster; the simulator's 1,988 projects fetched once by a run of
# realmap_etl; then, in one backend (one core), side by side:
#   extraction: extract_raw + map_v1 (prepare_v1: map, normalise, validate) over every
#               stored detail page: pages/s and MB/s of HTML;
#   the real saved listing page (2.7 MB) through parse_listing_page: pages/s, MB/s;
#   the whole per-item path: extract -> map -> validate -> load (_extract_task and
#               _load_task, as the DAG runs them) over every page: items/s.
# Asserts nothing about time.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export REALMAP_ROOT=$ROOT
. test/harness/e2e_lib.sh
ensure_packages || exit 1
make_workdir
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT
build_and_stage "$ROOT" >"$WORK/build.out" 2>&1 || { tail -20 "$WORK/build.out"; exit 1; }
e2e_cluster bench_processing "realmap.max_workers = 4" || exit 1
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT
start_simulator || exit 1
trap 'kill ${SIM_PID:-0} 2>/dev/null; stop_cluster "$C" immediate 2>/dev/null; remove_workdir' EXIT
use_simulator 32 0
R=$(q -c "SELECT realmap.run()")
q -c "SELECT realmap.wait($R, '900 s')" >/dev/null

timed() {  # timed SQL: seconds the statement took (server clock)
  q -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN $1; RAISE NOTICE 'secs=%', extract(epoch FROM clock_timestamp() - t0); END \$\$" 2>&1 |
    sed -n 's/.*secs=//p'
}
PAGES=$(q -c "SELECT count(*) FROM realmap.raw_pages")
MB=$(q -c "SELECT sum(octet_length(body)) / 1e6 FROM realmap.raw_pages")
EXTRACT_S=$(timed "PERFORM realmap.prepare_v1(realmap.extract_raw(body, final_url)) FROM realmap.raw_pages")
EXTRACT_ONLY_S=$(timed "PERFORM realmap.extract_raw(body, final_url) FROM realmap.raw_pages")
printf '\\set page `cat %s`\nCREATE TEMP TABLE lp AS SELECT :'"'"'page'"'"'::text AS html;\n' "$ROOT/test/fixtures/cg_rera_approved_list.html" >"$WORK/lp.sql"
LISTING_S=$( { cat "$WORK/lp.sql"; echo "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN PERFORM (SELECT count(*) FROM realmap.parse_listing_page(html)) FROM lp, generate_series(1, 10); RAISE NOTICE 'secs=%', extract(epoch FROM clock_timestamp() - t0); END \$\$;"; } |
  psql -X -q 2>&1 | sed -n 's/.*secs=//p')
# the per-item path as the DAG runs it: every item of the run, extract then load
# (into empty tables: every load inserts, as a first run does)
q -c "TRUNCATE realmap.projects, realmap.parent_projects CASCADE" >/dev/null
PATH_S=$(timed "PERFORM realmap._load_task(jsonb_build_object('upstream', jsonb_build_object('extract_raw',
            realmap._extract_task(jsonb_build_object('run_id', t.run_id, 'item', t.item,
                                                     'upstream', jsonb_build_object('fetch_details', t.output))))))
          FROM realmap.task_instances t WHERE t.run_id = $R AND t.task_name = 'fetch_details' AND t.state = 'succeeded'")
awk -v p="$PAGES" -v mb="$MB" -v e="$EXTRACT_S" -v eo="$EXTRACT_ONLY_S" -v l="$LISTING_S" -v ps="$PATH_S" 'BEGIN {
  printf "\nprocessing, one backend (command: make bench, or bash test/bench/bench_processing.sh)\n"
  printf "  %-58s %10s %10s\n", "", "pages/s", "MB/s"
  printf "  %-58s %10.1f %10.2f\n", "extract_raw alone, " p " simulator pages (" sprintf("%.1f", mb) " MB)", p / eo, mb / eo
  printf "  %-58s %10.1f %10.2f\n", "extract_raw + map_v1 (+ normalise, validate)", p / e, mb / e
  printf "  %-58s %10.2f %10.2f\n", "parse_listing_page, the real saved listing (2.77 MB) x 10", 10 / l, 27.67 / l
  printf "  %-58s %10.1f %10s\n", "per item: extract -> map -> validate -> load (items/s)", p / ps, "-"
}'
