#!/usr/bin/env bash
# Crashes and leases: a worker killed with SIGKILL mid-task (PostgreSQL restarts every
# backend), an immediate server restart mid-run, and a worker stopped with SIGSTOP
# past its lease.  Each time the run ends correctly, nothing is lost and nothing done
# twice: every task inserts its item into a table with a unique key, in the same
# transaction as its completion, so a second effect would fail the run.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..14"
e2e_cluster crash "realmap.max_workers = 4" "restart_after_crash = on" || { echo "Bail out! cluster"; exit 1; }
q >/dev/null <<'SQL'
CREATE SCHEMA c;
CREATE TABLE c.effects (run_id bigint, item text, pid int, PRIMARY KEY (run_id, item));
CREATE FUNCTION c.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', (SELECT jsonb_agg(i::text) FROM generate_series(1, (ctx->'params'->>'n')::int) i)) $$;
CREATE FUNCTION c.work(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep((ctx->'params'->>'sleep')::float8);
  INSERT INTO c.effects VALUES ((ctx->>'run_id')::bigint, coalesce(ctx->>'item', 'single'), pg_backend_pid());
  RETURN jsonb_build_object('pid', pg_backend_pid());
END $$;
SELECT realmap.create_dag('crash', max_active_runs => 5);
SELECT realmap.add_task('crash', 'src', 'c.src(jsonb)');
SELECT realmap.add_task('crash', 'work', 'c.work(jsonb)', upstream => '{src}', mode => 'map', backoff => '100 ms', max_attempts => 5);
SELECT realmap.create_dag('lease');
SELECT realmap.add_task('lease', 'work', 'c.work(jsonb)', timeout => '1 second', backoff => '100 ms');
SQL

# ---------------------------------------------------------------- SIGKILL a worker
R=$(q -c "SELECT realmap.run('{\"n\": 12, \"sleep\": 0.3}', dag => 'crash')")
wait_for 30 "SELECT count(*) > 0 FROM realmap.task_instances WHERE run_id = $R AND task_name = 'work' AND state = 'running'"
VICTIM=$(q -c "SELECT worker_pid FROM realmap.task_instances WHERE run_id = $R AND task_name = 'work' AND state = 'running' LIMIT 1")
kill -9 "$VICTIM"
ok $? "killed worker $VICTIM with SIGKILL mid-task"
wait_for 60 "SELECT state IN ('succeeded', 'failed') FROM realmap.runs WHERE run_id = $R"
is "$(q -c "SELECT state FROM realmap.runs WHERE run_id = $R")" succeeded "after the crash restart the run still succeeds"
is "$(q -c "SELECT count(*) FROM c.effects WHERE run_id = $R")" 12 "every item's effect exactly once"
ok "$( [ "$(q -c "SELECT count(*) FROM realmap.task_attempts WHERE run_id = $R AND state = 'crashed' AND error_message LIKE '%server restarted%'")" -ge 1 ]; echo $?)" \
   "the killed attempts are recorded as crashed"
grep -q "terminated by signal 9" "$C/server.log"
ok $? "PostgreSQL treated it as a crash (server log)"

# ---------------------------------------------------------------- immediate restart mid-run
R=$(q -c "SELECT realmap.run('{\"n\": 12, \"sleep\": 0.3}', dag => 'crash')")
wait_for 30 "SELECT count(*) >= 2 FROM c.effects WHERE run_id = $R"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$C/data" -m immediate -w restart -l "$C/server.log" >/dev/null 2>&1
ok $? "pg_ctl restart -m immediate mid-run"
wait_for 60 "SELECT state IN ('succeeded', 'failed') FROM realmap.runs WHERE run_id = $R"
is "$(q -c "SELECT state FROM realmap.runs WHERE run_id = $R")" succeeded "the run ends correctly after the restart"
is "$(q -c "SELECT count(*) FROM c.effects WHERE run_id = $R")" 12 "nothing lost and nothing done twice"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND state <> 'succeeded'")" 0 "every instance succeeded"

# ---------------------------------------------------------------- SIGSTOP past the lease
R=$(q -c "SELECT realmap.run('{\"sleep\": 0.8}', dag => 'lease')")
wait_for 30 "SELECT count(*) = 1 FROM realmap.task_instances WHERE run_id = $R AND state = 'running' AND started_at < clock_timestamp() - interval '0.2 s'"
STOPPED=$(q -c "SELECT worker_pid FROM realmap.task_instances WHERE run_id = $R")
kill -STOP "$STOPPED"
ok $? "stopped worker $STOPPED with SIGSTOP during its task"
# lease = timeout (1 s) + 5 s grace: another worker takes the instance over
wait_for 30 "SELECT state = 'succeeded' FROM realmap.runs WHERE run_id = $R"
is "$(q -c "SELECT state || ' attempt ' || attempt || CASE WHEN worker_pid <> $STOPPED THEN ' elsewhere' ELSE ' same worker' END FROM realmap.task_instances WHERE run_id = $R")" \
   "succeeded attempt 2 elsewhere" "its instance was retried by another worker after the lease ran out"
kill -CONT "$STOPPED"
wait_for 20 "SELECT count(*) > 0 FROM realmap.attempt_history WHERE run_id = $R AND state = 'fenced'"
is "$(q -c "SELECT attempt || ' ' || state FROM realmap.attempt_history WHERE run_id = $R ORDER BY state")" \
   "1 crashed
1 fenced" "the stale attempt is recorded as crashed (lease expired), then its late report as fenced"
is "$(q -c "SELECT count(*) FROM c.effects WHERE run_id = $R")" 1 "the stopped worker's write was rolled back: one effect"
is "$(q -c "SELECT pid <> $STOPPED FROM c.effects WHERE run_id = $R")" t "and it is the second attempt's"
