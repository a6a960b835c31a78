#!/usr/bin/env bash
# make demo: builds realmap, starts a throw-away cluster with it preloaded, creates
# the extension in database "realmap" and reports what is there.  The cluster is left
# running; `make demo-stop` stops it and removes its directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. test/harness/common.sh

DEMO_DIR=${REALMAP_DEMO_DIR:-/tmp/realmap-demo}
if [ "${1:-}" = "stop" ]; then
  stop_cluster "$DEMO_DIR/cluster" fast
  rm -rf "$DEMO_DIR"
  echo "realmap demo stopped and $DEMO_DIR removed"
  exit 0
fi

ensure_packages
phase "dependencies"
# a previous demo's cluster is stopped and replaced
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
cat <<MSG
The demo cluster is running (data in $C/data, log in $C/server.log).
  connect:  psql -h $C -p $PORT -U postgres realmap
  stop:     make demo-stop
MSG
