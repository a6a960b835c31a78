#!/usr/bin/env bash
# Operating realmap as a PostgreSQL citizen: events on NOTIFY realmap_events, an idle
# cluster's realmap processes nearly sleep, realmap.enabled pauses and resumes work,
# DROP EXTENSION and DROP DATABASE do not hang on the launcher, and on a hot standby
# the launcher waits until promotion.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..14"
e2e_cluster ops "realmap.max_workers = 2" "realmap.worker_idle_timeout = 10min" || { echo "Bail out! cluster"; exit 1; }
q >/dev/null <<'SQL'
CREATE SCHEMA o;
CREATE FUNCTION o.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT realmap.create_dag('ops');
SELECT realmap.add_task('ops', 'noop', 'o.noop(jsonb)');
SQL

# ---------------------------------------------------------------- NOTIFY realmap_events
out=$(psql -X -q <<'SQL' 2>&1
LISTEN realmap_events;
SELECT realmap.run('{}', dag => 'ops') AS r \gset
SELECT realmap.wait(:r, '30 s');
-- the waiter wakes at commit, the NOTIFY goes out a moment later
SELECT pg_sleep(0.3);
SELECT 1;
SQL
)
grep -q 'Asynchronous notification "realmap_events" with payload "{"event" : "run_started"' <<<"$out"
ok $? "NOTIFY realmap_events announces a run's start"
grep -q '"event" : "run_finished", "run_id" : [0-9]*, "dag" : "ops", "state" : "succeeded"' <<<"$out"
ok $? "and its end, with its state"

# ---------------------------------------------------------------- idle CPU
pids() { pgrep -P "$(head -1 "$C/data/postmaster.pid")" -f 'realmap (launcher|worker)' | tr '\n' ' '; }
cpu_ticks() { local t=0 p; for p in $(pids); do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
sleep 2
before=$(cpu_ticks); procs=$(pids)
sleep 15
after=$(cpu_ticks)
ticks=$((after - before))
# a clock tick is 10 ms: at most one in 15 s is at most 40 ms per idle minute
ok "$( [ "$ticks" -le 1 ]; echo $?)" "idle realmap processes ($procs) used $((ticks * 10)) ms of CPU in 15 s (< 50 ms per minute)"

# ---------------------------------------------------------------- realmap.enabled
q -c "ALTER SYSTEM SET realmap.enabled = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
R=$(q -c "SELECT realmap.run('{}', dag => 'ops')")
sleep 2
is "$(q -c "SELECT state FROM realmap.task_instances WHERE run_id = $R")" ready "with realmap.enabled = off a new run waits"
wait_for 10 "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'realmap worker'"
ok $? "the workers stop"
is "$(q -c "SELECT count(*) FROM realmap.worker_leases")" 0 "and take their lease rows with them"
q -c "ALTER SYSTEM RESET realmap.enabled" -c "SELECT pg_reload_conf()" >/dev/null
is "$(q -c "SELECT realmap.wait($R, '30 s')")" succeeded "and runs as soon as it is back on"

# ---------------------------------------------------------------- DROP EXTENSION, DROP DATABASE
start=$(date +%s)
timeout 20 psql -X -q -c "DROP EXTENSION realmap CASCADE" >/dev/null 2>&1
ok $? "DROP EXTENSION with the launcher and workers connected"
ok "$( [ $(( $(date +%s) - start )) -lt 10 ]; echo $?)" "does not hang"
psql -X -q -c "CREATE EXTENSION realmap" >/dev/null 2>&1
start=$(date +%s)
timeout 30 psql -X -q -d postgres -c "DROP DATABASE realmap_test" >/dev/null 2>&1
ok $? "DROP DATABASE of realmap.database_name succeeds"
ok "$( [ $(( $(date +%s) - start )) -lt 15 ]; echo $?)" "without waiting on the launcher"
psql -X -q -d postgres -c "CREATE DATABASE realmap_test" >/dev/null
psql -X -q -c "CREATE EXTENSION realmap" -c "CREATE SCHEMA o" \
     -c "CREATE FUNCTION o.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS \$\$ SELECT '{}'::jsonb \$\$" \
     -c "SELECT realmap.create_dag('ops')" -c "SELECT realmap.add_task('ops', 'noop', 'o.noop(jsonb)')" >/dev/null
R=$(q -c "SELECT realmap.run('{}', dag => 'ops')")
is "$(q -c "SELECT realmap.wait($R, '120 s')")" succeeded "a re-created database is served again"

# ---------------------------------------------------------------- hot standby
S=$WORK/ops_standby
mkdir -p "$S"; [ "$(id -u)" = 0 ] && chown "$PGOSUSER": "$S"
"${AS[@]}" "$PGBIN/pg_basebackup" -h "$C" -p "$PGPORT" -U postgres -D "$S/data" -R -X stream -c fast >/dev/null 2>&1
SPORT=$(free_port)
sed -i "s/^port = .*/port = $SPORT/; s|^unix_socket_directories = .*|unix_socket_directories = '$S'|" "$S/data/postgresql.conf"
start_cluster "$S"
trap 'stop_cluster "$S" immediate; stop_cluster "$C" immediate' EXIT
sleep 3
is "$(psql -X -At -h "$S" -p "$SPORT" -U postgres -d realmap_test -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'realmap launcher'")" 0 \
   "on a hot standby the launcher does not run"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$S/data" -w promote >/dev/null
PGHOST=$S PGPORT=$SPORT wait_for 30 "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'realmap launcher'"
ok $? "after promotion it starts"
