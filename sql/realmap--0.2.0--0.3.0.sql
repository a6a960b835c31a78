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
                 WHERE x.instance_id = d.instance_id AND x.state = 'pending'
                RETURNING x.instance_id, x.state)
            SELECT nxt || coalesce(array_agg(u.instance_id) FILTER (WHERE u.state IN ('upstream_failed', 'skipped')), '{}')
              INTO nxt FROM u;
        END IF;
        frontier := nxt;
    END LOOP;
    PERFORM realmap._finish_runs(touched);
END $$;

-- ------------------------------------------------------------------ plans (90_privileges.sql)
-- CREATE OR REPLACE dropped _resolve's settings
ALTER FUNCTION realmap._resolve(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._claim(int, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._resolve(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._settle(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._expand(bigint) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._tick() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._recover(int, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text)
    SET plan_cache_mode = force_generic_plan;
