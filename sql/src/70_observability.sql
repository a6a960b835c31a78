-- =====================================================================================
-- Observability: what a run did (realmap.run_summary), how each stage behaves over
-- recent runs (realmap.stage_stats), what is running or waiting for a human right now
-- (realmap.active_tasks, realmap.open_human_tasks) and the same for Prometheus
-- (realmap.metrics).  Read-only, over the engine's tables; for realmap_reader (grants in
-- 90_privileges.sql), never PUBLIC.
--
-- What a duration measures.  A claim sets started_at of every instance it takes to the
-- claim's time, and a worker claims fast tasks in batches of up to
-- realmap.worker_batch_size (sized to about 20 ms of work) and runs them one after the
-- other; network stages (fetch_details) claim up to fetch.batch_size and run them
-- concurrently.  So an attempt's duration (finished_at - started_at) is "claimed ->
-- ended": for a batched instance it includes the instances run before it in the same
-- batch, for a stage instance the time it was in flight beside the others, for a crashed
-- attempt the time until the crash was noticed (lease expiry or worker exit), and for a
-- timed-out human wait the wait.  "Queue" time (claimed - ready_at) is how long the
-- current attempt was ready before a worker claimed it: the dispatch latency.
-- =====================================================================================

-- Every attempt of the given runs, once: realmap.task_attempts without its duplicates.
-- An attempt can be recorded twice: a final crash or timeout is both the instance's
-- current row (state failed) and a history row (crashed / timed_out); a lease that ran
-- out is a history row "crashed" and, when the old worker reports late, another one
-- "fenced" for the same attempt; a cancelled running attempt is the current row
-- (cancelled) and a "fenced" history row.  Per (instance, attempt): the history row that
-- is not "fenced" if there is one, else the current row, else the "fenced" one (a late
-- report is all that is left of an attempt whose instance was re-queued since).
-- outcome: succeeded, failed, crashed, timed_out, fenced, cancelled, skipped (the task
-- returned realmap.skip_item), or running / waiting (still going).  queued: how long the
-- instance was ready before this attempt's claim (of the current attempt only: history
-- keeps no ready_at).
-- Cost: the runs' history (attempt_history_run) once, kept in memory; their instances by
-- the (run_id, task_name, item) index, one run at a time (LATERAL ... OFFSET 0: a
-- "run_id = ANY (p_runs)", or a join to unnest(p_runs), is planned without knowing the
-- array, as a third of the table, and scans all of it), checked against that history by
-- a hashed subplan, with no sort of the instances.  No JIT: compiling costs more than
-- these queries take.
CREATE FUNCTION realmap._attempts_of(p_runs bigint[])
RETURNS TABLE (run_id bigint, instance_id bigint, task_name text, item text, attempt int, outcome text,
               started_at timestamptz, finished_at timestamptz, queued interval)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    WITH h AS MATERIALIZED (
        SELECT y.* FROM unnest(p_runs) AS r(run_id)
         CROSS JOIN LATERAL (SELECT a.run_id, a.instance_id, a.task_name, a.item, a.attempt, a.state,
                                    a.started_at, a.finished_at
                               FROM realmap.attempt_history a
                              WHERE a.run_id = r.run_id
                                AND a.state <> 'released'   -- a claim handed back unrun is no attempt
                             OFFSET 0) y)
    -- attempts that ended in history (with the queue time when it was the current attempt)
    SELECT h.run_id, h.instance_id, h.task_name, h.item, h.attempt, h.state, h.started_at, h.finished_at,
           (SELECT CASE WHEN x.attempt = h.attempt AND x.ready_at <= x.started_at THEN x.started_at - x.ready_at END
              FROM realmap.task_instances x WHERE x.instance_id = h.instance_id)   -- by primary key
      FROM h
     WHERE h.state <> 'fenced'
    UNION ALL
    -- the current attempts that history does not have.  Only a failed or cancelled one can
    -- be in history too (a final crash or timeout; cancelled while waiting for its retry):
    -- any other current attempt is a newer claim than all of history
    SELECT c.run_id, c.instance_id, c.task_name, c.item, c.attempt, c.state, c.started_at, c.finished_at, c.queued
      FROM unnest(p_runs) AS r(run_id)
     CROSS JOIN LATERAL (
            SELECT x.run_id, x.instance_id, x.task_name, x.item, x.attempt, x.state, x.started_at,
                   CASE WHEN x.state NOT IN ('running', 'waiting') THEN x.finished_at END AS finished_at,
                   CASE WHEN x.ready_at <= x.started_at THEN x.started_at - x.ready_at END AS queued
              FROM realmap.task_instances x
             WHERE x.run_id = r.run_id AND x.attempt > 0
               -- the current attempt, when it has started: not while it waits to be
               -- (re)claimed, and not an upstream_failed or skipped decided without running
               AND (x.state IN ('succeeded', 'failed', 'running', 'waiting', 'cancelled')
                    OR (x.state = 'skipped' AND x.output ? 'realmap_skip'))
            OFFSET 0) c
     WHERE c.state NOT IN ('failed', 'cancelled')
        OR NOT EXISTS (SELECT 1 FROM h WHERE h.instance_id = c.instance_id AND h.attempt = c.attempt
                                          AND h.state <> 'fenced')
    UNION ALL
    -- late reports that are all that is left of their attempt
    (SELECT DISTINCT ON (f.instance_id, f.attempt)
            f.run_id, f.instance_id, f.task_name, f.item, f.attempt, f.state, f.started_at, f.finished_at, NULL::interval
       FROM h f
      WHERE f.state = 'fenced'
        AND NOT EXISTS (SELECT 1 FROM h WHERE h.instance_id = f.instance_id AND h.attempt = f.attempt
                                             AND h.state <> 'fenced')
        AND NOT EXISTS (SELECT 1 FROM realmap.task_instances x
                         WHERE x.instance_id = f.instance_id AND x.attempt = f.attempt
                           AND (x.state IN ('succeeded', 'failed', 'running', 'waiting', 'cancelled')
                                OR (x.state = 'skipped' AND x.output ? 'realmap_skip')))
      ORDER BY f.instance_id, f.attempt, f.finished_at)
