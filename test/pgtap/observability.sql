-- Observability: run_summary, stage_stats, active_tasks, open_human_tasks and the
-- Prometheus text of realmap.metrics, over history rows written here by hand (so every
-- expected number is known), and who may read them.  One transaction, rolled back:
-- no worker ever sees these rows.  REPEATABLE READ: every statement sees the same
-- snapshot (and now()), whatever other sessions commit meanwhile.
\ir tap_settings.psql
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT plan(36);
SET LOCAL client_min_messages = warning;

CREATE SCHEMA obs;
CREATE FUNCTION obs.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
-- a moment s seconds from the transaction's start (NULL stays NULL)
CREATE FUNCTION obs.at(s float8) RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT now() + make_interval(secs => s) $$;
CREATE FUNCTION obs.ti(p_run bigint, p_task text, p_item text, p_state text, p_attempt int,
                       p_ready float8, p_started float8, p_finished float8,
                       p_sqlstate text DEFAULT NULL, p_message text DEFAULT NULL) RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO realmap.task_instances (run_id, task_name, item, state, attempt, ready_at, started_at, finished_at,
                                      error_sqlstate, error_message)
  VALUES (p_run, p_task, p_item, p_state, p_attempt, obs.at(p_ready), obs.at(p_started), obs.at(p_finished),
          p_sqlstate, p_message)
  RETURNING instance_id $$;
CREATE FUNCTION obs.h(p_instance bigint, p_attempt int, p_state text, p_started float8, p_finished float8,
                      p_sqlstate text, p_message text) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO realmap.attempt_history (run_id, instance_id, task_name, item, attempt, state, worker_pid,
                                       started_at, finished_at, error_sqlstate, error_message)
  SELECT run_id, instance_id, task_name, item, p_attempt, p_state, 4242, obs.at(p_started), obs.at(p_finished),
         p_sqlstate, p_message
    FROM realmap.task_instances WHERE instance_id = p_instance $$;

SELECT FROM realmap.create_dag('obs_dag');
SELECT FROM realmap.add_task('obs_dag', 'src', 'obs.noop(jsonb)');
SELECT FROM realmap.add_task('obs_dag', 'm', 'obs.noop(jsonb)', upstream => '{src}', mode => 'map');
SELECT FROM realmap.add_task('obs_dag', 'fin', 'obs.noop(jsonb)', upstream => '{m}', trigger_rule => 'all_done');

-- run A: failed, 10 to 5 minutes ago.  Attempt durations (claimed -> ended) and queue
-- times (ready -> claimed), in seconds:
--   src      succeeded                                   1      queue 0.5
--   m[a]     succeeded (and a late report, fenced)       2      queue 1
--   m[b]     failed 1, then succeeded                    1, 3   queue 1
--   m[c]     crashed 1, then failed for good (22P02)     4, 1   queue 2
--   m[d]     timed out for good (current row + history)  5      queue 1
--   fin      succeeded                                   1      queue 0.5
INSERT INTO realmap.runs (dag_name, state, params, config, created_at, started_at, finished_at, note)
VALUES ('obs_dag', 'failed', '{"x": 1}', '{}', obs.at(-600), obs.at(-600), obs.at(-300), '2 failed')
RETURNING run_id AS ra \gset
SELECT FROM obs.ti(:ra, 'src', NULL, 'succeeded', 1, -600, -599.5, -598.5);
SELECT obs.ti(:ra, 'm', 'a', 'succeeded', 1, -598, -597, -595) AS a_a \gset
SELECT FROM obs.h(:a_a, 1, 'fenced', -597, -590, '40001', 'completion rejected: the claim of attempt 1 is no longer current');
SELECT obs.ti(:ra, 'm', 'b', 'succeeded', 2, -590, -589, -586) AS a_b \gset
SELECT FROM obs.h(:a_b, 1, 'failed', -597, -596, 'XX000', 'boom');
SELECT obs.ti(:ra, 'm', 'c', 'failed', 2, -580, -578, -577, '22P02', 'bad') AS a_c \gset
SELECT FROM obs.h(:a_c, 1, 'crashed', -597, -593, '57P01', 'attempt 1 crashed: lease expired (worker pid 4242)');
SELECT obs.ti(:ra, 'm', 'd', 'failed', 1, -598, -597, -592, '57014', 'task timed out after 300 ms') AS a_d \gset
SELECT FROM obs.h(:a_d, 1, 'timed_out', -597, -592, '57014', 'task timed out after 300 ms');
SELECT FROM obs.ti(:ra, 'fin', NULL, 'succeeded', 1, -576, -575.5, -574.5);

