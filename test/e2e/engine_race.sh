#!/usr/bin/env bash
# The fan-in's remaining-dependencies counter under concurrent completions: 4
# workers complete the items of one map one at a time, each holding a test-only
# delay inside dependency resolution, so their decrements of the fan-in's counter
# interleave.  With the row lock the fan-in runs; with the locking removed
# (realmap.debug_unsafe_counters) the same test fails: decrements are lost and the
# fan-in is stranded.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..7"
e2e_cluster race "realmap.max_workers = 4" "realmap.worker_batch_size = 1" \
  "realmap.debug_resolve_delay_ms = 20" || { echo "Bail out! cluster"; exit 1; }
q >/dev/null <<'SQL'
CREATE SCHEMA r;
CREATE FUNCTION r.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', (SELECT jsonb_agg(i::text) FROM generate_series(1, 40) i)) $$;
CREATE FUNCTION r.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT jsonb_build_object('pid', pg_backend_pid()) $$;
SELECT realmap.create_dag('race');
SELECT realmap.add_task('race', 'src', 'r.src(jsonb)');
SELECT realmap.add_task('race', 'm', 'r.noop(jsonb)', upstream => '{src}', mode => 'map');
SELECT realmap.add_task('race', 'fanin', 'r.noop(jsonb)', upstream => '{m}');
SQL

# race_run: runs the DAG and sets RUN, RUN_STATE, FANIN_STATE, REMAINING, WORKERS, ITEMS_DONE
race_run() {
  RUN=$(q -c "SELECT realmap.run('{}', dag => 'race')")
  q -c "SELECT realmap.wait($RUN, '10 s')" >/dev/null
  read -r RUN_STATE FANIN_STATE REMAINING WORKERS ITEMS_DONE <<<"$(q -F ' ' -c "
    SELECT (SELECT state FROM realmap.runs WHERE run_id = $RUN),
           f.state, f.remaining,
           (SELECT count(DISTINCT worker_pid) FROM realmap.task_instances WHERE run_id = $RUN AND task_name = 'm'),
           (SELECT count(*) FROM realmap.task_instances WHERE run_id = $RUN AND task_name = 'm' AND state = 'succeeded')
      FROM realmap.task_instances f WHERE f.run_id = $RUN AND f.task_name = 'fanin'")"
}

race_run
is "$ITEMS_DONE" 40 "with locking: all 40 items completed"
ok "$( [ "${WORKERS:-0}" -ge 4 ]; echo $?)" "by at least 4 workers ($WORKERS)"
is "$FANIN_STATE $REMAINING" "succeeded 0" "the fan-in's counter reached zero and it ran"
is "$RUN_STATE" succeeded "the run succeeded"

# the negative control: the same interleaving without the counter's row lock
q -c "ALTER SYSTEM SET realmap.debug_unsafe_counters = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
race_run
is "$ITEMS_DONE" 40 "without locking: all 40 items completed too"
ok "$( [ "$FANIN_STATE" = pending ] && [ "${REMAINING:-0}" -gt 0 ]; echo $?)" \
   "but decrements were lost: the fan-in is stranded ($FANIN_STATE, $REMAINING of 40 left)"
is "$RUN_STATE" running "so the run never ends: the race test fails without the locking"
q -c "SELECT realmap.cancel($RUN)" -c "ALTER SYSTEM RESET realmap.debug_unsafe_counters" -c "SELECT pg_reload_conf()" >/dev/null
