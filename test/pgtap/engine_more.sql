-- Queueing and max_active_runs, scheduled skips, idempotency, wait() in its own
-- transaction, concurrency limits, priorities, owners' rights and isolation, grants.
\set prefix 'em\_'
\ir common.psql
DROP SCHEMA IF EXISTS em CASCADE;
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['em_alice', 'em_bob', 'em_nobody'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('DROP OWNED BY %I', r); EXECUTE format('DROP ROLE %I', r);
    END IF;
  END LOOP; END $$;
CREATE SCHEMA em;
SELECT plan(28);

CREATE TABLE em.log (run_id bigint, item text, started timestamptz, ended timestamptz);
CREATE FUNCTION em.nap(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  PERFORM pg_sleep(coalesce((ctx->'params'->>'sleep')::float8, 0.1));
  INSERT INTO em.log VALUES ((ctx->>'run_id')::bigint, ctx->>'item', t0, clock_timestamp());
  RETURN '{}';
END $$;
CREATE FUNCTION em.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', (SELECT jsonb_agg(i::text) FROM generate_series(1, (ctx->'params'->>'n')::int) i)) $$;

-- ---------------------------------------------------------------- max_active_runs, schedules, idempotency
SELECT FROM realmap.create_dag('em_one');  -- max_active_runs 1
SELECT FROM realmap.add_task('em_one', 'nap', 'em.nap(jsonb)');
SELECT realmap.run('{"sleep": 1}', dag => 'em_one') AS r1 \gset
SELECT realmap.run('{"sleep": 0}', dag => 'em_one') AS r2 \gset
SELECT realmap._scheduled_run('{}', 'em_one') AS r3 \gset
SELECT is((SELECT state FROM realmap.runs WHERE run_id = :r2), 'queued', 'a manual run behind an active one is queued');
SELECT results_eq(format('SELECT state, trigger, note FROM realmap.runs WHERE run_id = %s', :r3),
    $$VALUES ('skipped', 'schedule', '2 run(s) of DAG em_one already active (max_active_runs = 1)')$$,
    'a scheduled run while one is active is skipped and recorded');
SELECT is(realmap.wait(:r2, '60 s'), 'succeeded', 'the queued run starts when the active one ends');
SELECT ok((SELECT r2.started_at >= r1.finished_at FROM realmap.runs r1, realmap.runs r2 WHERE r1.run_id = :r1 AND r2.run_id = :r2),
          'never stacked: it started after the first finished');
SELECT is(realmap.run('{}', dag => 'em_one', idempotency_key => 'k1'), realmap.run('{}', dag => 'em_one', idempotency_key => 'k1'),
          'the same idempotency key gives the same run');
-- wait() refuses a run created in its own transaction
BEGIN;
SELECT realmap.run('{}', dag => 'em_one') AS rx \gset
SELECT throws_ok(format('SELECT realmap.wait(%s, %L)', :rx, '1 s'), '55000',
    format('run %s was created in this transaction and cannot start before it commits', :rx), 'wait refuses a run of its own transaction');
ROLLBACK;
SELECT throws_ok('SELECT realmap.wait(-1)', '42704', 'run -1 does not exist', 'wait for an unknown run');
SELECT is(realmap.wait(:r1, '1 s'), 'succeeded', 'wait on a finished run returns at once');

-- ---------------------------------------------------------------- concurrency limit and priorities
SELECT FROM realmap.create_dag('em_limit');
SELECT FROM realmap.add_task('em_limit', 'src', 'em.src(jsonb)');
SELECT FROM realmap.add_task('em_limit', 'nap', 'em.nap(jsonb)', upstream => '{src}', mode => 'map', concurrency => 2);
SELECT realmap.run('{"n": 10, "sleep": 0.2}', dag => 'em_limit') AS rl \gset
SELECT is(realmap.wait(:rl, '60 s'), 'succeeded', 'a limited map runs to the end');
-- the most tasks running at one moment: at each start, how many had started and not ended
SELECT is((SELECT max(n) FROM (SELECT (SELECT count(*) FROM em.log b WHERE b.run_id = a.run_id
                                          AND b.started <= a.started AND b.ended > a.started) AS n
                                  FROM em.log a WHERE a.run_id = :rl) x), 2::bigint,
          'never more than 2 at once with concurrency => 2, across workers');

-- ---------------------------------------------------------------- owners' rights
CREATE ROLE em_alice;
CREATE ROLE em_bob;
CREATE ROLE em_nobody;
GRANT realmap_user TO em_alice, em_bob;
GRANT USAGE, CREATE ON SCHEMA em TO em_alice, em_bob;
CREATE TABLE em.secret (x int);
INSERT INTO em.secret VALUES (42);
CREATE TABLE em.alices (x int);
INSERT INTO em.alices VALUES (1), (2);
ALTER TABLE em.alices OWNER TO em_alice;
SET ROLE em_alice;
CREATE FUNCTION em.read_secret(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT jsonb_build_object('n', (SELECT count(*) FROM em.secret)) $$;
CREATE FUNCTION em.read_mine(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT jsonb_build_object('n', (SELECT count(*) FROM em.alices), 'me', current_user) $$;
CREATE FUNCTION em.escalate(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN SET ROLE postgres; RETURN '{}'; END $$;
CREATE FUNCTION em.set_work_mem(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
  BEGIN PERFORM set_config('work_mem', '77MB', false); RETURN jsonb_build_object('work_mem', current_setting('work_mem')); END $$;
CREATE FUNCTION em.temp_table(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN CREATE TEMP TABLE t(x int); RETURN '{}'; END $$;
SELECT is(realmap.create_dag('em_alice'), 'em_alice', 'an ordinary role creates a DAG');
SELECT FROM realmap.add_task('em_alice', 'mine', 'em.read_mine(jsonb)');
SELECT FROM realmap.add_task('em_alice', 'secret', 'em.read_secret(jsonb)');
SELECT FROM realmap.add_task('em_alice', 'escalate', 'em.escalate(jsonb)');
SELECT FROM realmap.add_task('em_alice', 'settings', 'em.set_work_mem(jsonb)');
SELECT FROM realmap.add_task('em_alice', 'temp', 'em.temp_table(jsonb)');
SELECT realmap.run('{}', dag => 'em_alice') AS ra \gset
SELECT is(realmap.wait(:ra, '60 s'), 'failed', 'alice''s run ends');
RESET ROLE;
SELECT is((SELECT output FROM realmap.task_instances WHERE run_id = :ra AND task_name = 'mine'), '{"n": 2, "me": "em_alice"}'::jsonb,
          'a task runs as the DAG owner and reads what the owner may read');
SELECT results_eq(format($$SELECT state, error_sqlstate, attempt FROM realmap.task_instances WHERE run_id = %s AND task_name = 'secret'$$, :ra),
    $$VALUES ('failed', '42501', 1)$$, 'and cannot read what the owner may not (not retried)');
SELECT is((SELECT state FROM realmap.task_instances WHERE run_id = :ra AND task_name = 'escalate'), 'failed', 'SET ROLE inside a task fails');
SELECT is((SELECT state FROM realmap.task_instances WHERE run_id = :ra AND task_name = 'temp'), 'failed',
          'a task cannot create temporary objects that a later task could see');
SELECT is((SELECT output->>'work_mem' FROM realmap.task_instances WHERE run_id = :ra AND task_name = 'settings'), '77MB', 'a task may SET for itself');
SET ROLE em_bob;
CREATE FUNCTION em.show_work_mem(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('work_mem', current_setting('work_mem'), 'pid', pg_backend_pid()) $$;
SELECT FROM realmap.create_dag('em_bob');
SELECT FROM realmap.add_task('em_bob', 'show', 'em.show_work_mem(jsonb)');
SELECT realmap.run('{}', dag => 'em_bob') AS rb \gset
SELECT is(realmap.wait(:rb, '60 s'), 'succeeded', 'bob''s run succeeds');
SELECT throws_ok(format('SELECT realmap.run(%L, dag => %L)', '{}', 'em_alice'), '42501', NULL, 'bob may not run alice''s DAG');
SELECT throws_ok(format('SELECT realmap.cancel(%s)', :ra), '42501', NULL, 'or cancel her runs');
RESET ROLE;
SELECT is((SELECT output->>'work_mem' FROM realmap.task_instances WHERE run_id = :rb), current_setting('work_mem'),
          'bob''s task does not see alice''s SET, even on the same worker');
SELECT ok((SELECT count(DISTINCT worker_pid) FROM realmap.task_instances WHERE run_id IN (:ra, :rb)) >= 1, 'workers recorded');

-- ---------------------------------------------------------------- grants
SET ROLE em_nobody;
SELECT throws_ok($$SELECT realmap.run('{}', dag => 'em_one')$$, '42501', NULL, 'PUBLIC cannot start work');
SELECT throws_ok($$SELECT realmap.cancel(1)$$, '42501', NULL, 'PUBLIC cannot cancel work');
SELECT throws_ok($$SELECT realmap.schedule('0 2 * * *', '{}', 'em_one')$$, '42501', NULL, 'PUBLIC cannot schedule work');
SELECT throws_ok($$SELECT count(*) FROM realmap.runs$$, '42501', NULL, 'PUBLIC cannot read run history');
SELECT is((SELECT library_version FROM realmap.version()), (SELECT extversion FROM pg_extension WHERE extname = 'realmap'), 'PUBLIC may call version()');
RESET ROLE;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'realmap'::regnamespace AND p.prosecdef
                        AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')),
          'every SECURITY DEFINER function pins its search_path');

SELECT * FROM finish();
SELECT FROM realmap.runs, realmap.cancel(run_id) WHERE dag_name LIKE 'em\_%' AND state IN ('queued', 'running', 'waiting');
SELECT FROM realmap.dags, realmap.drop_dag(dag_name) WHERE dag_name LIKE 'em\_%';
DROP SCHEMA em CASCADE;
DROP OWNED BY em_alice, em_bob, em_nobody;
DROP ROLE em_alice;
DROP ROLE em_bob;
DROP ROLE em_nobody;