-- run B: waiting, started a minute ago: m[a] running for 30 s on a worker that is gone,
-- its lease out for 5 s; m[b] ready for 20 s; m[c] waiting for a human (a kind that
-- needs escaping as a Prometheus label: quotes, a backslash, a line feed)
INSERT INTO realmap.runs (dag_name, state, params, config, created_at, started_at)
VALUES ('obs_dag', 'waiting', '{"x": 2}', '{}', obs.at(-60), obs.at(-60))
RETURNING run_id AS rb \gset
SELECT FROM obs.ti(:rb, 'src', NULL, 'succeeded', 1, -60, -59, -57);
SELECT obs.ti(:rb, 'm', 'a', 'running', 1, -57, -30, NULL) AS b_a \gset
UPDATE realmap.task_instances SET worker_pid = 2147483000, lease_expires_at = obs.at(-5) WHERE instance_id = :b_a;
-- (a claim records what each worker holds: the index of running instances)
INSERT INTO realmap.worker_leases VALUES (2147483000, obs.at(-5), ARRAY[:rb]::bigint[], ARRAY[:b_a]::bigint[]);
SELECT FROM obs.ti(:rb, 'm', 'b', 'ready', 0, -20, NULL, NULL);
SELECT obs.ti(:rb, 'm', 'c', 'waiting', 1, -57, -56, NULL) AS b_c \gset
INSERT INTO realmap.human_tasks (run_id, instance_id, task_name, item, kind, prompt, payload, created_at, deadline)
VALUES (:rb, :b_c, 'm', 'c', E'say "hi" \\ now\nplease', 'type it', '{"image": "iVBORw0KGgo="}', obs.at(-55), obs.at(3545))
RETURNING human_task_id AS hb \gset
UPDATE realmap.task_instances SET human_task_id = :hb WHERE instance_id = :b_c;
SELECT FROM obs.ti(:rb, 'fin', NULL, 'pending', 0, NULL, NULL, NULL);

-- run C: succeeded 8 days ago (outside the default windows); run D: queued, nothing yet
INSERT INTO realmap.runs (dag_name, state, params, config, created_at, started_at, finished_at)
VALUES ('obs_dag', 'succeeded', '{}', '{}', obs.at(-691200), obs.at(-691200), obs.at(-691190))
RETURNING run_id AS rc \gset
SELECT FROM obs.ti(:rc, 'src', NULL, 'succeeded', 1, -691200, -691200, -691190);
INSERT INTO realmap.runs (dag_name, state, params, config) VALUES ('obs_dag', 'queued', '{}', '{}')
RETURNING run_id AS rd \gset

