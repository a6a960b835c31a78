-- A worker's batch: its tasks' completions are applied in one statement at the end.
-- One of them fenced off meanwhile (here: its claim taken over while the batch runs,
-- as a lease running out would) rolls the whole batch back, and the batch runs again
-- task by task without the stale one: every other task's effect is there exactly
-- once, the stale task's first run left nothing, and its late report is recorded.
-- And a task that fails among its batch mates loses only its own writes.
-- Completions are HOT updates (no index entry is written for them), and each worker's
-- lease row names what it runs while it runs it.
\set prefix 'eb\_'
\ir common.psql
DROP SCHEMA IF EXISTS eb CASCADE;
CREATE SCHEMA eb;
SELECT plan(18);

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

-- Completions write no index entry: no index of task_instances covers a column they
-- change (state included: the queue's indexes are on the generated column queue,
-- which is NULL both while running and once finished) ...
SELECT is((SELECT coalesce(string_agg(DISTINCT a.attname, ', ' ORDER BY a.attname), '')
             FROM pg_index i
             JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indrelid
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = d.refobjsubid
            WHERE i.indrelid = 'realmap.task_instances'::regclass
              AND a.attname IN ('state', 'output', 'finished_at', 'lease_expires_at', 'worker_pid', 'error_sqlstate',
                                'error_message', 'error_detail')),
          '', 'no index of task_instances covers a column a completion writes');
-- ... and the succeeded versions of the warm-up's 50 items are heap-only tuples: their
-- completion was a HOT update, with room for it on the row's page
CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public;
SELECT is((SELECT count(*) FILTER (WHERE (h.t_infomask2 & 32768) = 0)  -- HEAP_ONLY_TUPLE
             FROM realmap.task_instances ti
            CROSS JOIN LATERAL (SELECT (ti.ctid::text::point)[0]::int AS page, (ti.ctid::text::point)[1]::int AS lp) c
            CROSS JOIN LATERAL public.heap_page_items(public.get_raw_page('realmap.task_instances', c.page)) h
            WHERE ti.run_id = :w AND ti.task_name = 'noop' AND h.lp = c.lp), 0::bigint,
          'every completion of a map of 50 was a HOT update (its row version is heap-only)');
DROP EXTENSION pageinspect;

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
SELECT is((SELECT count(*) FROM realmap._running_instances x WHERE x.run_id = :r),
          (SELECT count(*) FROM realmap.task_instances WHERE run_id = :r AND state = 'running'),
          'each running instance is named by its worker''s lease row (realmap.worker_leases)');
-- another claim takes it over while the batch runs (what the launcher does when a lease
-- runs out): a made-up worker's, with its lease row, in one transaction as a claim writes it
BEGIN;
UPDATE realmap.task_instances SET attempt = attempt + 1, worker_pid = 2147483001
 WHERE run_id = :r AND task_name = 'work' AND item = :'stale' RETURNING instance_id AS stale_id \gset
INSERT INTO realmap.worker_leases VALUES (2147483001, now() + interval '1 hour', ARRAY[:r]::bigint[], ARRAY[:stale_id]::bigint[]);
COMMIT;
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
SELECT is((SELECT state FROM realmap.runs WHERE run_id = :r), 'running', 'the run is not over while that claim holds it');
-- that claim gives it back, in one transaction as the launcher would (between the two
-- the instance would be running under no lease, and the run could end); it runs again
BEGIN;
DELETE FROM realmap.worker_leases WHERE worker_pid = 2147483001;
UPDATE realmap.task_instances SET state = 'ready', attempt = attempt - 1, worker_pid = NULL
 WHERE run_id = :r AND task_name = 'work' AND item = :'stale';
COMMIT;
SELECT realmap._wake_workers();
SELECT is(realmap.wait(:r, '30 s'), 'succeeded', 'the run succeeds');
SELECT is((SELECT count(*) FROM realmap.worker_leases WHERE run_ids && ARRAY[:w, :rx, :r]::bigint[]), 0::bigint,
          'no lease row names these runs once they are over (each worker''s row is emptied)');
SELECT diag(format('lease row of worker %s: until %s, runs %s, instances %s', worker_pid, expires_at, run_ids, instance_ids))
  FROM realmap.worker_leases WHERE expires_at IS NOT NULL;
SELECT is((SELECT count(*) FROM eb.effects WHERE run_id = :r), 10::bigint, 'ten effects in all');
SELECT is((SELECT max(attempt) FROM realmap.task_instances WHERE run_id = :r AND task_name = 'work' AND item = :'stale'), 2,
          'the stale item ran again in a new claim');

-- A lease row holding more than the batch that ends (the claim was merged into a row
-- restored from a dump under the same pid) keeps what of it still runs.
BEGIN;
INSERT INTO realmap.task_instances (run_id, task_name, state, attempt, worker_pid, lease_expires_at)
VALUES (:r, 'restored', 'running', 1, 2147483002, now() + interval '1 hour') RETURNING instance_id AS restored \gset
INSERT INTO realmap.worker_leases
VALUES (2147483002, now() + interval '1 hour', ARRAY[:r]::bigint[], ARRAY[:restored, :stale_id]::bigint[]);
SELECT realmap._end_lease(2147483002, 1);
SELECT is((SELECT instance_ids FROM realmap.worker_leases WHERE worker_pid = 2147483002), ARRAY[:restored]::bigint[],
          'the end of a batch of one keeps the lease of the restored instance still running under its pid');
UPDATE realmap.task_instances SET state = 'failed' WHERE instance_id = :restored;
SELECT realmap._end_lease(2147483002, 0);
SELECT is((SELECT count(*) FROM realmap.worker_leases WHERE worker_pid = 2147483002), 0::bigint,
          'and drops the row once nothing of it runs');
ROLLBACK;

SELECT * FROM finish();
