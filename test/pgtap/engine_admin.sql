-- Scheduling through pg_cron, history retention, priorities, pg_stat_activity.
\set prefix 'ea\_'
\ir common.psql
DROP SCHEMA IF EXISTS ea CASCADE;
CREATE SCHEMA ea;
SELECT plan(17);
CREATE TABLE ea.order_log (item text, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION ea.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE FUNCTION ea.logged(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  INSERT INTO ea.order_log (item) VALUES (ctx->>'task') RETURNING '{}'::jsonb $$;
CREATE FUNCTION ea.nap(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb FROM pg_sleep(1) $$;
SELECT FROM realmap.create_dag('ea_sched');
SELECT FROM realmap.add_task('ea_sched', 'noop', 'ea.noop(jsonb)');

-- ---------------------------------------------------------------- pg_cron
SELECT ok(realmap.schedule('0 2 * * *', '{"mode": "delta"}', 'ea_sched') > 0, 'schedule registers a pg_cron job');
SELECT is((SELECT schedule || ' | ' || database || ' | ' || command FROM cron.job WHERE jobname = 'realmap:ea_sched'),
    '0 2 * * * | ' || current_database() || $$ | SELECT realmap._scheduled_run('{"mode": "delta"}'::jsonb, 'ea_sched')$$,
    'in this database, calling realmap.run''s scheduled form');
SELECT throws_ok($$SELECT realmap.schedule('every 5 seconds', '{}', 'ea_sched')$$, NULL, NULL, 'pg_cron 1.4 refuses a sub-minute schedule');
-- run the job's command as pg_cron would
SELECT realmap._scheduled_run('{"mode": "delta"}', 'ea_sched') AS rs \gset
SELECT is((SELECT trigger || ' ' || (params->>'mode') FROM realmap.runs WHERE run_id = :rs), 'schedule delta', 'the scheduled run carries its parameters');
SELECT is(realmap.wait(:rs, '60 s'), 'succeeded', 'and runs');
SELECT is(realmap.unschedule('ea_sched'), true, 'unschedule removes the job');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'realmap:ea_sched'), 0::bigint, 'it is gone');
SELECT is(realmap.unschedule('ea_sched'), false, 'unscheduling again says there was nothing');
SELECT throws_ok($$SELECT realmap.schedule('0 2 * * *', '{}', 'ea_nope')$$, '42704', 'DAG "ea_nope" does not exist', 'schedule an unknown DAG');

-- ---------------------------------------------------------------- retention
SELECT FROM realmap.create_dag('ea_keep', max_active_runs => 2);
SELECT FROM realmap.add_task('ea_keep', 'nap', 'ea.nap(jsonb)');
SELECT realmap.run('{}', dag => 'ea_keep') AS old \gset
SELECT is(realmap.wait(:old, '60 s'), 'succeeded', 'an old run finishes');
SELECT realmap.run('{}', dag => 'ea_keep') AS active \gset
-- backdate both as if they had been created long ago
UPDATE realmap.runs SET created_at = now() - interval '90 days', finished_at = CASE WHEN run_id = :old THEN now() - interval '90 days' END
 WHERE run_id IN (:old, :active);
SELECT ok(realmap.cleanup_history('30 days') >= 1, 'cleanup deletes finished runs older than the retention');
SELECT is((SELECT count(*) FROM realmap.task_instances WHERE run_id = :old), 0::bigint, 'with their task instances');
SELECT is((SELECT state FROM realmap.runs WHERE run_id = :active) IN ('queued', 'running'), true, 'but never an active run');
SELECT is(realmap.wait(:active, '60 s'), 'succeeded', 'which goes on to finish');

-- ---------------------------------------------------------------- priorities, pg_stat_activity
SELECT FROM realmap.create_dag('ea_prio');
SELECT FROM realmap.add_task('ea_prio', 'low', 'ea.logged(jsonb)', priority => -5);
SELECT FROM realmap.add_task('ea_prio', 'mid', 'ea.logged(jsonb)');
SELECT FROM realmap.add_task('ea_prio', 'high', 'ea.logged(jsonb)', priority => 10);
-- claimed inside this transaction, where no worker can see the run yet
BEGIN;
SELECT realmap.run('{}', dag => 'ea_prio') AS rp \gset
SELECT is((SELECT string_agg(task_name, ',') FROM realmap._claim(1, 0)), 'high', 'a claim takes the highest priority first');
SELECT is((SELECT string_agg(task_name, ',') FROM realmap._claim(5, 0)), 'mid,low', 'then the next ones, in priority order');
ROLLBACK;
SELECT realmap.run('{}', dag => 'ea_keep') AS rk \gset
DO $$ BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'realmap worker' AND query LIKE 'realmap: run % nap attempt 1');
    PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot();
  END LOOP; END $$;
SELECT is((SELECT query FROM pg_stat_activity WHERE backend_type = 'realmap worker' AND query LIKE 'realmap: run % nap%'),
          format('realmap: run %s nap attempt 1', :rk), 'pg_stat_activity shows the task a worker is running');
SELECT realmap.wait(:rk, '60 s');

SELECT * FROM finish();
SELECT FROM realmap.dags, realmap.drop_dag(dag_name) WHERE dag_name LIKE 'ea\_%';
DROP SCHEMA ea CASCADE;