-- DAG "obs.edge-case", run E (cancelled two minutes ago): what counts as an attempt
--   m[p]  failed (history), then cancelled while waiting for its retry  -> failed, 1 s
--   m[q]  cancelled while running, its late report fenced, then
--         re-queued by resume (pending, attempt still 1)               -> fenced, 2 s
--   m[r]  ran and returned realmap.skip_item                           -> skipped, 3 s
--   m[s]  skipped without running (after a re-queue: attempt 1 kept)   -> no attempt
--   m[t]  upstream_failed (likewise)                                   -> no attempt
--   m[u]  cancelled while running, its late report fenced             -> cancelled, 4 s
SELECT FROM realmap.create_dag('obs.edge-case');
SELECT FROM realmap.add_task('obs.edge-case', 'src', 'obs.noop(jsonb)');
SELECT FROM realmap.add_task('obs.edge-case', 'm', 'obs.noop(jsonb)', upstream => '{src}', mode => 'map');
INSERT INTO realmap.runs (dag_name, state, params, config, created_at, started_at, finished_at)
VALUES ('obs.edge-case', 'cancelled', '{}', '{}', obs.at(-120), obs.at(-120), obs.at(-90))
RETURNING run_id AS re \gset
SELECT obs.ti(:re, 'm', 'p', 'cancelled', 1, -101, -100, -50) AS e_p \gset
SELECT FROM obs.h(:e_p, 1, 'failed', -100, -99, 'XX000', 'boom');
SELECT obs.ti(:re, 'm', 'q', 'pending', 1, -101, -100, NULL) AS e_q \gset
SELECT FROM obs.h(:e_q, 1, 'fenced', -100, -98, '40001', 'completion rejected');
SELECT FROM obs.ti(:re, 'm', 'r', 'skipped', 1, -101, -100, -97);
UPDATE realmap.task_instances SET output = '{"realmap_skip": "nothing to do"}' WHERE run_id = :re AND item = 'r';
SELECT FROM obs.ti(:re, 'm', 's', 'skipped', 1, -101, -100, -90);
SELECT FROM obs.ti(:re, 'm', 't', 'upstream_failed', 1, -101, -100, -80);
SELECT obs.ti(:re, 'm', 'u', 'cancelled', 1, -101, -100, -96) AS e_u \gset
SELECT FROM obs.h(:e_u, 1, 'fenced', -100, -95, '40001', 'completion rejected');

-- ---------------------------------------------------------------- task_attempts
SELECT results_eq(format($$SELECT item, state FROM realmap.task_attempts WHERE run_id = %s ORDER BY item, state$$, :re),
    $$VALUES ('p', 'failed'), ('q', 'fenced'), ('r', 'skipped'), ('u', 'cancelled'), ('u', 'fenced')$$,
    'realmap.task_attempts: each attempt once (a failure then cancelled shows as the failure), a skip by the task as skipped, no row for what never ran, a late report beside its attempt');

-- ---------------------------------------------------------------- run_summary
SELECT is(realmap.run_summary(:ra) - 'as_of',
    jsonb_build_object(
        'run_id', :ra, 'dag', 'obs_dag', 'state', 'failed', 'params', '{"x": 1}'::jsonb,
        'started_at', obs.at(-600), 'finished_at', obs.at(-300), 'duration_s', 300.0,
        'tasks', '{"src": {"succeeded": 1}, "m": {"succeeded": 2, "failed": 2}, "fin": {"succeeded": 1}}'::jsonb,
        'error_count', 2,
        'errors', '[{"task": "m", "item": "c", "sqlstate": "22P02", "message": "bad"},
                    {"task": "m", "item": "d", "sqlstate": "57014", "message": "task timed out after 300 ms"}]'::jsonb,
        'errors_by_task', '{"m": {"22P02": 1, "57014": 1}}'::jsonb,
        'scored', 0, 'score_status', '{}'::jsonb, 'median_price_inr', NULL),
    'run_summary of a finished run: times, instances per task and state, errors, no scores');
SELECT ok((realmap.run_summary(:ra)->>'as_of')::timestamptz >= now(), 'as_of says when it was taken');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(realmap.run_summary(:ra)) k),
    '{as_of,dag,duration_s,error_count,errors,errors_by_task,finished_at,median_price_inr,params,run_id,score_status,scored,started_at,state,tasks}'::text[],
    'the keys of a summary');
SELECT results_eq(format($$SELECT s->>'state', s->'finished_at', s->'tasks', (s->>'duration_s')::numeric BETWEEN 60 AND 3600
                             FROM realmap.run_summary(%s) s$$, :rb),
    $$VALUES ('waiting', 'null'::jsonb,
              '{"src": {"succeeded": 1}, "m": {"ready": 1, "running": 1, "waiting": 1}, "fin": {"pending": 1}}'::jsonb, true)$$,
    'run_summary of a run still going: its state, no finish, the duration so far, every instance');