$$;

-- ------------------------------------------------------------------ run_summary
-- The summary of one run, running or finished: what realmap._finalize_task stores in
-- realmap.run_summaries, computed from the tables alone.  Nothing is left out (finalize's
-- own instance is in "tasks" too); "state" and "as_of" say what moment it describes.
CREATE FUNCTION realmap.run_summary(run_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ru realmap.runs;
    as_of timestamptz := clock_timestamp();
    summary jsonb;
BEGIN
    SELECT * INTO ru FROM realmap.runs x WHERE x.run_id = run_summary.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', coalesce(run_summary.run_id::text, '(none)')
              USING ERRCODE = 'no_data_found',
                    HINT = 'Finished runs are deleted after realmap.history_retention; realmap.run_summaries keeps the summaries finalize wrote.';
    END IF;
    -- the run's instances, read once (by the (run_id, task_name, item) index)
    WITH x AS MATERIALIZED (
        SELECT ti.task_name, ti.item, ti.state, ti.error_sqlstate, ti.error_message
          FROM realmap.task_instances ti WHERE ti.run_id = ru.run_id),
    per_state AS (
        SELECT x.task_name, x.state, count(*) AS n FROM x GROUP BY 1, 2),
    -- every task of the DAG, {} while it has no instances (a map not expanded yet)
    per_task AS (
        SELECT coalesce(d.task_name, s.task_name) AS task_name, coalesce(s.states, '{}') AS states
          FROM (SELECT dt.task_name FROM realmap.dag_tasks dt WHERE dt.dag_name = ru.dag_name) d
          FULL JOIN (SELECT p.task_name, jsonb_object_agg(p.state, p.n) AS states
                       FROM per_state p GROUP BY p.task_name) s ON s.task_name = d.task_name),
    failed AS (
        SELECT x.task_name, x.item, x.error_sqlstate, x.error_message FROM x WHERE x.state = 'failed'),
    -- scores attributed to this run (a later run that scores a project takes it over)
    scores AS (
        SELECT s.score_status, count(*) AS n, max(s.median_price_inr) AS median
          FROM realmap.project_scores s WHERE s.run_id = ru.run_id GROUP BY s.score_status)
    SELECT jsonb_build_object(
        'run_id', ru.run_id,
        'dag', ru.dag_name,
        'state', ru.state,
        'params', ru.params,
        'started_at', ru.started_at,
        'finished_at', ru.finished_at,
        'duration_s', round(extract(epoch FROM coalesce(ru.finished_at, as_of) - ru.started_at)::numeric, 1),
        'as_of', as_of,
        'tasks', (SELECT coalesce(jsonb_object_agg(t.task_name, t.states), '{}') FROM per_task t),
        'error_count', (SELECT count(*) FROM failed),
        'errors', (SELECT coalesce(jsonb_agg(jsonb_build_object('task', e.task_name, 'item', e.item,
                                                               'sqlstate', e.error_sqlstate, 'message', e.error_message)
                                             ORDER BY e.task_name, e.item), '[]')
                     FROM (SELECT * FROM failed f ORDER BY f.task_name, f.item LIMIT 20) e),
        'errors_by_task', (SELECT coalesce(jsonb_object_agg(e.task_name, e.codes), '{}') FROM (
                              SELECT y.task_name, jsonb_object_agg(y.sqlstate, y.n) AS codes FROM (
                                  SELECT f.task_name, coalesce(f.error_sqlstate, '?') AS sqlstate, count(*) AS n
                                    FROM failed f GROUP BY 1, 2) y
                               GROUP BY y.task_name) e),
        'scored', (SELECT count(*) FROM x WHERE x.task_name = 'compute_scores' AND x.state = 'succeeded'),
        'score_status', (SELECT coalesce(jsonb_object_agg(s.score_status, s.n), '{}') FROM scores s),
        'median_price_inr', (SELECT max(s.median) FROM scores s))
      INTO summary;
    RETURN summary;
END $$;
COMMENT ON FUNCTION realmap.run_summary(bigint) IS
'The summary of a run, running or finished: state, params, times, instances per task and state, failed items (first 20) and counts by task and SQLSTATE, projects scored, score statuses, the median price of its value scores';

-- ------------------------------------------------------------------ stage_stats
-- A function rather than a view: a view could only aggregate all of the retained
-- history and be filtered afterwards; this picks the runs first (realmap.runs is one row
-- per run) and reads only their instances (twice: counts, then attempts) and history, by
-- index.  Measured on 2 shared cores: 7 runs of 20,000 instances in about 1 s, 30 in 5 s.
CREATE FUNCTION realmap.stage_stats(since interval DEFAULT '7 days')
RETURNS TABLE (dag_name text, task_name text, runs bigint, instances bigint, attempts bigint,
               failed_attempts bigint, failure_rate numeric, retries bigint,
               duration_p50 interval, duration_p95 interval, duration_max interval,
               queue_p50 interval, queue_p95 interval, last_run_id bigint, last_run_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    WITH r AS MATERIALIZED (
        SELECT ru.run_id, ru.dag_name, coalesce(ru.started_at, ru.created_at) AS run_at
          FROM realmap.runs ru
         WHERE ru.state IN ('queued', 'running', 'waiting') OR stage_stats.since IS NULL
            OR ru.created_at >= now() - stage_stats.since),
    inst AS (
        SELECT r.dag_name, x.task_name, count(DISTINCT x.run_id) AS runs, count(*) AS instances,
               max(x.run_id) AS last_run_id
          FROM r CROSS JOIN LATERAL (SELECT ti.run_id, ti.task_name FROM realmap.task_instances ti
                                      WHERE ti.run_id = r.run_id OFFSET 0) x   -- one run at a time, by index
         GROUP BY r.dag_name, x.task_name),
    att AS (
        SELECT r.dag_name, a.task_name,
               count(*) AS attempts,
               count(*) FILTER (WHERE a.outcome IN ('failed', 'crashed', 'timed_out', 'fenced')) AS failed,
               count(*) FILTER (WHERE a.outcome NOT IN ('running', 'waiting')) AS ended,
               count(*) - count(DISTINCT a.instance_id) AS retries,
               percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY a.finished_at - a.started_at) AS d,
               max(a.finished_at - a.started_at) AS dmax,
               percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY a.queued) AS q
          FROM realmap._attempts_of(ARRAY(SELECT r.run_id FROM r)) a JOIN r ON r.run_id = a.run_id
         GROUP BY r.dag_name, a.task_name)
    SELECT coalesce(i.dag_name, a.dag_name), coalesce(i.task_name, a.task_name),
           coalesce(i.runs, 0), coalesce(i.instances, 0), coalesce(a.attempts, 0), coalesce(a.failed, 0),
           round(a.failed::numeric / nullif(a.ended, 0), 4), coalesce(a.retries, 0),
           a.d[1], a.d[2], a.dmax, a.q[1], a.q[2],
           i.last_run_id, (SELECT r.run_at FROM r WHERE r.run_id = i.last_run_id)
      FROM inst i
      FULL JOIN att a ON a.dag_name = i.dag_name AND a.task_name = i.task_name
      LEFT JOIN realmap.dag_tasks t ON t.dag_name = coalesce(i.dag_name, a.dag_name)
                                   AND t.task_name = coalesce(i.task_name, a.task_name)
     ORDER BY 1, t.position, 2
