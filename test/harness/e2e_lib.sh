# Helpers for the end-to-end TAP scripts (sourced).  Each script starts clusters of
# its own under $WORK (set by the harness), so crashes and restarts stay contained.
. "$REALMAP_ROOT/test/harness/common.sh"

TAP_N=0
ok() {  # ok CONDITION-EXIT-CODE DESCRIPTION
  TAP_N=$((TAP_N + 1))
  if [ "$1" = 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; fi
}
is() {  # is HAVE WANT DESCRIPTION
  TAP_N=$((TAP_N + 1))
  if [ "$1" = "$2" ]; then echo "ok $TAP_N - $3"; else
    echo "not ok $TAP_N - $3"; echo "#   have: $1"; echo "#   want: $2"; fi
}

# e2e_cluster NAME [conf lines...]: a cluster with realmap preloaded serving
# database realmap_test (extension created); sets C, PGHOST, PGPORT, PGUSER.
e2e_cluster() {
  local name=$1; shift
  C=$WORK/$name
  init_cluster "$C" "realmap" "realmap.database_name = 'realmap_test'" "$@" >/dev/null || return 1
  start_cluster "$C" || return 1
  export PGHOST=$C PGPORT=$(cluster_port "$C") PGUSER=postgres PGDATABASE=realmap_test
  psql -X -q -d postgres -c "CREATE DATABASE realmap_test" >/dev/null
  psql -X -q -c "CREATE EXTENSION realmap" >/dev/null 2>&1
  trap 'stop_cluster "$C" immediate' EXIT
}

q() { psql -X -At -q -v ON_ERROR_STOP=1 "$@" 2>&1; }

# wait_for SECONDS SQL: polls until SQL returns t (reconnecting: the server may be
# restarting); returns 1 on timeout.
wait_for() {
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(psql -X -At -q -c "$2" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  return 1
}

# start_simulator [server.py flags...]: the portal simulator on a free loopback port;
# sets SIM_PID, SIM_PORT and SIM (its base URL).  It stops with the script.
start_simulator() {
  local log=$WORK/sim.$$.$RANDOM.out
  python3 "$REALMAP_ROOT/test/portal/server.py" --port 0 --lifetime 900 "$@" >"$log" 2>&1 &
  SIM_PID=$!
  local i
  for i in $(seq 1 600); do   # up to 60 s: --prerender renders every page first
    SIM_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [ -n "$SIM_PORT" ] && break
    sleep 0.1
  done
  [ -n "$SIM_PORT" ] || { cat "$log" >&2; return 1; }
  SIM=http://127.0.0.1:$SIM_PORT
  trap 'kill $SIM_PID 2>/dev/null; stop_cluster "$C" immediate' EXIT
}

# use_simulator [concurrency] [rate]: points realmap.config at the simulator (portal,
# Nominatim and Overpass), with limits raised for tests (defaults are polite to the
# real sites; a test of a limit sets its own).
use_simulator() {
  q >/dev/null <<SQL
UPDATE realmap.config SET value = to_jsonb('$SIM/'::text) WHERE key = 'portal.base_url';
UPDATE realmap.config SET value = '["127.0.0.1"]' WHERE key = 'http.allowed_hosts';
UPDATE realmap.config SET value = to_jsonb(${1:-16}) WHERE key = 'http.max_concurrent_per_host';
UPDATE realmap.config SET value = to_jsonb(${2:-0}) WHERE key = 'http.max_requests_per_second_per_host';
UPDATE realmap.config SET value = to_jsonb('$SIM'::text) WHERE key = 'geocode.base_url';
UPDATE realmap.config SET value = to_jsonb('$SIM/api/interpreter'::text) WHERE key = 'amenities.overpass_url';
UPDATE realmap.config SET value = '4' WHERE key = 'geocode.max_concurrent';
UPDATE realmap.config SET value = '0' WHERE key = 'geocode.max_requests_per_second';
UPDATE realmap.config SET value = '8' WHERE key = 'amenities.max_concurrent';
UPDATE realmap.config SET value = '0' WHERE key = 'amenities.max_requests_per_second';
SQL
}

# sim GET|POST|DELETE PATH [JSON]: a control request to the simulator.
sim() {
  if [ -n "${3:-}" ]; then curl -s -X "$1" -H 'Content-Type: application/json' -d "$3" "$SIM$2"
  else curl -s -X "$1" "$SIM$2"; fi
}