SELECT results_eq(format($$SELECT s->'tasks', s->'duration_s', s->'started_at' FROM realmap.run_summary(%s) s$$, :rd),
    $$VALUES ('{"src": {}, "m": {}, "fin": {}}'::jsonb, 'null'::jsonb, 'null'::jsonb)$$,
    'a queued run: every task of its DAG, with no instances yet');
SELECT throws_ok('SELECT realmap.run_summary(-1)', 'P0002', 'run -1 does not exist', 'an unknown run is an error');
SELECT throws_ok('SELECT realmap.run_summary(NULL)', 'P0002', 'run (none) does not exist', 'so is no run');
-- what finalize writes today is all there, with the same values (duration and median
-- are finalize's own: it runs before the run ends and computes the median)
SELECT realmap._finalize_task(jsonb_build_object('run_id', :ra, 'dag', 'obs_dag')) AS fin_out \gset
SELECT is((SELECT jsonb_object_agg(k, realmap.run_summary(:ra)->k) FROM unnest(ARRAY['run_id', 'dag', 'started_at', 'tasks',
              'error_count', 'errors', 'errors_by_task', 'scored', 'score_status']) k),
          (SELECT jsonb_object_agg(k, :'fin_out'::jsonb->k) FROM unnest(ARRAY['run_id', 'dag', 'started_at', 'tasks',
              'error_count', 'errors', 'errors_by_task', 'scored', 'score_status']) k),
          'run_summary has what _finalize_task writes, with the same values');

-- ---------------------------------------------------------------- stage_stats
SELECT results_eq(format($$SELECT task_name, runs, instances, attempts, failed_attempts, failure_rate, retries,
                                  duration_p50, duration_p95, duration_max, queue_p50, queue_p95, last_run_id, last_run_at
                             FROM realmap.stage_stats() WHERE dag_name = 'obs_dag'$$),
    format($$VALUES ('src', 2::bigint, 2::bigint, 2::bigint, 0::bigint, 0::numeric, 0::bigint,
                     '1.5 s'::interval, '1.95 s'::interval, '2 s'::interval, '0.75 s'::interval, '0.975 s'::interval,
                     %1$s::bigint, %2$L::timestamptz),
                    ('m', 2, 7, 8, 4, 0.6667, 2, '2.5 s', '4.75 s', '5 s', '1 s', '20.75 s', %1$s, %2$L),
                    ('fin', 2, 2, 1, 0, 0, 0, '1 s', '1 s', '1 s', '0.5 s', '0.5 s', %1$s, %2$L)$$,
           :rb, (SELECT started_at FROM realmap.runs WHERE run_id = :rb)),
    'stage_stats over the last 7 days: counts, failure rate, retries, duration and queue percentiles, last run');
SELECT results_eq($$SELECT task_name, runs, instances, attempts, failed_attempts, failure_rate, retries,
                           duration_p50, duration_p95, duration_max FROM realmap.stage_stats() WHERE dag_name = 'obs.edge-case'$$,
    $$VALUES ('m', 1::bigint, 6::bigint, 4::bigint, 2::bigint, 0.5::numeric, 0::bigint, '2.5 s'::interval, '3.85 s'::interval, '4 s'::interval)$$,
    'an attempt is counted once, by its end; an instance that never ran has none');
SELECT results_eq($$SELECT runs, instances, attempts, duration_p50, duration_p95, duration_max, queue_p50, queue_p95
                      FROM realmap.stage_stats('30 days') WHERE dag_name = 'obs_dag' AND task_name = 'src'$$,
    $$VALUES (3::bigint, 3::bigint, 3::bigint, '2 s'::interval, '9.2 s'::interval, '10 s'::interval, '0.5 s'::interval, '0.95 s'::interval)$$,
    'a longer window takes in the older run');
SELECT results_eq($$SELECT task_name, runs FROM realmap.stage_stats(NULL) WHERE dag_name = 'obs_dag'$$,
    $$VALUES ('src', 3::bigint), ('m', 2::bigint), ('fin', 2::bigint)$$, 'NULL: all of the retained history');

-- ---------------------------------------------------------------- active_tasks, open_human_tasks
SELECT results_eq(format($$SELECT dag_name, task_name, item, state, attempt, worker_pid, running_for, lease_expires_at,
                                  lease_expired, worker_alive, human_task_id, human_kind
                             FROM realmap.active_tasks WHERE run_id = %s ORDER BY item$$, :rb),
    format($$VALUES ('obs_dag', 'm', 'a', 'running', 1, 2147483000, '30 s'::interval, %L::timestamptz, true, false,
                     NULL::bigint, NULL::text),
                    ('obs_dag', 'm', 'c', 'waiting', 1, NULL, '56 s', NULL, false, NULL, %s, %L)$$,
           obs.at(-5), :hb, E'say "hi" \\ now\nplease'),
    'active_tasks: running and waiting instances, how long, the lease and whether it ran out, the worker, the human task');
SELECT results_eq(format($$SELECT human_task_id, run_id, dag_name, task_name, item, kind, prompt, age, deadline, time_left
                             FROM realmap.open_human_tasks WHERE run_id = %s$$, :rb),
    format($$VALUES (%s::bigint, %s::bigint, 'obs_dag', 'm', 'c', %L, 'type it', '55 s'::interval, %L::timestamptz, '3545 s'::interval)$$,
           :hb, :rb, E'say "hi" \\ now\nplease', obs.at(3545)),
    'open_human_tasks: what waits for an answer, how long it has waited and how long it may');

-- ---------------------------------------------------------------- metrics
SELECT realmap.metrics() AS m \gset
SELECT is(realmap._prom_label(E'a\\b"c\nd'), E'a\\\\b\\"c\\nd', 'label values escape backslash, double quote and line feed');
SELECT is(right(:'m', 1), E'\n', 'the text ends with a line feed');
-- every line is a HELP, a TYPE or a sample "name{label="value",...} value"
SELECT is((SELECT string_agg(format('%s: %s', n, l), E'\n') FROM regexp_split_to_table(left(:'m', -1), E'\n') WITH ORDINALITY t(l, n)
            WHERE l !~ '^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]+$'
              AND l !~ '^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|summary|histogram|untyped)$'
              AND l !~ '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\["\\n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\["\\n])*")*\})? -?[0-9]+(\.[0-9]+)?$'),
          NULL, 'every line is a comment or name{labels} value');
-- each family: HELP then TYPE once, then its samples (a summary's _sum and _count too)
SELECT is((WITH l AS (SELECT l, n FROM regexp_split_to_table(left(:'m', -1), E'\n') WITH ORDINALITY t(l, n)),
                types AS (SELECT split_part(l, ' ', 3) AS name, split_part(l, ' ', 4) AS type, n FROM l WHERE l LIKE '# TYPE %'),
                helps AS (SELECT split_part(l, ' ', 3) AS name, n FROM l WHERE l LIKE '# HELP %'),
                samples AS (SELECT substring(l FROM '^[a-zA-Z_:][a-zA-Z0-9_:]*') AS name, n FROM l WHERE l NOT LIKE '#%')
           SELECT string_agg(problem, '; ') FROM (
               SELECT 'sample ' || s.n || ' outside its family' AS problem FROM samples s
                WHERE (SELECT t.name FROM types t WHERE t.n < s.n ORDER BY t.n DESC LIMIT 1)
                      IS DISTINCT FROM CASE WHEN (SELECT t.type FROM types t WHERE t.n < s.n ORDER BY t.n DESC LIMIT 1) = 'summary'
                                            THEN regexp_replace(s.name, '_(sum|count)$', '') ELSE s.name END
               UNION ALL
               SELECT 'TYPE ' || t.name || ' without its HELP just before' FROM types t
                WHERE NOT EXISTS (SELECT 1 FROM helps h WHERE h.name = t.name AND h.n = t.n - 1)
               UNION ALL
               SELECT 'family ' || name || ' twice' FROM types GROUP BY name HAVING count(*) > 1) p),
          NULL, 'every family has one HELP and one TYPE before its samples');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l LIKE 'realmap\_runs{dag="obs\_dag"%'),
$$realmap_runs{dag="obs_dag",state="queued"} 1
realmap_runs{dag="obs_dag",state="running"} 0
realmap_runs{dag="obs_dag",state="waiting"} 1
realmap_runs{dag="obs_dag",state="succeeded"} 1
realmap_runs{dag="obs_dag",state="failed"} 1
realmap_runs{dag="obs_dag",state="cancelled"} 0
realmap_runs{dag="obs_dag",state="skipped"} 0$$, 'realmap_runs: every state of the DAG, zeros too');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l LIKE 'realmap\_task\_instances{dag="obs\_dag"%' AND l NOT LIKE '% 0'),
$$realmap_task_instances{dag="obs_dag",task="src",state="succeeded"} 1
realmap_task_instances{dag="obs_dag",task="m",state="ready"} 1
realmap_task_instances{dag="obs_dag",task="m",state="running"} 1
realmap_task_instances{dag="obs_dag",task="m",state="waiting"} 1
realmap_task_instances{dag="obs_dag",task="fin",state="pending"} 1$$, 'realmap_task_instances: the instances of the active runs');
SELECT is((SELECT count(*) FROM regexp_split_to_table(:'m', E'\n') l WHERE l LIKE 'realmap\_task\_instances{dag="obs\_dag"%'),
          30::bigint, 'for every task and state (3 x 10)');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l LIKE 'realmap\_attempts{dag="obs\_dag"%'),
