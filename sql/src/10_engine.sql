-- realmap extension script, version 0.2.0.
\echo Use "CREATE EXTENSION realmap" to load this file. \quit

-- The schema "realmap" is created by CREATE EXTENSION (realmap.control: schema =
-- realmap, relocatable = false).  Objects are always schema-qualified here.

COMMENT ON SCHEMA realmap IS 'RealMap ETL pipeline and in-database DAG engine';

CREATE FUNCTION realmap.version(
    OUT library_version text,
    OUT extension_version text,
    OUT postgresql_version text,
    OUT libcurl_version text)
RETURNS record
AS 'MODULE_PATHNAME', 'realmap_version'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION realmap.version() IS
'Versions of the loaded realmap library, the installed extension script, the PostgreSQL server and libcurl; warns when library and script differ';

-- The launcher serves one database only (realmap.database_name, as pg_cron's
-- cron.database_name): say so at once instead of leaving runs queued forever.
DO $$
BEGIN
    IF pg_catalog.current_database() OPERATOR(pg_catalog.<>)
       pg_catalog.current_setting('realmap.database_name') THEN
        RAISE WARNING 'realmap is installed in database "%", but its workers serve database "%"',
            pg_catalog.current_database(), pg_catalog.current_setting('realmap.database_name')
            USING HINT = 'Runs created here will not execute. Set realmap.database_name = '''
                         || pg_catalog.current_database() || ''' in postgresql.conf and restart, '
                         || 'or install realmap in that database.';
    END IF;
END
$$;

-- =====================================================================================
-- The DAG engine: definitions, runs, task instances, attempts, human tasks, config.
-- Workers (src/pg/worker.cpp) claim ready instances, run them and complete them through
-- the internal functions below (prefixed "_"); users meet the public functions.
-- =====================================================================================

CREATE TABLE realmap.config (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    description text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- the value the extension script seeded, unchanged since: pg_dump leaves it out
    -- (CREATE EXTENSION seeds it again); a change clears it (95_backup.sql)
    seeded      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE realmap.config IS 'Configuration (endpoints, limits, policies); a run stores the values it ran with';

-- Built-in C++ stages a task can name instead of a SQL function (seeded by the
-- stage issues; empty until a stage exists).
CREATE TABLE realmap.stages (
    stage       text PRIMARY KEY,
    description text NOT NULL
);

CREATE TABLE realmap.dags (
    dag_name        text PRIMARY KEY
                    CHECK (dag_name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$'),
    owner           name NOT NULL DEFAULT current_user,
    max_active_runs int NOT NULL DEFAULT 1 CHECK (max_active_runs >= 1),
    default_params  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(default_params) = 'object'),
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.dags IS 'DAG definitions; tasks of a DAG run with the rights of its owner';

CREATE TABLE realmap.dag_tasks (
    dag_name       text NOT NULL REFERENCES realmap.dags ON DELETE CASCADE,
    task_name      text NOT NULL CHECK (task_name ~ '^[A-Za-z_][A-Za-z0-9_-]{0,62}$'),
    kind           text NOT NULL CHECK (kind IN ('sql', 'stage')),
    function_name  text,   -- 'schema.function(jsonb)', resolved when a task runs
    stage          text REFERENCES realmap.stages,
    mode           text NOT NULL DEFAULT 'single' CHECK (mode IN ('single', 'map', 'each')),
    upstream       text[] NOT NULL DEFAULT '{}',
    trigger_rule   text NOT NULL DEFAULT 'all_success' CHECK (trigger_rule IN ('all_success', 'all_done')),
    max_attempts   int NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 1000),
    backoff        interval NOT NULL DEFAULT '1 second' CHECK (backoff >= '0'),
    backoff_factor float8 NOT NULL DEFAULT 2 CHECK (backoff_factor BETWEEN 1 AND 100),
    backoff_max    interval NOT NULL DEFAULT '10 minutes',
    jitter         float8 NOT NULL DEFAULT 0.1 CHECK (jitter BETWEEN 0 AND 1),
    timeout        interval NOT NULL DEFAULT '5 minutes' CHECK (timeout > '0' AND timeout <= '7 days'),
    concurrency    int CHECK (concurrency >= 1),
    priority       int NOT NULL DEFAULT 0,
    position       int NOT NULL,
    PRIMARY KEY (dag_name, task_name),
    CHECK ((kind = 'sql') = (function_name IS NOT NULL)),
    CHECK ((kind = 'stage') = (stage IS NOT NULL)),
    CHECK (backoff_max >= backoff)
);
COMMENT ON TABLE realmap.dag_tasks IS 'Tasks of each DAG: a SQL function (jsonb -> jsonb) or a built-in stage';

CREATE TABLE realmap.runs (
    run_id          bigserial PRIMARY KEY,
    dag_name        text NOT NULL REFERENCES realmap.dags ON DELETE CASCADE,
    state           text NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'succeeded',
                                                   'failed', 'cancelled', 'skipped')),
    params          jsonb NOT NULL,   -- the run's parameters merged over the DAG's defaults
    config          jsonb NOT NULL,   -- realmap.config as it was when the run was created
    idempotency_key text,
    trigger         text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule')),
    created_by      name NOT NULL DEFAULT current_user,
    created_xid     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    note            text,             -- why a run was skipped, queued or failed
    UNIQUE (dag_name, idempotency_key)
);
CREATE INDEX runs_active ON realmap.runs (dag_name, run_id) WHERE state IN ('queued', 'running', 'waiting');
CREATE INDEX runs_finished ON realmap.runs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per (run, task, item).  The current (latest) attempt lives here;
-- earlier attempts move to realmap.attempt_history (realmap.task_attempts shows both).
-- No foreign key to runs: 100,000-item maps insert and update these rows in bulk, and
-- realmap deletes them with their run (trigger runs_delete_children).
CREATE TABLE realmap.task_instances (
    instance_id      bigserial PRIMARY KEY,
    run_id           bigint NOT NULL,
    task_name        text NOT NULL,
    item             text,            -- the map key; NULL for single tasks
    state            text NOT NULL CHECK (state IN ('pending', 'ready', 'running', 'succeeded',
                                         'failed', 'retry_wait', 'waiting', 'upstream_failed',
                                         'skipped', 'cancelled')),
    priority         int NOT NULL DEFAULT 0,
    limited          boolean NOT NULL DEFAULT false,  -- the task has a concurrency limit
    remaining        int NOT NULL DEFAULT 0,   -- upstream instances not yet finished
    n_failed         int NOT NULL DEFAULT 0,   -- of those finished: failed, upstream_failed, cancelled
    n_skipped        int NOT NULL DEFAULT 0,   -- of those finished: skipped
    attempt          int NOT NULL DEFAULT 0,   -- claims so far: the fencing token
    failures         int NOT NULL DEFAULT 0,   -- failed or crashed attempts (against max_attempts)
    ready_at         timestamptz,              -- ready since, or (retry_wait) when the retry is due
    started_at       timestamptz,
    finished_at      timestamptz,
    lease_expires_at timestamptz,
    worker_pid       int,
    output           jsonb,
    map_context      jsonb,           -- a map source's output without "items": what its map instances see
    error_sqlstate   text,
    error_message    text,
    error_detail     text,
    human_task_id    bigint,
    -- the state while the instance is queued (pending, ready, retry_wait, waiting), else
    -- NULL.  The queue's indexes are on this, never on state, so that a completion
    -- (running -> succeeded: NULL -> NULL) changes no indexed column and is a HOT
    -- update, inserting into no index.  Running instances are found through
    -- realmap.worker_leases instead.  Last, so that upgraded tables match new ones.
    queue            text GENERATED ALWAYS AS (CASE WHEN state IN ('pending', 'ready', 'retry_wait', 'waiting')
                                                    THEN state END) STORED,
    UNIQUE NULLS NOT DISTINCT (run_id, task_name, item)
);
-- a queue table: every instance is updated two or three times within seconds.  Inserts
-- fill a page to 30 %, which leaves room on it for the claim's and the completion's
-- versions of its rows: a HOT update needs room on the row's own page, and while other
-- workers' transactions are open the claim's old versions cannot be pruned yet
-- (measured, map of 100,000: about half of the completions HOT at 50, nearly all at 30).
ALTER TABLE realmap.task_instances SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02,
                                        fillfactor = 30);
CREATE INDEX task_instances_ready ON realmap.task_instances (priority DESC, instance_id) WHERE queue = 'ready';
-- the ready instances of tasks with a concurrency limit (few): a claim that found too
-- few others looks for them here on every call, not through every ready entry (and
-- the dead ones a large map leaves behind until vacuum)
CREATE INDEX task_instances_ready_limited ON realmap.task_instances (task_name) WHERE queue = 'ready' AND limited;
-- the instances still to run (running ones are in realmap.worker_leases).  By
-- instance id, so that "is anything left?" reads it from the top, where a map's
-- items not yet claimed are, past none of the entries its claimed items left behind.
CREATE INDEX task_instances_queued ON realmap.task_instances (run_id, instance_id) WHERE queue IS NOT NULL;
CREATE INDEX task_instances_retry ON realmap.task_instances (ready_at) WHERE queue = 'retry_wait';

-- What each worker holds: the instances of its current batch, and the earliest of
-- their leases.  The index of running instances (task_instances has none, so that
-- completions are HOT updates): written by realmap._claim, emptied by the worker in
-- its batch's transaction (realmap._end_lease) and pruned when it exits (deleted
-- unless it holds instances restored from a dump), and pruned by the launcher once
-- its leases ran out (lease expired, worker gone, restart).  A
-- worker's row is updated in place, batch after batch (HOT: only worker_pid is
-- indexed), not inserted and deleted, which left a dead row per batch until vacuum;
-- fillfactor 10 gives each row (1.7 kB for a batch of 200) a page of its own with room
-- for its next versions (measured, maps of 100,000: at 100 the table grew 1 MB a map,
-- 89 % of the updates HOT; at 10 it stays at 9 pages, 99 % HOT).
-- It may name instances that no longer run; every reader checks
-- task_instances.state, so it only has to name all that do.
CREATE TABLE realmap.worker_leases (
    worker_pid   int PRIMARY KEY,
    expires_at   timestamptz,            -- the earliest lease among instance_ids; NULL: none
    run_ids      bigint[] NOT NULL,
    instance_ids bigint[] NOT NULL
) WITH (fillfactor = 10);
-- The running instances, through the leases: each one's worker holds it.
CREATE VIEW realmap._running_instances AS
SELECT x.*, l.run_ids AS lease_run_ids
  FROM realmap.worker_leases l
 CROSS JOIN LATERAL unnest(l.instance_ids) AS li(instance_id)
  JOIN realmap.task_instances x ON x.instance_id = li.instance_id
 WHERE x.worker_pid = l.worker_pid AND x.state = 'running';

CREATE TABLE realmap.attempt_history (
    run_id         bigint NOT NULL,
    instance_id    bigint NOT NULL,
    task_name      text NOT NULL,
    item           text,
    attempt        int NOT NULL,
    -- how an earlier attempt ended; succeeded, cancelled and skipped only for attempts
    -- kept when resume or rerun started their instance over (realmap._keep_attempts)
    state          text NOT NULL CHECK (state IN ('failed', 'crashed', 'fenced', 'timed_out', 'released',
                                                  'succeeded', 'cancelled', 'skipped')),
    worker_pid     int,
    started_at     timestamptz,
    finished_at    timestamptz,
    error_sqlstate text,
    error_message  text,
    error_detail   text
);
CREATE INDEX attempt_history_run ON realmap.attempt_history (run_id, instance_id);

CREATE TABLE realmap.human_tasks (
    human_task_id bigserial PRIMARY KEY,
    run_id        bigint NOT NULL,
    instance_id   bigint NOT NULL,
    task_name     text NOT NULL,
    item          text,
    kind          text NOT NULL,
    prompt        text,
    payload       jsonb,
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'expired', 'cancelled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    deadline      timestamptz NOT NULL,
    answered_at   timestamptz,
    answered_by   name,
    answer        jsonb
);
CREATE INDEX human_tasks_open ON realmap.human_tasks (deadline) WHERE state = 'open';

CREATE FUNCTION realmap._runs_delete_children() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM realmap.task_instances t USING old_runs o WHERE t.run_id = o.run_id;
    DELETE FROM realmap.attempt_history a USING old_runs o WHERE a.run_id = o.run_id;
    DELETE FROM realmap.human_tasks h USING old_runs o WHERE h.run_id = o.run_id;
    RETURN NULL;
END $$;
CREATE TRIGGER runs_delete_children AFTER DELETE ON realmap.runs
    REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION realmap._runs_delete_children();

-- The edges of every DAG, with how an upstream instance reaches a downstream one:
--   single : single -> single (one to one)
--   expand : single -> map (the upstream's {"items": [...]} creates the map's instances)
--   item   : map/each -> each (same item)
--   fanin  : map/each -> single (all items into one)
-- A table, rebuilt from dag_tasks when a DAG changes: claims and dependency resolution
-- look edges up by index on every batch, whatever the DAG's size.
CREATE TABLE realmap.dag_edges (
    dag_name   text NOT NULL,
    upstream   text NOT NULL,
    downstream text NOT NULL,
    edge_kind  text NOT NULL CHECK (edge_kind IN ('single', 'expand', 'item', 'fanin')),
    PRIMARY KEY (dag_name, upstream, downstream)
);
CREATE INDEX dag_edges_downstream ON realmap.dag_edges (dag_name, downstream);

-- Rebuilds the edges of p_dag that touch p_tasks (all of them when p_tasks is NULL).
CREATE FUNCTION realmap._rebuild_edges(p_dag text, p_tasks text[] DEFAULT NULL) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM realmap.dag_edges
     WHERE dag_name = p_dag AND (p_tasks IS NULL OR upstream = ANY (p_tasks) OR downstream = ANY (p_tasks));
    INSERT INTO realmap.dag_edges (dag_name, upstream, downstream, edge_kind)
    SELECT d.dag_name, u.task_name, d.task_name,
           CASE WHEN d.mode = 'map' THEN 'expand'
                WHEN d.mode = 'each' THEN 'item'
                WHEN u.mode IN ('map', 'each') THEN 'fanin'
                ELSE 'single' END
      FROM (SELECT * FROM realmap.dag_tasks t
             WHERE t.dag_name = p_dag
               AND (p_tasks IS NULL OR t.task_name = ANY (p_tasks) OR t.upstream && p_tasks)) d
     CROSS JOIN LATERAL unnest(d.upstream) AS up(name)
      JOIN realmap.dag_tasks u ON u.dag_name = d.dag_name AND u.task_name = up.name
     WHERE p_tasks IS NULL OR d.task_name = ANY (p_tasks) OR u.task_name = ANY (p_tasks);
$$;

-- ------------------------------------------------------------------ who is calling
-- The API functions are SECURITY DEFINER (the engine's tables are writable by no one
-- else: a role that could edit realmap.dags could make its tasks run as another
-- owner), so current_user inside them is the extension's owner.  The calling role is
-- the SET ROLE in effect, or the session user.
CREATE FUNCTION realmap._invoker() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user
                ELSE current_setting('role')::name END
$$;

-- The caller is the owner role, a member of it, or a superuser.
CREATE FUNCTION realmap._owns(p_owner name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._invoker() = p_owner
        OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_owner)
            AND pg_has_role(realmap._invoker(), p_owner, 'MEMBER'))
        OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = realmap._invoker()), false)
$$;

-- May start, cancel, resume or answer runs of a DAG owned by p_owner: its owners
-- and the members of realmap_operator.
CREATE FUNCTION realmap._may_operate(p_owner name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._owns(p_owner) OR pg_has_role(realmap._invoker(), 'realmap_operator', 'MEMBER')
$$;

-- ------------------------------------------------------------------ validation
-- Checks a DAG as a whole; raises with a message naming the problem.
CREATE FUNCTION realmap._validate_dag(p_dag text, p_check_cycles boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    cyc text;
BEGIN
    FOR r IN SELECT t.task_name, up.name FROM realmap.dag_tasks t, unnest(t.upstream) up(name)
              WHERE t.dag_name = p_dag
                AND NOT EXISTS (SELECT 1 FROM realmap.dag_tasks u WHERE u.dag_name = p_dag AND u.task_name = up.name)
    LOOP
        RAISE EXCEPTION 'task "%" of DAG "%" names unknown upstream task "%"', r.task_name, p_dag, r.name
            USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
    FOR r IN SELECT t.task_name FROM realmap.dag_tasks t
              WHERE t.dag_name = p_dag AND (t.task_name = ANY (t.upstream)
                    OR cardinality(t.upstream) <> (SELECT count(DISTINCT x) FROM unnest(t.upstream) x))
    LOOP
        RAISE EXCEPTION 'task "%" of DAG "%" lists itself or the same upstream twice', r.task_name, p_dag
            USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
    -- cycles: Kahn's algorithm (walking every path is exponential in a long chain).
    -- Whatever cannot be put in order lies on a cycle or downstream of one; the
    -- message then names one cycle.
    IF p_check_cycles THEN
    DECLARE
        indeg jsonb;
        queue text[];
        node text;
        n_sorted int := 0;
        n_tasks int;
        succ record;
    BEGIN
        SELECT count(*), jsonb_object_agg(task_name, cardinality(upstream)),
               array_agg(task_name) FILTER (WHERE cardinality(upstream) = 0)
          INTO n_tasks, indeg, queue
          FROM realmap.dag_tasks WHERE dag_name = p_dag;
        queue := coalesce(queue, '{}');
        WHILE cardinality(queue) > 0 LOOP
            node := queue[1];
            queue := queue[2:];
            n_sorted := n_sorted + 1;
            FOR succ IN SELECT t.task_name FROM realmap.dag_tasks t
                         WHERE t.dag_name = p_dag AND node = ANY (t.upstream) LOOP
                indeg := jsonb_set(indeg, ARRAY[succ.task_name], to_jsonb((indeg->>succ.task_name)::int - 1));
                IF (indeg->>succ.task_name)::int = 0 THEN
                    queue := queue || succ.task_name;
                END IF;
            END LOOP;
        END LOOP;
        IF n_sorted < n_tasks THEN
            -- name one cycle: walk upstream from an unsorted task until a task repeats
            DECLARE
                path text[];
                cur text;
            BEGIN
                SELECT k INTO cur FROM jsonb_each_text(indeg) AS e(k, v) WHERE v::int > 0 ORDER BY k LIMIT 1;
                path := ARRAY[cur];
                LOOP
                    SELECT u INTO cur FROM realmap.dag_tasks t, unnest(t.upstream) u
                     WHERE t.dag_name = p_dag AND t.task_name = cur AND (indeg->>u)::int > 0
                     ORDER BY u LIMIT 1;
                    EXIT WHEN cur = ANY (path) OR cur IS NULL;
                    path := path || cur;
                END LOOP;
                cyc := array_to_string(path[array_position(path, cur):] || cur, ' <- ');
            END;
            RAISE EXCEPTION 'DAG "%" has a cycle: %', p_dag, cyc USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END;
    END IF;
    FOR r IN SELECT t.task_name, t.upstream FROM realmap.dag_tasks t
              WHERE t.dag_name = p_dag AND t.mode = 'map'
                AND (cardinality(t.upstream) <> 1 OR EXISTS (
                     SELECT 1 FROM realmap.dag_tasks u WHERE u.dag_name = p_dag
                        AND u.task_name = t.upstream[1] AND u.mode <> 'single'))
    LOOP
        RAISE EXCEPTION 'map task "%" of DAG "%" needs exactly one upstream, a single task returning {"items": [...]} (has %)',
            r.task_name, p_dag, r.upstream USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
    FOR r IN SELECT t.task_name FROM realmap.dag_tasks t
              WHERE t.dag_name = p_dag AND t.mode = 'each'
                AND (cardinality(t.upstream) = 0 OR EXISTS (
                     SELECT 1 FROM unnest(t.upstream) up(name) JOIN realmap.dag_tasks u
                         ON u.dag_name = p_dag AND u.task_name = up.name WHERE u.mode = 'single'))
    LOOP
        RAISE EXCEPTION 'each task "%" of DAG "%" must have only map or each tasks upstream (it runs once per item of its upstream)',
            r.task_name, p_dag USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
    -- every each task's upstreams must descend from the same map task
    FOR r IN WITH RECURSIVE root(task_name, map_root) AS (
                 SELECT task_name, task_name FROM realmap.dag_tasks WHERE dag_name = p_dag AND mode = 'map'
                 UNION
                 SELECT t.task_name, rt.map_root FROM realmap.dag_tasks t
                   JOIN root rt ON rt.task_name = ANY (t.upstream)
                  WHERE t.dag_name = p_dag AND t.mode = 'each')
             SELECT task_name FROM root GROUP BY task_name HAVING count(DISTINCT map_root) > 1
    LOOP
        RAISE EXCEPTION 'each task "%" of DAG "%" combines items of different map tasks', r.task_name, p_dag
            USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
END $$;

CREATE FUNCTION realmap._dag_tasks_validate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE d text;
BEGIN
    FOR d IN SELECT DISTINCT dag_name FROM changed LOOP
        -- new tasks only add edges of their own; any other change rebuilds the DAG's
        PERFORM realmap._rebuild_edges(d, CASE WHEN TG_OP = 'INSERT' THEN
            ARRAY(SELECT c.task_name FROM changed c WHERE c.dag_name = d) END);
        -- new tasks that no task names as upstream cannot close a cycle (add_task
        -- only accepts upstreams that exist): then the cycle check is skipped, so
        -- defining a 1,000-task chain stays linear
        PERFORM realmap._validate_dag(d, TG_OP <> 'INSERT' OR EXISTS (
            SELECT 1 FROM realmap.dag_tasks t, changed c
             WHERE t.dag_name = d AND c.dag_name = d AND c.task_name = ANY (t.upstream)));
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER dag_tasks_validate_insert AFTER INSERT ON realmap.dag_tasks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION realmap._dag_tasks_validate();
CREATE TRIGGER dag_tasks_validate_update AFTER UPDATE ON realmap.dag_tasks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION realmap._dag_tasks_validate();
CREATE TRIGGER dag_tasks_validate_delete AFTER DELETE ON realmap.dag_tasks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION realmap._dag_tasks_validate();

-- ------------------------------------------------------------------ defining DAGs
CREATE FUNCTION realmap.create_dag(dag text, max_active_runs int DEFAULT 1,
                                   default_params jsonb DEFAULT '{}', description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF dag IS NULL OR dag !~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid DAG name "%"', dag
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A DAG name starts with a letter or underscore and has at most 63 letters, digits, "_", "." or "-".';
    END IF;
    IF max_active_runs IS NULL OR max_active_runs < 1 THEN
        RAISE EXCEPTION 'max_active_runs must be at least 1 (got %)', max_active_runs USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF default_params IS NULL OR jsonb_typeof(default_params) <> 'object' THEN
        RAISE EXCEPTION 'default_params must be a JSON object (got %)', default_params USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO realmap.dags (dag_name, owner, max_active_runs, default_params, description)
    VALUES (dag, realmap._invoker(), max_active_runs, default_params, description);
    RETURN dag;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'DAG "%" already exists', dag USING ERRCODE = 'duplicate_object',
          HINT = 'Drop it with realmap.drop_dag first, or choose another name.';
END $$;

CREATE FUNCTION realmap.drop_dag(dag text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE d realmap.dags;
BEGIN
    SELECT * INTO d FROM realmap.dags WHERE dag_name = dag FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'DAG "%" does not exist', dag USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT realmap._owns(d.owner) THEN
        RAISE EXCEPTION 'only the owner of DAG "%" (%) can drop it', dag, d.owner USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM realmap.runs WHERE dag_name = dag AND state IN ('queued', 'running', 'waiting')) THEN
        RAISE EXCEPTION 'DAG "%" has active runs', dag USING ERRCODE = 'object_in_use',
              HINT = 'Cancel them with realmap.cancel(run_id) first.';
    END IF;
    -- its schedule goes with it: a later DAG of the same name must not inherit it (the
    -- inner IF is planned only where pg_cron is installed)
    IF to_regclass('cron.job') IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'realmap:' || dag) THEN
            EXECUTE 'SELECT cron.unschedule($1::name)' USING 'realmap:' || dag;
        END IF;
    END IF;
    DELETE FROM realmap.runs WHERE dag_name = dag;
    DELETE FROM realmap.dags WHERE dag_name = dag;
END $$;

CREATE FUNCTION realmap.add_task(
    dag text, task text, function text DEFAULT NULL,
    upstream text[] DEFAULT '{}', mode text DEFAULT 'single', stage text DEFAULT NULL,
    trigger_rule text DEFAULT 'all_success', max_attempts int DEFAULT 3,
    backoff interval DEFAULT '1 second', backoff_factor float8 DEFAULT 2,
    backoff_max interval DEFAULT '10 minutes', jitter float8 DEFAULT 0.1,
    timeout interval DEFAULT '5 minutes', concurrency int DEFAULT NULL, priority int DEFAULT 0)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d realmap.dags;
    fn regprocedure;
    fn_name text;
    rettype regtype;
BEGIN
    SELECT * INTO d FROM realmap.dags WHERE dag_name = dag FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'DAG "%" does not exist', dag USING ERRCODE = 'undefined_object',
              HINT = 'Create it with realmap.create_dag first.';
    END IF;
    IF NOT realmap._owns(d.owner) THEN
        RAISE EXCEPTION 'only the owner of DAG "%" (%) can add tasks to it', dag, d.owner
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF task IS NULL OR task !~ '^[A-Za-z_][A-Za-z0-9_-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid task name "%"', task USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A task name starts with a letter or underscore and has at most 63 letters, digits, "_" or "-".';
    END IF;
    IF (function IS NULL) = (stage IS NULL) THEN
        RAISE EXCEPTION 'task "%": give either a SQL function or a built-in stage, not %',
            task, CASE WHEN function IS NULL THEN 'neither' ELSE 'both' END USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF mode IS NULL OR mode NOT IN ('single', 'map', 'each') THEN
        RAISE EXCEPTION 'task "%": mode must be single, map or each (got "%")', task, mode USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF trigger_rule IS NULL OR trigger_rule NOT IN ('all_success', 'all_done') THEN
        RAISE EXCEPTION 'task "%": trigger_rule must be all_success or all_done (got "%")', task, trigger_rule
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'task "%": max_attempts must be between 1 and 1000 (got %)', task, max_attempts
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF backoff IS NULL OR backoff < '0' OR backoff_max IS NULL OR backoff_max < backoff THEN
        RAISE EXCEPTION 'task "%": backoff (%) must be at least 0 and at most backoff_max (%)', task, backoff, backoff_max
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF backoff_factor IS NULL OR backoff_factor NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'task "%": backoff_factor must be between 1 and 100 (got %)', task, backoff_factor
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jitter IS NULL OR jitter NOT BETWEEN 0 AND 1 THEN
        RAISE EXCEPTION 'task "%": jitter must be between 0 and 1 (got %)', task, jitter USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF timeout IS NULL OR timeout <= '0' OR timeout > '7 days' THEN
        RAISE EXCEPTION 'task "%": timeout must be positive and at most 7 days (got %)', task, timeout
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF concurrency IS NOT NULL AND concurrency < 1 THEN
        RAISE EXCEPTION 'task "%": concurrency must be at least 1 or NULL for no limit (got %)', task, concurrency
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF function IS NOT NULL THEN
        BEGIN
            fn := function::regprocedure;
        EXCEPTION WHEN undefined_function OR invalid_text_representation OR undefined_object OR invalid_schema_name THEN
            RAISE EXCEPTION 'task "%": function % does not exist', task, function USING ERRCODE = 'undefined_function',
                  HINT = 'Name it with its argument types, e.g. ''app.fetch_city(jsonb)''; it must take one jsonb and return jsonb.';
        END;
        SELECT p.prorettype::regtype, format('%I.%I(jsonb)', n.nspname, p.proname) INTO rettype, fn_name
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = fn;
        IF (SELECT pronargs <> 1 OR proargtypes[0] <> 'jsonb'::regtype FROM pg_proc WHERE oid = fn)
           OR rettype <> 'jsonb'::regtype OR (SELECT proretset OR prokind <> 'f' FROM pg_proc WHERE oid = fn) THEN
            RAISE EXCEPTION 'task "%": % must be a function taking one jsonb and returning jsonb', task, fn
                  USING ERRCODE = 'invalid_function_definition';
        END IF;
        IF NOT has_function_privilege(d.owner, fn, 'EXECUTE') THEN
            RAISE EXCEPTION 'task "%": the DAG owner % may not execute %', task, d.owner, fn
                  USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM realmap.stages s WHERE s.stage = add_task.stage) THEN
        RAISE EXCEPTION 'task "%": unknown built-in stage "%"', task, stage USING ERRCODE = 'invalid_parameter_value',
              DETAIL = coalesce('Known stages: ' || (SELECT string_agg(s.stage, ', ' ORDER BY s.stage) FROM realmap.stages s), 'No stages are installed.');
    END IF;
    INSERT INTO realmap.dag_tasks (dag_name, task_name, kind, function_name, stage, mode, upstream, trigger_rule,
                                   max_attempts, backoff, backoff_factor, backoff_max, jitter, timeout,
                                   concurrency, priority, position)
    VALUES (dag, task, CASE WHEN function IS NOT NULL THEN 'sql' ELSE 'stage' END, fn_name, stage, mode,
            coalesce(upstream, '{}'), trigger_rule, max_attempts, backoff, backoff_factor, backoff_max, jitter, timeout,
            concurrency, priority,
            (SELECT coalesce(max(position), 0) + 1 FROM realmap.dag_tasks t WHERE t.dag_name = dag));
    RETURN task;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'task "%" already exists in DAG "%"', task, dag USING ERRCODE = 'duplicate_object';
END $$;

-- ------------------------------------------------------------------ running DAGs
-- Creates the instances of a run's single tasks; those without upstreams are ready.
-- Map and each instances appear when their map source succeeds (_expand).
CREATE FUNCTION realmap._start_run(p_run bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE r realmap.runs;
BEGIN
    UPDATE realmap.runs SET state = 'running', started_at = clock_timestamp(), note = NULL
     WHERE run_id = p_run RETURNING * INTO r;
    INSERT INTO realmap.task_instances (run_id, task_name, item, state, priority, limited, remaining, ready_at)
    SELECT p_run, t.task_name, NULL,
           CASE WHEN cardinality(t.upstream) = 0 THEN 'ready' ELSE 'pending' END,
           t.priority, t.concurrency IS NOT NULL, cardinality(t.upstream),
           CASE WHEN cardinality(t.upstream) = 0 THEN clock_timestamp() END
      FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name AND t.mode = 'single';
    PERFORM pg_notify('realmap_events', json_build_object('event', 'run_started', 'run_id', p_run, 'dag', r.dag_name)::text);
    PERFORM realmap._wake_workers();
END $$;

-- Starts queued runs of a DAG while it has room under max_active_runs.
CREATE FUNCTION realmap._start_queued(p_dag text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d realmap.dags;
    q bigint;
BEGIN
    SELECT * INTO d FROM realmap.dags WHERE dag_name = p_dag FOR UPDATE;
    LOOP
        EXIT WHEN (SELECT count(*) FROM realmap.runs WHERE dag_name = p_dag AND state IN ('running', 'waiting'))
                  >= d.max_active_runs;
        SELECT run_id INTO q FROM realmap.runs WHERE dag_name = p_dag AND state = 'queued' ORDER BY run_id LIMIT 1;
        EXIT WHEN q IS NULL;
        PERFORM realmap._start_run(q);
    END LOOP;
END $$;

CREATE FUNCTION realmap._create_run(p_params jsonb, p_dag text, p_key text, p_trigger text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d realmap.dags;
    id bigint;
    active int;
BEGIN
    IF p_params IS NULL OR jsonb_typeof(p_params) <> 'object' THEN
        RAISE EXCEPTION 'run parameters must be a JSON object (got %)', coalesce(p_params::text, 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the DAG row lock serialises run creation per DAG (max_active_runs, idempotency)
    SELECT * INTO d FROM realmap.dags WHERE dag_name = p_dag FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'DAG "%" does not exist', p_dag USING ERRCODE = 'undefined_object',
              DETAIL = coalesce('Known DAGs: ' || (SELECT string_agg(dag_name, ', ' ORDER BY dag_name) FROM realmap.dags), 'No DAGs are defined.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM realmap.dag_tasks WHERE dag_name = p_dag) THEN
        RAISE EXCEPTION 'DAG "%" has no tasks', p_dag USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_key IS NOT NULL THEN
        SELECT run_id INTO id FROM realmap.runs WHERE dag_name = p_dag AND idempotency_key = p_key;
        IF FOUND THEN
            RETURN id;   -- the same request again: the same run
        END IF;
    END IF;
    SELECT count(*) INTO active FROM realmap.runs WHERE dag_name = p_dag AND state IN ('queued', 'running', 'waiting');
    IF NOT realmap._may_operate(d.owner) THEN
        RAISE EXCEPTION 'role % may not start runs of DAG "%" (owned by %)', realmap._invoker(), p_dag, d.owner
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Operate it as its owner, a member of the owner role, or a member of realmap_operator.';
    END IF;
    INSERT INTO realmap.runs (dag_name, state, params, config, idempotency_key, trigger, created_by, note)
    VALUES (p_dag, CASE WHEN p_trigger = 'schedule' AND active >= d.max_active_runs THEN 'skipped' ELSE 'queued' END,
            d.default_params || p_params,
            coalesce((SELECT jsonb_object_agg(key, value) FROM realmap.config), '{}'),
            p_key, p_trigger, realmap._invoker(),
            CASE WHEN active >= d.max_active_runs THEN
                 format('%s run(s) of DAG %s already active (max_active_runs = %s)', active, p_dag, d.max_active_runs) END)
    RETURNING run_id INTO id;
    IF p_trigger = 'schedule' AND active >= d.max_active_runs THEN
        UPDATE realmap.runs SET finished_at = clock_timestamp() WHERE run_id = id;
        PERFORM pg_notify('realmap_events', json_build_object('event', 'run_skipped', 'run_id', id, 'dag', p_dag)::text);
        RETURN id;
    END IF;
    PERFORM realmap._start_queued(p_dag);
    RETURN id;
END $$;

CREATE FUNCTION realmap.run(params jsonb DEFAULT '{}', dag text DEFAULT 'realmap_etl',
                            idempotency_key text DEFAULT NULL)
RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp
RETURN realmap._create_run(params, dag, idempotency_key, 'manual');
COMMENT ON FUNCTION realmap.run(jsonb, text, text) IS
'Starts a run of a DAG (queued behind active runs beyond max_active_runs); returns the run id. The same idempotency_key returns the same run.';

-- what pg_cron calls: a scheduled run while one is active is skipped and recorded
CREATE FUNCTION realmap._scheduled_run(params jsonb, dag text) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp
RETURN realmap._create_run(params, dag, NULL, 'schedule');

-- What a fan-in sees of a map/each upstream: a summary, not every output.
CREATE FUNCTION realmap._fanin_summary(p_run bigint, p_task text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'succeeded', count(*) FILTER (WHERE o.state = 'succeeded'),
        'failed', count(*) FILTER (WHERE o.state IN ('failed', 'upstream_failed', 'cancelled')),
        'skipped', count(*) FILTER (WHERE o.state = 'skipped'),
        'failed_items', coalesce((SELECT jsonb_agg(f.item ORDER BY f.item) FROM (
             SELECT f.item FROM realmap.task_instances f
              WHERE f.run_id = p_run AND f.task_name = p_task
                AND f.state IN ('failed', 'upstream_failed', 'cancelled') AND f.item IS NOT NULL
              ORDER BY f.item LIMIT 100) f), '[]'::jsonb))
      FROM realmap.task_instances o WHERE o.run_id = p_run AND o.task_name = p_task
$$;

-- Claims up to p_limit ready instances for worker p_pid: each claim increments the
-- attempt (the fencing token) and sets a lease on the database clock.  Tasks with a
-- concurrency limit are claimed under their definition's row lock, so the limit holds
-- across workers.
CREATE FUNCTION realmap._claim(p_limit int, p_pid int)
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
         WHERE ti.queue = 'ready' AND NOT ti.limited
         ORDER BY ti.priority DESC, ti.instance_id
         LIMIT p_limit FOR UPDATE SKIP LOCKED) c;
    ids := coalesce(ids, '{}');
    IF cardinality(ids) < p_limit
       AND EXISTS (SELECT 1 FROM realmap.task_instances ti WHERE ti.queue = 'ready' AND ti.limited) THEN
        FOR lim IN SELECT DISTINCT r.dag_name, ti.task_name FROM realmap.task_instances ti
                     JOIN realmap.runs r ON r.run_id = ti.run_id
                    WHERE ti.queue = 'ready' AND ti.limited
        LOOP
            PERFORM 1 FROM realmap.dag_tasks t WHERE t.dag_name = lim.dag_name AND t.task_name = lim.task_name FOR UPDATE;
            SELECT t.concurrency - (SELECT count(*) FROM realmap._running_instances x JOIN realmap.runs r ON r.run_id = x.run_id
                                      WHERE x.task_name = t.task_name AND r.dag_name = t.dag_name)
              INTO room FROM realmap.dag_tasks t WHERE t.dag_name = lim.dag_name AND t.task_name = lim.task_name;
            room := least(coalesce(room, 0), p_limit - cardinality(ids));
            CONTINUE WHEN room <= 0;
            ids := ids || ARRAY(
                SELECT ti.ctid FROM realmap.task_instances ti JOIN realmap.runs r ON r.run_id = ti.run_id
                 WHERE ti.queue = 'ready' AND ti.limited AND ti.task_name = lim.task_name AND r.dag_name = lim.dag_name
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
    ),
    -- the worker's lease row: the index of running instances.  Its previous batch
    -- emptied it (realmap._end_lease); a row that still holds instances under this pid
    -- (restored from a dump) keeps them, for the launcher once its earliest lease has
    -- passed.
    lease AS (
        INSERT INTO realmap.worker_leases AS l (worker_pid, expires_at, run_ids, instance_ids)
        SELECT p_pid, min(c.lease_expires_at), array_agg(DISTINCT c.run_id), array_agg(c.instance_id) FROM claimed c
        HAVING count(*) > 0
        ON CONFLICT (worker_pid) DO UPDATE
           SET expires_at = least(l.expires_at, excluded.expires_at),
               run_ids = CASE WHEN l.expires_at IS NULL THEN excluded.run_ids
                              ELSE ARRAY(SELECT DISTINCT u FROM unnest(l.run_ids || excluded.run_ids) u) END,
               instance_ids = CASE WHEN l.expires_at IS NULL THEN excluded.instance_ids
                                   ELSE ARRAY(SELECT DISTINCT u FROM unnest(l.instance_ids || excluded.instance_ids) u) END
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

-- Retry delay after the n-th failure: backoff * factor^(n-1), capped, with jitter.
CREATE FUNCTION realmap._retry_delay(t realmap.dag_tasks, failures int) RETURNS interval
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT least(t.backoff_max, t.backoff * power(t.backoff_factor, greatest(failures - 1, 0))::float8)
           * (1 + t.jitter * (random() * 2 - 1))
$$;

-- Records a failed attempt.  Retries (retry_wait) while the error is retryable and
-- attempts remain; otherwise the instance fails.  Returns the new state, or NULL when
-- the attempt was fenced off (its claim is no longer the current one).
CREATE FUNCTION realmap._fail(p_instance bigint, p_attempt int, p_sqlstate text, p_message text,
                              p_detail text, p_retryable boolean, p_retry_after interval DEFAULT NULL,
                              p_history_state text DEFAULT 'failed')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ti realmap.task_instances;
    t realmap.dag_tasks;
    delay interval;
    new_state text;
BEGIN
    -- "(...) IS TRUE" keeps the planner on the primary key (see worker.cpp)
    SELECT * INTO ti FROM realmap.task_instances
     WHERE instance_id = p_instance AND (attempt = p_attempt AND state IN ('running', 'waiting')) IS TRUE FOR UPDATE;
    IF NOT FOUND THEN
        -- a stale claim reporting late (its lease ran out, or the run was cancelled):
        -- rejected, and recorded
        IF p_history_state IN ('failed', 'timed_out') THEN
            PERFORM realmap._record_fenced(p_instance, p_attempt, NULL, NULL,
                format('failure report rejected: the claim of attempt %s is no longer current (%s: %s)',
                       p_attempt, p_sqlstate, p_message));
        END IF;
        RETURN NULL;
    END IF;
    SELECT dt.* INTO t FROM realmap.dag_tasks dt JOIN realmap.runs r ON r.dag_name = dt.dag_name
     WHERE r.run_id = ti.run_id AND dt.task_name = ti.task_name;
    IF p_retryable AND ti.failures + 1 < coalesce(t.max_attempts, 1) THEN
        delay := greatest(realmap._retry_delay(t, ti.failures + 1), coalesce(p_retry_after, '0'));
        new_state := 'retry_wait';
        INSERT INTO realmap.attempt_history (run_id, instance_id, task_name, item, attempt, state, worker_pid,
                                             started_at, finished_at, error_sqlstate, error_message, error_detail)
        VALUES (ti.run_id, ti.instance_id, ti.task_name, ti.item, ti.attempt, p_history_state, ti.worker_pid,
                ti.started_at, clock_timestamp(), p_sqlstate, p_message, p_detail);
        UPDATE realmap.task_instances
           SET state = 'retry_wait', failures = failures + 1, ready_at = clock_timestamp() + delay,
               lease_expires_at = NULL, human_task_id = NULL,
               error_sqlstate = p_sqlstate, error_message = p_message, error_detail = p_detail
         WHERE instance_id = p_instance;
        PERFORM realmap._note_deadline(clock_timestamp() + delay);
    ELSE
        new_state := 'failed';
        UPDATE realmap.task_instances
           SET state = 'failed', failures = failures + 1, finished_at = clock_timestamp(), lease_expires_at = NULL,
               error_sqlstate = p_sqlstate, error_message = p_message, error_detail = p_detail
         WHERE instance_id = p_instance;
        IF p_history_state <> 'failed' THEN  -- keep what kind of end it was (crashed, timed out)
            INSERT INTO realmap.attempt_history (run_id, instance_id, task_name, item, attempt, state, worker_pid,
                                                 started_at, finished_at, error_sqlstate, error_message, error_detail)
            VALUES (ti.run_id, ti.instance_id, ti.task_name, ti.item, ti.attempt, p_history_state, ti.worker_pid,
                    ti.started_at, clock_timestamp(), p_sqlstate, p_message, p_detail);
        END IF;
    END IF;
    RETURN new_state;
END $$;

-- Records a completion that arrived with a stale claim (its lease expired and the
-- instance was claimed again, or the run was cancelled): never applied, always kept.
CREATE FUNCTION realmap._record_fenced(p_instance bigint, p_attempt int, p_pid int, p_started timestamptz,
                                       p_reason text)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO realmap.attempt_history (run_id, instance_id, task_name, item, attempt, state, worker_pid,
                                         started_at, finished_at, error_sqlstate, error_message)
    SELECT ti.run_id, ti.instance_id, ti.task_name, ti.item, p_attempt, 'fenced', coalesce(p_pid, pg_backend_pid()),
           p_started, clock_timestamp(), '40001', p_reason
      FROM realmap.task_instances ti WHERE ti.instance_id = p_instance
$$;

-- A task asked to wait for a human (its output was realmap.await_human(...)):
-- creates the human task, parks the instance in "waiting" and announces it.
CREATE FUNCTION realmap._park(p_instance bigint, p_attempt int, p_request jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ti realmap.task_instances;
    h bigint;
BEGIN
    SELECT * INTO ti FROM realmap.task_instances
     WHERE instance_id = p_instance AND (attempt = p_attempt AND state = 'running') IS TRUE FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO realmap.human_tasks (run_id, instance_id, task_name, item, kind, prompt, payload, deadline)
    VALUES (ti.run_id, ti.instance_id, ti.task_name, ti.item, coalesce(p_request->>'kind', 'input'),
            p_request->>'prompt', p_request->'payload',
            clock_timestamp() + coalesce((p_request->>'timeout')::interval, interval '1 hour'))
    RETURNING human_task_id INTO h;
    PERFORM realmap._note_deadline(deadline) FROM realmap.human_tasks WHERE human_task_id = h;
    UPDATE realmap.task_instances SET state = 'waiting', human_task_id = h, lease_expires_at = NULL
     WHERE instance_id = p_instance;
    UPDATE realmap.runs SET state = 'waiting' WHERE run_id = ti.run_id AND state = 'running';
    PERFORM pg_notify('realmap_events', json_build_object('event', 'human_task', 'run_id', ti.run_id,
        'human_task_id', h, 'kind', coalesce(p_request->>'kind', 'input'), 'task', ti.task_name, 'item', ti.item)::text);
    RETURN h;
END $$;

-- What a SQL task returns to wait for a human answer; it runs again with
-- context->'human' holding the answer (or fails/retries past the deadline).
CREATE FUNCTION realmap.await_human(kind text, prompt text, payload jsonb DEFAULT NULL,
                                    timeout interval DEFAULT '1 hour')
RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
RETURN jsonb_build_object('realmap_await_human', jsonb_build_object('kind', kind, 'prompt', prompt,
                          'payload', payload, 'timeout', timeout::text));

-- What a task returns when its item needs nothing done: it ends "skipped", and so
-- do the tasks downstream of it (for that item) with trigger rule all_success.
CREATE FUNCTION realmap.skip_item(reason text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
RETURN jsonb_build_object('realmap_skip', coalesce(reason, 'skipped'));

-- Expands a finished map source: on success, one instance per item for each map task
-- downstream and for the each tasks under it, and fan-ins wait for every item; on any
-- other end, the map never expands: its tasks get one item-less instance each that
-- ends like the source, and fan-ins count that instead.  Returns ids that ended here.
CREATE FUNCTION realmap._expand(p_source bigint) RETURNS bigint[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src realmap.task_instances;
    dag text;
    m record;
    keys text[];
    n int;
    ended bigint[] := '{}';
    end_state text;
    l_task text[]; l_mode text[]; l_nup int[]; l_prio int[]; l_limited boolean[];
BEGIN
    SELECT * INTO src FROM realmap.task_instances WHERE instance_id = p_source;
    SELECT r.dag_name INTO dag FROM realmap.runs r WHERE r.run_id = src.run_id;
    FOR m IN SELECT e.downstream AS map_task FROM realmap.dag_edges e
              WHERE e.dag_name = dag AND e.upstream = src.task_name AND e.edge_kind = 'expand'
    LOOP
        -- the map task and every each task whose items come from it
        WITH RECURSIVE lineage(task_name) AS (
            SELECT m.map_task
            UNION
            SELECT t.task_name FROM realmap.dag_tasks t JOIN lineage l ON l.task_name = ANY (t.upstream)
             WHERE t.dag_name = dag AND t.mode = 'each')
        SELECT array_agg(t.task_name), array_agg(t.mode), array_agg(cardinality(t.upstream)),
               array_agg(t.priority), array_agg(t.concurrency IS NOT NULL)
          INTO l_task, l_mode, l_nup, l_prio, l_limited
          FROM lineage l JOIN realmap.dag_tasks t ON t.dag_name = dag AND t.task_name = l.task_name;

        IF src.state = 'succeeded' THEN
            keys := ARRAY(SELECT jsonb_array_elements_text(src.output->'items'));
            n := cardinality(keys);
            INSERT INTO realmap.task_instances (run_id, task_name, item, state, priority, limited, remaining, ready_at)
            SELECT src.run_id, l.task_name, k,
                   CASE WHEN l.mode = 'map' THEN 'ready' ELSE 'pending' END, l.priority, l.limited,
                   CASE WHEN l.mode = 'map' THEN 0 ELSE l.n_upstream END,
                   CASE WHEN l.mode = 'map' THEN clock_timestamp() END
              FROM unnest(l_task, l_mode, l_nup, l_prio, l_limited) AS l(task_name, mode, n_upstream, priority, limited)
             CROSS JOIN unnest(keys) k;
            -- fan-ins counted each edge from the lineage once until now: now n items
            PERFORM 1 FROM realmap.task_instances x WHERE x.instance_id IN (
                SELECT x2.instance_id FROM realmap.task_instances x2 JOIN realmap.dag_edges e
                    ON e.dag_name = dag AND e.downstream = x2.task_name AND e.edge_kind = 'fanin'
                 WHERE x2.run_id = src.run_id AND x2.item IS NULL AND e.upstream = ANY (l_task))
             ORDER BY x.instance_id FOR UPDATE;
            WITH f AS (
                SELECT e.downstream, count(*) AS edges FROM realmap.dag_edges e
                 WHERE e.dag_name = dag AND e.edge_kind = 'fanin' AND e.upstream = ANY (l_task) GROUP BY e.downstream)
            UPDATE realmap.task_instances x SET remaining = x.remaining + f.edges * (n - 1)
              FROM f WHERE x.run_id = src.run_id AND x.task_name = f.downstream AND x.item IS NULL;
            IF n = 0 THEN  -- nothing to map: fan-ins may be complete now
                ended := ended || realmap._settle(ARRAY(
                    SELECT x.instance_id FROM realmap.task_instances x JOIN realmap.dag_edges e
                        ON e.dag_name = dag AND e.downstream = x.task_name AND e.edge_kind = 'fanin'
                     WHERE x.run_id = src.run_id AND x.item IS NULL AND e.upstream = ANY (l_task)));
            END IF;
            UPDATE realmap.task_instances SET map_context = src.output - 'items' WHERE instance_id = p_source;
            -- a large map changes the table's size by orders of magnitude at once: give
            -- the planner (and the workers' cached plans, replanned on the change) the
            -- new statistics now rather than after autovacuum's next look
            IF n >= 1000 THEN
                ANALYZE realmap.task_instances;
            END IF;
        ELSE
            end_state := CASE WHEN src.state = 'skipped' THEN 'skipped' ELSE 'upstream_failed' END;
            WITH ins AS (
                INSERT INTO realmap.task_instances (run_id, task_name, item, state, priority, limited, finished_at)
                SELECT src.run_id, l.task_name, NULL, end_state, l.priority, l.limited, clock_timestamp()
                  FROM unnest(l_task, l_prio, l_limited) AS l(task_name, priority, limited)
                RETURNING instance_id)
            SELECT ended || array_agg(instance_id) INTO ended FROM ins;
        END IF;
    END LOOP;
    RETURN ended;
END $$;

-- Decides pending instances whose upstreams have all finished: ready, or (trigger
-- rule all_success) upstream_failed / skipped.  Returns the ids that ended.
-- (plpgsql, not sql: a SQL function with a SET clause is parsed and planned again on
-- every call, which was half of each _resolve: measured 1.9 ms a chain step)
CREATE FUNCTION realmap._settle(p_ids bigint[]) RETURNS bigint[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended bigint[];
BEGIN
    WITH s AS (
        UPDATE realmap.task_instances x
           SET state = CASE WHEN t.trigger_rule = 'all_success' AND x.n_failed > 0 THEN 'upstream_failed'
                            WHEN t.trigger_rule = 'all_success' AND x.n_skipped > 0 THEN 'skipped'
                            ELSE 'ready' END,
               ready_at = clock_timestamp(),
               finished_at = CASE WHEN t.trigger_rule = 'all_success' AND (x.n_failed > 0 OR x.n_skipped > 0)
                                  THEN clock_timestamp() END
          FROM realmap.runs r, realmap.dag_tasks t
         WHERE x.instance_id = ANY (p_ids) AND x.state = 'pending' AND x.remaining <= 0
           AND r.run_id = x.run_id AND t.dag_name = r.dag_name AND t.task_name = x.task_name
        RETURNING x.instance_id, x.state)
    SELECT coalesce(array_agg(s.instance_id) FILTER (WHERE s.state <> 'ready'), '{}') INTO ended FROM s;
    RETURN ended;
END $$;

-- Propagates finished instances downstream, all in the completing transaction:
-- expands map sources, decrements the remaining-dependencies counters of downstream
-- instances under row locks taken in instance order (so concurrent completions never
-- lose a decrement or deadlock) and, in the same statement, settles those that reach
-- zero; repeats for the ones that ended without running, and finishes runs with
-- nothing left to do.  Three statements a step: it runs once per batch, and along a
-- chain once per task, so each statement is dispatch latency.
CREATE FUNCTION realmap._resolve(p_ids bigint[]) RETURNS void
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

-- Ends runs that have nothing left to do: failed if any instance failed, cancelled
-- if cancelled, otherwise succeeded; then starts queued runs of the same DAG.
CREATE FUNCTION realmap._finish_runs(p_runs bigint[]) RETURNS void
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
           AND (SELECT x.instance_id FROM realmap.task_instances x WHERE x.run_id = ru.run_id AND x.queue IS NOT NULL
                 ORDER BY x.instance_id DESC LIMIT 1) IS NULL
         ORDER BY ru.run_id);
    IF cardinality(candidates) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM realmap.runs ru WHERE ru.run_id = ANY (candidates) ORDER BY ru.run_id FOR UPDATE;
    FOR r IN SELECT ru.run_id, ru.dag_name, ru.state FROM realmap.runs ru
              WHERE ru.run_id = ANY (candidates) AND ru.state IN ('running', 'waiting', 'cancelled')
                AND ru.finished_at IS NULL
                AND (SELECT x.instance_id FROM realmap.task_instances x WHERE x.run_id = ru.run_id AND x.queue IS NOT NULL
                      ORDER BY x.instance_id DESC LIMIT 1) IS NULL
                AND NOT EXISTS (SELECT 1 FROM realmap._running_instances x
                                 WHERE ru.run_id = ANY (x.lease_run_ids) AND x.run_id = ru.run_id)
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

-- ------------------------------------------------------------------ timers and recovery (the launcher)
-- Turns an attempt whose worker is gone (lease expired, worker exited, server
-- restarted) into a crashed attempt, retried per the task's policy.
CREATE FUNCTION realmap._crash(p_ids bigint[], p_reason text) RETURNS bigint[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    ended bigint[] := '{}';
BEGIN
    FOR r IN SELECT instance_id, attempt, worker_pid FROM realmap.task_instances
              WHERE instance_id = ANY (p_ids) AND (state = 'running') IS TRUE ORDER BY instance_id
    LOOP
        IF realmap._fail(r.instance_id, r.attempt, '57P01',
                         format('attempt %s crashed: %s (worker pid %s)', r.attempt, p_reason, r.worker_pid),
                         NULL, true, NULL, 'crashed') = 'failed' THEN
            ended := ended || r.instance_id;
        END IF;
    END LOOP;
    RETURN ended;
END $$;

-- Keeps of worker p_pid's lease row only the instances it still runs (with the
-- earliest of their leases), or deletes it when none is left: the launcher's, for
-- leases that ran out and workers gone, and a worker's own as it exits.
CREATE FUNCTION realmap._prune_lease(p_pid int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    still record;
BEGIN
    SELECT min(x.lease_expires_at) AS expires_at, array_agg(DISTINCT x.run_id) AS run_ids,
           array_agg(x.instance_id) AS instance_ids
      INTO still FROM realmap._running_instances x WHERE x.worker_pid = p_pid;
    IF still.instance_ids IS NULL THEN
        DELETE FROM realmap.worker_leases WHERE worker_pid = p_pid;
    ELSE
        UPDATE realmap.worker_leases SET expires_at = still.expires_at, run_ids = still.run_ids,
               instance_ids = still.instance_ids
         WHERE worker_pid = p_pid;
    END IF;
END $$;

-- The end of worker p_pid's batch of p_claimed instances, in its transaction: none of
-- them runs any more, so its lease row is emptied (for its next claim to fill).  A row
-- holding more than that batch (its claim was merged into a row already there: one
-- restored from a dump under the same pid) keeps whatever of it still runs.
CREATE FUNCTION realmap._end_lease(p_pid int, p_claimed int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.worker_leases SET expires_at = NULL, run_ids = '{}', instance_ids = '{}'
     WHERE worker_pid = p_pid AND cardinality(instance_ids) <= p_claimed;
    IF NOT FOUND THEN
        PERFORM realmap._prune_lease(p_pid);
    END IF;
END $$;

-- One pass of the launcher's timers.  Returns when it next has something to do.
CREATE FUNCTION realmap._tick(OUT next_due timestamptz, OUT ready bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended bigint[] := '{}';
    r record;
    l realmap.worker_leases;
BEGIN
    -- leases that ran out: the worker died, hangs or was stopped.  SKIP LOCKED: a row
    -- locked by a worker that is completing it is not stuck.
    FOR l IN SELECT * FROM realmap.worker_leases WHERE expires_at < clock_timestamp()
              ORDER BY worker_pid FOR UPDATE SKIP LOCKED
    LOOP
        ended := ended || realmap._crash(ARRAY(
            SELECT x.instance_id FROM realmap.task_instances x
             WHERE x.instance_id = ANY (l.instance_ids)
               AND (x.worker_pid = l.worker_pid AND x.state = 'running' AND x.lease_expires_at < clock_timestamp()) IS TRUE
             ORDER BY x.instance_id FOR UPDATE SKIP LOCKED), 'lease expired');
        PERFORM realmap._prune_lease(l.worker_pid);
    END LOOP;
    -- retries that are due
    UPDATE realmap.task_instances SET state = 'ready', ready_at = clock_timestamp()
     WHERE queue = 'retry_wait' AND ready_at <= clock_timestamp();
    -- human tasks past their deadline: the waiting attempt fails (and retries per policy)
    FOR r IN SELECT h.human_task_id, h.kind, h.deadline, ti.instance_id, ti.attempt
               FROM realmap.human_tasks h JOIN realmap.task_instances ti ON ti.instance_id = h.instance_id
              WHERE h.state = 'open' AND h.deadline <= clock_timestamp() AND ti.state = 'waiting'
                AND ti.human_task_id = h.human_task_id
              ORDER BY h.human_task_id FOR UPDATE OF h SKIP LOCKED
    LOOP
        UPDATE realmap.human_tasks SET state = 'expired' WHERE human_task_id = r.human_task_id;
        -- an unanswered CAPTCHA fails for good: a retry would only ask again, unseen
        IF realmap._fail(r.instance_id, r.attempt, '57014',
                         CASE WHEN r.kind = 'captcha' THEN
                             format('the CAPTCHA (human task %s) was not answered by its deadline %s', r.human_task_id, r.deadline)
                         ELSE format('human task %s (%s) was not answered by its deadline %s', r.human_task_id, r.kind, r.deadline) END,
                         CASE WHEN r.kind = 'captcha' THEN
                             format('Run SELECT realmap.resume(%s); then answer the new CAPTCHA with SELECT realmap.solve_captcha(%s, ''<the text in the image>''); within the configured captcha.timeout.',
                                    (SELECT run_id FROM realmap.task_instances WHERE instance_id = r.instance_id),
                                    (SELECT run_id FROM realmap.task_instances WHERE instance_id = r.instance_id)) END,
                         r.kind <> 'captcha', NULL, 'timed_out') = 'failed' THEN
            ended := ended || r.instance_id;
        END IF;
        UPDATE realmap.runs ru SET state = 'running' WHERE ru.state = 'waiting'
           AND ru.run_id = (SELECT run_id FROM realmap.task_instances WHERE instance_id = r.instance_id)
           AND NOT EXISTS (SELECT 1 FROM realmap.task_instances w WHERE w.run_id = ru.run_id AND w.queue = 'waiting');
    END LOOP;
    IF cardinality(ended) > 0 THEN
        PERFORM realmap._resolve(ended);
    END IF;
    -- a safety net: a run with nothing left to do ends here at the latest
    PERFORM realmap._finish_runs(ARRAY(SELECT run_id FROM realmap.runs WHERE state IN ('running', 'waiting')));
    SELECT least((SELECT min(expires_at) FROM realmap.worker_leases),
                 (SELECT min(ready_at) FROM realmap.task_instances WHERE queue = 'retry_wait'),
                 (SELECT min(deadline) FROM realmap.human_tasks WHERE state = 'open'))
      INTO next_due;
    SELECT count(*) INTO ready FROM (SELECT 1 FROM realmap.task_instances WHERE queue = 'ready' LIMIT 1000) x;
END $$;

-- After the server (re)started or a worker died: its attempts are crashed.
-- p_pid NULL: every running attempt (no worker survives a restart).
CREATE FUNCTION realmap._recover(p_pid int, p_reason text) RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    ended bigint[];
BEGIN
    IF p_pid IS NULL THEN
        -- every running row (no worker survives a restart), whatever the lease rows say
        ids := ARRAY(SELECT instance_id FROM realmap.task_instances WHERE state = 'running'
                      ORDER BY instance_id FOR UPDATE SKIP LOCKED);
    ELSE
        -- (the worker is gone: nothing of its holds a lock)
        ids := ARRAY(SELECT x.instance_id FROM realmap._running_instances x WHERE x.worker_pid = p_pid
                      ORDER BY x.instance_id);
    END IF;
    ended := realmap._crash(ids, p_reason);
    PERFORM realmap._prune_lease(l.worker_pid) FROM realmap.worker_leases l
      WHERE p_pid IS NULL OR l.worker_pid = p_pid;
    IF cardinality(ended) > 0 THEN
        PERFORM realmap._resolve(ended);
    END IF;
    RETURN cardinality(ids);
END $$;

-- ------------------------------------------------------------------ operating runs
CREATE FUNCTION realmap._check_run(p_run bigint) RETURNS realmap.runs
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE r realmap.runs;
BEGIN
    SELECT * INTO r FROM realmap.runs WHERE run_id = p_run FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', coalesce(p_run::text, '(none)') USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT realmap._may_operate((SELECT owner FROM realmap.dags WHERE dag_name = r.dag_name)) THEN
        RAISE EXCEPTION 'role % may not operate run % of DAG "%"', realmap._invoker(), p_run, r.dag_name
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN r;
END $$;

CREATE FUNCTION realmap.cancel(run_id bigint) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r realmap.runs;
    pids int[];
    running bigint[];
BEGIN
    r := realmap._check_run(cancel.run_id);
    IF r.state NOT IN ('queued', 'running', 'waiting') THEN
        RETURN r.state;   -- already over: nothing to cancel
    END IF;
    UPDATE realmap.runs SET state = 'cancelled', note = format('cancelled by %s', realmap._invoker())
     WHERE runs.run_id = r.run_id;
    SELECT coalesce(array_agg(x.instance_id), '{}'), coalesce(array_agg(DISTINCT x.worker_pid), '{}') INTO running, pids
      FROM realmap._running_instances x WHERE r.run_id = ANY (x.lease_run_ids) AND x.run_id = r.run_id;
    UPDATE realmap.task_instances ti SET state = 'cancelled', finished_at = clock_timestamp(), lease_expires_at = NULL
     WHERE ti.run_id = r.run_id AND ti.queue IS NOT NULL;
    UPDATE realmap.task_instances ti SET state = 'cancelled', finished_at = clock_timestamp(), lease_expires_at = NULL
     WHERE ti.instance_id = ANY (running) AND (ti.state = 'running') IS TRUE;
    UPDATE realmap.human_tasks h SET state = 'cancelled' WHERE h.run_id = r.run_id AND h.state = 'open';
    UPDATE realmap.runs SET finished_at = clock_timestamp() WHERE runs.run_id = r.run_id;
    PERFORM pg_notify('realmap_events', json_build_object('event', 'run_finished', 'run_id', r.run_id,
                      'dag', r.dag_name, 'state', 'cancelled')::text);
    PERFORM realmap._run_finished(r.run_id);
    -- running SQL tasks are interrupted (their completion would be fenced off anyway)
    PERFORM realmap._interrupt_workers(pids);
    PERFORM realmap._start_queued(r.dag_name);
    RETURN 'cancelled';
END $$;

-- Re-queues what did not succeed (failed, upstream_failed, cancelled, and map items
-- that never ran), keeps every succeeded instance, and runs the run again.
CREATE FUNCTION realmap.resume(run_id bigint) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r realmap.runs;
BEGIN
    r := realmap._check_run(resume.run_id);
    IF r.state IN ('queued', 'running', 'waiting') THEN
        RAISE EXCEPTION 'run % is still %', r.run_id, r.state USING ERRCODE = 'object_in_use',
              HINT = 'Wait for it to end or cancel it first.';
    END IF;
    IF r.state = 'skipped' THEN
        RAISE EXCEPTION 'run % was skipped and never ran; start a new run instead', r.run_id
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- item-less stand-ins of maps that never expanded are removed: the map expands
    -- again when its source succeeds
    DELETE FROM realmap.task_instances ti USING realmap.dag_tasks t
     WHERE ti.run_id = r.run_id AND ti.item IS NULL AND t.dag_name = r.dag_name AND t.task_name = ti.task_name
       AND t.mode IN ('map', 'each') AND ti.state IN ('upstream_failed', 'skipped', 'cancelled');
    -- what did not succeed, and the all_done tasks downstream of it (a finalize that
    -- summarised partial results runs again over the complete ones)
    PERFORM realmap._requeue(r.run_id, ARRAY(
        WITH RECURSIVE redo AS (
            SELECT DISTINCT ti.task_name FROM realmap.task_instances ti
             WHERE ti.run_id = r.run_id AND ti.state IN ('failed', 'upstream_failed', 'cancelled')
            UNION
            SELECT e.downstream FROM realmap.dag_edges e JOIN redo ON redo.task_name = e.upstream
             WHERE e.dag_name = r.dag_name)
        SELECT ti.instance_id FROM realmap.task_instances ti
         WHERE ti.run_id = r.run_id
           AND (ti.state IN ('failed', 'upstream_failed', 'cancelled')
                OR (ti.item IS NULL AND ti.task_name IN (SELECT task_name FROM redo)
                    AND EXISTS (SELECT 1 FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name
                                   AND t.task_name = ti.task_name AND t.trigger_rule = 'all_done')))));
    UPDATE realmap.runs SET state = 'running', finished_at = NULL,
           note = format('resumed by %s at %s', realmap._invoker(), clock_timestamp())
     WHERE runs.run_id = r.run_id;
    PERFORM realmap._wake_workers();
    PERFORM realmap._finish_runs(ARRAY[r.run_id]);  -- nothing to redo: ends at once
    RETURN (SELECT state FROM realmap.runs WHERE runs.run_id = r.run_id);
END $$;

-- Puts instances of a finished run back: each waits for its upstreams again, counting
-- those that already succeeded (or finished, for all_done) as done.
-- Keeps the current attempt of instances about to start over (resume, rerun) or go
-- away (rerun's map instances) in history: their row was its only record, and it
-- is how the run's first try ended (its error above all).  An attempt history already
-- holds (a final crash or timeout) is not kept twice.
CREATE FUNCTION realmap._keep_attempts(p_ids bigint[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO realmap.attempt_history (run_id, instance_id, task_name, item, attempt, state, worker_pid,
                                         started_at, finished_at, error_sqlstate, error_message, error_detail)
    SELECT x.run_id, x.instance_id, x.task_name, x.item, x.attempt, x.state, x.worker_pid, x.started_at,
           x.finished_at, x.error_sqlstate, x.error_message, x.error_detail
      FROM realmap.task_instances x
     WHERE x.instance_id = ANY (p_ids) AND x.attempt > 0
       AND (x.state IN ('succeeded', 'failed', 'cancelled') OR (x.state = 'skipped' AND x.output ? 'realmap_skip'))
       AND NOT EXISTS (SELECT 1 FROM realmap.attempt_history h
                        WHERE h.run_id = x.run_id AND h.instance_id = x.instance_id AND h.attempt = x.attempt
                          AND h.state NOT IN ('fenced', 'released'))
$$;

CREATE FUNCTION realmap._requeue(p_run bigint, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended bigint[];
BEGIN
    PERFORM realmap._keep_attempts(p_ids);
    UPDATE realmap.task_instances x SET state = 'pending', remaining = 0, n_failed = 0, n_skipped = 0,
           failures = 0, finished_at = NULL, output = NULL, map_context = NULL, human_task_id = NULL,
           error_sqlstate = NULL, error_message = NULL, error_detail = NULL, lease_expires_at = NULL
     WHERE x.instance_id = ANY (p_ids);
    -- recount dependencies from the upstream instances as they stand now
    WITH deps AS (
        SELECT x.instance_id,
               -- a missing upstream instance is a map that has not expanded yet: it counts once
               count(*) FILTER (WHERE u.state IS NULL OR u.state IN ('pending', 'ready', 'running', 'retry_wait', 'waiting')) AS remaining,
               count(*) FILTER (WHERE u.state IN ('failed', 'upstream_failed', 'cancelled')) AS nf,
               count(*) FILTER (WHERE u.state = 'skipped' AND e.edge_kind <> 'fanin') AS ns
          FROM realmap.task_instances x
          JOIN realmap.runs r ON r.run_id = x.run_id
          JOIN realmap.dag_edges e ON e.dag_name = r.dag_name AND e.downstream = x.task_name
          LEFT JOIN realmap.task_instances u ON u.run_id = x.run_id AND u.task_name = e.upstream
               AND (CASE WHEN e.edge_kind = 'item' THEN u.item = x.item
                         WHEN e.edge_kind = 'fanin' THEN true
                         ELSE u.item IS NULL END)
         WHERE x.instance_id = ANY (p_ids) AND e.edge_kind <> 'expand'
         GROUP BY x.instance_id)
    UPDATE realmap.task_instances x SET remaining = d.remaining, n_failed = d.nf, n_skipped = d.ns
      FROM deps d WHERE x.instance_id = d.instance_id;
    -- (map instances have no instance edge upstream: they stay at 0 and are ready again)
    ended := realmap._settle(p_ids);
    -- those that end at once (their upstream failed for good) count as done for their
    -- own downstream, which was recounted while they were still pending
    IF cardinality(ended) > 0 THEN
        PERFORM realmap._resolve(ended);
    END IF;
END $$;

-- Clears a task and everything downstream of it in a finished run, and runs them again.
CREATE FUNCTION realmap.rerun(run_id bigint, from_task text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r realmap.runs;
    tasks text[];
BEGIN
    r := realmap._check_run(rerun.run_id);
    IF r.state IN ('queued', 'running', 'waiting', 'skipped') THEN
        RAISE EXCEPTION 'run % is %: only a finished run can be rerun', r.run_id, r.state
              USING ERRCODE = 'object_in_use';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name AND t.task_name = from_task) THEN
        RAISE EXCEPTION 'DAG "%" has no task "%"', r.dag_name, from_task USING ERRCODE = 'undefined_object',
              DETAIL = 'Tasks: ' || (SELECT string_agg(task_name, ', ' ORDER BY position) FROM realmap.dag_tasks t
                                      WHERE t.dag_name = r.dag_name);
    END IF;
    WITH RECURSIVE down(task_name) AS (
        SELECT from_task
        UNION
        SELECT e.downstream FROM realmap.dag_edges e JOIN down d ON d.task_name = e.upstream
         WHERE e.dag_name = r.dag_name)
    SELECT array_agg(task_name) INTO tasks FROM down;
    -- instances created by a map expansion inside the cleared part go away (their
    -- attempts stay in history); the map expands again
    PERFORM realmap._keep_attempts(ARRAY(
        SELECT ti.instance_id FROM realmap.task_instances ti JOIN realmap.dag_tasks t
            ON t.dag_name = r.dag_name AND t.task_name = ti.task_name
         WHERE ti.run_id = r.run_id AND ti.task_name = ANY (tasks) AND t.mode IN ('map', 'each')));
    DELETE FROM realmap.task_instances ti USING realmap.dag_tasks t
     WHERE ti.run_id = r.run_id AND ti.task_name = ANY (tasks) AND t.dag_name = r.dag_name
       AND t.task_name = ti.task_name AND t.mode IN ('map', 'each')
       AND EXISTS (SELECT 1 FROM realmap.dag_edges e WHERE e.dag_name = r.dag_name AND e.edge_kind = 'expand'
                      AND e.upstream = ANY (tasks) AND e.downstream IN (
                          SELECT l.task_name FROM realmap.dag_tasks l WHERE l.dag_name = r.dag_name));
    PERFORM realmap._requeue(r.run_id, ARRAY(
        SELECT instance_id FROM realmap.task_instances ti WHERE ti.run_id = r.run_id AND ti.task_name = ANY (tasks)));
    UPDATE realmap.runs SET state = 'running', finished_at = NULL,
           note = format('rerun from %s by %s', from_task, realmap._invoker())
     WHERE runs.run_id = r.run_id;
    PERFORM realmap._wake_workers();
    RETURN 'running';
END $$;

-- Answers a human task; the waiting task runs again with the answer.
CREATE FUNCTION realmap.signal(human_task_id bigint, answer jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE h realmap.human_tasks;
BEGIN
    -- the run first (the lock order of realmap.cancel), then the human task
    PERFORM realmap._check_run((SELECT ht.run_id FROM realmap.human_tasks ht WHERE ht.human_task_id = signal.human_task_id));
    SELECT * INTO h FROM realmap.human_tasks ht WHERE ht.human_task_id = signal.human_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'human task % does not exist', signal.human_task_id USING ERRCODE = 'undefined_object';
    END IF;
    IF h.state <> 'open' THEN
        RAISE EXCEPTION 'human task % is % and cannot be answered', h.human_task_id, h.state
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE realmap.human_tasks ht SET state = 'answered', answer = signal.answer, answered_at = clock_timestamp(),
           answered_by = realmap._invoker()
     WHERE ht.human_task_id = h.human_task_id;
    UPDATE realmap.task_instances ti SET state = 'ready', ready_at = clock_timestamp()
     WHERE ti.instance_id = h.instance_id AND ti.state = 'waiting' AND ti.human_task_id = h.human_task_id;
    UPDATE realmap.runs ru SET state = 'running' WHERE ru.run_id = h.run_id AND ru.state = 'waiting'
       AND NOT EXISTS (SELECT 1 FROM realmap.task_instances w WHERE w.run_id = ru.run_id AND w.queue = 'waiting');
    PERFORM pg_notify('realmap_events', json_build_object('event', 'human_task_answered', 'run_id', h.run_id,
                      'human_task_id', h.human_task_id)::text);
    PERFORM realmap._wake_workers();
END $$;

CREATE FUNCTION realmap.solve_captcha(run_id bigint, answer text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE ids bigint[];
BEGIN
    ids := ARRAY(SELECT h.human_task_id FROM realmap.human_tasks h
                  WHERE h.run_id = solve_captcha.run_id AND h.kind = 'captcha' AND h.state = 'open'
                  ORDER BY h.human_task_id);
    IF cardinality(ids) = 0 THEN
        RAISE EXCEPTION 'run % has no open CAPTCHA', solve_captcha.run_id USING ERRCODE = 'undefined_object',
              HINT = 'SELECT * FROM realmap.human_tasks WHERE state = ''open'' lists what is waiting.';
    ELSIF cardinality(ids) > 1 THEN
        RAISE EXCEPTION 'run % has % open CAPTCHAs: %', solve_captcha.run_id, cardinality(ids), ids
              USING ERRCODE = 'cardinality_violation',
                    HINT = 'Answer one with realmap.signal(human_task_id, to_jsonb(answer)).';
    END IF;
    PERFORM realmap.signal(ids[1], to_jsonb(answer));
    RETURN ids[1];
END $$;

-- Progress of a run, task by task.
CREATE FUNCTION realmap.run_status(run_id bigint)
RETURNS TABLE (task_name text, mode text, total bigint, pending bigint, ready bigint, running bigint,
               retry_wait bigint, waiting bigint, succeeded bigint, failed bigint, upstream_failed bigint,
               skipped bigint, cancelled bigint, first_started timestamptz, last_finished timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.task_name, t.mode, count(ti.instance_id),
           count(*) FILTER (WHERE ti.state = 'pending'), count(*) FILTER (WHERE ti.state = 'ready'),
           count(*) FILTER (WHERE ti.state = 'running'), count(*) FILTER (WHERE ti.state = 'retry_wait'),
           count(*) FILTER (WHERE ti.state = 'waiting'), count(*) FILTER (WHERE ti.state = 'succeeded'),
           count(*) FILTER (WHERE ti.state = 'failed'), count(*) FILTER (WHERE ti.state = 'upstream_failed'),
           count(*) FILTER (WHERE ti.state = 'skipped'), count(*) FILTER (WHERE ti.state = 'cancelled'),
           min(ti.started_at), max(ti.finished_at)
      FROM realmap.runs r
      JOIN realmap.dag_tasks t ON t.dag_name = r.dag_name
      LEFT JOIN realmap.task_instances ti ON ti.run_id = r.run_id AND ti.task_name = t.task_name
     WHERE r.run_id = run_status.run_id
     GROUP BY t.task_name, t.mode, t.position
     ORDER BY t.position
$$;

-- Every attempt: the current one of each instance and the earlier ones.
CREATE VIEW realmap.task_attempts AS
-- Each attempt once, as realmap._attempts_of counts them: the current attempt of an
-- instance once it has run (not while it waits to be claimed again, and not a skip or an
-- upstream failure decided without running it), unless history already holds how that
-- attempt ended (a final crash or timeout, a failure then cancelled while waiting for
-- its retry); then every earlier attempt from history (a late report stays beside its
-- attempt as "fenced"; a claim handed back unrun is no attempt).
SELECT ti.run_id, ti.instance_id, ti.task_name, ti.item, ti.attempt, ti.state,
       ti.worker_pid, ti.started_at, ti.finished_at,
       -- a running or waiting attempt has no error yet (the fields hold the previous one's)
       CASE WHEN ti.state IN ('running', 'waiting') THEN NULL ELSE ti.error_sqlstate END AS error_sqlstate,
       CASE WHEN ti.state IN ('running', 'waiting') THEN NULL ELSE ti.error_message END AS error_message,
       CASE WHEN ti.state IN ('running', 'waiting') THEN NULL ELSE ti.error_detail END AS error_detail
  FROM realmap.task_instances ti
 WHERE ti.attempt > 0
   AND (ti.state IN ('succeeded', 'failed', 'running', 'waiting', 'cancelled')
        OR (ti.state = 'skipped' AND ti.output ? 'realmap_skip'))
   AND NOT (ti.state IN ('failed', 'cancelled')
            AND EXISTS (SELECT 1 FROM realmap.attempt_history h
                         WHERE h.run_id = ti.run_id AND h.instance_id = ti.instance_id
                           AND h.attempt = ti.attempt AND h.state NOT IN ('fenced', 'released')))
UNION ALL
SELECT h.run_id, h.instance_id, h.task_name, h.item, h.attempt, h.state, h.worker_pid, h.started_at,
       h.finished_at, h.error_sqlstate, h.error_message, h.error_detail
  FROM realmap.attempt_history h
 WHERE h.state <> 'released';
COMMENT ON VIEW realmap.task_attempts IS 'Every attempt of every task instance, with its outcome, worker and error';

CREATE VIEW realmap.run_progress AS
SELECT r.run_id, r.dag_name, r.state AS run_state, ti.task_name, ti.state, count(*) AS instances
  FROM realmap.runs r JOIN realmap.task_instances ti ON ti.run_id = r.run_id
 GROUP BY r.run_id, r.dag_name, r.state, ti.task_name, ti.state;

-- ------------------------------------------------------------------ scheduling (pg_cron)
CREATE FUNCTION realmap.schedule(cron text, params jsonb DEFAULT '{}', dag text DEFAULT 'realmap_etl')
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    IF to_regclass('cron.job') IS NULL OR to_regprocedure('cron.schedule_in_database(text,text,text,text,text,boolean)') IS NULL THEN
        RAISE EXCEPTION 'realmap.schedule needs pg_cron, which is not installed in this database'
              USING ERRCODE = 'feature_not_supported',
                    HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name, and CREATE EXTENSION pg_cron there. '
                           || 'Without it, call realmap.run() from your own scheduler.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM realmap.dags d WHERE d.dag_name = schedule.dag) THEN
        RAISE EXCEPTION 'DAG "%" does not exist', dag USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT realmap._may_operate((SELECT owner FROM realmap.dags d WHERE d.dag_name = schedule.dag)) THEN
        RAISE EXCEPTION 'role % may not schedule DAG "%"', realmap._invoker(), dag USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF params IS NULL OR jsonb_typeof(params) <> 'object' THEN
        RAISE EXCEPTION 'schedule parameters must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
       INTO job
      USING 'realmap:' || dag, cron,
            format('SELECT realmap._scheduled_run(%L::jsonb, %L)', params::text, dag),
            current_database();
    RETURN job;
END $$;

CREATE FUNCTION realmap.unschedule(dag text DEFAULT 'realmap_etl') RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE ok boolean;
BEGIN
    IF to_regclass('cron.job') IS NULL OR to_regprocedure('cron.unschedule(name)') IS NULL THEN
        RAISE EXCEPTION 'realmap.unschedule needs pg_cron, which is not installed in this database'
              USING ERRCODE = 'feature_not_supported';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM realmap.dags d WHERE d.dag_name = unschedule.dag) THEN
        RAISE EXCEPTION 'DAG "%" does not exist', dag USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT realmap._may_operate((SELECT owner FROM realmap.dags d WHERE d.dag_name = unschedule.dag)) THEN
        RAISE EXCEPTION 'role % may not unschedule DAG "%"', realmap._invoker(), dag USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'realmap:' || dag) THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1::name)' INTO ok USING 'realmap:' || dag;
    RETURN ok;
END $$;

-- ------------------------------------------------------------------ history retention
-- Deletes finished runs (with their instances, attempts and human tasks) that ended
-- longer ago than realmap.history_retention.  Active runs are never touched.
CREATE FUNCTION realmap.cleanup_history(older_than interval DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE n bigint;
BEGIN
    DELETE FROM realmap.runs
     WHERE state NOT IN ('queued', 'running', 'waiting') AND finished_at IS NOT NULL
       AND finished_at < clock_timestamp() - coalesce(older_than, current_setting('realmap.history_retention')::interval);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- A map source's output must be {"items": [distinct text keys]}.
CREATE FUNCTION realmap._check_items(output jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE dup text;
BEGIN
    IF jsonb_typeof(output) <> 'object' OR jsonb_typeof(output->'items') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'a map source must return {"items": [...]}, got %', left(output::text, 200)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(output->'items') e WHERE jsonb_typeof(e) <> 'string') THEN
        RAISE EXCEPTION 'map items must be text keys (JSON strings), got %', left((output->'items')::text, 200)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k INTO dup FROM jsonb_array_elements_text(output->'items') k GROUP BY k HAVING count(*) > 1 LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'map item key "%" appears more than once', dup USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- ------------------------------------------------------------------ engine glue in C
CREATE FUNCTION realmap._note_deadline(at timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'realmap_note_deadline' LANGUAGE C VOLATILE STRICT;
CREATE FUNCTION realmap._wake_workers() RETURNS void
    AS 'MODULE_PATHNAME', 'realmap_wake_workers' LANGUAGE C VOLATILE;
CREATE FUNCTION realmap._run_finished(run_id bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'realmap_run_finished' LANGUAGE C VOLATILE STRICT;
CREATE FUNCTION realmap._interrupt_workers(pids int[]) RETURNS void
    AS 'MODULE_PATHNAME', 'realmap_interrupt_workers' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION realmap.wait(run_id bigint, timeout interval DEFAULT '1 hour') RETURNS text
    AS 'MODULE_PATHNAME', 'realmap_wait' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION realmap.wait(bigint, interval) IS
'Blocks until the run ends and returns its final state (or its current state when the timeout passes first). Refuses a run created in the same transaction.';
