-- realmap upgrade script 0.2.0 -> 0.3.0 (written by hand: everything the 0.3.0 script,
-- sql/src/*.sql, does differently from sql/realmap--0.2.0.sql).  test/e2e/upgrade_backup.sh
-- compares the upgraded catalog with a fresh CREATE EXTENSION of 0.3.0.
\echo Use "ALTER EXTENSION realmap UPDATE TO '0.3.0'" to load this file. \quit

-- ------------------------------------------------------------------ changed defaults
-- the User-Agent names the version, where it is still the seeded one (the trigger off,
-- so that the row stays seeded)
ALTER TABLE realmap.config DISABLE TRIGGER config_seeded_row_changed;
UPDATE realmap.config SET value = '"realmap/0.3.0 (PostgreSQL extension; RERA project map)"'
 WHERE key = 'http.user_agent' AND seeded;
ALTER TABLE realmap.config ENABLE TRIGGER config_seeded_row_changed;

-- ------------------------------------------------------------------ engine (10_engine.sql)
CREATE INDEX task_instances_ready_limited ON realmap.task_instances (task_name) WHERE state = 'ready' AND limited;
-- running instances leave the queued index (a claim inserts into one index fewer)
DROP INDEX realmap.task_instances_unfinished;
CREATE INDEX task_instances_queued ON realmap.task_instances (run_id, instance_id)
    WHERE state IN ('pending', 'ready', 'retry_wait', 'waiting');

-- the claimed rows by tuple id, the task's definition, run and owner by key; limited
-- instances looked for only when there are any
CREATE OR REPLACE FUNCTION realmap._claim(p_limit int, p_pid int)
RETURNS TABLE (instance_id bigint, attempt int, run_id bigint, dag_name text, task_name text, item text,
               kind text, function_name text, stage text, owner name, lease_expires_at timestamptz,
               timeout_ms bigint, expands boolean, human_task_id bigint, context jsonb, more_ready boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- the claimed rows by tuple id: locked here, so they stay where they are, and the
    -- statements below reach them without another index lookup each
    ids tid[];
    lim record;
    room int;
    more boolean;
BEGIN
    SELECT array_agg(c.ctid) INTO ids FROM (
        SELECT ti.ctid FROM realmap.task_instances ti
         WHERE ti.state = 'ready' AND NOT ti.limited
         ORDER BY ti.priority DESC, ti.instance_id
         LIMIT p_limit FOR UPDATE SKIP LOCKED) c;
    ids := coalesce(ids, '{}');
    IF cardinality(ids) < p_limit
       AND EXISTS (SELECT 1 FROM realmap.task_instances ti WHERE ti.state = 'ready' AND ti.limited) THEN
        FOR lim IN SELECT DISTINCT r.dag_name, ti.task_name FROM realmap.task_instances ti
                     JOIN realmap.runs r ON r.run_id = ti.run_id
                    WHERE ti.state = 'ready' AND ti.limited
        LOOP
            PERFORM 1 FROM realmap.dag_tasks t WHERE t.dag_name = lim.dag_name AND t.task_name = lim.task_name FOR UPDATE;
            SELECT t.concurrency - (SELECT count(*) FROM realmap.task_instances x JOIN realmap.runs r ON r.run_id = x.run_id
                                      WHERE x.state = 'running' AND x.task_name = t.task_name AND r.dag_name = t.dag_name)
              INTO room FROM realmap.dag_tasks t WHERE t.dag_name = lim.dag_name AND t.task_name = lim.task_name;
            room := least(coalesce(room, 0), p_limit - cardinality(ids));
            CONTINUE WHEN room <= 0;
            ids := ids || ARRAY(
                SELECT ti.ctid FROM realmap.task_instances ti JOIN realmap.runs r ON r.run_id = ti.run_id
                 WHERE ti.state = 'ready' AND ti.limited AND ti.task_name = lim.task_name AND r.dag_name = lim.dag_name
                 ORDER BY ti.priority DESC, ti.instance_id LIMIT room FOR UPDATE OF ti SKIP LOCKED);
            EXIT WHEN cardinality(ids) >= p_limit;
        END LOOP;
    END IF;
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- whether other workers could help now: a full batch suggests more is ready (a
    -- scan for the next ready row would walk past every entry just claimed)
    more := cardinality(ids) >= p_limit;
    -- (the worker notes the earliest of these leases for the launcher at commit)
    RETURN QUERY
    WITH pairs AS MATERIALIZED (
        SELECT DISTINCT ti.run_id, ti.task_name FROM realmap.task_instances ti WHERE ti.ctid = ANY (ids)
    ),
    -- what all instances of one task in one run share, computed once per batch.  Each
    -- row is a lookup by key (OFFSET 0 keeps the planner from turning them into scans
    -- of every task of the DAG: a generic plan, and a DAG may have 1,000 tasks).
    tk AS MATERIALIZED (
        SELECT p.run_id, p.task_name, r.dag_name, r.params, t.kind, t.function_name, t.stage, t.timeout,
               t.mode, t.upstream, d.owner,
               EXISTS (SELECT 1 FROM realmap.dag_edges e WHERE e.dag_name = r.dag_name AND e.upstream = p.task_name
                          AND e.edge_kind = 'expand') AS expands,
               -- the upstream context of map and single instances is the same for all of them
               CASE WHEN t.mode <> 'each' THEN
                   (SELECT coalesce(jsonb_object_agg(up.name, CASE
                        WHEN t.mode = 'map' THEN
                            (SELECT o.map_context FROM realmap.task_instances o
                              WHERE o.run_id = p.run_id AND o.task_name = up.name AND o.item IS NULL)
                        WHEN (SELECT u.mode FROM realmap.dag_tasks u
                               WHERE u.dag_name = t.dag_name AND u.task_name = up.name) = 'single' THEN
                            (SELECT o.output FROM realmap.task_instances o
                              WHERE o.run_id = p.run_id AND o.task_name = up.name AND o.item IS NULL)
                        ELSE realmap._fanin_summary(p.run_id, up.name)
                        END), '{}'::jsonb)
                      FROM unnest(t.upstream) up(name))
               END AS shared_upstream
          FROM pairs p
         CROSS JOIN LATERAL (SELECT r.dag_name, r.params FROM realmap.runs r WHERE r.run_id = p.run_id OFFSET 0) r
         CROSS JOIN LATERAL (SELECT t.* FROM realmap.dag_tasks t
                              WHERE t.dag_name = r.dag_name AND t.task_name = p.task_name OFFSET 0) t
         CROSS JOIN LATERAL (SELECT d.owner FROM realmap.dags d WHERE d.dag_name = r.dag_name OFFSET 0) d
    ),
    -- the context's keys all instances of one task share, built once per batch: each
    -- jsonb_build_object argument costs catalog lookups, every call
    shared AS MATERIALIZED (
        SELECT k.run_id, k.task_name,
               jsonb_build_object('run_id', k.run_id, 'dag', k.dag_name, 'task', k.task_name, 'params', k.params,
                                  'upstream', k.shared_upstream) AS context
          FROM tk k WHERE k.mode <> 'each'
    ),
    claimed AS (
        UPDATE realmap.task_instances ti
           SET state = 'running', attempt = ti.attempt + 1, worker_pid = p_pid,
               started_at = clock_timestamp(), finished_at = NULL,
               lease_expires_at = clock_timestamp() + k.timeout + interval '5 seconds'
          FROM tk k
         WHERE ti.ctid = ANY (ids) AND k.run_id = ti.run_id AND k.task_name = ti.task_name
        RETURNING ti.instance_id, ti.attempt, ti.run_id, ti.task_name, ti.item, ti.lease_expires_at,
                  ti.human_task_id, ti.priority
    )
    SELECT c.instance_id, c.attempt, c.run_id, k.dag_name, c.task_name, c.item, k.kind, k.function_name, k.stage,
           k.owner, c.lease_expires_at, (extract(epoch FROM k.timeout) * 1000)::bigint, k.expands, c.human_task_id,
           CASE WHEN s.context IS NOT NULL AND c.human_task_id IS NULL THEN
               s.context || jsonb_build_object('item', c.item, 'attempt', c.attempt)
           ELSE
           jsonb_build_object('run_id', c.run_id, 'dag', k.dag_name, 'task', c.task_name, 'item', c.item,
                              'attempt', c.attempt, 'params', k.params,
                              'upstream', CASE WHEN k.mode = 'each' THEN
                                  -- each: the same item's upstream outputs
                                  (SELECT coalesce(jsonb_object_agg(up.name,
                                       (SELECT o.output FROM realmap.task_instances o
                                         WHERE o.run_id = c.run_id AND o.task_name = up.name AND o.item = c.item)), '{}'::jsonb)
                                     FROM unnest(k.upstream) up(name))
                                  ELSE k.shared_upstream END)
           || CASE WHEN c.human_task_id IS NULL THEN '{}'::jsonb ELSE
                  (SELECT jsonb_build_object('human', jsonb_build_object('human_task_id', h.human_task_id,
                              'kind', h.kind, 'state', h.state, 'answer', h.answer, 'answered_by', h.answered_by))
                     FROM realmap.human_tasks h WHERE h.human_task_id = c.human_task_id) END
           END,
           more
      FROM claimed c JOIN tk k ON k.run_id = c.run_id AND k.task_name = c.task_name
      LEFT JOIN shared s ON s.run_id = c.run_id AND s.task_name = c.task_name
     ORDER BY c.priority DESC, c.instance_id;
END $$;

-- whether a run is over: its newest queued instance first, then its running ones
CREATE OR REPLACE FUNCTION realmap._finish_runs(p_runs bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    candidates bigint[];
BEGIN
    -- Two workers completing a run's last instances at once would each still see
    -- the other's as running.  Unless an instance that is not running is left (then
    -- whoever moves it on checks again), lock the run row and look again with a
    -- snapshot taken after the lock: of two such transactions, the second sees the
    -- first's commit.
    -- (a scalar subquery, not EXISTS, which would drop the ORDER BY: the newest queued
    -- instance is found first, the claimed ones' dead index entries below it are not read)
    candidates := ARRAY(
        SELECT ru.run_id FROM realmap.runs ru
         WHERE ru.run_id = ANY (p_runs) AND ru.state IN ('running', 'waiting', 'cancelled') AND ru.finished_at IS NULL
           AND (SELECT x.instance_id FROM realmap.task_instances x WHERE x.run_id = ru.run_id
                   AND x.state IN ('pending', 'ready', 'retry_wait', 'waiting')
                 ORDER BY x.instance_id DESC LIMIT 1) IS NULL
         ORDER BY ru.run_id);
    IF cardinality(candidates) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM realmap.runs ru WHERE ru.run_id = ANY (candidates) ORDER BY ru.run_id FOR UPDATE;
    FOR r IN SELECT ru.run_id, ru.dag_name, ru.state FROM realmap.runs ru
              WHERE ru.run_id = ANY (candidates) AND ru.state IN ('running', 'waiting', 'cancelled')
                AND ru.finished_at IS NULL
                AND (SELECT x.instance_id FROM realmap.task_instances x WHERE x.run_id = ru.run_id
                        AND x.state IN ('pending', 'ready', 'retry_wait', 'waiting')
                      ORDER BY x.instance_id DESC LIMIT 1) IS NULL
                AND NOT EXISTS (SELECT 1 FROM realmap.task_instances x WHERE x.run_id = ru.run_id AND x.state = 'running')
              ORDER BY ru.run_id
    LOOP
        UPDATE realmap.runs SET finished_at = clock_timestamp(),
               state = CASE WHEN r.state = 'cancelled' THEN 'cancelled'
                            WHEN EXISTS (SELECT 1 FROM realmap.task_instances x WHERE x.run_id = r.run_id
                                            AND x.state IN ('failed', 'upstream_failed')) THEN 'failed'
                            ELSE 'succeeded' END,
               note = CASE WHEN r.state = 'cancelled' THEN note ELSE
                      (SELECT nullif(concat_ws(', ',
                          nullif(count(*) FILTER (WHERE x.state = 'failed'), 0) || ' failed',
                          nullif(count(*) FILTER (WHERE x.state = 'upstream_failed'), 0) || ' upstream_failed'), '')
                         FROM realmap.task_instances x WHERE x.run_id = r.run_id) END
         WHERE run_id = r.run_id;
        PERFORM pg_notify('realmap_events', json_build_object('event', 'run_finished', 'run_id', r.run_id,
            'dag', r.dag_name, 'state', (SELECT state FROM realmap.runs WHERE run_id = r.run_id))::text);
        PERFORM realmap._run_finished(r.run_id);
        PERFORM realmap._start_queued(r.dag_name);
    END LOOP;
END $$;

-- counting down and settling in one statement; the frontier's runs, map sources and
-- downstream in one query
CREATE OR REPLACE FUNCTION realmap._resolve(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    frontier bigint[] := p_ids;
    nxt bigint[];
    touched bigint[] := '{}';
    runs_here bigint[];
    sources bigint[];
    d_ids bigint[]; d_n int[]; d_nf int[]; d_ns int[]; d_rule text[];
    src bigint;
    unsafe boolean := coalesce(current_setting('realmap.debug_unsafe_counters', true), 'off') = 'on';
    delay_ms int := coalesce(nullif(current_setting('realmap.debug_resolve_delay_ms', true), ''), '0')::int;
    rec record;
BEGIN
    WHILE cardinality(frontier) > 0 LOOP
        nxt := '{}';
        -- the frontier's runs, its map sources, and the downstream instances it counts
        -- for.  Each step is a lookup by key from the one before (OFFSET 0 keeps the
        -- planner from reordering them): a generic plan must not depend on statistics
        -- that lag behind a table growing within a run.
        WITH f AS MATERIALIZED (
            SELECT ti.instance_id, ti.run_id, ti.task_name, ti.item, ti.state,
                   (SELECT r.dag_name FROM realmap.runs r WHERE r.run_id = ti.run_id) AS dag_name
              FROM realmap.task_instances ti WHERE ti.instance_id = ANY (frontier)),
        hits AS (
            SELECT x.instance_id, f.state, e.edge_kind, e.trigger_rule FROM f
             CROSS JOIN LATERAL (
                SELECT e.downstream, e.edge_kind,
                       (SELECT t.trigger_rule FROM realmap.dag_tasks t
                         WHERE t.dag_name = e.dag_name AND t.task_name = e.downstream) AS trigger_rule
                  FROM realmap.dag_edges e
                 WHERE e.dag_name = f.dag_name AND e.upstream = f.task_name AND e.edge_kind <> 'expand'
                OFFSET 0) e
             CROSS JOIN LATERAL (
                SELECT x.instance_id FROM realmap.task_instances x
                 WHERE e.edge_kind = 'item' AND x.run_id = f.run_id AND x.task_name = e.downstream AND x.item = f.item
                UNION ALL
                SELECT x.instance_id FROM realmap.task_instances x
                 WHERE e.edge_kind <> 'item' AND x.run_id = f.run_id AND x.task_name = e.downstream AND x.item IS NULL
                OFFSET 0) x),
        g AS (
            SELECT instance_id, count(*)::int AS n,
                   (count(*) FILTER (WHERE state IN ('failed', 'upstream_failed', 'cancelled')))::int AS nf,
                   (count(*) FILTER (WHERE state = 'skipped' AND edge_kind <> 'fanin'))::int AS ns,
                   min(trigger_rule) AS trigger_rule
              FROM hits GROUP BY instance_id)
        SELECT (SELECT array_agg(DISTINCT f.run_id) FROM f),
               (SELECT array_agg(f.instance_id ORDER BY f.instance_id) FROM f
                 WHERE f.item IS NULL AND EXISTS (SELECT 1 FROM realmap.dag_edges e WHERE e.dag_name = f.dag_name
                                                     AND e.upstream = f.task_name AND e.edge_kind = 'expand')),
               array_agg(g.instance_id ORDER BY g.instance_id), array_agg(g.n ORDER BY g.instance_id),
               array_agg(g.nf ORDER BY g.instance_id), array_agg(g.ns ORDER BY g.instance_id),
               array_agg(g.trigger_rule ORDER BY g.instance_id)
          INTO runs_here, sources, d_ids, d_n, d_nf, d_ns, d_rule
          FROM g;
        touched := touched || coalesce(runs_here, '{}');
        FOREACH src IN ARRAY coalesce(sources, '{}') LOOP
            nxt := nxt || realmap._expand(src);
        END LOOP;
        d_ids := coalesce(d_ids, '{}');

        IF cardinality(d_ids) = 0 THEN
            NULL;
        ELSIF unsafe THEN
            -- test-only: read, wait, write back without the row lock (a lost update)
            FOR rec IN SELECT d.instance_id, d.n, d.nf, d.ns, x.remaining, x.n_failed, x.n_skipped
                         FROM unnest(d_ids, d_n, d_nf, d_ns) AS d(instance_id, n, nf, ns)
                         JOIN realmap.task_instances x USING (instance_id)
            LOOP
                IF delay_ms > 0 THEN PERFORM pg_sleep(delay_ms / 1000.0); END IF;
                UPDATE realmap.task_instances SET remaining = rec.remaining - rec.n,
                       n_failed = rec.n_failed + rec.nf, n_skipped = rec.n_skipped + rec.ns
                 WHERE instance_id = rec.instance_id;
            END LOOP;
            nxt := nxt || realmap._settle(d_ids);
        ELSE
            PERFORM 1 FROM realmap.task_instances x
             WHERE x.instance_id = ANY (d_ids) ORDER BY x.instance_id FOR UPDATE;
            IF delay_ms > 0 THEN PERFORM pg_sleep(delay_ms / 1000.0); END IF;
            -- count down, and decide the ones at zero the way _settle does
            WITH u AS (
                UPDATE realmap.task_instances x
                   SET remaining = x.remaining - d.n, n_failed = x.n_failed + d.nf, n_skipped = x.n_skipped + d.ns,
                       state = CASE WHEN x.remaining - d.n > 0 THEN x.state
                                    WHEN d.rule = 'all_success' AND x.n_failed + d.nf > 0 THEN 'upstream_failed'
                                    WHEN d.rule = 'all_success' AND x.n_skipped + d.ns > 0 THEN 'skipped'
                                    ELSE 'ready' END,
                       ready_at = CASE WHEN x.remaining - d.n > 0 THEN x.ready_at ELSE clock_timestamp() END,
                       finished_at = CASE WHEN x.remaining - d.n <= 0 AND d.rule = 'all_success'
                                               AND (x.n_failed + d.nf > 0 OR x.n_skipped + d.ns > 0)
                                          THEN clock_timestamp() END
                  FROM unnest(d_ids, d_n, d_nf, d_ns, d_rule) AS d(instance_id, n, nf, ns, rule)
                 -- "(...) IS TRUE" keeps the planner on the primary key (see worker.cpp)
                 WHERE x.instance_id = d.instance_id AND (x.state = 'pending') IS TRUE
                RETURNING x.instance_id, x.state)
            SELECT nxt || coalesce(array_agg(u.instance_id) FILTER (WHERE u.state IN ('upstream_failed', 'skipped')), '{}')
              INTO nxt FROM u;
        END IF;
        frontier := nxt;
    END LOOP;
    PERFORM realmap._finish_runs(touched);
END $$;

-- ------------------------------------------------------------------ plans (90_privileges.sql)
-- CREATE OR REPLACE dropped the settings of the functions it replaced
ALTER FUNCTION realmap._claim(int, int) SET enable_seqscan = off;
ALTER FUNCTION realmap._resolve(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._claim(int, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._resolve(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._settle(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._expand(bigint) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._tick() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._recover(int, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text)
    SET plan_cache_mode = force_generic_plan;