$$realmap_attempts{dag="obs_dag",task="src",outcome="succeeded"} 2
realmap_attempts{dag="obs_dag",task="src",outcome="failed"} 0
realmap_attempts{dag="obs_dag",task="src",outcome="crashed"} 0
realmap_attempts{dag="obs_dag",task="src",outcome="timed_out"} 0
realmap_attempts{dag="obs_dag",task="src",outcome="fenced"} 0
realmap_attempts{dag="obs_dag",task="src",outcome="cancelled"} 0
realmap_attempts{dag="obs_dag",task="src",outcome="skipped"} 0
realmap_attempts{dag="obs_dag",task="m",outcome="succeeded"} 2
realmap_attempts{dag="obs_dag",task="m",outcome="failed"} 2
realmap_attempts{dag="obs_dag",task="m",outcome="crashed"} 1
realmap_attempts{dag="obs_dag",task="m",outcome="timed_out"} 1
realmap_attempts{dag="obs_dag",task="m",outcome="fenced"} 0
realmap_attempts{dag="obs_dag",task="m",outcome="cancelled"} 0
realmap_attempts{dag="obs_dag",task="m",outcome="skipped"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="succeeded"} 1
realmap_attempts{dag="obs_dag",task="fin",outcome="failed"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="crashed"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="timed_out"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="fenced"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="cancelled"} 0
realmap_attempts{dag="obs_dag",task="fin",outcome="skipped"} 0$$,
    'realmap_attempts: ended attempts of the last hour''s runs, each once (a crash or timeout recorded twice, a fenced late report)');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l LIKE 'realmap\_task\_duration\_seconds%{dag="obs\_dag"%'),
