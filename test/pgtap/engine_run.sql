-- Running DAGs with the workers: contexts, maps, fan-ins, failures, retries, resume,
-- rerun, timeouts, cancel, human tasks, queueing, idempotency, concurrency limits.
-- No surrounding transaction: workers only see committed rows.
\set prefix 'er\_'
\ir common.psql
DROP SCHEMA IF EXISTS er CASCADE;
CREATE SCHEMA er;
SELECT plan(49);

CREATE TABLE er.flags (name text PRIMARY KEY, value boolean);
CREATE TABLE er.effects (run_id bigint, task text, item text, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION er.echo(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT ctx $$;
CREATE FUNCTION er.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items', coalesce(ctx->'params'->'items', '[]'), 'note', 'from src') $$;
CREATE FUNCTION er.upper(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('upper', upper(ctx->>'item'), 'upstream', ctx->'upstream') $$;
-- fails item "3" with a data exception (class 22: not retried) unless flag fixed is set
CREATE FUNCTION er.picky(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO er.effects (run_id, task, item) VALUES ((ctx->>'run_id')::bigint, ctx->>'task', ctx->>'item');
  IF ctx->>'item' = '3' AND NOT coalesce((SELECT value FROM er.flags WHERE name = 'fixed'), false) THEN
    RAISE EXCEPTION 'item 3 is malformed' USING ERRCODE = '22P02', DETAIL = 'row 3 has 14 cells';
  END IF;
  RETURN jsonb_build_object('ok', ctx->>'item');
END $$;
-- fails (retryable) before its third attempt
CREATE FUNCTION er.flaky(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  IF (ctx->>'attempt')::int < 3 THEN RAISE EXCEPTION 'transient failure %', ctx->>'attempt'; END IF;
  RETURN jsonb_build_object('attempt', ctx->'attempt');
END $$;
CREATE FUNCTION er.always_fails(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'still broken'; END $$;
CREATE FUNCTION er.sleepy(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO er.effects (run_id, task, item) VALUES ((ctx->>'run_id')::bigint, ctx->>'task', ctx->>'item');
  PERFORM pg_sleep(coalesce((ctx->'params'->>'sleep')::float8, 0.2));
  RETURN '{}';
END $$;
CREATE FUNCTION er.ask(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN ctx->'human' IS NULL
              THEN realmap.await_human(coalesce(ctx->'params'->>'kind', 'captcha'), 'type the letters',
                                       '{"image": "iVBORw0KGgo="}', coalesce(ctx->'params'->>'deadline', '1 hour')::interval)
              ELSE jsonb_build_object('answer', ctx->'human'->'answer') END $$;

-- ---------------------------------------------------------------- contexts
SELECT FROM realmap.create_dag('er_ctx', default_params => '{"a": 1, "b": 2}');
SELECT FROM realmap.add_task('er_ctx', 'src', 'er.src(jsonb)');
SELECT FROM realmap.add_task('er_ctx', 'm', 'er.upper(jsonb)', upstream => '{src}', mode => 'map');
SELECT FROM realmap.add_task('er_ctx', 'e', 'er.echo(jsonb)', upstream => '{m}', mode => 'each');
SELECT FROM realmap.add_task('er_ctx', 'f', 'er.echo(jsonb)', upstream => '{e}');
SELECT realmap.run('{"b": 3, "items": ["x", "y"]}', dag => 'er_ctx') AS r \gset
SELECT is(realmap.wait(:r, '60 s'), 'succeeded', 'a map run succeeds');
SELECT is((SELECT output->'params' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'e' AND item = 'x'),
          '{"a": 1, "b": 3, "items": ["x", "y"]}'::jsonb, 'params are the run''s merged over the DAG''s defaults');
SELECT is((SELECT output - 'params' - 'upstream' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'e' AND item = 'x'),
          jsonb_build_object('run_id', :r, 'dag', 'er_ctx', 'task', 'e', 'item', 'x', 'attempt', 1), 'the context names run, dag, task, item, attempt');
SELECT is((SELECT output->'upstream' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'm' AND item = 'y'),
          '{"src": {"note": "from src"}}'::jsonb, 'a map instance sees its source''s output without the items');
SELECT is((SELECT output->'upstream'->'m'->>'upper' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'e' AND item = 'y'),
          'Y', 'an each instance sees the same item''s upstream output');
SELECT is((SELECT output->'upstream' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'f'),
          '{"e": {"failed": 0, "skipped": 0, "succeeded": 2, "failed_items": []}}'::jsonb, 'a fan-in sees a summary');
SELECT is((SELECT output->>'item' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'f'), NULL, 'a single task has no item');
SELECT results_eq(format('SELECT task_name, total, succeeded FROM realmap.run_status(%s)', :r),
    $$VALUES ('src', 1::bigint, 1::bigint), ('m', 2, 2), ('e', 2, 2), ('f', 1, 1)$$, 'run_status counts every task');

SELECT realmap.run('{"items": []}', dag => 'er_ctx') AS r \gset
SELECT is(realmap.wait(:r, '60 s'), 'succeeded', 'a map over no items succeeds');
SELECT is((SELECT output->'upstream'->'e'->>'succeeded' FROM realmap.task_instances WHERE run_id = :r AND task_name = 'f'), '0',
          'and its fan-in runs over zero items');

-- ---------------------------------------------------------------- a failing item
SELECT FROM realmap.create_dag('er_fail');
SELECT FROM realmap.add_task('er_fail', 'src', 'er.src(jsonb)');
SELECT FROM realmap.add_task('er_fail', 'm', 'er.picky(jsonb)', upstream => '{src}', mode => 'map', backoff => '0');
SELECT FROM realmap.add_task('er_fail', 'e', 'er.echo(jsonb)', upstream => '{m}', mode => 'each');
SELECT FROM realmap.add_task('er_fail', 'fin', 'er.echo(jsonb)', upstream => '{e}', trigger_rule => 'all_done');
SELECT realmap.run('{"items": ["1", "2", "3", "4", "5"]}', dag => 'er_fail') AS rf \gset
SELECT is(realmap.wait(:rf, '60 s'), 'failed', 'a run with a failed item ends failed');
SELECT results_eq(format($$SELECT state, attempt, error_sqlstate, error_message, error_detail FROM realmap.task_instances
                           WHERE run_id = %s AND task_name = 'm' AND item = '3'$$, :rf),
    $$VALUES ('failed', 1, '22P02', 'item 3 is malformed', 'row 3 has 14 cells')$$,
    'a data exception fails at once, with its SQLSTATE, message and detail');
SELECT is((SELECT state FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'e' AND item = '3'), 'upstream_failed',
          'only that item''s chain stops');
SELECT is((SELECT count(*) FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'e' AND state = 'succeeded'), 4::bigint,
          'the other items go on');
SELECT is((SELECT output->'upstream'->'e' FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'fin'),
          '{"failed": 1, "skipped": 0, "succeeded": 4, "failed_items": ["3"]}'::jsonb, 'the all_done fan-in still ran, with the failed items');
SELECT is((SELECT note FROM realmap.runs WHERE run_id = :rf), '1 failed, 1 upstream_failed', 'the run says what failed');

-- resume: fix the cause, re-run only what did not succeed
SELECT finished_at AS ok_finished FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'm' AND item = '1' \gset
INSERT INTO er.flags VALUES ('fixed', true);
SELECT is(realmap.resume(:rf), 'running', 'resume re-queues the failed run');
SELECT is(realmap.wait(:rf, '60 s'), 'succeeded', 'and it succeeds once the cause is fixed');
SELECT is((SELECT finished_at FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'm' AND item = '1'), :'ok_finished'::timestamptz,
          'succeeded instances were kept, not re-run');
SELECT is((SELECT count(*) FROM er.effects WHERE run_id = :rf AND item = '1'), 1::bigint, 'item 1 ran exactly once');
SELECT is((SELECT count(*) FROM er.effects WHERE run_id = :rf AND item = '3'), 1::bigint,
          'item 3 ran again; the failed attempt''s write was rolled back with it');
SELECT is((SELECT output->'upstream'->'e'->>'succeeded' FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'fin'), '5',
          'the all_done fan-in ran again over all five');
SELECT results_eq(format($$SELECT attempt, state, error_message FROM realmap.task_attempts
                           WHERE run_id = %s AND task_name = 'm' AND item = '3' ORDER BY attempt$$, :rf),
    $$VALUES (1, 'failed', 'item 3 is malformed'), (2, 'succeeded', NULL)$$,
    'the attempt that failed before the resume stays in the history, with its error');
-- rerun from a task: it and everything downstream run again
SELECT is(realmap.rerun(:rf, 'm'), 'running', 'rerun from m');
SELECT is(realmap.wait(:rf, '60 s'), 'succeeded', 'the rerun succeeds');
SELECT is((SELECT count(*) FROM er.effects WHERE run_id = :rf AND item = '1'), 2::bigint, 'rerun ran item 1 again');
SELECT is((SELECT max(attempt) FROM realmap.task_instances WHERE run_id = :rf AND task_name = 'src'), 1, 'upstream of the rerun was kept');
SELECT results_eq(format($$SELECT state FROM realmap.task_attempts
                           WHERE run_id = %s AND task_name = 'm' AND item = '3' ORDER BY finished_at$$, :rf),
    $$VALUES ('failed'), ('succeeded'), ('succeeded')$$,
    'the map instances a rerun replaced keep their attempts in the history');
SELECT throws_ok(format($$SELECT realmap.rerun(%s, 'nope')$$, :rf), '42704', 'DAG "er_fail" has no task "nope"', 'rerun of an unknown task');

-- ---------------------------------------------------------------- retries
SELECT FROM realmap.create_dag('er_retry');
SELECT FROM realmap.add_task('er_retry', 'flaky', 'er.flaky(jsonb)', max_attempts => 3, backoff => '200 ms', backoff_factor => 2, jitter => 0);
SELECT FROM realmap.add_task('er_retry', 'broken', 'er.always_fails(jsonb)', max_attempts => 2, backoff => '10 ms');
SELECT realmap.run('{}', dag => 'er_retry') AS rr \gset
SELECT is(realmap.wait(:rr, '60 s'), 'failed', 'a run with an exhausted task fails');
SELECT results_eq(format($$SELECT attempt, state FROM realmap.task_attempts WHERE run_id = %s AND task_name = 'flaky' ORDER BY attempt$$, :rr),
    $$VALUES (1, 'failed'), (2, 'failed'), (3, 'succeeded')$$, 'a retryable error is retried until it succeeds');
SELECT ok((SELECT bool_and(gap) FROM (
    SELECT b.started_at - a.finished_at >= interval '200 ms' * power(2, a.attempt - 1) AS gap
      FROM realmap.task_attempts a JOIN realmap.task_attempts b ON b.instance_id = a.instance_id AND b.attempt = a.attempt + 1
     WHERE a.run_id = :rr AND a.task_name = 'flaky') g), 'exponential backoff: 200 ms, then 400 ms');
SELECT results_eq(format($$SELECT attempt, state, error_message FROM realmap.task_attempts WHERE run_id = %s AND task_name = 'broken' ORDER BY attempt$$, :rr),
    $$VALUES (1, 'failed', 'still broken'), (2, 'failed', 'still broken')$$, 'max_attempts bounds the retries');

-- ---------------------------------------------------------------- timeouts and cancel
SELECT FROM realmap.create_dag('er_slow', max_active_runs => 5);
SELECT FROM realmap.add_task('er_slow', 'nap', 'er.sleepy(jsonb)', timeout => '300 ms', max_attempts => 1);
SELECT realmap.run('{"sleep": 5}', dag => 'er_slow') AS rt \gset
SELECT is(realmap.wait(:rt, '60 s'), 'failed', 'a task past its timeout fails');
SELECT results_eq(format($$SELECT error_sqlstate, error_message FROM realmap.task_instances WHERE run_id = %s$$, :rt),
    $$VALUES ('57014', 'task timed out after 300 ms')$$, 'with a timeout error');
SELECT is((SELECT count(*) FROM er.effects WHERE run_id = :rt), 0::bigint, 'and its writes were rolled back');

SELECT FROM realmap.create_dag('er_cancel');
SELECT FROM realmap.add_task('er_cancel', 'nap', 'er.sleepy(jsonb)', timeout => '1 minute');
SELECT realmap.run('{"sleep": 30}', dag => 'er_cancel') AS rc \gset
DO $$ BEGIN  -- until the task is running
  FOR i IN 1..200 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM realmap.task_instances WHERE task_name = 'nap' AND state = 'running'
                       AND run_id = (SELECT max(run_id) FROM realmap.runs WHERE dag_name = 'er_cancel'));
    PERFORM pg_sleep(0.05);
  END LOOP; END $$;
SELECT clock_timestamp() AS cancel_at \gset
SELECT is(realmap.cancel(:rc), 'cancelled', 'cancel a running run');
SELECT is(realmap.wait(:rc, '10 s'), 'cancelled', 'the run is cancelled');
DO $$ BEGIN  -- the worker lets go of the task
  FOR i IN 1..200 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'realmap worker' AND query LIKE '%er_cancel%nap%');
    PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot();
  END LOOP; END $$;
SELECT ok(clock_timestamp() - :'cancel_at'::timestamptz < interval '10 seconds', 'the running task stopped promptly, not after its 30 s');
SELECT is((SELECT state FROM realmap.task_instances WHERE run_id = :rc), 'cancelled', 'its instance is cancelled');
SELECT is((SELECT count(*) FROM er.effects WHERE run_id = :rc), 0::bigint, 'and nothing it wrote was kept');

-- ---------------------------------------------------------------- human tasks
SELECT FROM realmap.create_dag('er_human', max_active_runs => 3);
SELECT FROM realmap.add_task('er_human', 'ask', 'er.ask(jsonb)', max_attempts => 1);
SELECT realmap.run('{}', dag => 'er_human') AS rh \gset
DO $$ BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM realmap.human_tasks WHERE state = 'open' AND run_id = (SELECT max(run_id) FROM realmap.runs WHERE dag_name = 'er_human'));
    PERFORM pg_sleep(0.05);
  END LOOP; END $$;
SELECT results_eq(format($$SELECT kind, prompt, payload->>'image', state FROM realmap.human_tasks WHERE run_id = %s$$, :rh),
    $$VALUES ('captcha', 'type the letters', 'iVBORw0KGgo=', 'open')$$, 'a task parks on a human task with its payload');
SELECT is((SELECT state FROM realmap.runs WHERE run_id = :rh), 'waiting', 'the run is waiting');
SELECT ok(realmap.solve_captcha(:rh, 'x7PQ2a') > 0, 'solve_captcha answers it');
SELECT is(realmap.wait(:rh, '60 s'), 'succeeded', 'the answer resumes the task');
SELECT is((SELECT output FROM realmap.task_instances WHERE run_id = :rh), '{"answer": "x7PQ2a"}'::jsonb, 'which sees the answer');
SELECT throws_ok(format('SELECT realmap.solve_captcha(%s, %L)', :rh, 'again'), '42704', NULL, 'no open CAPTCHA left');
SELECT realmap.run('{"deadline": "200 ms"}', dag => 'er_human') AS rd \gset
SELECT is(realmap.wait(:rd, '60 s'), 'failed', 'an unanswered human task fails past its deadline');
SELECT ok((SELECT error_message LIKE 'the CAPTCHA (human task % was not answered by its deadline %' FROM realmap.task_instances WHERE run_id = :rd),
          'saying so');

SELECT * FROM finish();
