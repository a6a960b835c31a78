-- A worker's batch: its tasks' completions are applied in one statement at the end.
-- One of them fenced off meanwhile (here: its claim taken over while the batch runs,
-- as a lease running out would) rolls the whole batch back, and the batch runs again
-- task by task without the stale one: every other task's effect is there exactly
-- once, the stale task's first run left nothing, and its late report is recorded.
-- And a task that fails among its batch mates loses only its own writes.
\set prefix 'eb\_'
\ir common.psql
DROP SCHEMA IF EXISTS eb CASCADE;
CREATE SCHEMA eb;
SELECT plan(11);

CREATE TABLE eb.effects (run_id bigint, item text, attempt int);
CREATE FUNCTION eb.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', (SELECT jsonb_agg(i::text) FROM generate_series(1, 10) i)) $$;
-- every item waits for the test's advisory lock, so the batches are known to be in
-- progress: each worker's first task waits, its batch mates are claimed behind it
CREATE FUNCTION eb.work(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(4242);
  INSERT INTO eb.effects VALUES ((ctx->>'run_id')::bigint, ctx->>'item', (ctx->>'attempt')::int);
  RETURN jsonb_build_object('item', ctx->>'item');
END $$;
CREATE FUNCTION eb.until(q text, timeout interval DEFAULT '20 s') RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); ok boolean;
BEGIN
  LOOP
    EXECUTE q INTO ok;
    IF ok THEN RETURN true; END IF;
    IF clock_timestamp() - t0 > timeout THEN RETURN false; END IF;
    PERFORM pg_sleep(0.02); PERFORM pg_stat_clear_snapshot();
  END LOOP;
END $$;

CREATE FUNCTION eb.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE FUNCTION eb.src50(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', (SELECT jsonb_agg(i::text) FROM generate_series(1, 50) i)) $$;

-- warm-up: fast tasks make the workers claim large batches
SELECT FROM realmap.create_dag('eb_warm');
SELECT FROM realmap.add_task('eb_warm', 'src', 'eb.src50(jsonb)');
SELECT FROM realmap.add_task('eb_warm', 'noop', 'eb.noop(jsonb)', upstream => '{src}', mode => 'map');
SELECT realmap.run('{}', dag => 'eb_warm') AS w \gset
SELECT realmap.wait(:w, '30 s') AS warm \gset

-- A failing task among its batch mates: a SQL-language task (the batch nests each
-- task's subtransaction in the one before, where such a function keeps its plan) that
-- writes, then fails on item 5 only.  Its write goes with it; the tasks before and
-- after it in the batch keep theirs, once each.  (Right after the warm-up: the workers
-- claim large batches, so item 5 has batch mates after it; the fence test below
-- leaves them claiming one at a time.)
CREATE FUNCTION eb.write_then_check(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  INSERT INTO eb.effects VALUES ((ctx->>'run_id')::bigint, ctx->>'item', (ctx->>'attempt')::int);
  SELECT jsonb_build_object('q', (ctx->>'item')::int / (ctx->>'item' <> '5')::int) $$;
SELECT FROM realmap.create_dag('eb_fail');
SELECT FROM realmap.add_task('eb_fail', 'src', 'eb.src(jsonb)');
SELECT FROM realmap.add_task('eb_fail', 'work', 'eb.write_then_check(jsonb)', upstream => '{src}', mode => 'map');
SELECT realmap.run('{}', dag => 'eb_fail') AS rx \gset
SELECT is(realmap.wait(:rx, '30 s'), 'failed', 'a run whose item 5 fails ends failed');
SELECT results_eq(format($$SELECT state, error_sqlstate, error_message FROM realmap.task_instances
                            WHERE run_id = %s AND task_name = 'work' AND item = '5'$$, :rx),
    $$VALUES ('failed', '22012', 'division by zero')$$, 'item 5 failed with its own error');
SELECT is((SELECT array_agg(item::int ORDER BY item::int) FROM eb.effects WHERE run_id = :rx),
          '{1,2,3,4,6,7,8,9,10}'::int[], 'the other nine items'' writes are there once each, item 5''s is gone');

SELECT FROM realmap.create_dag('eb_fence');
SELECT FROM realmap.add_task('eb_fence', 'src', 'eb.src(jsonb)');
SELECT FROM realmap.add_task('eb_fence', 'work', 'eb.work(jsonb)', upstream => '{src}', mode => 'map');

SELECT pg_advisory_lock(4242);
SELECT realmap.run('{}', dag => 'eb_fence') AS r \gset
-- A worker holds one batch at a time, so two items running under one pid are one
-- batch.  Which worker gets which items is up to them: a worker whose last task was
-- slow (a 1 s task of engine_admin.sql) claims one at a time, so the test looks for
-- the batch with mates rather than assuming where item 1 went.
SELECT eb.until(format($$SELECT EXISTS (SELECT FROM realmap.task_instances WHERE run_id = %s AND task_name = 'work'
                                          AND state = 'running' GROUP BY worker_pid HAVING count(*) > 1)$$, :r)) AS blocked \gset
SELECT coalesce(max(item::int), 0) AS stale, count(*) AS mates
  FROM realmap.task_instances
 WHERE run_id = :r AND task_name = 'work' AND state = 'running'
   AND worker_pid = (SELECT worker_pid FROM realmap.task_instances WHERE run_id = :r AND task_name = 'work' AND state = 'running'
                      GROUP BY worker_pid HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT 1) \gset
SELECT ok(:'blocked' AND :stale > 0, format('a worker''s batch holds %s items while its first one waits (item %s is made stale)',
                                            :mates, :stale));
-- another claim takes it over while the batch runs (what the launcher does when a lease runs out)
UPDATE realmap.task_instances SET attempt = attempt + 1 WHERE run_id = :r AND task_name = 'work' AND item = :'stale';
SELECT pg_advisory_unlock(4242);
SELECT ok(eb.until(format($$SELECT count(*) = 9 FROM realmap.task_instances
                            WHERE run_id = %s AND task_name = 'work' AND state = 'succeeded'$$, :r)),
          'the other 9 items complete');
SELECT ok((SELECT count(*) = 9 AND count(DISTINCT item) = 9 AND bool_and(attempt = 1) AND NOT bool_or(item = :'stale')
             FROM eb.effects WHERE run_id = :r),
          'each of them took effect once, in its own claim; the stale item''s first run left nothing');
SELECT results_eq(format($$SELECT state, error_sqlstate FROM realmap.attempt_history
                            WHERE run_id = %s AND item = %L$$, :r, :'stale'),
    $$VALUES ('fenced', '40001')$$, 'the stale item''s report is recorded as fenced');
SELECT is((SELECT state FROM realmap.task_instances WHERE run_id = :r AND task_name = 'work' AND item = :'stale'), 'running',
          'and its instance is left to the claim that took it over');
-- that claim gives it back; it runs again
UPDATE realmap.task_instances SET state = 'ready', attempt = attempt - 1, worker_pid = NULL
 WHERE run_id = :r AND task_name = 'work' AND item = :'stale';
SELECT realmap._wake_workers();
SELECT is(realmap.wait(:r, '30 s'), 'succeeded', 'the run succeeds');
SELECT is((SELECT count(*) FROM eb.effects WHERE run_id = :r), 10::bigint, 'ten effects in all');
SELECT is((SELECT max(attempt) FROM realmap.task_instances WHERE run_id = :r AND task_name = 'work' AND item = :'stale'), 2,
          'the stale item ran again in a new claim');

SELECT * FROM finish();