$$realmap_task_duration_seconds{dag="obs_dag",task="src",quantile="0.5"} 1.5
realmap_task_duration_seconds{dag="obs_dag",task="src",quantile="0.95"} 1.95
realmap_task_duration_seconds_sum{dag="obs_dag",task="src"} 3
realmap_task_duration_seconds_count{dag="obs_dag",task="src"} 2
realmap_task_duration_seconds{dag="obs_dag",task="m",quantile="0.5"} 2.5
realmap_task_duration_seconds{dag="obs_dag",task="m",quantile="0.95"} 4.75
realmap_task_duration_seconds_sum{dag="obs_dag",task="m"} 16
realmap_task_duration_seconds_count{dag="obs_dag",task="m"} 6
realmap_task_duration_seconds{dag="obs_dag",task="fin",quantile="0.5"} 1
realmap_task_duration_seconds{dag="obs_dag",task="fin",quantile="0.95"} 1
realmap_task_duration_seconds_sum{dag="obs_dag",task="fin"} 1
realmap_task_duration_seconds_count{dag="obs_dag",task="fin"} 1$$, 'realmap_task_duration_seconds: a summary per task');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l ~ '^realmap_(oldest_ready_task_age_seconds|open_human_tasks|dag_last_success_timestamp_seconds)\{dag="obs_dag"'),
$$realmap_oldest_ready_task_age_seconds{dag="obs_dag",task="m"} 20
realmap_open_human_tasks{dag="obs_dag",kind="say \"hi\" \\ now\nplease"} 1
realmap_dag_last_success_timestamp_seconds{dag="obs_dag"} $$ || trim_scale(extract(epoch FROM obs.at(-691190)))::text,
    'queue latency, open human tasks (the kind escaped) and the last success');