$$;
COMMENT ON FUNCTION realmap.stage_stats(interval) IS
'Per DAG and task, over the runs created within "since" (NULL: all retained runs) and the active ones: runs, instances, attempts, failed attempts, failure rate, retries, p50/p95/max attempt duration (claimed -> ended), p50/p95 queue time (ready -> claimed), last run';

-- ------------------------------------------------------------------ what is going on now
CREATE VIEW realmap.active_tasks AS
SELECT x.run_id, r.dag_name, x.task_name, x.item, x.state, x.attempt, x.worker_pid,
       x.started_at, now() - x.started_at AS running_for, x.lease_expires_at,
       -- the launcher turns an expired lease into a crashed attempt on its next tick
       coalesce(x.state = 'running' AND x.lease_expires_at < now(), false) AS lease_expired,
       CASE WHEN x.state = 'running' THEN w.pid IS NOT NULL END AS worker_alive,
       x.human_task_id, h.kind AS human_kind, h.deadline AS human_deadline
  FROM (SELECT x.run_id, x.task_name, x.item, x.state, x.attempt, x.worker_pid, x.started_at, x.lease_expires_at,
               x.human_task_id
          FROM realmap._running_instances x
        UNION ALL
        SELECT x.run_id, x.task_name, x.item, x.state, x.attempt, x.worker_pid, x.started_at, x.lease_expires_at,
               x.human_task_id
          FROM realmap.task_instances x WHERE x.queue = 'waiting') x
  JOIN realmap.runs r ON r.run_id = x.run_id
  LEFT JOIN realmap.human_tasks h ON h.human_task_id = x.human_task_id AND x.state = 'waiting'
  LEFT JOIN (SELECT a.pid FROM pg_catalog.pg_stat_activity a
              WHERE a.application_name = 'realmap worker') w ON w.pid = x.worker_pid;
