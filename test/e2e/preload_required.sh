#!/usr/bin/env bash
# realmap refuses to load unless it is in shared_preload_libraries: a cluster that
# preloads only pg_cron gets a clear error from CREATE EXTENSION, and nothing is created.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/common.sh"
echo "1..3"
C=$WORK/nopreload
init_cluster "$C" "pg_cron" >/dev/null || { echo "not ok 1 - init cluster"; exit 1; }
start_cluster "$C" || { echo "not ok 1 - start cluster"; exit 1; }
trap 'stop_cluster "$C" immediate' EXIT
out=$(psql -X -h "$C" -p "$(cluster_port "$C")" -U postgres -d postgres \
      -c "CREATE EXTENSION realmap" 2>&1)
if grep -q 'realmap can only be loaded via shared_preload_libraries' <<<"$out"; then
  echo "ok 1 - CREATE EXTENSION without preloading is refused"; else
  echo "not ok 1 - CREATE EXTENSION without preloading is refused"; echo "# $out"; fi
if grep -q "HINT:  Add realmap to shared_preload_libraries" <<<"$out"; then
  echo "ok 2 - the hint says what to change"; else echo "not ok 2 - the hint says what to change"; fi
n=$(psql -X -At -h "$C" -p "$(cluster_port "$C")" -U postgres -d postgres \
    -c "SELECT count(*) FROM pg_extension WHERE extname = 'realmap'" 2>&1)
if [ "$n" = 0 ]; then echo "ok 3 - no extension was created"; else echo "not ok 3 - no extension was created ($n)"; fi