SELECT is((SELECT string_agg(l, E'\n' ORDER BY n) FROM regexp_split_to_table(:'m', E'\n') WITH ORDINALITY t(l, n)
            WHERE l LIKE 'realmap\_attempts{dag="obs.edge-case",task="m"%' AND l NOT LIKE '% 0'),
$$realmap_attempts{dag="obs.edge-case",task="m",outcome="failed"} 1
realmap_attempts{dag="obs.edge-case",task="m",outcome="fenced"} 1
realmap_attempts{dag="obs.edge-case",task="m",outcome="cancelled"} 1
realmap_attempts{dag="obs.edge-case",task="m",outcome="skipped"} 1$$, 'the same attempts in the metrics');
SELECT ok(:'m' ~ E'\nrealmap_workers\\{state="busy"\\} [0-9]+\nrealmap_workers\\{state="idle"\\} [0-9]+\n'
          AND :'m' ~ E'\nrealmap_max_workers [0-9]+\n' AND :'m' ~ E'\nrealmap_launcher_up [01]\n',
          'workers busy and idle, the most there may be, the launcher');
SELECT is((SELECT count(*) FROM regexp_split_to_table(realmap.metrics('0 s'), E'\n') l WHERE l LIKE 'realmap\_attempts{dag="obs\_dag",task="m",outcome="failed"} 2'),
          0::bigint, 'a shorter window leaves the finished run out');

-- ---------------------------------------------------------------- who may read them
CREATE ROLE obs_nobody;
CREATE ROLE obs_reader IN ROLE realmap_reader;
SET ROLE obs_nobody;
SELECT throws_ok('SELECT realmap.metrics()', '42501', NULL, 'PUBLIC cannot call metrics');
SELECT throws_ok(format('SELECT realmap.run_summary(%s)', :ra), '42501', NULL, 'or run_summary');
SELECT throws_ok('SELECT * FROM realmap.stage_stats()', '42501', NULL, 'or stage_stats');
SELECT throws_ok('SELECT * FROM realmap.active_tasks', '42501', NULL, 'or read active_tasks');
SELECT throws_ok('SELECT * FROM realmap.open_human_tasks', '42501', NULL, 'or open_human_tasks');
RESET ROLE;
SELECT ok(NOT has_function_privilege('public', 'realmap.metrics(interval)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'realmap.run_summary(bigint)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'realmap.stage_stats(interval)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'realmap._attempts_of(bigint[])', 'EXECUTE')
          AND NOT has_table_privilege('public', 'realmap.active_tasks', 'SELECT')
          AND NOT has_table_privilege('public', 'realmap.open_human_tasks', 'SELECT'), 'nothing of it is granted to PUBLIC');
SELECT md5(realmap.metrics()) AS m_md5 \gset
SET ROLE obs_reader;
SELECT is(md5(realmap.metrics()), :'m_md5', 'a reader gets the same metrics as a superuser (workers included)');
SELECT is((SELECT count(*) FROM realmap.stage_stats() WHERE dag_name = 'obs_dag')
          + (SELECT count(*) FROM realmap.active_tasks WHERE dag_name = 'obs_dag')
          + (SELECT count(*) FROM realmap.open_human_tasks WHERE dag_name = 'obs_dag')
          + (realmap.run_summary(:ra)->>'error_count')::int, 3 + 2 + 1 + 2::bigint,
          'and reads stage_stats, active_tasks, open_human_tasks and run_summary');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