COMMENT ON VIEW realmap.active_tasks IS
'Instances running or waiting for a human: run, DAG, task, item, attempt, worker, since when (the claim), lease and whether it ran out, whether the worker process is alive, the human task';

CREATE VIEW realmap.open_human_tasks AS
SELECT h.human_task_id, h.run_id, r.dag_name, h.task_name, h.item, h.kind, h.prompt,
       h.created_at, now() - h.created_at AS age, h.deadline, h.deadline - now() AS time_left
  FROM realmap.human_tasks h
  JOIN realmap.runs r ON r.run_id = h.run_id
 WHERE h.state = 'open';
COMMENT ON VIEW realmap.open_human_tasks IS
'Human tasks waiting for an answer (realmap.signal, realmap.solve_captcha): run, DAG, task, item, kind, prompt, age, deadline, time left; the payload is in realmap.human_tasks';

-- ------------------------------------------------------------------ Prometheus
-- A label value in the text exposition format: backslash, double quote and line feed
-- escaped.
CREATE FUNCTION realmap._prom_label(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
RETURN replace(replace(replace(v, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n');

-- A sample value: at most 6 decimals (microseconds), no trailing zeros, never an exponent.
CREATE FUNCTION realmap._prom_num(v numeric) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
RETURN trim_scale(round(v, 6))::text;

-- The metrics in the Prometheus text exposition format (version 0.0.4).  Attempt counts
-- and durations are over the runs active now or finished within finished_within: they are
-- gauges over that window, not counters (history is deleted by cleanup_history, so a
-- count over all of it would drop, which Prometheus reads as a counter reset).
--
-- Cost per scrape, with no full scan of task_instances or attempt_history:
--   realmap.runs: read whole three times (counts by DAG and state, the active runs, the
--     window's runs): one row per run
--   realmap.dags, realmap.dag_tasks: whole (definitions, a few rows)
--   instances of the active runs: by the (run_id, task_name, item) index, run by run
--   attempts: the instances and history of the window's runs once (realmap._attempts_of),
--     then sorted per task for the quantiles; a run of a 100,000-item map is 100,000 rows
--     per scrape while it runs and for finished_within after it
--   ready instances: task_instances_ready (as many entries as instances are ready)
--   running instances: worker_leases; open human tasks: human_tasks_open
--   pg_stat_activity: one entry per server process
-- Measured on 2 shared cores: 85-120 ms with one active run of 20,000 instances, the same
-- with or without 600,000 instances of 30 older runs beside it.
CREATE FUNCTION realmap.metrics(finished_within interval DEFAULT '1 hour') RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    WITH
    run_states(state, ord) AS (
        SELECT * FROM unnest(ARRAY['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'skipped'])
                      WITH ORDINALITY),
    instance_states(state, ord) AS (
        SELECT * FROM unnest(ARRAY['pending', 'ready', 'running', 'retry_wait', 'waiting', 'succeeded', 'failed',
                                   'upstream_failed', 'skipped', 'cancelled']) WITH ORDINALITY),
    outcomes(outcome, ord) AS (
        SELECT * FROM unnest(ARRAY['succeeded', 'failed', 'crashed', 'timed_out', 'fenced', 'cancelled', 'skipped'])
                      WITH ORDINALITY),
    tasks AS (
        SELECT t.dag_name, t.task_name, t.position FROM realmap.dag_tasks t),
    run_counts AS MATERIALIZED (
        SELECT ru.dag_name, ru.state, count(*) AS n,
               max(ru.finished_at) FILTER (WHERE ru.state = 'succeeded') AS last_success
          FROM realmap.runs ru GROUP BY ru.dag_name, ru.state),
    active AS MATERIALIZED (
        SELECT ru.run_id, ru.dag_name FROM realmap.runs ru WHERE ru.state IN ('queued', 'running', 'waiting')),
    instance_counts AS (
        SELECT a.dag_name, x.task_name, x.state, count(*) AS n
          FROM active a CROSS JOIN LATERAL (SELECT ti.task_name, ti.state FROM realmap.task_instances ti
                                             WHERE ti.run_id = a.run_id OFFSET 0) x   -- one run at a time, by index
         GROUP BY a.dag_name, x.task_name, x.state),
    win AS MATERIALIZED (
        SELECT ru.run_id, ru.dag_name FROM realmap.runs ru
         WHERE ru.state IN ('queued', 'running', 'waiting') OR ru.finished_at >= now() - metrics.finished_within),
    att AS MATERIALIZED (
        SELECT w.dag_name, a.task_name, a.outcome,
               extract(epoch FROM a.finished_at - a.started_at)::float8 AS secs
          FROM realmap._attempts_of(ARRAY(SELECT w.run_id FROM win w)) a JOIN win w ON w.run_id = a.run_id
         WHERE a.outcome NOT IN ('running', 'waiting')),
    att_counts AS (
        SELECT a.dag_name, a.task_name, a.outcome, count(*) AS n FROM att a GROUP BY a.dag_name, a.task_name, a.outcome),
    durations AS (
        SELECT a.dag_name, a.task_name, count(a.secs) AS n, sum(a.secs) AS total,
               percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY a.secs) AS q
          FROM att a GROUP BY a.dag_name, a.task_name),
    workers AS (
        SELECT count(*) FILTER (WHERE a.pid IN (SELECT x.worker_pid FROM realmap._running_instances x)) AS busy,
               count(*) AS total
          FROM pg_catalog.pg_stat_activity a
         WHERE a.application_name = 'realmap worker' AND a.datname = current_database()),
    -- (family, 0 HELP / 1 TYPE / 2 sample, dag, task position, label order, line)
    lines(f, kind, dag, pos, ord, line) AS (
        SELECT 1, 0, '', 0, 0::bigint, '# HELP realmap_runs Runs in the retained history, by DAG and state.'
        UNION ALL SELECT 1, 1, '', 0, 0, '# TYPE realmap_runs gauge'
        UNION ALL
        SELECT 1, 2, d.dag_name, 0, s.ord,
               format('realmap_runs{dag="%s",state="%s"} %s', realmap._prom_label(d.dag_name), s.state,
                      coalesce(c.n, 0))
          FROM realmap.dags d CROSS JOIN run_states s
          LEFT JOIN run_counts c ON c.dag_name = d.dag_name AND c.state = s.state

        UNION ALL SELECT 2, 0, '', 0, 0,
            '# HELP realmap_task_instances Task instances of the active (queued, running, waiting) runs, by DAG, task and state.'
        UNION ALL SELECT 2, 1, '', 0, 0, '# TYPE realmap_task_instances gauge'
        UNION ALL
        SELECT 2, 2, t.dag_name, t.position, s.ord,
               format('realmap_task_instances{dag="%s",task="%s",state="%s"} %s', realmap._prom_label(t.dag_name),
                      realmap._prom_label(t.task_name), s.state, coalesce(c.n, 0))
          FROM tasks t CROSS JOIN instance_states s
          LEFT JOIN instance_counts c ON c.dag_name = t.dag_name AND c.task_name = t.task_name AND c.state = s.state

        UNION ALL SELECT 3, 0, '', 0, 0,
            '# HELP realmap_attempts Attempts that ended, of the runs active or finished within the window, by DAG, task and outcome (a gauge: history is deleted by cleanup_history).'
        UNION ALL SELECT 3, 1, '', 0, 0, '# TYPE realmap_attempts gauge'
        UNION ALL
        SELECT 3, 2, t.dag_name, t.position, o.ord,
               format('realmap_attempts{dag="%s",task="%s",outcome="%s"} %s', realmap._prom_label(t.dag_name),
                      realmap._prom_label(t.task_name), o.outcome, coalesce(c.n, 0))
          FROM tasks t CROSS JOIN outcomes o
          LEFT JOIN att_counts c ON c.dag_name = t.dag_name AND c.task_name = t.task_name AND c.outcome = o.outcome

        UNION ALL SELECT 4, 0, '', 0, 0,
            '# HELP realmap_task_duration_seconds Attempt durations (claimed to ended), of the runs active or finished within the window, by DAG and task.'
        UNION ALL SELECT 4, 1, '', 0, 0, '# TYPE realmap_task_duration_seconds summary'
        UNION ALL
        SELECT 4, 2, t.dag_name, t.position, qv.ord,
               format('realmap_task_duration_seconds{dag="%s",task="%s",quantile="%s"} %s',
                      realmap._prom_label(t.dag_name), realmap._prom_label(t.task_name), qv.quantile,
                      realmap._prom_num(d.q[qv.ord]::numeric))
          FROM tasks t JOIN durations d ON d.dag_name = t.dag_name AND d.task_name = t.task_name AND d.n > 0
         CROSS JOIN (VALUES (1, '0.5'), (2, '0.95')) qv(ord, quantile)
        UNION ALL
        SELECT 4, 2, t.dag_name, t.position, 3,
               format('realmap_task_duration_seconds_sum{dag="%s",task="%s"} %s', realmap._prom_label(t.dag_name),
                      realmap._prom_label(t.task_name), realmap._prom_num(coalesce(d.total, 0)::numeric))
          FROM tasks t LEFT JOIN durations d ON d.dag_name = t.dag_name AND d.task_name = t.task_name
        UNION ALL
        SELECT 4, 2, t.dag_name, t.position, 4,
               format('realmap_task_duration_seconds_count{dag="%s",task="%s"} %s', realmap._prom_label(t.dag_name),
                      realmap._prom_label(t.task_name), coalesce(d.n, 0))
          FROM tasks t LEFT JOIN durations d ON d.dag_name = t.dag_name AND d.task_name = t.task_name

        UNION ALL SELECT 5, 0, '', 0, 0,
            '# HELP realmap_oldest_ready_task_age_seconds How long the oldest ready instance has waited for a worker (queue latency), by DAG and task; absent when none is ready.'
        UNION ALL SELECT 5, 1, '', 0, 0, '# TYPE realmap_oldest_ready_task_age_seconds gauge'
        UNION ALL
        SELECT 5, 2, g.dag_name, coalesce(t.position, 0), 0,
               format('realmap_oldest_ready_task_age_seconds{dag="%s",task="%s"} %s', realmap._prom_label(g.dag_name),
                      realmap._prom_label(g.task_name), realmap._prom_num(greatest(extract(epoch FROM now() - g.oldest), 0)))
          FROM (SELECT ru.dag_name, x.task_name, min(x.ready_at) AS oldest
                  FROM realmap.task_instances x JOIN realmap.runs ru ON ru.run_id = x.run_id
                 WHERE x.queue = 'ready'
                 GROUP BY ru.dag_name, x.task_name) g
          LEFT JOIN tasks t ON t.dag_name = g.dag_name AND t.task_name = g.task_name

        UNION ALL SELECT 6, 0, '', 0, 0,
            '# HELP realmap_open_human_tasks Human tasks waiting for an answer, by DAG and kind.'
        UNION ALL SELECT 6, 1, '', 0, 0, '# TYPE realmap_open_human_tasks gauge'
        UNION ALL
        SELECT 6, 2, g.dag_name, 0, g.rn,
               format('realmap_open_human_tasks{dag="%s",kind="%s"} %s', realmap._prom_label(g.dag_name),
                      realmap._prom_label(g.kind), g.n)
          FROM (SELECT ru.dag_name, h.kind, count(*) AS n,
                       row_number() OVER (PARTITION BY ru.dag_name ORDER BY h.kind COLLATE "C") AS rn
                  FROM realmap.human_tasks h JOIN realmap.runs ru ON ru.run_id = h.run_id
                 WHERE h.state = 'open'
                 GROUP BY ru.dag_name, h.kind) g

        UNION ALL SELECT 7, 0, '', 0, 0,
            '# HELP realmap_workers realmap worker processes serving this database: busy (running an instance) or idle.'
        UNION ALL SELECT 7, 1, '', 0, 0, '# TYPE realmap_workers gauge'
        UNION ALL SELECT 7, 2, '', 0, 1, format('realmap_workers{state="busy"} %s', w.busy) FROM workers w
        UNION ALL SELECT 7, 2, '', 0, 2, format('realmap_workers{state="idle"} %s', w.total - w.busy) FROM workers w

        UNION ALL SELECT 8, 0, '', 0, 0, '# HELP realmap_max_workers The setting realmap.max_workers.'
        UNION ALL SELECT 8, 1, '', 0, 0, '# TYPE realmap_max_workers gauge'
        UNION ALL SELECT 8, 2, '', 0, 0,
            'realmap_max_workers ' || coalesce(nullif(current_setting('realmap.max_workers', true), ''), '0')

        UNION ALL SELECT 9, 0, '', 0, 0,
            '# HELP realmap_launcher_up 1 when the realmap launcher is connected to this database.'
        UNION ALL SELECT 9, 1, '', 0, 0, '# TYPE realmap_launcher_up gauge'
        UNION ALL SELECT 9, 2, '', 0, 0,
            'realmap_launcher_up ' || (SELECT count(*) FROM pg_catalog.pg_stat_activity a
                                        WHERE a.application_name = 'realmap launcher' AND a.datname = current_database())

        UNION ALL SELECT 10, 0, '', 0, 0,
            '# HELP realmap_dag_last_success_timestamp_seconds When the last succeeded run of each DAG finished (Unix time); absent before one has.'
        UNION ALL SELECT 10, 1, '', 0, 0, '# TYPE realmap_dag_last_success_timestamp_seconds gauge'
        UNION ALL
        SELECT 10, 2, c.dag_name, 0, 0,
               format('realmap_dag_last_success_timestamp_seconds{dag="%s"} %s', realmap._prom_label(c.dag_name),
                      realmap._prom_num(extract(epoch FROM c.last_success)))
          FROM run_counts c WHERE c.state = 'succeeded')
    SELECT string_agg(l.line, E'\n' ORDER BY l.f, l.kind, l.dag COLLATE "C", l.pos, l.ord) || E'\n' FROM lines l
$$;
COMMENT ON FUNCTION realmap.metrics(interval) IS
'realmap''s metrics in the Prometheus text exposition format: runs, instances of active runs, attempts and durations of recent runs, queue latency, open human tasks, workers, launcher, last success per DAG';
