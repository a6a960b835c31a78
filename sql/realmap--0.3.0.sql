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
    UNIQUE NULLS NOT DISTINCT (run_id, task_name, item)
);
-- a queue table: every instance is updated two or three times within seconds
ALTER TABLE realmap.task_instances SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02,
                                        fillfactor = 90);
CREATE INDEX task_instances_ready ON realmap.task_instances (priority DESC, instance_id) WHERE state = 'ready';
-- the ready instances of tasks with a concurrency limit (few): a claim that found too
-- few others looks for them here on every call, not through every ready entry (and
-- the dead ones a large map leaves behind until vacuum)
CREATE INDEX task_instances_ready_limited ON realmap.task_instances (task_name) WHERE state = 'ready' AND limited;
-- the instances still to run (running ones are in task_instances_running): a claim
-- moves an instance out of it and into no other index but the running one.  By
-- instance id, so that "is anything left?" reads it from the top, where a map's
-- items not yet claimed are, past none of the entries its claimed items left behind.
CREATE INDEX task_instances_queued ON realmap.task_instances (run_id, instance_id)
    WHERE state IN ('pending', 'ready', 'retry_wait', 'waiting');
CREATE INDEX task_instances_running ON realmap.task_instances (lease_expires_at) WHERE state = 'running';
CREATE INDEX task_instances_retry ON realmap.task_instances (ready_at) WHERE state = 'retry_wait';

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

-- One pass of the launcher's timers.  Returns when it next has something to do.
CREATE FUNCTION realmap._tick(OUT next_due timestamptz, OUT ready bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended bigint[] := '{}';
    r record;
BEGIN
    -- leases that ran out: the worker died, hangs or was stopped.  SKIP LOCKED: a row
    -- locked by a worker that is completing it is not stuck.
    ended := ended || realmap._crash(ARRAY(
        SELECT instance_id FROM realmap.task_instances
         WHERE state = 'running' AND lease_expires_at < clock_timestamp()
         ORDER BY instance_id FOR UPDATE SKIP LOCKED), 'lease expired');
    -- retries that are due
    UPDATE realmap.task_instances SET state = 'ready', ready_at = clock_timestamp()
     WHERE state = 'retry_wait' AND ready_at <= clock_timestamp();
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
           AND NOT EXISTS (SELECT 1 FROM realmap.task_instances w WHERE w.run_id = ru.run_id AND w.state = 'waiting');
    END LOOP;
    IF cardinality(ended) > 0 THEN
        PERFORM realmap._resolve(ended);
    END IF;
    -- a safety net: a run with nothing left to do ends here at the latest
    PERFORM realmap._finish_runs(ARRAY(SELECT run_id FROM realmap.runs WHERE state IN ('running', 'waiting')));
    SELECT least((SELECT min(lease_expires_at) FROM realmap.task_instances WHERE state = 'running'),
                 (SELECT min(ready_at) FROM realmap.task_instances WHERE state = 'retry_wait'),
                 (SELECT min(deadline) FROM realmap.human_tasks WHERE state = 'open'))
      INTO next_due;
    SELECT count(*) INTO ready FROM (SELECT 1 FROM realmap.task_instances WHERE state = 'ready' LIMIT 1000) x;
END $$;

-- After the server (re)started or a worker died: its attempts are crashed.
-- p_pid NULL: every running attempt (no worker survives a restart).
CREATE FUNCTION realmap._recover(p_pid int, p_reason text) RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    ended bigint[];
BEGIN
    ids := ARRAY(SELECT instance_id FROM realmap.task_instances
                  WHERE state = 'running' AND (p_pid IS NULL OR worker_pid = p_pid)
                  ORDER BY instance_id FOR UPDATE SKIP LOCKED);
    ended := realmap._crash(ids, p_reason);
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
BEGIN
    r := realmap._check_run(cancel.run_id);
    IF r.state NOT IN ('queued', 'running', 'waiting') THEN
        RETURN r.state;   -- already over: nothing to cancel
    END IF;
    UPDATE realmap.runs SET state = 'cancelled', note = format('cancelled by %s', realmap._invoker())
     WHERE runs.run_id = r.run_id;
    pids := ARRAY(SELECT DISTINCT worker_pid FROM realmap.task_instances ti
                   WHERE ti.run_id = r.run_id AND ti.state = 'running' AND worker_pid IS NOT NULL);
    UPDATE realmap.task_instances ti SET state = 'cancelled', finished_at = clock_timestamp(), lease_expires_at = NULL
     WHERE ti.run_id = r.run_id AND ti.state IN ('pending', 'ready', 'running', 'retry_wait', 'waiting');
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
       AND NOT EXISTS (SELECT 1 FROM realmap.task_instances w WHERE w.run_id = ru.run_id AND w.state = 'waiting');
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

-- =====================================================================================
-- Acquisition: the portal session, the listing of a run, the raw detail pages.
-- The stages (src/pg/stage_*.cpp) write these tables as the DAG owner.
-- =====================================================================================

-- One portal session per run: what init_session opened and the last page's hidden
-- ASP.NET fields (postbacks must send the __VIEWSTATE of the list they refer to).
CREATE TABLE realmap.portal_sessions (
    run_id          bigint PRIMARY KEY,
    base_url        text NOT NULL,
    listing_url     text NOT NULL,
    cookies         text NOT NULL DEFAULT '',   -- the run's cookie jar (Netscape format)
    hidden_fields   jsonb NOT NULL DEFAULT '{}',
    filter_options  jsonb NOT NULL DEFAULT '{}', -- select name -> [[value, label], ...]
    captcha_server  boolean NOT NULL DEFAULT false, -- the portal checks a CAPTCHA on Search
    opened_at       timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.portal_sessions IS 'The HTTP session of each run with the portal (cookies, ASP.NET hidden fields)';

-- The project list as a run read it: the listing table merged with the map payload.
CREATE TABLE realmap.listings (
    run_id              bigint NOT NULL,
    registration_number text NOT NULL,
    completed           boolean NOT NULL DEFAULT false,  -- the portal's "**" marker
    project_name        text,
    promoter_name       text,
    authorised_name     text,
    project_type        text,
    project_status      text,
    development_type    text,
    district            text,
    tehsil              text,
    project_address     text,
    approved_on         date,
    proposed_end        date,
    extended_end        date,
    website             text,
    detail_url          text,
    my_id               text,
    postback_target     text,     -- __EVENTTARGET of the row's View link
    row_index           int,      -- the row in the list the session last received
    latitude            float8,   -- NULL when the portal gave a placeholder
    longitude           float8,
    position_raw        text,     -- what the portal said, e.g. '0|0'
    position_issue      text,     -- why position_raw is not a position
    duplicate_rows      int NOT NULL DEFAULT 0,  -- further rows the portal listed for this number
    row_hash            text NOT NULL,           -- of the listing fields (delta mode)
    scraped_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, registration_number)
);
CREATE INDEX listings_registration ON realmap.listings (registration_number, run_id DESC);
COMMENT ON TABLE realmap.listings IS 'Projects listed by the portal, per run (placeholder positions stored as missing)';

-- Detail pages, once per (registration number, content hash).
CREATE TABLE realmap.raw_pages (
    page_id             bigserial PRIMARY KEY,
    registration_number text NOT NULL,
    content_hash        text NOT NULL,      -- sha256 of the body, hex
    body                text NOT NULL,
    http_status         int NOT NULL,
    bytes               int NOT NULL,
    elapsed_ms          float8,
    method              text NOT NULL,      -- GET by id, or POST (the row's postback)
    url                 text NOT NULL,
    final_url           text NOT NULL,
    first_run_id        bigint NOT NULL,
    last_run_id         bigint NOT NULL,
    first_fetched_at    timestamptz NOT NULL DEFAULT now(),
    last_fetched_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (registration_number, content_hash)
);
CREATE INDEX raw_pages_latest ON realmap.raw_pages (registration_number, last_fetched_at DESC);
COMMENT ON TABLE realmap.raw_pages IS 'Fetched detail pages, stored once per project and content hash';

-- Stores a fetched detail page (a new content hash) or notes that it was seen again.
-- Returns whether the content is new for that project.
CREATE FUNCTION realmap._store_page(p_run bigint, p_reg text, p_body text, p_status int, p_elapsed_ms float8,
                                    p_method text, p_url text, p_final_url text, OUT page_id bigint, OUT changed boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    h text := encode(sha256(convert_to(p_body, 'UTF8')), 'hex');
    previous text;
BEGIN
    SELECT r.content_hash INTO previous FROM realmap.raw_pages r
     WHERE r.registration_number = p_reg ORDER BY r.last_fetched_at DESC, r.page_id DESC LIMIT 1;
    changed := previous IS DISTINCT FROM h;
    INSERT INTO realmap.raw_pages AS r (registration_number, content_hash, body, http_status, bytes, elapsed_ms,
                                        method, url, final_url, first_run_id, last_run_id)
    VALUES (p_reg, h, p_body, p_status, octet_length(p_body), p_elapsed_ms, p_method, p_url, p_final_url, p_run, p_run)
    ON CONFLICT (registration_number, content_hash) DO UPDATE
       SET last_run_id = EXCLUDED.last_run_id, last_fetched_at = clock_timestamp(), http_status = EXCLUDED.http_status,
           elapsed_ms = EXCLUDED.elapsed_ms, method = EXCLUDED.method, url = EXCLUDED.url, final_url = EXCLUDED.final_url
    RETURNING r.page_id INTO page_id;
END $$;

-- The listing parser as a SQL function: one row per project (table rows merged with
-- the map payload).  C++ returns the rows as JSON; the columns are named here.
CREATE FUNCTION realmap._parse_listing_json(html text, page_url text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_parse_listing_json' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION realmap.parse_listing_page(html text, page_url text DEFAULT NULL)
RETURNS TABLE (registration_number text, project_name text, promoter_name text, project_type text,
               district text, tehsil text, approved_on date, proposed_end date, extended_end date,
               website text, detail_url text, latitude float8, longitude float8, completed boolean,
               authorised_name text, project_status text, development_type text, project_address text,
               my_id text, postback_target text, row_index int, position_raw text, position_issue text,
               duplicate_rows int)
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.registration_number, r.project_name, r.promoter_name, r.project_type, r.district, r.tehsil,
           r.approved_on, r.proposed_end, r.extended_end, r.website, r.detail_url, r.latitude, r.longitude,
           coalesce(r.completed, false), r.authorised_name, r.project_status, r.development_type,
           r.project_address, r.my_id, r.postback_target, r.row_index, r.position_raw, r.position_issue,
           coalesce(r.duplicate_rows, 0)
      FROM jsonb_to_recordset(realmap._parse_listing_json(html, page_url) -> 'rows') AS r(
           registration_number text, project_name text, promoter_name text, project_type text,
           district text, tehsil text, approved_on date, proposed_end date, extended_end date,
           website text, detail_url text, latitude float8, longitude float8, completed boolean,
           authorised_name text, project_status text, development_type text, project_address text,
           my_id text, postback_target text, row_index int, position_raw text, position_issue text,
           duplicate_rows int)
$$;
COMMENT ON FUNCTION realmap.parse_listing_page(text, text) IS
'Parses the portal''s listing page: one row per project, the table''s rows merged with the map payload; placeholder positions (0|0, empty, 0, latitude repeated) are NULL with position_issue saying which';

-- One request through realmap's HTTP client (allowed hosts, limits, timeouts), for
-- operators.  Errors are raised with the URL and the reason.
CREATE FUNCTION realmap.fetch_url(url text, method text DEFAULT 'GET', body text DEFAULT NULL,
                                  content_type text DEFAULT NULL,
                                  OUT status int, OUT final_url text, OUT content_type_out text, OUT bytes bigint,
                                  OUT elapsed_ms float8, OUT redirects int, OUT headers jsonb, OUT body_out text)
    AS 'MODULE_PATHNAME', 'realmap_fetch_url' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION realmap.fetch_url(text, text, text, text) IS
'Fetches one URL through realmap''s HTTP client (the allowed hosts, per-host limits, timeouts and size limit of realmap.config); operators only';

-- The built-in stages of this issue and the realmap_etl DAG.
INSERT INTO realmap.stages (stage, description) VALUES
    ('init_session', 'Opens the portal: cookies and the ASP.NET hidden fields of the run''s session'),
    ('scrape_listings', 'Reads the project list (filters: districts, statuses, project_types; max_listings) into realmap.listings; returns the registration numbers as map items'),
    ('fetch_details', 'Fetches one project''s detail page (GET by id, the row''s postback as fallback) into realmap.raw_pages');

INSERT INTO realmap.config (key, value, description) VALUES
    ('portal.base_url', '"https://rera.cgstate.gov.in/"', 'The CG RERA portal (listing and detail pages are relative to it)'),
    ('portal.listing_path', '"Approved_project_List.aspx"', 'The listing page, relative to portal.base_url'),
    ('portal.detail_path', '"Promoter_Reg_Only_View_Application_new.aspx"', 'The detail page, relative to portal.base_url (?MyID=...)'),
    ('http.allowed_hosts', '["rera.cgstate.gov.in", "nominatim.openstreetmap.org", "overpass-api.de"]',
        'Hosts realmap may connect to (host or host:port; *.domain for subdomains); redirects elsewhere are refused'),
    ('http.user_agent', '"realmap/0.3.0 (PostgreSQL extension; RERA project map)"', 'User-Agent of every request'),
    ('http.max_concurrent_per_host', '4', 'Requests in flight to one host, across all workers'),
    ('http.max_requests_per_second_per_host', '2', 'Request starts per second to one host, across all workers (0: no limit)'),
    ('http.connect_timeout_ms', '10000', 'Connect timeout of one request'),
    ('http.timeout_ms', '60000', 'Total timeout of one request'),
    ('http.max_body_bytes', '33554432', 'Largest response body accepted (the full listing page is about 10 MB)'),
    ('fetch.batch_size', '64', 'fetch_details instances one worker claims and fetches at once (within the per-host limits)'),
    ('fetch.delta_max_age', '"7 days"', 'Delta mode: an unchanged listing row whose page was fetched within this age is not fetched again'),
    ('captcha.timeout', '"30 minutes"', 'How long a CAPTCHA waits for realmap.solve_captcha before the task fails');

SELECT realmap.create_dag('realmap_etl', max_active_runs => 1,
                          description => 'The RealMap ETL: the CG RERA portal to scored projects');
SELECT realmap.add_task('realmap_etl', 'init_session', stage => 'init_session', max_attempts => 5,
                        backoff => '2 seconds', timeout => '2 minutes');
SELECT realmap.add_task('realmap_etl', 'scrape_listings', stage => 'scrape_listings', upstream => '{init_session}',
                        max_attempts => 5, backoff => '2 seconds', timeout => '10 minutes');
SELECT realmap.add_task('realmap_etl', 'fetch_details', stage => 'fetch_details', upstream => '{scrape_listings}',
                        mode => 'map', max_attempts => 5, backoff => '2 seconds', backoff_max => '2 minutes',
                        timeout => '2 minutes');

-- =====================================================================================
-- Processing: a fetched detail page to the V1 document that realmap.load_project loads.
--
--   realmap.extract_raw(html, page_url)   the page as the raw document (everything it
--                                         shows, as text, with where it was)
--   realmap.map_v1(raw, context)          the raw document as V1 (sql/src/V1.md), with the
--                                         label variants below
--   realmap.normalize_v1(v1)              the original's normalisation (district, status,
--                                         type, registration number, whitespace)
--   realmap.validate_v1(v1, checked_at)   the QA result (qa_flags of the original and more)
--   realmap.prepare_v1(raw, context, checked_at)   map + normalize + validate in one call:
--                                         what the DAG loads
--
-- All of them are pure (no table is written, nothing is fetched) and run the C++ core
-- (src/core/extract, src/core/v1) through src/pg/functions_processing.cpp.  map_v1 and
-- prepare_v1 read the label variants, validate_v1 and prepare_v1 stamp checked_at with
-- now() by default: those are STABLE; the C functions under them are IMMUTABLE.
-- A messy page never raises: what could not be read is in validation_messages.
-- Only an input that is not a detail page (extract_raw: 22P02) or not a raw/V1
-- document (22023) raises.
-- =====================================================================================

-- ------------------------------------------------------------------ label variants
-- The original mapper's table (parsing/data/logical_sections_and_keys.json): which
-- section titles name which logical section, and which labels (and table headers) name
-- which canonical key.  Matching uses the original's normal form of both sides: "[...]"
-- and "(...)" removed, lower case, only [a-z0-9] kept ("Bank Details(RERA designated
-- account)" -> "bankdetails", "Zip Code:" -> "zipcode").  Operators may add rows (a new
-- spelling on the portal); rows they add survive pg_dump (seeded = false).

CREATE TABLE realmap.section_variants (
    logical_section text NOT NULL,   -- project_details, promoter_details, land_details, building_details,
                                     -- unit_types, bank_details, documents, quarterly_updates, units
    variant         text NOT NULL,   -- a section title as the portal may write it
    variant_norm    text NOT NULL GENERATED ALWAYS AS (
        regexp_replace(regexp_replace(lower(variant COLLATE "C"), '\[[^\]]*\]|\([^)]*\)', '', 'g'), '[^a-z0-9]', '', 'g')
    ) STORED,
    seeded          boolean NOT NULL DEFAULT false,   -- from the extension script
    PRIMARY KEY (logical_section, variant),
    CONSTRAINT section_variants_matchable CHECK (variant_norm <> ''),
    -- one title names one section
    CONSTRAINT section_variants_unique_norm UNIQUE (variant_norm)
);
COMMENT ON TABLE realmap.section_variants IS
'Section title variants of the detail page: title (after the original''s normalisation) -> logical section of the V1 document';

CREATE TABLE realmap.label_variants (
    section         text NOT NULL,   -- the logical section (realmap.section_variants.logical_section)
    canonical_key   text NOT NULL,   -- the original's key: registration_number, khasra_numbers, project_website, ...
    variant         text NOT NULL,   -- a label (or table header) as the portal may write it
    v1_key          text,            -- where V1 keeps the value (project_website -> project_website_url);
                                     -- NULL: kept in raw_data.sections only (the original's untyped keys)
    v1_type         text,            -- the V1 schema's type, which the value is coerced by (never the key's name):
                                     -- text (as written: account_number, khasra_numbers, year), integer, number
                                     -- (Indian grouping, lakh/crore, %), area (square metres; hectares converted),
                                     -- date (ISO)
    position        int NOT NULL DEFAULT 0,  -- order within the section: the first key whose variant a table
                                             -- header contains takes the column (the original's rule)
    variant_norm    text NOT NULL GENERATED ALWAYS AS (
        regexp_replace(regexp_replace(lower(variant COLLATE "C"), '\[[^\]]*\]|\([^)]*\)', '', 'g'), '[^a-z0-9]', '', 'g')
    ) STORED,
    seeded          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (section, canonical_key, variant),
    CONSTRAINT label_variants_matchable CHECK (variant_norm <> ''),
    CONSTRAINT label_variants_typed CHECK ((v1_key IS NULL) = (v1_type IS NULL)),
    CONSTRAINT label_variants_type CHECK (v1_type IN ('text', 'integer', 'number', 'area', 'date'))
);
CREATE INDEX label_variants_norm ON realmap.label_variants (section, variant_norm);
COMMENT ON TABLE realmap.label_variants IS
'Label variants of the detail page: (logical section, label after the original''s normalisation) -> canonical key, with its V1 key and type';

-- A label names one key of its section, and a key has one V1 key and type: the rows
-- of a key must agree.  An AFTER trigger: it sees the generated variant_norm and every
-- row of a multi-row INSERT.
CREATE FUNCTION realmap._label_variants_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    other record;
BEGIN
    SELECT l.canonical_key INTO other FROM realmap.label_variants l
     WHERE l.section = NEW.section AND l.variant_norm = NEW.variant_norm AND l.canonical_key <> NEW.canonical_key
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'label variant "%" of %.% would also name %.%', NEW.variant, NEW.section, NEW.canonical_key,
                        NEW.section, other.canonical_key USING ERRCODE = 'unique_violation';
    END IF;
    SELECT l.v1_key, l.v1_type INTO other FROM realmap.label_variants l
     WHERE l.section = NEW.section AND l.canonical_key = NEW.canonical_key
       AND (l.v1_key, l.v1_type) IS DISTINCT FROM (NEW.v1_key, NEW.v1_type)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% has v1_key % and v1_type % in another row', NEW.section, NEW.canonical_key,
                        coalesce(other.v1_key, 'NULL'), coalesce(other.v1_type, 'NULL')
              USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER label_variants_check AFTER INSERT OR UPDATE ON realmap.label_variants
    FOR EACH ROW EXECUTE FUNCTION realmap._label_variants_check();
COMMENT ON FUNCTION realmap._label_variants_check() IS
'Trigger of realmap.label_variants: a label names one key of its section, and the rows of a key agree on its V1 key and type';

-- BEGIN GENERATED by sql/src/gen_label_variants.py (do not edit by hand)
-- from test/portal/data/logical_sections_and_keys.json (the original's table) and the
-- generator's V1_KEYS / ADDITIONS
INSERT INTO realmap.section_variants (logical_section, variant, seeded) VALUES
    ('project_details', 'project details', true),
    ('project_details', 'project information', true),
    ('project_details', 'details of project', true),
    ('project_details', 'general information', true),
    ('project_details', 'project particulars', true),
    ('project_details', 'basic details', true),
    ('project_details', 'project overview', true),
    ('promoter_details', 'promoter information', true),
    ('promoter_details', 'promoter details', true),
    ('promoter_details', 'developer details', true),
    ('promoter_details', 'builder details', true),
    ('promoter_details', 'promoter particulars', true),
    ('promoter_details', 'details of promoter', true),
    ('promoter_details', 'company details', true),
    ('land_details', 'land particulars', true),
    ('land_details', 'land details', true),
    ('land_details', 'details of land', true),
    ('land_details', 'land information', true),
    ('land_details', 'site details', true),
    ('land_details', 'plot details', true),
    ('building_details', 'building details', true),
    ('building_details', 'tower details', true),
    ('building_details', 'block details', true),
    ('building_details', 'wing details', true),
    ('building_details', 'building information', true),
    ('building_details', 'details of building', true),
    ('building_details', 'tower/building', true),
    ('building_details', 'building/tower details', true),
    ('building_details', 'structure details', true),
    ('unit_types', 'unit type details', true),
    ('unit_types', 'unit details', true),
    ('unit_types', 'flat type details', true),
    ('unit_types', 'apartment details', true),
    ('unit_types', 'unit configuration', true),
    ('unit_types', 'unit mix', true),
    ('bank_details', 'bank / escrow details', true),
    ('bank_details', 'bank details', true),
    ('bank_details', 'escrow details', true),
    ('bank_details', 'bank account details', true),
    ('bank_details', 'financial details', true),
    ('bank_details', 'account details', true),
    ('documents', 'documents', true),
    ('documents', 'uploaded documents', true),
    ('documents', 'segment specific', true),
    ('documents', 'land documents', true),
    ('documents', 'approval from competent authoroties', true),
    ('documents', 'approval from competent authorities', true),
    ('documents', 'project specific', true),
    ('documents', 'miscellaneous', true),
    ('documents', 'acts & rules', true),
    ('documents', 'project documents', true),
    ('documents', 'legal documents', true),
    ('documents', 'approvals', true),
    ('quarterly_updates', 'quarterly updates', true),
    ('quarterly_updates', 'progress updates', true),
    ('quarterly_updates', 'construction progress', true),
    ('quarterly_updates', 'project progress', true),
    ('quarterly_updates', 'quarterly progress', true),
    ('quarterly_updates', 'status updates', true),
    ('units', 'brief details apartment/flat', true),
    ('units', 'brief details apartment', true),
    ('units', 'brief details flat', true),
    ('units', 'brief details plot', true),
    ('units', 'brief details unit', true),
    ('units', 'brief details apartment/flat/plot', true),
    ('units', 'unit list', true),
    ('units', 'list of units', true),
    ('units', 'flat list', true);
INSERT INTO realmap.label_variants (section, canonical_key, position, variant, v1_key, v1_type, seeded) VALUES
    ('project_details', 'registration_number', 1, 'registration number', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 2, 'registration no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 3, 'project registration no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 4, 'rera reg no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 5, 'rera registration number', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 6, 'reg no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 7, 'project reg no', 'registration_number', 'text', true),
    ('project_details', 'project_name', 8, 'project name', 'project_name', 'text', true),
    ('project_details', 'project_name', 9, 'name of project', 'project_name', 'text', true),
    ('project_details', 'project_name', 10, 'project title', 'project_name', 'text', true),
    ('project_details', 'project_name', 11, 'name', 'project_name', 'text', true),
    ('project_details', 'project_type', 12, 'project type', 'project_type', 'text', true),
    ('project_details', 'project_type', 13, 'type of project', 'project_type', 'text', true),
    ('project_details', 'project_type', 14, 'nature of project', 'project_type', 'text', true),
    ('project_details', 'project_type', 15, 'type', 'project_type', 'text', true),
    ('project_details', 'project_status', 16, 'project status', 'project_status', 'text', true),
    ('project_details', 'project_status', 17, 'current status', 'project_status', 'text', true),
    ('project_details', 'project_status', 18, 'status', 'project_status', 'text', true),
    ('project_details', 'district', 19, 'district', 'district', 'text', true),
    ('project_details', 'district', 20, 'dist', 'district', 'text', true),
    ('project_details', 'tehsil', 21, 'tehsil', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 22, 'taluka', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 23, 'block', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 24, 'sub district', 'tehsil', 'text', true),
    ('project_details', 'village_or_locality', 25, 'village', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 26, 'locality', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 27, 'mohalla', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 28, 'ward', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 29, 'sector', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 30, 'colony', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 31, 'village/locality', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 32, 'area', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 33, 'neighbourhood', 'village_or_locality', 'text', true),
    ('project_details', 'project_address', 34, 'project address', 'project_address', 'text', true),
    ('project_details', 'project_address', 35, 'address of project', 'project_address', 'text', true),
    ('project_details', 'project_address', 36, 'site address', 'project_address', 'text', true),
    ('project_details', 'project_address', 37, 'location', 'project_address', 'text', true),
    ('project_details', 'project_address', 38, 'address', 'project_address', 'text', true),
    ('project_details', 'project_address', 39, 'project location', 'project_address', 'text', true),
    ('project_details', 'project_website', 40, 'project website', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 41, 'website', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 42, 'web', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 43, 'url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 44, 'website url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 45, 'project url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 46, 'project web address', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 47, 'web address', 'project_website_url', 'text', true),
    ('project_details', 'pincode', 48, 'pincode', 'pincode', 'text', true),
    ('project_details', 'pincode', 49, 'pin', 'pincode', 'text', true),
    ('project_details', 'pincode', 50, 'pin code', 'pincode', 'text', true),
    ('project_details', 'pincode', 51, 'postal code', 'pincode', 'text', true),
    ('project_details', 'pincode', 52, 'zip code', 'pincode', 'text', true),
    ('project_details', 'pincode', 53, 'zip', 'pincode', 'text', true),
    ('project_details', 'total_units', 54, 'total units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 55, 'total number of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 56, 'no of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 57, 'number of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 58, 'units', 'total_units', 'integer', true),
    ('project_details', 'total_area_sq_m', 59, 'total area (sq m)', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 60, 'project area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 61, 'total project area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 62, 'land area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 63, 'total land area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 64, 'area in sq m', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 65, 'total area', 'total_area_sq_m', 'area', true),
    ('project_details', 'launch_date', 66, 'launch date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 67, 'start date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 68, 'commencement date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 69, 'project start', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 70, 'registration date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 71, 'approval date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 72, 'date of approval', 'launch_date', 'date', true),
    ('project_details', 'expected_completion_date', 73, 'expected completion', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 74, 'expected completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 75, 'proposed end date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 76, 'completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 77, 'project end date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 78, 'proposed completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 79, 'tentative completion', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 80, 'estimated completion', 'expected_completion_date', 'date', true),
    ('project_details', 'project_phases', 81, 'number of phases', NULL, NULL, true),
    ('project_details', 'project_phases', 82, 'phases', NULL, NULL, true),
    ('project_details', 'project_phases', 83, 'no of phases', NULL, NULL, true),
    ('project_details', 'project_phases', 84, 'total phases', NULL, NULL, true),
    ('project_details', 'fsi_approved', 85, 'fsi approved', NULL, NULL, true),
    ('project_details', 'fsi_approved', 86, 'fsi', NULL, NULL, true),
    ('project_details', 'fsi_approved', 87, 'floor space index', NULL, NULL, true),
    ('project_details', 'fsi_approved', 88, 'approved fsi', NULL, NULL, true),
    ('project_details', 'far_approved', 89, 'far approved', NULL, NULL, true),
    ('project_details', 'far_approved', 90, 'far', NULL, NULL, true),
    ('project_details', 'far_approved', 91, 'floor area ratio', NULL, NULL, true),
    ('project_details', 'far_approved', 92, 'approved far', NULL, NULL, true),
    ('project_details', 'has_litigation', 93, 'litigations pending', NULL, NULL, true),
    ('project_details', 'has_litigation', 94, 'litigation', NULL, NULL, true),
    ('project_details', 'has_litigation', 95, 'pending litigations', NULL, NULL, true),
    ('project_details', 'has_litigation', 96, 'any litigation', NULL, NULL, true),
    ('project_details', 'has_litigation', 97, 'legal cases', NULL, NULL, true),
    ('project_details', 'open_space_area', 98, 'open space area', NULL, NULL, true),
    ('project_details', 'open_space_area', 99, 'open area', NULL, NULL, true),
    ('project_details', 'open_space_area', 100, 'recreational space', NULL, NULL, true),
    ('project_details', 'open_space_area', 101, 'open space', NULL, NULL, true),
    ('project_details', 'building_coverage', 102, 'building coverage', NULL, NULL, true),
    ('project_details', 'building_coverage', 103, 'ground coverage', NULL, NULL, true),
    ('project_details', 'building_coverage', 104, 'approved building coverage', NULL, NULL, true),
    ('promoter_details', 'name', 1, 'promoter name', 'name', 'text', true),
    ('promoter_details', 'name', 2, 'name', 'name', 'text', true),
    ('promoter_details', 'name', 3, 'developer name', 'name', 'text', true),
    ('promoter_details', 'name', 4, 'builder name', 'name', 'text', true),
    ('promoter_details', 'name', 5, 'company name', 'name', 'text', true),
    ('promoter_details', 'name', 6, 'firm name', 'name', 'text', true),
    ('promoter_details', 'name', 7, 'name of promoter', 'name', 'text', true),
    ('promoter_details', 'organisation_type', 8, 'promoter type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 9, 'application type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 10, 'organisation type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 11, 'org type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 12, 'type of entity', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 13, 'entity type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 14, 'type of organization', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 15, 'applicant type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 16, 'company type', 'organisation_type', 'text', true),
    ('promoter_details', 'address', 17, 'promoter address', 'address', 'text', true),
    ('promoter_details', 'address', 18, 'address', 'address', 'text', true),
    ('promoter_details', 'address', 19, 'registered address', 'address', 'text', true),
    ('promoter_details', 'address', 20, 'office address', 'address', 'text', true),
    ('promoter_details', 'address', 21, 'correspondence address', 'address', 'text', true),
    ('promoter_details', 'address', 22, 'regd address', 'address', 'text', true),
    ('promoter_details', 'address', 23, 'registered office address', 'address', 'text', true),
    ('promoter_details', 'address', 24, 'corporate address', 'address', 'text', true),
    ('promoter_details', 'email', 25, 'promoter email', 'email', 'text', true),
    ('promoter_details', 'email', 26, 'email', 'email', 'text', true),
    ('promoter_details', 'email', 27, 'email id', 'email', 'text', true),
    ('promoter_details', 'email', 28, 'e-mail', 'email', 'text', true),
    ('promoter_details', 'email', 29, 'email address', 'email', 'text', true),
    ('promoter_details', 'email', 30, 'mail id', 'email', 'text', true),
    ('promoter_details', 'phone', 31, 'promoter phone', 'phone', 'text', true),
    ('promoter_details', 'phone', 32, 'contact number', 'phone', 'text', true),
    ('promoter_details', 'phone', 33, 'mobile', 'phone', 'text', true),
    ('promoter_details', 'phone', 34, 'mob no', 'phone', 'text', true),
    ('promoter_details', 'phone', 35, 'phone no', 'phone', 'text', true),
    ('promoter_details', 'phone', 36, 'telephone', 'phone', 'text', true),
    ('promoter_details', 'phone', 37, 'contact', 'phone', 'text', true),
    ('promoter_details', 'phone', 38, 'phone', 'phone', 'text', true),
    ('promoter_details', 'phone', 39, 'mobile no', 'phone', 'text', true),
    ('promoter_details', 'phone', 40, 'mobile number', 'phone', 'text', true),
    ('promoter_details', 'phone', 41, 'contact no', 'phone', 'text', true),
    ('promoter_details', 'phone', 42, 'tel', 'phone', 'text', true),
    ('promoter_details', 'pan', 43, 'promoter pan', 'pan', 'text', true),
    ('promoter_details', 'pan', 44, 'pan', 'pan', 'text', true),
    ('promoter_details', 'pan', 45, 'pan no', 'pan', 'text', true),
    ('promoter_details', 'pan', 46, 'pan number', 'pan', 'text', true),
    ('promoter_details', 'pan', 47, 'permanent account number', 'pan', 'text', true),
    ('promoter_details', 'cin', 48, 'promoter cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 49, 'cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 50, 'cin no', 'cin', 'text', true),
    ('promoter_details', 'cin', 51, 'company cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 52, 'corporate identity number', 'cin', 'text', true),
    ('promoter_details', 'promoter_gst', 53, 'gst', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 54, 'gst number', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 55, 'gstin', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 56, 'gst no', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 57, 'gst registration', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 58, 'goods and services tax', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_website', 59, 'promoter website', 'website', 'text', true),
    ('promoter_details', 'promoter_website', 60, 'company website', 'website', 'text', true),
    ('promoter_details', 'promoter_website', 61, 'website', 'website', 'text', true),
    ('promoter_details', 'authorized_signatory', 62, 'authorized signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 63, 'authorised signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 64, 'signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 65, 'authorized person', NULL, NULL, true),
    ('land_details', 'land_area_sq_m', 1, 'land area (sq m)', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 2, 'land area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 3, 'total land area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 4, 'site area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 5, 'plot area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_status', 6, 'land status', 'land_status', 'text', true),
    ('land_details', 'land_status', 7, 'status of land', 'land_status', 'text', true),
    ('land_details', 'land_status', 8, 'ownership status', 'land_status', 'text', true),
    ('land_details', 'land_status', 9, 'land ownership', 'land_status', 'text', true),
    ('land_details', 'land_address', 10, 'land address', 'land_address', 'text', true),
    ('land_details', 'land_address', 11, 'location of land', 'land_address', 'text', true),
    ('land_details', 'land_address', 12, 'site location', 'land_address', 'text', true),
    ('land_details', 'land_address', 13, 'plot location', 'land_address', 'text', true),
    ('land_details', 'khasra_numbers', 14, 'khasra numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 15, 'survey numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 16, 'khasra no', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 17, 'survey no', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 18, 'khasra', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 19, 'plot survey numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'ward_number', 20, 'ward number', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 21, 'ward no', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 22, 'ward', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 23, 'zone', 'ward_number', 'text', true),
    ('land_details', 'mutation_number', 24, 'mutation number', 'mutation_number', 'text', true),
    ('land_details', 'mutation_number', 25, 'mutation no', 'mutation_number', 'text', true),
    ('land_details', 'mutation_number', 26, 'mutation', 'mutation_number', 'text', true),
    ('land_details', 'patwari_halka', 27, 'patwari halka', 'patwari_halka', 'text', true),
    ('land_details', 'patwari_halka', 28, 'halka', 'patwari_halka', 'text', true),
    ('land_details', 'patwari_halka', 29, 'patwari circle', 'patwari_halka', 'text', true),
    ('land_details', 'plot_number', 30, 'plot number', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 31, 'plot no', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 32, 'plot', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 33, 'land plot', 'plot_number', 'text', true),
    ('building_details', 'name', 1, 'building name', 'name', 'text', true),
    ('building_details', 'name', 2, 'tower name', 'name', 'text', true),
    ('building_details', 'name', 3, 'block name', 'name', 'text', true),
    ('building_details', 'name', 4, 'wing name', 'name', 'text', true),
    ('building_details', 'name', 5, 'name of building', 'name', 'text', true),
    ('building_details', 'number_of_floors', 6, 'number of floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 7, 'floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 8, 'no of floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 9, 'total floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 10, 'storeys', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_units', 11, 'number of units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 12, 'units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 13, 'no of units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 14, 'total units in building', 'number_of_units', 'integer', true),
    ('building_details', 'carpet_area_sq_m', 15, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'carpet_area_sq_m', 16, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'carpet_area_sq_m', 17, 'total carpet area', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'basement_floors', 18, 'basement floors', NULL, NULL, true),
    ('building_details', 'basement_floors', 19, 'basements', NULL, NULL, true),
    ('building_details', 'basement_floors', 20, 'no of basements', NULL, NULL, true),
    ('building_details', 'basement_floors', 21, 'basement', NULL, NULL, true),
    ('building_details', 'stilt_floors', 22, 'stilt floors', NULL, NULL, true),
    ('building_details', 'stilt_floors', 23, 'stilt', NULL, NULL, true),
    ('building_details', 'stilt_floors', 24, 'stilts', NULL, NULL, true),
    ('building_details', 'podium_floors', 25, 'podium floors', NULL, NULL, true),
    ('building_details', 'podium_floors', 26, 'podium', NULL, NULL, true),
    ('building_details', 'podium_floors', 27, 'podiums', NULL, NULL, true),
    ('building_details', 'building_height', 28, 'building height', NULL, NULL, true),
    ('building_details', 'building_height', 29, 'height', NULL, NULL, true),
    ('building_details', 'building_height', 30, 'height in meters', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 31, 'plan approval number', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 32, 'building plan number', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 33, 'approved plan no', NULL, NULL, true),
    ('building_details', 'parking_slots', 34, 'parking slots', NULL, NULL, true),
    ('building_details', 'parking_slots', 35, 'parking', NULL, NULL, true),
    ('building_details', 'parking_slots', 36, 'car parking slots', NULL, NULL, true),
    ('building_details', 'parking_slots', 37, 'total parking', NULL, NULL, true),
    ('unit_types', 'name', 1, 'unit type', 'name', 'text', true),
    ('unit_types', 'name', 2, 'type', 'name', 'text', true),
    ('unit_types', 'name', 3, 'configuration', 'name', 'text', true),
    ('unit_types', 'name', 4, 'flat type', 'name', 'text', true),
    ('unit_types', 'carpet_area_sq_m', 5, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'carpet_area_sq_m', 6, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'carpet_area_sq_m', 7, 'carpet', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 8, 'built-up area (sq m)', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 9, 'built up area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 10, 'built-up area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 11, 'builtup area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 12, 'super built-up area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 13, 'super builtup area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 14, 'sbua', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 15, 'super area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'price_in_inr', 16, 'unit price (inr)', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 17, 'unit price', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 18, 'price', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 19, 'rate', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 20, 'price per unit', 'price_in_inr', 'number', true),
    ('unit_types', 'balcony_area_sq_m', 21, 'balcony area', 'balcony_area_sq_m', 'area', true),
    ('unit_types', 'balcony_area_sq_m', 22, 'balcony', 'balcony_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 23, 'terrace area', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 24, 'terrace', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 25, 'exclusive terrace', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'common_area_sq_m', 26, 'common area', 'common_area_sq_m', 'area', true),
    ('unit_types', 'common_area_sq_m', 27, 'common', 'common_area_sq_m', 'area', true),
    ('bank_details', 'bank_name', 1, 'bank name', 'bank_name', 'text', true),
    ('bank_details', 'bank_name', 2, 'name of bank', 'bank_name', 'text', true),
    ('bank_details', 'branch_name', 3, 'branch', 'branch_name', 'text', true),
    ('bank_details', 'branch_name', 4, 'branch name', 'branch_name', 'text', true),
    ('bank_details', 'branch_name', 5, 'branch address', 'branch_name', 'text', true),
    ('bank_details', 'account_number', 6, 'account number', 'account_number', 'text', true),
    ('bank_details', 'account_number', 7, 'account no', 'account_number', 'text', true),
    ('bank_details', 'account_number', 8, 'a/c no', 'account_number', 'text', true),
    ('bank_details', 'account_number', 9, 'ac no', 'account_number', 'text', true),
    ('bank_details', 'ifsc_code', 10, 'ifsc code', 'ifsc_code', 'text', true),
    ('bank_details', 'ifsc_code', 11, 'ifsc', 'ifsc_code', 'text', true),
    ('bank_details', 'ifsc_code', 12, 'ifsc no', 'ifsc_code', 'text', true),
    ('bank_details', 'account_type', 13, 'account type', NULL, NULL, true),
    ('bank_details', 'account_type', 14, 'type of account', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 15, 'authorized signatories', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 16, 'signatories', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 17, 'authorised signatories', NULL, NULL, true),
    ('bank_details', 'account_name', 18, 'account name', 'account_name', 'text', true),
    ('bank_details', 'account_name', 19, 'account holder name', 'account_name', 'text', true),
    ('bank_details', 'account_name', 20, 'name of account holder', 'account_name', 'text', true),
    ('documents', 'document_name', 1, 'document name', 'name', 'text', true),
    ('documents', 'document_name', 2, 'name', 'name', 'text', true),
    ('documents', 'document_type', 3, 'document type', 'document_type', 'text', true),
    ('documents', 'document_type', 4, 'type', 'document_type', 'text', true),
    ('documents', 'document_url', 5, 'document url', 'url', 'text', true),
    ('documents', 'document_url', 6, 'url', 'url', 'text', true),
    ('documents', 'document_url', 7, 'link', 'url', 'text', true),
    ('documents', 'document_url', 8, 'download', 'url', 'text', true),
    ('documents', 'document_uploaded_on', 9, 'uploaded on', 'uploaded_on', 'date', true),
    ('documents', 'document_uploaded_on', 10, 'upload date', 'uploaded_on', 'date', true),
    ('documents', 'document_uploaded_on', 11, 'date', 'uploaded_on', 'date', true),
    ('quarterly_updates', 'quarter', 1, 'quarter', 'quarter', 'text', true),
    ('quarterly_updates', 'quarter', 2, 'qtr', 'quarter', 'text', true),
    ('quarterly_updates', 'year', 3, 'year', 'year', 'text', true),
    ('quarterly_updates', 'year', 4, 'yr', 'year', 'text', true),
    ('quarterly_updates', 'status', 5, 'status', 'status', 'text', true),
    ('quarterly_updates', 'status', 6, 'construction status', 'status', 'text', true),
    ('quarterly_updates', 'completion_percent', 7, 'completion (%)', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 8, 'completion percent', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 9, '% completion', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 10, 'percentage complete', 'completion_percent', 'number', true),
    ('quarterly_updates', 'remarks', 11, 'remarks', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 12, 'comment', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 13, 'comments', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 14, 'notes', 'remarks', 'text', true),
    ('quarterly_updates', 'foundation_percent', 15, 'foundation', NULL, NULL, true),
    ('quarterly_updates', 'foundation_percent', 16, 'foundation %', NULL, NULL, true),
    ('quarterly_updates', 'foundation_percent', 17, 'foundation complete', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 18, 'plinth', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 19, 'plinth %', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 20, 'plinth complete', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 21, 'superstructure', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 22, 'superstructure %', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 23, 'structure', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 24, 'mep', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 25, 'mep %', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 26, 'mechanical electrical plumbing', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 27, 'finishing', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 28, 'finishing %', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 29, 'internal finishing', NULL, NULL, true),
    ('units', 'block', 1, 'block', 'block', 'text', true),
    ('units', 'block', 2, 'block name', 'block', 'text', true),
    ('units', 'block', 3, 'tower', 'block', 'text', true),
    ('units', 'block', 4, 'tower name', 'block', 'text', true),
    ('units', 'block', 5, 'wing', 'block', 'text', true),
    ('units', 'floor', 6, 'floor', 'floor', 'text', true),
    ('units', 'floor', 7, 'floor no', 'floor', 'text', true),
    ('units', 'unit_no', 8, 'flat/unit no', 'unit_no', 'text', true),
    ('units', 'unit_no', 9, 'unit no', 'unit_no', 'text', true),
    ('units', 'unit_no', 10, 'flat no', 'unit_no', 'text', true),
    ('units', 'unit_no', 11, 'plot no', 'unit_no', 'text', true),
    ('units', 'unit_no', 12, 'unit number', 'unit_no', 'text', true),
    ('units', 'unit_no', 13, 'flat number', 'unit_no', 'text', true),
    ('units', 'type', 14, 'type', 'type', 'text', true),
    ('units', 'type', 15, 'unit type', 'type', 'text', true),
    ('units', 'type', 16, 'flat type', 'type', 'text', true),
    ('units', 'carpet_area_sq_m', 17, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('units', 'carpet_area_sq_m', 18, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('units', 'status', 19, 'status', 'status', 'text', true),
    ('units', 'status', 20, 'unit status', 'status', 'text', true);
-- END GENERATED

-- The variants as map_v1's C++ reads them:
-- {"sections": [{section, variant}], "labels": [{section, canonical_key, variant, v1_key, v1_type, position}]}.
CREATE FUNCTION realmap._label_variants() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'sections', coalesce((SELECT jsonb_agg(jsonb_build_object('section', s.logical_section, 'variant', s.variant)
                                               ORDER BY s.logical_section, s.variant)
                                FROM realmap.section_variants s), '[]'),
        'labels', coalesce((SELECT jsonb_agg(jsonb_build_object('section', l.section, 'canonical_key', l.canonical_key,
                                                                'variant', l.variant, 'v1_key', l.v1_key,
                                                                'v1_type', l.v1_type, 'position', l.position)
                                             ORDER BY l.section, l.position, l.canonical_key, l.variant)
                              FROM realmap.label_variants l), '[]'))
$$;
COMMENT ON FUNCTION realmap._label_variants() IS
'The label variant tables as the JSON realmap._map_v1 takes';

-- ------------------------------------------------------------------ the functions

CREATE FUNCTION realmap.extract_raw(html text, page_url text DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_extract_raw' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.extract_raw(text, text) IS
'The detail page as the raw document (schema realmap.raw/1): named form fields, label sections, grids, documents, amenities, map iframes, inventory, as text; page_url resolves links. NULL html gives NULL; a page that is not a detail page raises 22P02';

CREATE FUNCTION realmap._map_v1(raw jsonb, variants jsonb, context jsonb DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_map_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._map_v1(jsonb, jsonb, jsonb) IS
'map_v1 with the label variants given as JSON (realmap._label_variants()); context: {"listing": <realmap.listings row>, "source_url", "run_id", "scraped_at", "page_content_hash"}';

CREATE FUNCTION realmap.map_v1(raw jsonb, context jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._map_v1(raw, realmap._label_variants(), context)
$$;
COMMENT ON FUNCTION realmap.map_v1(jsonb, jsonb) IS
'The raw document (realmap.extract_raw) as the V1 document load_project loads: named form fields first, label sections (realmap.label_variants) as fallback, values coerced by their V1 type; context (optional): {"listing": to_jsonb(<realmap.listings row>), "source_url", "run_id", "scraped_at", "page_content_hash"}. Problems of the page are in validation_messages; only a non-raw input raises 22023';

CREATE FUNCTION realmap.normalize_v1(v1 jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_normalize_v1' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.normalize_v1(jsonb) IS
'The original''s normalisation of a V1 document: district and status and type title-cased (known values mapped), registration number without whitespace and end punctuation, whitespace collapsed; a missing district stays missing (not "")';

CREATE FUNCTION realmap._validate_v1(v1 jsonb, checked_at text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_validate_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._validate_v1(jsonb, text) IS
'validate_v1 with checked_at as an ISO 8601 text (not NULL: the result depends on nothing else)';
CREATE FUNCTION realmap.validate_v1(v1 jsonb, checked_at timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._validate_v1(v1, to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
COMMENT ON FUNCTION realmap.validate_v1(jsonb, timestamptz) IS
'The QA of a V1 document: {status passed|warning|failed, flags[{flag_type, severity, message, field_name, expected_value, actual_value}], checked_at, validator_version, flag_count, error_count, warning_count, info_count, messages[] (the normaliser''s)}; a failed QA does not stop a load';

CREATE FUNCTION realmap._prepare_v1(raw jsonb, variants jsonb, context jsonb, checked_at text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_prepare_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._prepare_v1(jsonb, jsonb, jsonb, text) IS
'prepare_v1 with the label variants given as JSON (realmap._label_variants()) and checked_at as ISO 8601 text';
CREATE FUNCTION realmap.prepare_v1(raw jsonb, context jsonb DEFAULT NULL, checked_at timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._prepare_v1(raw, realmap._label_variants(), context,
                               to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
COMMENT ON FUNCTION realmap.prepare_v1(jsonb, jsonb, timestamptz) IS
'map_v1, normalize_v1 and validate_v1 in one call: the V1 document with qa set and the normaliser''s messages in validation_messages, ready for realmap.load_project';

-- =====================================================================================
-- Domain: the projects and what the detail page says about them, loaded from the V1
-- document by realmap.load_project(v1 jsonb).  sql/src/V1.md is the same contract
-- with examples.
--
-- THE V1 DOCUMENT (the original RealMap's V1Project, original-pipeline.md §3.5, plus
-- what realmap adds so that nothing the original lost is lost).  Keys are snake_case;
-- numbers are JSON numbers, dates ISO strings "YYYY-MM-DD", timestamps ISO 8601; a
-- missing value is null or an absent key (a list: [] or absent).  Keys not named
-- here are kept in projects.v1 and otherwise ignored.
--
--   metadata            object, required
--     schema_version    "1.0" (a major version other than 1 is refused)
--     state_code        "CG"                                         REQUIRED
--     source_url        the detail page's URL (relative document URLs resolve against it)
--     scraped_at        when the page was fetched (ISO 8601 timestamp)
--     run_id            the realmap run that produced the document
--     page_content_hash sha256 (hex) of the page, as in realmap.raw_pages.content_hash
--     my_id, application_id       the portal's ids of the page ("MzM2", 336)
--     extraction_method, parser_version   what produced the document (provenance)
--   project_details     object, required
--     registration_number          "PCGRERA200618000247"             REQUIRED
--     project_name, project_type, project_status, district, tehsil,
--     village_or_locality, pincode (string), project_address, project_website_url
--     total_units (integer), total_area_sq_m (number)
--     launch_date, expected_completion_date                          (ISO dates)
--     + extended_completion_date   the listing's "Extended Proposed End Date"
--     + completed                  boolean: the listing's "**" marker
--     + estimated_construction_cost_inr, land_cost_inr   numbers (txtecoc, txtecol)
--   professionals       object: stat_ca_name, stat_ca_mem_no, quarter_ca_name,
--                       quarter_ca_mem_no, engineer_name, engineer_lic_no, arch_name,
--                       arch_lic_no (strings)
--   promoter_details[]  name, organisation_type, address, email, phone, pan, cin,
--                       + gst_number, website
--   land_details[]      land_area_sq_m (number), land_status, land_address,
--                       khasra_numbers (string, as written), + ward_number,
--                       mutation_number, patwari_halka, plot_number
--   building_details[]  name, number_of_floors, number_of_units (integers),
--                       carpet_area_sq_m
--   unit_types[]        name, carpet_area_sq_m, built_up_area_sq_m,
--                       super_built_up_area_sq_m, balcony_area_sq_m, common_area_sq_m,
--                       terrace_area_sq_m, price_in_inr (numbers)
--   bank_details[]      bank_name, branch_name, account_number (a string: it may start
--                       with 0), ifsc_code, + account_name
--   documents[]         name, document_type, url (as written), uploaded_on (ISO date),
--                       + section (the page's document group)
--   quarterly_updates[] one entry per reported period:
--                       quarter ("Q3"), year ("2022"), status, completion_percent,
--                       remarks  (the original's fields), and
--                       + kind        "progress" (default: the quarterly progress report,
--                                     grid_status) | "withdrawal" (certificates for
--                                     withdrawals from the designated account)
--                       + from_date, to_date   ISO dates (when absent, derived from
--                                     quarter + year as a calendar quarter)
--                       + plots[]     {plot_group, plots_type, plot_area_sq_m,
--                                     total_plots, booked}: booked units per plot
--                                     group/type in that quarter (grid_brief_plot)
--                       + amenity_progress[]  {particulars, progress_percent,
--                                     image_url}: construction progress (gv_ProjectList)
--                       + certificates[]      {kind, url}; kind: completion_architect,
--                                     completion_authority, ca, engineer, architect
--   units[]             + block, floor (string or integer, as written), unit_no,
--                       type, carpet_area_sq_m, status ("Available" | "Booked" | null)
--   rera_locations[]    source_type (amenity | amenity_centroid | map_iframe |
--                       listing_map), latitude, longitude (numbers), particulars,
--                       image_url, from_date, to_date (as written), progress_percent
--   qa                  object: status ("passed" | "warning" | "failed"), flags[]
--                       ({flag_type, severity, message, field_name, expected_value,
--                       actual_value}), checked_at, validator_version, counts
--   validation_messages[], raw_data, previews      kept in projects.v1 only
--
-- Checking: a value of the wrong JSON type or a malformed date fails the whole load
-- (SQLSTATE 22023, the message names the key, e.g. "unit_types[0].price_in_inr"): the
-- document breaks its contract and nothing half-loaded is left.  An entry that cannot
-- be keyed (a unit without unit_no, a document without a file, a location without
-- coordinates, a period without dates) and the page's "0" placeholder rows are not
-- loaded; they are named in data_provenance.extraction_warnings.
--
-- THE TABLES.  One row per (state_code, registration number) in projects; every child
-- row has a natural key within its project (below), so a reload UPDATES rows in place
-- and their ids stay stable.  Within one document the first entry of a key wins
-- (document order; the portal repeats rows), later ones are counted as duplicates.
-- A child row that a newer document no longer has is not deleted but marked
-- is_active = false with removed_at (its id, and the price history or quarterly
-- history hanging on it, stay); when it comes back it is reactivated in place.
--
--   table                      natural key within the project
--   promoters                  promoter_name
--   land_parcels               position (1, 2, ... in document order: a land record
--                              has no identity of its own on the page)
--   buildings                  building_name
--   unit_types                 type_name
--   bank_accounts              account_number
--   project_documents          url (as written)
--   quarterly_updates          (kind, from_date, to_date)
--   units                      (block_name, floor_no, unit_no)
--   project_locations          (source_type, location_key) for the page's own rows
--                              (from_page): location_key is the amenity's
--                              particulars, '' for the other sources.  Rows from other
--                              stages (geocode_normalized, manual_pin, ...) are never
--                              touched by a load (the original deleted them).
--   project_pricing_snapshots  append-only: a row when a unit type's price (or price per
--                              sq ft) changes
--   data_provenance            one row per (project, content hash)
--   parent_projects            (upper(name), upper(full_address), upper(promoter_name))
--                              as in the original, with a unique slug
--
-- Nullable key columns are unique NULLS NOT DISTINCT (PostgreSQL 15).  The stages
-- write these tables as the DAG's owner; realmap_reader reads them (90_privileges.sql).
-- =====================================================================================

CREATE TABLE realmap.parent_projects (
    parent_project_id bigserial PRIMARY KEY,
    name              text NOT NULL,
    full_address      text NOT NULL DEFAULT '',
    promoter_name     text NOT NULL,        -- the first promoter, or 'UNKNOWN'
    slug              text NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- the original's match (loader.py): the same name, address and first promoter, whatever the case
CREATE UNIQUE INDEX parent_projects_match ON realmap.parent_projects (upper(name), upper(full_address), upper(promoter_name));
COMMENT ON TABLE realmap.parent_projects IS
'Projects registered more than once (phases under separate RERA numbers): the same name, address and first promoter';

CREATE TABLE realmap.projects (
    project_id                     bigserial PRIMARY KEY,
    state_code                     text NOT NULL,
    rera_registration_number       text NOT NULL,
    project_name                   text NOT NULL,   -- the registration number when the page has none
    project_type                   text,
    status                         text,            -- project_details.project_status
    completed                      boolean NOT NULL DEFAULT false,  -- the listing's "**"
    district                       text,
    tehsil                         text,
    village_or_locality            text,
    full_address                   text,            -- project_details.project_address
    pincode                        text,
    project_website_url            text,
    total_units                    int,
    total_area_sq_m                numeric,
    approved_date                  date,            -- project_details.launch_date
    proposed_end_date              date,            -- project_details.expected_completion_date
    extended_end_date              date,            -- project_details.extended_completion_date
    estimated_construction_cost_inr numeric,
    land_cost_inr                  numeric,
    professionals                  jsonb,
    parent_project_id              bigint REFERENCES realmap.parent_projects ON DELETE SET NULL,
    -- written by the geocoding stage, never by load_project
    normalized_address             text,
    latitude                       float8,
    longitude                      float8,
    geocoding_status               text,
    geo_source                     text,
    geo_precision                  text,
    geo_confidence                 numeric(4,3),
    geo_formatted_address          text,
    geo_flags                      jsonb,           -- location_choice's flags (rejected positions, disagreements)
    -- quality, from the document's qa object (validate_v1)
    qa_status                      text CHECK (qa_status IN ('passed', 'warning', 'failed')),
    qa_flags                       jsonb,
    qa_last_checked_at             timestamptz,
    -- the document as of the last load that changed something
    source_url                     text,
    scraped_at                     timestamptz,
    v1                             jsonb NOT NULL,
    content_hash                   text NOT NULL,   -- of v1 without its acquisition metadata
    last_loaded_run_id             bigint,          -- the run whose load last changed the project
    created_at                     timestamptz NOT NULL DEFAULT now(),
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_state_registration UNIQUE (state_code, rera_registration_number)
);
CREATE INDEX projects_parent ON realmap.projects (parent_project_id);
CREATE INDEX projects_district ON realmap.projects (district);
COMMENT ON TABLE realmap.projects IS
'One row per RERA project (state, registration number): the detail page''s fields as columns, the V1 document as jsonb';
COMMENT ON COLUMN realmap.projects.content_hash IS
'sha256 of the V1 document without metadata.scraped_at, run_id, source_url, page_content_hash and qa.checked_at: the same content fetched again is no change';
COMMENT ON COLUMN realmap.projects.updated_at IS 'When a load last changed this row (an identical load writes nothing)';

-- Child tables: is_active/removed_at say whether the latest document still has the row.
CREATE TABLE realmap.promoters (
    promoter_id   bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    promoter_name text,
    promoter_type text,                 -- organisation_type, e.g. Partnership Firm
    address       text,
    email         text,
    phone         text,
    pan           text,
    cin           text,
    gst_number    text,
    website       text,
    is_active     boolean NOT NULL DEFAULT true,
    removed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promoters_natural_key UNIQUE NULLS NOT DISTINCT (project_id, promoter_name)
);
COMMENT ON TABLE realmap.promoters IS 'Promoters of each project, keyed by name within the project';

CREATE TABLE realmap.land_parcels (
    land_parcel_id  bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    position        int NOT NULL,        -- 1, 2, ... in document order
    survey_number   text,                -- khasra_numbers, as written ("12/1, 345")
    area_sq_m       numeric,
    land_status     text,
    land_address    text,
    ward_number     text,
    mutation_number text,
    patwari_halka   text,
    plot_number     text,
    is_active       boolean NOT NULL DEFAULT true,
    removed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT land_parcels_natural_key UNIQUE (project_id, position)
);
COMMENT ON TABLE realmap.land_parcels IS 'Land records of each project, keyed by their position in the document';

CREATE TABLE realmap.buildings (
    building_id      bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    building_name    text,
    number_of_floors int,
    total_units      int,
    carpet_area_sq_m numeric,
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT buildings_natural_key UNIQUE NULLS NOT DISTINCT (project_id, building_name)
);
COMMENT ON TABLE realmap.buildings IS 'Buildings (towers, blocks) of each project, keyed by name';

CREATE TABLE realmap.unit_types (
    unit_type_id             bigserial PRIMARY KEY,
    project_id               bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    type_name                text,
    carpet_area_sq_m         numeric,
    built_up_area_sq_m       numeric,
    super_built_up_area_sq_m numeric,
    balcony_area_sq_m        numeric,
    common_area_sq_m         numeric,
    terrace_area_sq_m        numeric,
    sale_price               numeric,    -- price_in_inr; its history is in project_pricing_snapshots
    is_active                boolean NOT NULL DEFAULT true,
    removed_at               timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unit_types_natural_key UNIQUE NULLS NOT DISTINCT (project_id, type_name)
);
COMMENT ON TABLE realmap.unit_types IS 'Unit types (2 BHK, plot sizes) of each project with areas and the current price, keyed by name';

CREATE TABLE realmap.bank_accounts (
    bank_account_id bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    account_number  text,
    account_name    text,
    bank_name       text,
    branch_name     text,
    ifsc_code       text,
    is_active       boolean NOT NULL DEFAULT true,
    removed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_accounts_natural_key UNIQUE NULLS NOT DISTINCT (project_id, account_number)
);
COMMENT ON TABLE realmap.bank_accounts IS 'The RERA designated bank accounts of each project, keyed by account number';

CREATE TABLE realmap.project_documents (
    document_id   bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    url           text NOT NULL,       -- as written on the page; relative ones resolve against projects.source_url
    name          text,                -- the page's label
    document_type text,                -- the file prefix, e.g. Reg_Certi, LAYOUT
    section       text,                -- the page's document group
    uploaded_on   date,
    is_active     boolean NOT NULL DEFAULT true,
    removed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_documents_natural_key UNIQUE (project_id, url)
);
COMMENT ON TABLE realmap.project_documents IS 'Documents the detail page links, keyed by URL (empty links are not documents)';

CREATE TABLE realmap.quarterly_updates (
    quarterly_update_id bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    kind                text NOT NULL DEFAULT 'progress' CHECK (kind IN ('progress', 'withdrawal')),
    from_date           date NOT NULL,
    to_date             date NOT NULL,
    quarter             text,          -- "Q3 2022"
    status              text,          -- the project's status reported for the period
    overall_percent     numeric,       -- completion_percent
    summary             text,          -- remarks
    units_total         int,           -- sum of plots[].total_plots
    units_booked        int,           -- sum of plots[].booked
    plots               jsonb NOT NULL DEFAULT '[]',  -- [{plot_group, plots_type, plot_area_sq_m, total_plots, booked}]
    amenity_progress    jsonb NOT NULL DEFAULT '[]',  -- [{particulars, progress_percent, image_url}]
    certificates        jsonb NOT NULL DEFAULT '[]',  -- [{kind, url}]
    is_active           boolean NOT NULL DEFAULT true,
    removed_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quarterly_updates_natural_key UNIQUE (project_id, kind, from_date, to_date)
);
COMMENT ON TABLE realmap.quarterly_updates IS
'The project''s reports per period: status, completion, booked units per plot group/type, amenity progress, certificates';

CREATE TABLE realmap.units (
    unit_id          bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    block_name       text,
    floor_no         text,            -- as written: "0", "1", "Ground"
    unit_no          text NOT NULL,
    unit_type        text,
    carpet_area_sq_m numeric,
    status           text,            -- Available, Booked (the inventory grid), NULL unknown
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT units_natural_key UNIQUE NULLS NOT DISTINCT (project_id, block_name, floor_no, unit_no)
);
CREATE INDEX units_status ON realmap.units (project_id, status) WHERE is_active;
COMMENT ON TABLE realmap.units IS 'The inventory: each unit (flat, plot) with its status, keyed by (block, floor, unit number)';

CREATE TABLE realmap.project_locations (
    location_id      bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    source_type      text NOT NULL,   -- amenity, amenity_centroid, map_iframe, listing_map (the page);
                                      -- geocode_normalized, manual_pin, ... (other stages)
    lat              float8 NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon              float8 NOT NULL CHECK (lon BETWEEN -180 AND 180),
    precision_level  text,            -- 'site' for the page's own positions
    confidence_score numeric(4,3),
    from_page        boolean NOT NULL DEFAULT false,  -- written by load_project from rera_locations
    location_key     text,            -- from_page rows: particulars for amenity, '' otherwise
    meta_data        jsonb NOT NULL DEFAULT '{}',
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (from_page = (location_key IS NOT NULL))
);
CREATE UNIQUE INDEX project_locations_page_key ON realmap.project_locations (project_id, source_type, location_key)
    WHERE from_page;
CREATE INDEX project_locations_project ON realmap.project_locations (project_id) WHERE NOT from_page;
COMMENT ON TABLE realmap.project_locations IS
'Every position offered for a project: the page''s own (from_page, kept in step with the page by load_project) and those of other stages (geocoding, manual pins), which a reload never touches';

CREATE TABLE realmap.project_pricing_snapshots (
    snapshot_id        bigserial PRIMARY KEY,
    project_id         bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    unit_type_id       bigint NOT NULL REFERENCES realmap.unit_types ON DELETE CASCADE,
    unit_type_label    text,
    snapshot_date      date NOT NULL DEFAULT current_date,
    min_price_total    numeric,        -- one unit type: min = max
    max_price_total    numeric,
    min_price_per_sqft numeric,        -- price / (area m² × 10.7639104)
    max_price_per_sqft numeric,
    area_basis         text CHECK (area_basis IN ('carpet', 'built_up', 'super_built_up')),
    area_sq_m          numeric,
    source_type        text NOT NULL DEFAULT 'v1',
    run_id             bigint,
    content_hash       text,           -- of the document that brought the price
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_pricing_snapshots_unit_type ON realmap.project_pricing_snapshots (unit_type_id, snapshot_id);
CREATE INDEX project_pricing_snapshots_project ON realmap.project_pricing_snapshots (project_id, snapshot_date);
COMMENT ON TABLE realmap.project_pricing_snapshots IS
'Price history: a row each time a unit type''s price (or price per sq ft) differs from its latest snapshot';

CREATE TABLE realmap.data_provenance (
    provenance_id       bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    content_hash        text NOT NULL,
    run_id              bigint,
    snapshot_url        text,          -- metadata.source_url
    source_domain       text,
    page_content_hash   text,          -- realmap.raw_pages.content_hash of the page
    extraction_method   text,
    parser_version      text,
    schema_version      text,
    confidence_score    numeric(4,3),  -- filled / 10 of the original's ten checks
    fields_extracted    int,
    fields_expected     int NOT NULL DEFAULT 10,
    extraction_warnings jsonb NOT NULL DEFAULT '[]',  -- validation_messages + what the load left out
    scraped_at          timestamptz,
    loaded_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_provenance_once UNIQUE (project_id, content_hash)
);
COMMENT ON TABLE realmap.data_provenance IS
'Where each version of a project''s document came from: one row per (project, content hash), never one per load';

-- ------------------------------------------------------------------ reading V1 values
-- Typed readers of one V1 value; path names it in the error.  A wrong JSON type is the
-- document breaking its contract: SQLSTATE 22023 (data exception, not retried).
CREATE FUNCTION realmap._v1_text(j jsonb, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'string' THEN
        RETURN nullif(btrim(j #>> '{}'), '');   -- "" is no value
    ELSIF jsonb_typeof(j) IN ('number', 'boolean') THEN
        RETURN j #>> '{}';                      -- a PIN or floor written as a number
    END IF;
    RAISE EXCEPTION 'V1 % must be a string (got %)', path, jsonb_typeof(j) USING ERRCODE = 'invalid_parameter_value';
END $$;

CREATE FUNCTION realmap._v1_num(j jsonb, path text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'number' THEN
        RETURN (j #>> '{}')::numeric;
    END IF;
    RAISE EXCEPTION 'V1 % must be a JSON number (got %)', path, left(j::text, 80) USING ERRCODE = 'invalid_parameter_value';
END $$;

CREATE FUNCTION realmap._v1_int(j jsonb, path text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE n numeric := realmap._v1_num(j, path);
BEGIN
    IF n IS NOT NULL AND (n <> trunc(n) OR abs(n) > 2147483647) THEN
        RAISE EXCEPTION 'V1 % must be an integer (got %)', path, n USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN n::int;
END $$;

CREATE FUNCTION realmap._v1_bool(j jsonb, path text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'boolean' THEN
        RETURN (j #>> '{}')::boolean;
    END IF;
    RAISE EXCEPTION 'V1 % must be true or false (got %)', path, left(j::text, 80) USING ERRCODE = 'invalid_parameter_value';
END $$;

-- One of a fixed set of words (kind, source_type, qa.status).
CREATE FUNCTION realmap._v1_enum(j jsonb, path text, allowed text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE t text := realmap._v1_text(j, path);
BEGIN
    IF t IS NOT NULL AND NOT t = ANY (allowed) THEN
        RAISE EXCEPTION 'V1 % must be one of % (got %)', path, array_to_string(allowed, ', '), left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN t;
END $$;

-- ISO dates only ("YYYY-MM-DD"): the mapper turns the portal's dd-mm-yyyy and
-- "16 Feb 2018" into them.  Checked without an exception block (one per date would be
-- a subtransaction each).
CREATE FUNCTION realmap._v1_date(j jsonb, path text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := realmap._v1_text(j, path);
    m text[];
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    m := regexp_match(t, '^(\d{4})-(\d{2})-(\d{2})$');
    IF m IS NULL OR m[1]::int < 1 OR m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int < 1
       OR m[3]::int > extract(day FROM make_date(m[1]::int, m[2]::int, 1) + interval '1 month - 1 day') THEN
        RAISE EXCEPTION 'V1 % must be an ISO date YYYY-MM-DD (got %)', path, left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN make_date(m[1]::int, m[2]::int, m[3]::int);
END $$;

CREATE FUNCTION realmap._v1_timestamptz(j jsonb, path text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE t text := realmap._v1_text(j, path);
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF t !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$' THEN
        RAISE EXCEPTION 'V1 % must be an ISO 8601 timestamp (got %)', path, left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN t::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION 'V1 % must be an ISO 8601 timestamp (got %)', path, left(j::text, 80)
          USING ERRCODE = 'invalid_parameter_value';
END $$;

-- The entries of a V1 list (absent or null: none), 0-based; path names the list in
-- errors.  placeholder: every value is null, "", 0, "0", [] or {} (the portal's "0" rows).
CREATE FUNCTION realmap._v1_list(list jsonb, path text, OUT ord int, OUT e jsonb, OUT placeholder boolean,
                                 OUT entry_path text)
RETURNS SETOF record
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF list IS NULL OR jsonb_typeof(list) = 'null' THEN
        RETURN;
    ELSIF jsonb_typeof(list) <> 'array' THEN
        RAISE EXCEPTION 'V1 % must be an array (got %)', path, jsonb_typeof(list) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR e, ord IN SELECT x.v, x.i - 1 FROM jsonb_array_elements(list) WITH ORDINALITY AS x(v, i) LOOP
        IF jsonb_typeof(e) <> 'object' THEN
            RAISE EXCEPTION 'V1 %[%] must be an object (got %)', path, ord, jsonb_typeof(e)
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        placeholder := NOT EXISTS (SELECT 1 FROM jsonb_each(e) AS f(k, v)
                                    WHERE f.v NOT IN ('null', '""', '0', '"0"', '[]', '{}'));
        entry_path := path || '[' || ord || ']';
        RETURN NEXT;
    END LOOP;
END $$;

-- A link that names a file: not empty, not "NA", not a javascript: anchor, not a
-- folder ("…/Application_336/": the portal's empty links).
CREATE FUNCTION realmap._v1_is_file_url(url text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT url IS NOT NULL AND url !~* '^\s*(na|n/a|-|#)?\s*$' AND url !~* '^\s*javascript:' AND url !~ '/\s*$'
$$;

-- A quarterly entry's sub-lists, typed, without placeholders, first entry of a key
-- kept (the portal repeats grid rows within a quarter too).
CREATE FUNCTION realmap._v1_plots(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'plot_group', p.plot_group, 'plots_type', p.plots_type, 'plot_area_sq_m', p.plot_area_sq_m,
               'total_plots', p.total_plots, 'booked', p.booked)) ORDER BY p.ord), '[]')
      FROM (SELECT DISTINCT ON (coalesce(q.plot_group, ''), coalesce(q.plots_type, '')) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'plot_group', l.entry_path || '.plot_group') AS plot_group,
                           realmap._v1_text(l.e->'plots_type', l.entry_path || '.plots_type') AS plots_type,
                           realmap._v1_num(l.e->'plot_area_sq_m', l.entry_path || '.plot_area_sq_m') AS plot_area_sq_m,
                           realmap._v1_int(l.e->'total_plots', l.entry_path || '.total_plots') AS total_plots,
                           realmap._v1_int(l.e->'booked', l.entry_path || '.booked') AS booked
                      FROM realmap._v1_list(list, path || '.plots') l
                     WHERE NOT l.placeholder) q
             ORDER BY coalesce(q.plot_group, ''), coalesce(q.plots_type, ''), q.ord) p
$$;

CREATE FUNCTION realmap._v1_amenity_progress(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'particulars', a.particulars, 'progress_percent', a.progress_percent, 'image_url', a.image_url))
               ORDER BY a.ord), '[]')
      FROM (SELECT DISTINCT ON (coalesce(q.particulars, '')) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars') AS particulars,
                           realmap._v1_num(l.e->'progress_percent', l.entry_path || '.progress_percent') AS progress_percent,
                           realmap._v1_text(l.e->'image_url', l.entry_path || '.image_url') AS image_url
                      FROM realmap._v1_list(list, path || '.amenity_progress') l
                     WHERE NOT l.placeholder) q
             ORDER BY coalesce(q.particulars, ''), q.ord) a
$$;

CREATE FUNCTION realmap._v1_certificates(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('kind', c.kind, 'url', c.url)) ORDER BY c.ord), '[]')
      FROM (SELECT DISTINCT ON (q.url) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'kind', l.entry_path || '.kind') AS kind,
                           realmap._v1_text(l.e->'url', l.entry_path || '.url') AS url
                      FROM realmap._v1_list(list, path || '.certificates') l) q
             WHERE realmap._v1_is_file_url(q.url)
             ORDER BY q.url, q.ord) c
$$;

-- What a load left out of one list, for data_provenance.extraction_warnings.
CREATE FUNCTION realmap._v1_notes(notes text[], list text, placeholders bigint, repeats bigint,
                                  unkeyed bigint, unkeyed_why text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT notes
        || CASE WHEN placeholders > 0 THEN ARRAY[format('%s: %s placeholder entries (all 0 or empty) ignored', list, placeholders)] ELSE '{}' END
        || CASE WHEN repeats > 0 THEN ARRAY[format('%s: %s repeated entries ignored (the first of each key is kept)', list, repeats)] ELSE '{}' END
        || CASE WHEN unkeyed > 0 THEN ARRAY[format('%s: %s entries %s not loaded', list, unkeyed, unkeyed_why)] ELSE '{}' END
$$;

-- ------------------------------------------------------------------ load_project
-- Loads one V1 document: the project upserted on (state_code, registration number),
-- its child rows updated in place by their natural keys, rows the document no longer
-- has marked inactive, a pricing snapshot where a price changed, provenance once per
-- content hash.  Every write is conditional on a difference, so loading the same
-- content again writes no row version anywhere (it only locks the project row, which
-- also serialises concurrent loads of one project).
--
-- SECURITY INVOKER: it writes as its caller -- in the DAG the DAG's owner, whose
-- worker runs it in a security-restricted operation (so: no temporary tables, no SET
-- ROLE, nothing from the session's search_path); an operator calling it by hand needs
-- write rights on the domain tables (90_privileges.sql).
CREATE FUNCTION realmap.load_project(v1 jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    md jsonb;
    pd jsonb;
    qa jsonb;
    k text;
    v_state text;
    v_reg text;
    v_name text;
    v_address text;
    v_promoter text;
    v_run bigint;
    v_source_url text;
    v_scraped timestamptz;
    v_launch date;
    h text;
    pid bigint;
    parent bigint;
    slug_base text;
    attempt int := 0;
    changed boolean;
    notes text[] := '{}';
    n_upd bigint; n_ins bigint; n_gone bigint; n_ph bigint; n_dup bigint; n_skip bigint;
    summary text[] := '{}';
BEGIN
    -- ---------------------------------------------------------------- the minimal shape
    IF v1 IS NULL OR jsonb_typeof(v1) <> 'object' THEN
        RAISE EXCEPTION 'a V1 document must be a JSON object (got %)', coalesce(jsonb_typeof(v1), 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH k IN ARRAY ARRAY['metadata', 'project_details', 'professionals', 'qa'] LOOP
        IF jsonb_typeof(v1->k) NOT IN ('object', 'null') THEN
            RAISE EXCEPTION 'V1 % must be an object (got %)', k, jsonb_typeof(v1->k) USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    md := CASE WHEN jsonb_typeof(v1->'metadata') = 'object' THEN v1->'metadata' ELSE '{}' END;
    pd := CASE WHEN jsonb_typeof(v1->'project_details') = 'object' THEN v1->'project_details' ELSE '{}' END;
    qa := CASE WHEN jsonb_typeof(v1->'qa') = 'object' THEN v1->'qa' END;

    v_state := upper(realmap._v1_text(md->'state_code', 'metadata.state_code'));
    IF v_state IS NULL THEN
        RAISE EXCEPTION 'V1 document has no metadata.state_code' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A project is identified by metadata.state_code and project_details.registration_number, e.g. "CG" and "PCGRERA200618000247".';
    END IF;
    IF split_part(coalesce(realmap._v1_text(md->'schema_version', 'metadata.schema_version'), '1'), '.', 1) <> '1' THEN
        RAISE EXCEPTION 'V1 metadata.schema_version % is not supported (load_project reads 1.x)', md->'schema_version'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the original's normalisation (original-pipeline.md §3.6: no whitespace, one "-" at a
    -- time, upper case, no "-./" at the ends), and never the listing's "**" marker
    v_reg := nullif(btrim(regexp_replace(regexp_replace(upper(
                 realmap._v1_text(pd->'registration_number', 'project_details.registration_number')),
                 '\s+', '', 'g'), '-{2,}', '-', 'g'), '-./*'), '');
    IF v_reg IS NULL THEN
        RAISE EXCEPTION 'V1 document has no project_details.registration_number' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A project is identified by metadata.state_code and project_details.registration_number, e.g. "CG" and "PCGRERA200618000247".';
    END IF;

    v_run := realmap._v1_int(md->'run_id', 'metadata.run_id');
    v_source_url := realmap._v1_text(md->'source_url', 'metadata.source_url');
    v_scraped := realmap._v1_timestamptz(md->'scraped_at', 'metadata.scraped_at');
    v_name := coalesce(realmap._v1_text(pd->'project_name', 'project_details.project_name'), v_reg);
    v_address := realmap._v1_text(pd->'project_address', 'project_details.project_address');
    v_launch := realmap._v1_date(pd->'launch_date', 'project_details.launch_date');

    -- the content: the document without what only describes this fetch, so the same page
    -- fetched again (another time, run or URL) is no change
    h := encode(sha256(convert_to((v1 #- '{metadata,scraped_at}' #- '{metadata,run_id}' #- '{metadata,source_url}'
                                      #- '{metadata,page_content_hash}' #- '{qa,checked_at}')::text, 'UTF8')), 'hex');

    -- ---------------------------------------------------------------- parent project
    -- The original's grouping of registrations (phases) into one parent: the same name,
    -- address and first promoter, compared in upper case.
    v_promoter := coalesce((SELECT realmap._v1_text(l.e->'name', l.entry_path || '.name')
                              FROM realmap._v1_list(v1->'promoter_details', 'promoter_details') l
                             WHERE NOT l.placeholder AND realmap._v1_text(l.e->'name', l.entry_path || '.name') IS NOT NULL
                             ORDER BY l.ord LIMIT 1), 'UNKNOWN');
    SELECT pp.parent_project_id INTO parent FROM realmap.parent_projects pp
     WHERE upper(pp.name) = upper(v_name) AND upper(pp.full_address) = upper(coalesce(v_address, ''))
       AND upper(pp.promoter_name) = upper(v_promoter);
    IF parent IS NULL THEN
        slug_base := btrim(regexp_replace(lower(v_name), '[^a-z0-9]+', '-', 'g'), '-');
        IF slug_base = '' THEN   -- a name in Devanagari only
            slug_base := 'project-' || left(md5(upper(v_name) || chr(31) || upper(coalesce(v_address, '')) || chr(31)
                                                || upper(v_promoter)), 8);
        END IF;
        LOOP
            -- name, name-1, name-2, ...: the first free slug.  DO NOTHING covers both keys;
            -- when the match key was the conflict, a concurrent load created the parent.
            INSERT INTO realmap.parent_projects (name, full_address, promoter_name, slug)
            VALUES (v_name, coalesce(v_address, ''), v_promoter,
                    CASE WHEN attempt = 0 THEN slug_base ELSE slug_base || '-' || attempt END)
            ON CONFLICT DO NOTHING
            RETURNING parent_project_id INTO parent;
            EXIT WHEN parent IS NOT NULL;
            SELECT pp.parent_project_id INTO parent FROM realmap.parent_projects pp
             WHERE upper(pp.name) = upper(v_name) AND upper(pp.full_address) = upper(coalesce(v_address, ''))
               AND upper(pp.promoter_name) = upper(v_promoter);
            EXIT WHEN parent IS NOT NULL;
            attempt := attempt + 1;
            IF attempt > 10000 THEN   -- the match key is taken by a row this snapshot cannot see
                RAISE EXCEPTION 'could not link project % to its parent project (concurrent load)', v_reg
                      USING ERRCODE = 'serialization_failure';
            END IF;
        END LOOP;
    END IF;

    -- ---------------------------------------------------------------- the project
    INSERT INTO realmap.projects AS p (
        state_code, rera_registration_number, project_name, project_type, status, completed, district, tehsil,
        village_or_locality, full_address, pincode, project_website_url, total_units, total_area_sq_m,
        approved_date, proposed_end_date, extended_end_date, estimated_construction_cost_inr, land_cost_inr,
        professionals, parent_project_id, qa_status, qa_flags, qa_last_checked_at, source_url, scraped_at,
        v1, content_hash, last_loaded_run_id)
    VALUES (
        v_state, v_reg, v_name,
        realmap._v1_text(pd->'project_type', 'project_details.project_type'),
        realmap._v1_text(pd->'project_status', 'project_details.project_status'),
        coalesce(realmap._v1_bool(pd->'completed', 'project_details.completed'), false),
        realmap._v1_text(pd->'district', 'project_details.district'),
        realmap._v1_text(pd->'tehsil', 'project_details.tehsil'),
        realmap._v1_text(pd->'village_or_locality', 'project_details.village_or_locality'),
        v_address,
        realmap._v1_text(pd->'pincode', 'project_details.pincode'),
        realmap._v1_text(pd->'project_website_url', 'project_details.project_website_url'),
        realmap._v1_int(pd->'total_units', 'project_details.total_units'),
        realmap._v1_num(pd->'total_area_sq_m', 'project_details.total_area_sq_m'),
        v_launch,
        realmap._v1_date(pd->'expected_completion_date', 'project_details.expected_completion_date'),
        realmap._v1_date(pd->'extended_completion_date', 'project_details.extended_completion_date'),
        realmap._v1_num(pd->'estimated_construction_cost_inr', 'project_details.estimated_construction_cost_inr'),
        realmap._v1_num(pd->'land_cost_inr', 'project_details.land_cost_inr'),
        CASE WHEN jsonb_typeof(v1->'professionals') = 'object' THEN v1->'professionals' END,
        parent,
        realmap._v1_enum(qa->'status', 'qa.status', ARRAY['passed', 'warning', 'failed']),
        qa,
        realmap._v1_timestamptz(qa->'checked_at', 'qa.checked_at'),
        v_source_url, v_scraped, v1, h, v_run)
    ON CONFLICT (state_code, rera_registration_number) DO UPDATE
       SET project_name = EXCLUDED.project_name, project_type = EXCLUDED.project_type, status = EXCLUDED.status,
           completed = EXCLUDED.completed, district = EXCLUDED.district, tehsil = EXCLUDED.tehsil,
           village_or_locality = EXCLUDED.village_or_locality, full_address = EXCLUDED.full_address,
           pincode = EXCLUDED.pincode, project_website_url = EXCLUDED.project_website_url,
           total_units = EXCLUDED.total_units, total_area_sq_m = EXCLUDED.total_area_sq_m,
           approved_date = EXCLUDED.approved_date, proposed_end_date = EXCLUDED.proposed_end_date,
           extended_end_date = EXCLUDED.extended_end_date,
           estimated_construction_cost_inr = EXCLUDED.estimated_construction_cost_inr,
           land_cost_inr = EXCLUDED.land_cost_inr, professionals = EXCLUDED.professionals,
           parent_project_id = EXCLUDED.parent_project_id, qa_status = EXCLUDED.qa_status,
           qa_flags = EXCLUDED.qa_flags, qa_last_checked_at = EXCLUDED.qa_last_checked_at,
           source_url = EXCLUDED.source_url, scraped_at = EXCLUDED.scraped_at, v1 = EXCLUDED.v1,
           content_hash = EXCLUDED.content_hash, last_loaded_run_id = EXCLUDED.last_loaded_run_id,
           updated_at = now()
     -- the content and everything derived from it; not the fetch's own metadata
     -- (scraped_at, run, URL, qa.checked_at), which alone is no change
     WHERE (p.project_name, p.project_type, p.status, p.completed, p.district, p.tehsil, p.village_or_locality,
            p.full_address, p.pincode, p.project_website_url, p.total_units, p.total_area_sq_m, p.approved_date,
            p.proposed_end_date, p.extended_end_date, p.estimated_construction_cost_inr, p.land_cost_inr,
            p.professionals, p.parent_project_id, p.qa_status, p.content_hash)
           IS DISTINCT FROM
           (EXCLUDED.project_name, EXCLUDED.project_type, EXCLUDED.status, EXCLUDED.completed, EXCLUDED.district,
            EXCLUDED.tehsil, EXCLUDED.village_or_locality, EXCLUDED.full_address, EXCLUDED.pincode,
            EXCLUDED.project_website_url, EXCLUDED.total_units, EXCLUDED.total_area_sq_m, EXCLUDED.approved_date,
            EXCLUDED.proposed_end_date, EXCLUDED.extended_end_date, EXCLUDED.estimated_construction_cost_inr,
            EXCLUDED.land_cost_inr, EXCLUDED.professionals, EXCLUDED.parent_project_id, EXCLUDED.qa_status,
            EXCLUDED.content_hash)
    RETURNING p.project_id INTO pid;
    changed := pid IS NOT NULL;
    IF NOT changed THEN
        SELECT p.project_id INTO STRICT pid FROM realmap.projects p
         WHERE p.state_code = v_state AND p.rera_registration_number = v_reg;
    END IF;

    -- ---------------------------------------------------------------- child rows
    -- Each list in one statement: the document's entries (typed, placeholders dropped,
    -- the first entry of each natural key kept), then UPDATE the rows whose values
    -- differ, INSERT the new keys, mark inactive the active rows whose key is gone.
    -- Keys are compared through coalesce(..., '') so the joins can hash ('' is never
    -- stored: an empty string is no value).

    -- promoters: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'promoter_details', 'promoter_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS promoter_name,
               realmap._v1_text(l.e->'organisation_type', l.entry_path || '.organisation_type') AS promoter_type,
               realmap._v1_text(l.e->'address', l.entry_path || '.address') AS address,
               realmap._v1_text(l.e->'email', l.entry_path || '.email') AS email,
               realmap._v1_text(l.e->'phone', l.entry_path || '.phone') AS phone,
               realmap._v1_text(l.e->'pan', l.entry_path || '.pan') AS pan,
               realmap._v1_text(l.e->'cin', l.entry_path || '.cin') AS cin,
               realmap._v1_text(l.e->'gst_number', l.entry_path || '.gst_number') AS gst_number,
               realmap._v1_text(l.e->'website', l.entry_path || '.website') AS website
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.promoter_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.promoter_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.promoters t
           SET promoter_type = n.promoter_type, address = n.address, email = n.email, phone = n.phone, pan = n.pan,
               cin = n.cin, gst_number = n.gst_number, website = n.website, is_active = true, removed_at = NULL,
               updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.promoter_name, '') = coalesce(n.promoter_name, '')
           AND (t.promoter_type, t.address, t.email, t.phone, t.pan, t.cin, t.gst_number, t.website, t.is_active)
               IS DISTINCT FROM (n.promoter_type, n.address, n.email, n.phone, n.pan, n.cin, n.gst_number, n.website, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.promoters (project_id, promoter_name, promoter_type, address, email, phone, pan, cin,
                                       gst_number, website)
        SELECT pid, n.promoter_name, n.promoter_type, n.address, n.email, n.phone, n.pan, n.cin, n.gst_number, n.website
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.promoters t
                            WHERE t.project_id = pid AND coalesce(t.promoter_name, '') = coalesce(n.promoter_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.promoters t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.promoter_name, '') = coalesce(t.promoter_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'promoter_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('promoters %s/%s/%s', n_ins, n_upd, n_gone);

    -- land parcels: by position (no identity of their own)
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'land_details', 'land_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'khasra_numbers', l.entry_path || '.khasra_numbers') AS survey_number,
               realmap._v1_num(l.e->'land_area_sq_m', l.entry_path || '.land_area_sq_m') AS area_sq_m,
               realmap._v1_text(l.e->'land_status', l.entry_path || '.land_status') AS land_status,
               realmap._v1_text(l.e->'land_address', l.entry_path || '.land_address') AS land_address,
               realmap._v1_text(l.e->'ward_number', l.entry_path || '.ward_number') AS ward_number,
               realmap._v1_text(l.e->'mutation_number', l.entry_path || '.mutation_number') AS mutation_number,
               realmap._v1_text(l.e->'patwari_halka', l.entry_path || '.patwari_halka') AS patwari_halka,
               realmap._v1_text(l.e->'plot_number', l.entry_path || '.plot_number') AS plot_number
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT (row_number() OVER (ORDER BY s.ord))::int AS position, s.* FROM src s WHERE NOT s.placeholder
    ), upd AS (
        UPDATE realmap.land_parcels t
           SET survey_number = n.survey_number, area_sq_m = n.area_sq_m, land_status = n.land_status,
               land_address = n.land_address, ward_number = n.ward_number, mutation_number = n.mutation_number,
               patwari_halka = n.patwari_halka, plot_number = n.plot_number, is_active = true, removed_at = NULL,
               updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.position = n.position
           AND (t.survey_number, t.area_sq_m, t.land_status, t.land_address, t.ward_number, t.mutation_number,
                t.patwari_halka, t.plot_number, t.is_active)
               IS DISTINCT FROM (n.survey_number, n.area_sq_m, n.land_status, n.land_address, n.ward_number,
                                 n.mutation_number, n.patwari_halka, n.plot_number, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.land_parcels (project_id, position, survey_number, area_sq_m, land_status, land_address,
                                          ward_number, mutation_number, patwari_halka, plot_number)
        SELECT pid, n.position, n.survey_number, n.area_sq_m, n.land_status, n.land_address, n.ward_number,
               n.mutation_number, n.patwari_halka, n.plot_number
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.land_parcels t WHERE t.project_id = pid AND t.position = n.position)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.land_parcels t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active AND NOT EXISTS (SELECT 1 FROM n WHERE n.position = t.position)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw)
      INTO n_upd, n_ins, n_gone, n_ph;
    notes := realmap._v1_notes(notes, 'land_details', n_ph, 0, 0, NULL);
    summary := summary || format('land_parcels %s/%s/%s', n_ins, n_upd, n_gone);

    -- buildings: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'building_details', 'building_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS building_name,
               realmap._v1_int(l.e->'number_of_floors', l.entry_path || '.number_of_floors') AS number_of_floors,
               realmap._v1_int(l.e->'number_of_units', l.entry_path || '.number_of_units') AS total_units,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.building_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.building_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.buildings t
           SET number_of_floors = n.number_of_floors, total_units = n.total_units, carpet_area_sq_m = n.carpet_area_sq_m,
               is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.building_name, '') = coalesce(n.building_name, '')
           AND (t.number_of_floors, t.total_units, t.carpet_area_sq_m, t.is_active)
               IS DISTINCT FROM (n.number_of_floors, n.total_units, n.carpet_area_sq_m, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.buildings (project_id, building_name, number_of_floors, total_units, carpet_area_sq_m)
        SELECT pid, n.building_name, n.number_of_floors, n.total_units, n.carpet_area_sq_m
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.buildings t
                            WHERE t.project_id = pid AND coalesce(t.building_name, '') = coalesce(n.building_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.buildings t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.building_name, '') = coalesce(t.building_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'building_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('buildings %s/%s/%s', n_ins, n_upd, n_gone);

    -- unit types: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'unit_types', 'unit_types')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS type_name,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m,
               realmap._v1_num(l.e->'built_up_area_sq_m', l.entry_path || '.built_up_area_sq_m') AS built_up_area_sq_m,
               realmap._v1_num(l.e->'super_built_up_area_sq_m', l.entry_path || '.super_built_up_area_sq_m') AS super_built_up_area_sq_m,
               realmap._v1_num(l.e->'balcony_area_sq_m', l.entry_path || '.balcony_area_sq_m') AS balcony_area_sq_m,
               realmap._v1_num(l.e->'common_area_sq_m', l.entry_path || '.common_area_sq_m') AS common_area_sq_m,
               realmap._v1_num(l.e->'terrace_area_sq_m', l.entry_path || '.terrace_area_sq_m') AS terrace_area_sq_m,
               realmap._v1_num(l.e->'price_in_inr', l.entry_path || '.price_in_inr') AS sale_price
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.type_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.type_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.unit_types t
           SET carpet_area_sq_m = n.carpet_area_sq_m, built_up_area_sq_m = n.built_up_area_sq_m,
               super_built_up_area_sq_m = n.super_built_up_area_sq_m, balcony_area_sq_m = n.balcony_area_sq_m,
               common_area_sq_m = n.common_area_sq_m, terrace_area_sq_m = n.terrace_area_sq_m,
               sale_price = n.sale_price, is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.type_name, '') = coalesce(n.type_name, '')
           AND (t.carpet_area_sq_m, t.built_up_area_sq_m, t.super_built_up_area_sq_m, t.balcony_area_sq_m,
                t.common_area_sq_m, t.terrace_area_sq_m, t.sale_price, t.is_active)
               IS DISTINCT FROM (n.carpet_area_sq_m, n.built_up_area_sq_m, n.super_built_up_area_sq_m,
                                 n.balcony_area_sq_m, n.common_area_sq_m, n.terrace_area_sq_m, n.sale_price, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.unit_types (project_id, type_name, carpet_area_sq_m, built_up_area_sq_m,
                                        super_built_up_area_sq_m, balcony_area_sq_m, common_area_sq_m,
                                        terrace_area_sq_m, sale_price)
        SELECT pid, n.type_name, n.carpet_area_sq_m, n.built_up_area_sq_m, n.super_built_up_area_sq_m,
               n.balcony_area_sq_m, n.common_area_sq_m, n.terrace_area_sq_m, n.sale_price
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.unit_types t
                            WHERE t.project_id = pid AND coalesce(t.type_name, '') = coalesce(n.type_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.unit_types t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.type_name, '') = coalesce(t.type_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'unit_types', n_ph, n_dup, 0, NULL);
    summary := summary || format('unit_types %s/%s/%s', n_ins, n_upd, n_gone);

    -- price history: a snapshot when an active unit type's price, or its price per
    -- sq ft (an area corrected), differs from its latest snapshot.  Per sq ft on the
    -- best area known, as the original: carpet, else built-up, else super built-up.
    INSERT INTO realmap.project_pricing_snapshots (project_id, unit_type_id, unit_type_label, snapshot_date,
                                                   min_price_total, max_price_total, min_price_per_sqft,
                                                   max_price_per_sqft, area_basis, area_sq_m, source_type, run_id,
                                                   content_hash)
    SELECT pid, u.unit_type_id, u.type_name, current_date, u.sale_price, u.sale_price, a.per_sqft, a.per_sqft,
           a.basis, a.area, 'v1', v_run, h
      FROM realmap.unit_types u
     CROSS JOIN LATERAL (
           SELECT b.basis, b.area, round(u.sale_price / (b.area * 10.7639104), 2) AS per_sqft
             FROM (SELECT CASE WHEN u.carpet_area_sq_m > 0 THEN 'carpet'
                               WHEN u.built_up_area_sq_m > 0 THEN 'built_up'
                               WHEN u.super_built_up_area_sq_m > 0 THEN 'super_built_up' END AS basis,
                          CASE WHEN u.carpet_area_sq_m > 0 THEN u.carpet_area_sq_m
                               WHEN u.built_up_area_sq_m > 0 THEN u.built_up_area_sq_m
                               WHEN u.super_built_up_area_sq_m > 0 THEN u.super_built_up_area_sq_m END AS area) b) a
      LEFT JOIN LATERAL (
           SELECT s.min_price_total, s.min_price_per_sqft FROM realmap.project_pricing_snapshots s
            WHERE s.unit_type_id = u.unit_type_id ORDER BY s.snapshot_id DESC LIMIT 1) last ON true
     WHERE u.project_id = pid AND u.is_active AND u.sale_price IS NOT NULL
       AND (last.min_price_total, last.min_price_per_sqft) IS DISTINCT FROM (u.sale_price, a.per_sqft);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    summary := summary || format('price snapshots %s', n_ins);

    -- bank accounts: by account number
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'bank_details', 'bank_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'account_number', l.entry_path || '.account_number') AS account_number,
               realmap._v1_text(l.e->'account_name', l.entry_path || '.account_name') AS account_name,
               realmap._v1_text(l.e->'bank_name', l.entry_path || '.bank_name') AS bank_name,
               realmap._v1_text(l.e->'branch_name', l.entry_path || '.branch_name') AS branch_name,
               realmap._v1_text(l.e->'ifsc_code', l.entry_path || '.ifsc_code') AS ifsc_code
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.account_number, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.account_number, ''), s.ord
    ), upd AS (
        UPDATE realmap.bank_accounts t
           SET account_name = n.account_name, bank_name = n.bank_name, branch_name = n.branch_name,
               ifsc_code = n.ifsc_code, is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.account_number, '') = coalesce(n.account_number, '')
           AND (t.account_name, t.bank_name, t.branch_name, t.ifsc_code, t.is_active)
               IS DISTINCT FROM (n.account_name, n.bank_name, n.branch_name, n.ifsc_code, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.bank_accounts (project_id, account_number, account_name, bank_name, branch_name, ifsc_code)
        SELECT pid, n.account_number, n.account_name, n.bank_name, n.branch_name, n.ifsc_code
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.bank_accounts t
                            WHERE t.project_id = pid AND coalesce(t.account_number, '') = coalesce(n.account_number, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.bank_accounts t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.account_number, '') = coalesce(t.account_number, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'bank_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('bank_accounts %s/%s/%s', n_ins, n_upd, n_gone);

    -- documents: by URL; a link without a file is no document
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'documents', 'documents')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'url', l.entry_path || '.url') AS url,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS name,
               realmap._v1_text(l.e->'document_type', l.entry_path || '.document_type') AS document_type,
               realmap._v1_text(l.e->'section', l.entry_path || '.section') AS section,
               realmap._v1_date(l.e->'uploaded_on', l.entry_path || '.uploaded_on') AS uploaded_on
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.* FROM src s WHERE NOT s.placeholder AND realmap._v1_is_file_url(s.url)
    ), n AS (
        SELECT DISTINCT ON (k.url) k.* FROM keyed k ORDER BY k.url, k.ord
    ), upd AS (
        UPDATE realmap.project_documents t
           SET name = n.name, document_type = n.document_type, section = n.section, uploaded_on = n.uploaded_on,
               is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.url = n.url
           AND (t.name, t.document_type, t.section, t.uploaded_on, t.is_active)
               IS DISTINCT FROM (n.name, n.document_type, n.section, n.uploaded_on, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.project_documents (project_id, url, name, document_type, section, uploaded_on)
        SELECT pid, n.url, n.name, n.document_type, n.section, n.uploaded_on
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.project_documents t WHERE t.project_id = pid AND t.url = n.url)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.project_documents t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active AND NOT EXISTS (SELECT 1 FROM n WHERE n.url = t.url)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'documents', n_ph, n_dup, n_skip, 'without a file (empty, NA or folder links)');
    summary := summary || format('documents %s/%s/%s', n_ins, n_upd, n_gone);

    -- quarterly updates: by (kind, from_date, to_date); a period given only as quarter
    -- and year is that calendar quarter
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'quarterly_updates', 'quarterly_updates')
    ), src AS (
        SELECT l.ord, l.placeholder,
               coalesce(realmap._v1_enum(l.e->'kind', l.entry_path || '.kind', ARRAY['progress', 'withdrawal']),
                        'progress') AS kind,
               realmap._v1_text(l.e->'quarter', l.entry_path || '.quarter') AS quarter,
               realmap._v1_text(l.e->'year', l.entry_path || '.year') AS year,
               realmap._v1_date(l.e->'from_date', l.entry_path || '.from_date') AS from_date,
               realmap._v1_date(l.e->'to_date', l.entry_path || '.to_date') AS to_date,
               realmap._v1_text(l.e->'status', l.entry_path || '.status') AS status,
               realmap._v1_num(l.e->'completion_percent', l.entry_path || '.completion_percent') AS overall_percent,
               realmap._v1_text(l.e->'remarks', l.entry_path || '.remarks') AS summary,
               realmap._v1_plots(l.e->'plots', l.entry_path) AS plots,
               realmap._v1_amenity_progress(l.e->'amenity_progress', l.entry_path) AS amenity_progress,
               realmap._v1_certificates(l.e->'certificates', l.entry_path) AS certificates
          FROM raw l WHERE NOT l.placeholder
    ), per AS (
        SELECT s.*, coalesce(s.from_date, cq.q_start) AS f,
               coalesce(s.to_date, (cq.q_start + interval '3 months - 1 day')::date) AS t
          FROM src s
          LEFT JOIN LATERAL (
               SELECT make_date(m.y, (m.q - 1) * 3 + 1, 1) AS q_start
                 FROM (SELECT substring(s.quarter FROM '^[Qq]\s*([1-4])')::int AS q,
                              coalesce(substring(s.year FROM '^\s*(\d{4})\s*$'),
                                       substring(s.quarter FROM '(\d{4})'))::int AS y) m
                WHERE m.q IS NOT NULL AND m.y BETWEEN 1 AND 9999) cq ON true
         WHERE NOT s.placeholder
    ), keyed AS (
        SELECT p.*,
               CASE WHEN p.quarter IS NULL THEN 'Q' || extract(quarter FROM p.t) || ' ' || extract(year FROM p.t)
                    WHEN p.year IS NULL OR strpos(p.quarter, p.year) > 0 THEN p.quarter
                    ELSE p.quarter || ' ' || p.year END AS label,
               (SELECT sum((x->>'total_plots')::int) FROM jsonb_array_elements(p.plots) x)::int AS units_total,
               (SELECT sum((x->>'booked')::int) FROM jsonb_array_elements(p.plots) x)::int AS units_booked
          FROM per p WHERE p.f IS NOT NULL AND p.t IS NOT NULL
    ), n AS (
        SELECT DISTINCT ON (k.kind, k.f, k.t) k.* FROM keyed k ORDER BY k.kind, k.f, k.t, k.ord
    ), upd AS (
        UPDATE realmap.quarterly_updates t
           SET quarter = n.label, status = n.status, overall_percent = n.overall_percent, summary = n.summary,
               units_total = n.units_total, units_booked = n.units_booked, plots = n.plots,
               amenity_progress = n.amenity_progress, certificates = n.certificates, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.kind = n.kind AND t.from_date = n.f AND t.to_date = n.t
           AND (t.quarter, t.status, t.overall_percent, t.summary, t.units_total, t.units_booked, t.plots,
                t.amenity_progress, t.certificates, t.is_active)
               IS DISTINCT FROM (n.label, n.status, n.overall_percent, n.summary, n.units_total, n.units_booked,
                                 n.plots, n.amenity_progress, n.certificates, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.quarterly_updates (project_id, kind, from_date, to_date, quarter, status, overall_percent,
                                               summary, units_total, units_booked, plots, amenity_progress, certificates)
        SELECT pid, n.kind, n.f, n.t, n.label, n.status, n.overall_percent, n.summary, n.units_total, n.units_booked,
               n.plots, n.amenity_progress, n.certificates
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.quarterly_updates t
                            WHERE t.project_id = pid AND t.kind = n.kind AND t.from_date = n.f AND t.to_date = n.t)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.quarterly_updates t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE n.kind = t.kind AND n.f = t.from_date AND n.t = t.to_date)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FROM per) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'quarterly_updates', n_ph, n_dup, n_skip,
                               'without a period (no from/to dates, no quarter and year)');
    summary := summary || format('quarterly_updates %s/%s/%s', n_ins, n_upd, n_gone);

    -- units: by (block, floor, unit number)
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'units', 'units')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'block', l.entry_path || '.block') AS block_name,
               realmap._v1_text(l.e->'floor', l.entry_path || '.floor') AS floor_no,
               realmap._v1_text(l.e->'unit_no', l.entry_path || '.unit_no') AS unit_no,
               realmap._v1_text(l.e->'type', l.entry_path || '.type') AS unit_type,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m,
               realmap._v1_text(l.e->'status', l.entry_path || '.status') AS status
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.* FROM src s WHERE NOT s.placeholder AND s.unit_no IS NOT NULL
    ), n AS (
        SELECT DISTINCT ON (coalesce(k.block_name, ''), coalesce(k.floor_no, ''), k.unit_no) k.* FROM keyed k
         ORDER BY coalesce(k.block_name, ''), coalesce(k.floor_no, ''), k.unit_no, k.ord
    ), upd AS (
        UPDATE realmap.units t
           SET unit_type = n.unit_type, carpet_area_sq_m = n.carpet_area_sq_m, status = n.status, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.block_name, '') = coalesce(n.block_name, '')
           AND coalesce(t.floor_no, '') = coalesce(n.floor_no, '') AND t.unit_no = n.unit_no
           AND (t.unit_type, t.carpet_area_sq_m, t.status, t.is_active)
               IS DISTINCT FROM (n.unit_type, n.carpet_area_sq_m, n.status, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.units (project_id, block_name, floor_no, unit_no, unit_type, carpet_area_sq_m, status)
        SELECT pid, n.block_name, n.floor_no, n.unit_no, n.unit_type, n.carpet_area_sq_m, n.status
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.units t
                            WHERE t.project_id = pid AND coalesce(t.block_name, '') = coalesce(n.block_name, '')
                              AND coalesce(t.floor_no, '') = coalesce(n.floor_no, '') AND t.unit_no = n.unit_no)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.units t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.block_name, '') = coalesce(t.block_name, '')
                              AND coalesce(n.floor_no, '') = coalesce(t.floor_no, '') AND n.unit_no = t.unit_no)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'units', n_ph, n_dup, n_skip, 'without unit_no');
    summary := summary || format('units %s/%s/%s', n_ins, n_upd, n_gone);

    -- the page's own positions: by (source_type, location_key).  Only from_page rows
    -- are read or written: a geocode or a manual pin survives every reload.
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'rera_locations', 'rera_locations')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_enum(l.e->'source_type', l.entry_path || '.source_type',
                                ARRAY['amenity', 'amenity_centroid', 'map_iframe', 'listing_map']) AS source_type,
               realmap._v1_num(l.e->'latitude', l.entry_path || '.latitude')::float8 AS lat,
               realmap._v1_num(l.e->'longitude', l.entry_path || '.longitude')::float8 AS lon,
               realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars') AS particulars,
               jsonb_strip_nulls(jsonb_build_object(
                   'particulars', realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars'),
                   'image_url', realmap._v1_text(l.e->'image_url', l.entry_path || '.image_url'),
                   'from_date', realmap._v1_text(l.e->'from_date', l.entry_path || '.from_date'),
                   'to_date', realmap._v1_text(l.e->'to_date', l.entry_path || '.to_date'),
                   'progress_percent', realmap._v1_num(l.e->'progress_percent', l.entry_path || '.progress_percent')))
                   AS meta_data
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.*, CASE WHEN s.source_type = 'amenity' THEN coalesce(s.particulars, s.lat || ',' || s.lon) ELSE '' END
                    AS location_key
          FROM src s
         WHERE NOT s.placeholder AND s.source_type IS NOT NULL
           AND s.lat BETWEEN -90 AND 90 AND s.lon BETWEEN -180 AND 180
    ), n AS (
        SELECT DISTINCT ON (k.source_type, k.location_key) k.* FROM keyed k ORDER BY k.source_type, k.location_key, k.ord
    ), upd AS (
        UPDATE realmap.project_locations t
           SET lat = n.lat, lon = n.lon, precision_level = 'site', meta_data = n.meta_data, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.from_page AND t.source_type = n.source_type AND t.location_key = n.location_key
           AND (t.lat, t.lon, t.precision_level, t.meta_data, t.is_active)
               IS DISTINCT FROM (n.lat, n.lon, 'site', n.meta_data, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.project_locations (project_id, source_type, lat, lon, precision_level, from_page,
                                               location_key, meta_data)
        SELECT pid, n.source_type, n.lat, n.lon, 'site', true, n.location_key, n.meta_data
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.project_locations t
                            WHERE t.project_id = pid AND t.from_page AND t.source_type = n.source_type
                              AND t.location_key = n.location_key)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.project_locations t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.from_page AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE n.source_type = t.source_type AND n.location_key = t.location_key)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'rera_locations', n_ph, n_dup, n_skip, 'without a source type or valid coordinates');
    summary := summary || format('locations %s/%s/%s', n_ins, n_upd, n_gone);

    -- ---------------------------------------------------------------- provenance
    -- Once per (project, content hash): a reload of the same content adds nothing (the
    -- original appended a row per load: 15 for one project).
    IF NOT EXISTS (SELECT 1 FROM realmap.data_provenance d WHERE d.project_id = pid AND d.content_hash = h) THEN
        INSERT INTO realmap.data_provenance (project_id, content_hash, run_id, snapshot_url, source_domain,
                                             page_content_hash, extraction_method, parser_version, schema_version,
                                             confidence_score, fields_extracted, fields_expected,
                                             extraction_warnings, scraped_at)
        SELECT pid, h, v_run, v_source_url, substring(v_source_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)'),
               realmap._v1_text(md->'page_content_hash', 'metadata.page_content_hash'),
               coalesce(realmap._v1_text(md->'extraction_method', 'metadata.extraction_method'), 'v1_document'),
               realmap._v1_text(md->'parser_version', 'metadata.parser_version'),
               realmap._v1_text(md->'schema_version', 'metadata.schema_version'),
               round(c.filled / 10.0, 3), c.filled, 10,
               coalesce((SELECT jsonb_agg(m) FROM jsonb_array_elements(
                            CASE WHEN jsonb_typeof(v1->'validation_messages') = 'array'
                                 THEN v1->'validation_messages' ELSE '[]' END) m), '[]') || to_jsonb(notes),
               v_scraped
          FROM (SELECT -- the original's ten checks (loader.py)
                       1 + (pd->>'project_name' IS NOT NULL AND btrim(pd->>'project_name') <> '')::int
                         + (p.district IS NOT NULL)::int + (p.status IS NOT NULL)::int
                         + EXISTS (SELECT 1 FROM realmap.promoters x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.buildings x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.unit_types x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.project_documents x WHERE x.project_id = pid AND x.is_active)::int
                         + (p.full_address IS NOT NULL)::int + (p.approved_date IS NOT NULL)::int AS filled
                  FROM realmap.projects p WHERE p.project_id = pid) c
        ON CONFLICT (project_id, content_hash) DO NOTHING;
    END IF;

    RAISE DEBUG 'load_project %: project %, % (inserted/updated/removed)', v_reg,
        CASE WHEN changed THEN 'changed' ELSE 'unchanged' END, array_to_string(summary, ', ');
    RETURN pid;
END $$;
COMMENT ON FUNCTION realmap.load_project(jsonb) IS
'Loads one V1 project document (sql/src/V1.md) and returns its project_id: upsert on (state_code, registration number), child rows updated in place by natural key, rows no longer in the document marked inactive, price snapshots on price changes, provenance once per content hash; loading the same content again writes nothing';

-- =====================================================================================
-- The per-item processing tasks of realmap_etl: extract_raw[i] (page -> V1 document,
-- validated and normalised) and load_to_db[i] (V1 -> the domain tables).  Each is a
-- SQL task over the stage functions, which stand alone as well.
-- =====================================================================================

-- The V1 document of each stored page (once per page, that is per content hash): what
-- extract_raw made of it and load_to_db loads.
CREATE TABLE realmap.page_extractions (
    page_id             bigint PRIMARY KEY REFERENCES realmap.raw_pages ON DELETE CASCADE,
    registration_number text NOT NULL,
    run_id              bigint NOT NULL,     -- the run that extracted it last
    v1                  jsonb NOT NULL,
    qa_status           text,                -- passed | warning | failed
    qa_flag_count       int NOT NULL DEFAULT 0,
    message_count       int NOT NULL DEFAULT 0,  -- the mapper's validation_messages
    extracted_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.page_extractions IS 'The V1 document of each fetched page (extract_raw), as load_to_db loads it';

-- extract_raw[i]: the page fetch_details stored for this item, through extract_raw and
-- prepare_v1 (map_v1 with the run's listing row, normalize_v1, validate_v1).
CREATE FUNCTION realmap._extract_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.raw_pages;
    v1 jsonb;
    qa jsonb;
BEGIN
    SELECT * INTO p FROM realmap.raw_pages WHERE page_id = (ctx #>> '{upstream,fetch_details,page_id}')::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'extract_raw: no stored page for % (upstream %)', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    -- map_v1, normalize_v1 and validate_v1 in one call (the V1 document with qa set)
    v1 := realmap.prepare_v1(realmap.extract_raw(p.body, p.final_url),
                             jsonb_build_object(
                                 'listing', (SELECT to_jsonb(l) FROM realmap.listings l
                                              WHERE l.run_id = (ctx->>'run_id')::bigint
                                                AND l.registration_number = ctx->>'item'),
                                 'source_url', p.final_url, 'run_id', (ctx->>'run_id')::bigint,
                                 'scraped_at', p.last_fetched_at, 'page_content_hash', p.content_hash));
    qa := v1->'qa';
    INSERT INTO realmap.page_extractions AS e (page_id, registration_number, run_id, v1, qa_status, qa_flag_count,
                                               message_count)
    VALUES (p.page_id, p.registration_number, (ctx->>'run_id')::bigint, v1, qa->>'status',
            coalesce(jsonb_array_length(qa->'flags'), 0), coalesce(jsonb_array_length(v1->'validation_messages'), 0))
    ON CONFLICT (page_id) DO UPDATE
       SET run_id = EXCLUDED.run_id, v1 = EXCLUDED.v1, qa_status = EXCLUDED.qa_status,
           qa_flag_count = EXCLUDED.qa_flag_count, message_count = EXCLUDED.message_count, extracted_at = now();
    RETURN jsonb_build_object('page_id', p.page_id, 'qa_status', qa->>'status',
                              'qa_flags', coalesce(jsonb_array_length(qa->'flags'), 0),
                              'messages', coalesce(jsonb_array_length(v1->'validation_messages'), 0));
END $$;

-- load_to_db[i]: the item's V1 document into the domain tables.
CREATE FUNCTION realmap._load_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e realmap.page_extractions;
BEGIN
    SELECT * INTO e FROM realmap.page_extractions WHERE page_id = (ctx #>> '{upstream,extract_raw,page_id}')::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'load_to_db: no V1 document for % (upstream %)', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    RETURN jsonb_build_object('project_id', realmap.load_project(e.v1), 'qa_status', e.qa_status);
END $$;

SELECT realmap.add_task('realmap_etl', 'extract_raw', 'realmap._extract_task(jsonb)', upstream => '{fetch_details}',
                        mode => 'each', max_attempts => 2, timeout => '1 minute');
SELECT realmap.add_task('realmap_etl', 'load_to_db', 'realmap._load_task(jsonb)', upstream => '{extract_raw}',
                        mode => 'each', max_attempts => 3, timeout => '1 minute');

-- =====================================================================================
-- Enrichment and scoring: geocode[i], amenities[i], compute_scores[i] and finalize in
-- realmap_etl, each a SQL task over a function that stands alone as well:
--   realmap.geocode_project(project_id)    a position for the project (RERA's own, or
--                                          Nominatim's for the address, cached)
--   realmap.compute_amenities(project_id)  one Overpass query, counts and nearest
--                                          distances per (category, radius)
--   realmap.compute_score(project_id)      the scores from those stats and the
--                                          project's own RERA amenities
--   realmap.score_from_stats(jsonb)        the scoring itself, pure
-- =====================================================================================

INSERT INTO realmap.config (key, value, description) VALUES
    ('geocode.base_url', '"https://nominatim.openstreetmap.org"', 'Nominatim (GET <base_url>/search?q=...)'),
    ('geocode.user_agent', 'null', 'User-Agent of geocoding requests (null: http.user_agent); Nominatim''s policy asks for one naming the application'),
    ('geocode.email', 'null', 'Contact email sent with each Nominatim request (its email parameter), as the usage policy asks for bulk use'),
    ('geocode.max_requests_per_second', '1', 'Nominatim requests per second, across all workers (the usage policy: at most 1)'),
    ('geocode.max_concurrent', '1', 'Nominatim requests in flight, across all workers'),
    ('geocode.cache_ttl', '"180 days"', 'How long a Nominatim answer (a place) is used instead of asking again'),
    ('geocode.miss_ttl', '"30 days"', 'How long a Nominatim miss (no place) is remembered, so it is not asked again every run'),
    ('amenities.overpass_url', '"https://overpass-api.de/api/interpreter"', 'Overpass interpreter (POST data=<query>)'),
    ('amenities.user_agent', 'null', 'User-Agent of Overpass requests (null: http.user_agent)'),
    ('amenities.max_requests_per_second', '1', 'Overpass requests per second, across all workers'),
    ('amenities.max_concurrent', '2', 'Overpass requests in flight, across all workers (the public server gives an address 2 slots)'),
    ('amenities.query_timeout_s', '60', 'The [timeout:] of each Overpass query, in seconds'),
    ('amenities.cache_ttl', '"30 days"', 'How long an Overpass answer for a position is used instead of asking again'),
    ('scores.median_price_inr', 'null', 'Median price for value scores (null: the median of the run''s scored projects; 5,000,000 INR when none has a price)');

-- ------------------------------------------------------------------ pure functions

CREATE FUNCTION realmap.score_from_stats(stats jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_score_from_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.score_from_stats(jsonb) IS
'The scores of one project from its amenity slices: [{amenity_type, radius_km, nearby_count, nearby_nearest_km}] or {"slices": [...], "onsite_amenities": [text] | null}; the original''s formulas with Python''s rounding (README: Scores)';

CREATE FUNCTION realmap.value_score(overall_score float8, price_inr float8, median_price_inr float8 DEFAULT NULL)
    RETURNS float8 AS 'MODULE_PATHNAME', 'realmap_value_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.value_score(float8, float8, float8) IS
'round(100 * (0.6 * overall/100 + 0.4 * (1 - min(max(price/median, 0), 2)/2)), 2); NULL without overall or price; median NULL or <= 0: 5,000,000';

CREATE FUNCTION realmap.value_bucket(value_score float8) RETURNS text
    AS 'MODULE_PATHNAME', 'realmap_value_bucket' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.value_bucket(float8) IS 'excellent (>= 70), good (>= 55), fair (>= 40), poor, unknown (NULL)';

CREATE FUNCTION realmap.normalize_address(parts jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_normalize_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.normalize_address(jsonb) IS
'{address, locality, tehsil, district, pincode, state} as a geocoder can match them: {address_line, locality, tehsil, district, state, pincode, country, full, low_confidence}';

CREATE FUNCTION realmap.geocode_candidates(parts jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_geocode_candidates' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.geocode_candidates(jsonb) IS
'The geocoding queries for an address, finest first: address, locality, tehsil, district level ({normalized, candidates: [{query, level, url_params}]})';

CREATE FUNCTION realmap.choose_location(candidates jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_choose_location' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.choose_location(jsonb) IS
'The position of a project from every source: [{source_type, latitude, longitude, precision?, query_level?, suspect?}] -> {found, latitude, longitude, source_type, precision, flags, candidates}; RERA''s own positions rank as "site" (README: Where a project is)';

CREATE FUNCTION realmap.chhattisgarh_box() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_chhattisgarh_box' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.chhattisgarh_box() IS
'The box a position must lie in ({min_lat, max_lat, min_lon, max_lon}: the portal''s own, lat 17.790535-24.076559, lon 80.456686-84.368570)';

CREATE FUNCTION realmap._read_nominatim(body text, level text, expected_district text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_read_nominatim' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION realmap.default_amenity_categories() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_default_amenity_categories' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION realmap.overpass_query(lat float8, lon float8, categories jsonb DEFAULT NULL, timeout_s int DEFAULT 60)
    RETURNS text AS 'MODULE_PATHNAME', 'realmap_overpass_query' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.overpass_query(float8, float8, jsonb, int) IS
'The one Overpass query of a project: a union of one around: statement per OSM tag at its category''s largest radius, out center; categories: rows [{category, key, value, radii_km}] (NULL: the defaults)';

CREATE FUNCTION realmap.amenity_stats(lat float8, lon float8, pois jsonb, categories jsonb DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_amenity_stats' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.amenity_stats(float8, float8, jsonb, jsonb) IS
'Per (category, radius): nearby_count and nearby_nearest_km (haversine, 3 decimals, NULL when none) of POIs [{osm_type, osm_id, lat, lon, categories}]';

-- the two that leave the database: operators only (90_privileges.sql)
CREATE FUNCTION realmap._nominatim_fetch(query text, config jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_nominatim_fetch' LANGUAGE C VOLATILE;
CREATE FUNCTION realmap._overpass_fetch(query text, categories jsonb, config jsonb, lat float8, lon float8)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_overpass_fetch' LANGUAGE C VOLATILE;

-- ------------------------------------------------------------------ tables

CREATE TABLE realmap.geocode_cache (
    query_key    text PRIMARY KEY,       -- lower(query): the normalised query
    query        text NOT NULL,
    level        text NOT NULL,          -- address | locality | tehsil | district
    found        boolean NOT NULL,       -- false: Nominatim knew no place (a miss)
    answer       text,                   -- the answer body of a hit
    latitude     float8,
    longitude    float8,
    precision    text,
    display_name text,
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,   -- geocode.cache_ttl for a hit, geocode.miss_ttl for a miss
    uses         bigint NOT NULL DEFAULT 0  -- times it answered instead of a request
);
COMMENT ON TABLE realmap.geocode_cache IS
'Nominatim answers by normalised query, misses included, each until its expiry: a query is asked once per expiry, not once per run';

CREATE TABLE realmap.amenity_categories (
    category   text NOT NULL,            -- the scoring''s amenity_type (school, transit_stop, ...)
    key        text NOT NULL,            -- OSM tag key
    value      text NOT NULL,            -- OSM tag value
    radii_km   float8[] NOT NULL,        -- the radii the category is counted at (the union over its rows)
    position   int NOT NULL,             -- the order of the query's statements and the stats rows
    seeded     boolean NOT NULL DEFAULT false,  -- a default row, unchanged since (95_backup.sql)
    PRIMARY KEY (category, key, value),
    CHECK (cardinality(radii_km) >= 1)
);
COMMENT ON TABLE realmap.amenity_categories IS
'Which OSM tags make a POI a member of an amenity category, and the radii it is counted at (seeded with the original''s 12 categories)';
INSERT INTO realmap.amenity_categories (category, key, value, radii_km, position)
SELECT c->>'category', c->>'key', c->>'value', ARRAY(SELECT jsonb_array_elements_text(c->'radii_km')::float8), c.ord::int
  FROM jsonb_array_elements(realmap.default_amenity_categories()) WITH ORDINALITY AS c(c, ord);

CREATE TABLE realmap.amenity_poi_cache (
    query_key   text PRIMARY KEY,        -- sha256 of the Overpass query (position, tags, radii, timeout)
    latitude    float8 NOT NULL,
    longitude   float8 NOT NULL,
    pois        jsonb NOT NULL,          -- [{osm_type, osm_id, lat, lon, name, categories}]
    poi_count   int NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    uses        bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE realmap.amenity_poi_cache IS
'Overpass answers by query, used instead of a request while younger than amenities.cache_ttl';

CREATE TABLE realmap.project_amenity_stats (
    project_id        bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    amenity_type      text NOT NULL,
    radius_km         numeric NOT NULL,
    nearby_count      int NOT NULL,
    nearby_nearest_km numeric(6,3),      -- NULL: none within the radius
    latitude          float8 NOT NULL,   -- the position counted around
    longitude         float8 NOT NULL,
    query_key         text NOT NULL,
    run_id            bigint,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, amenity_type, radius_km)
);
COMMENT ON TABLE realmap.project_amenity_stats IS
'Per project and (category, radius): how many POIs and how far the nearest; rows only from a successful Overpass answer, never from an error';

CREATE TABLE realmap.project_scores (
    project_id          bigint PRIMARY KEY REFERENCES realmap.projects ON DELETE CASCADE,
    daily_needs_score   int,
    social_infra_score  int,
    connectivity_score  int,
    location_score      numeric(5,2),
    amenity_score       numeric(5,2),    -- on-site: the project's own RERA amenities
    overall_score       numeric(5,2),
    score_status        text NOT NULL,   -- ok | partial | insufficient_data
    score_status_reason jsonb NOT NULL DEFAULT '[]',
    score_version       text NOT NULL,
    price_inr           numeric,         -- the lowest current unit price
    value_score         numeric(5,2),    -- set by finalize against the run's median
    value_bucket        text,
    median_price_inr    numeric,
    breakdown           jsonb NOT NULL DEFAULT '{}',  -- inputs per dimension, bank rule, on-site kinds
    run_id              bigint,
    computed_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_scores_run ON realmap.project_scores (run_id);
COMMENT ON TABLE realmap.project_scores IS
'The scores of each project: location (daily needs, social infrastructure, connectivity), on-site amenities, overall and value';

CREATE TABLE realmap.run_summaries (
    run_id      bigint PRIMARY KEY,
    dag_name    text NOT NULL,
    summary     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.run_summaries IS
'What finalize found at the end of each run: items per task and state, errors, duration, the median price used';

-- ------------------------------------------------------------------ helpers

-- The configuration a task runs with: its run's stored copy, else the current one.
CREATE FUNCTION realmap._config_of(p_run bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT r.config FROM realmap.runs r WHERE r.run_id = p_run),
                    (SELECT jsonb_object_agg(c.key, c.value) FROM realmap.config c), '{}')
$$;

CREATE FUNCTION realmap._config_interval(cfg jsonb, key text, fallback interval) RETURNS interval
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((cfg->>key)::interval, fallback);
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
    RAISE EXCEPTION 'configuration key "%" must be an interval, got %', key, cfg->key
          USING ERRCODE = 'invalid_parameter_value',
                HINT = format('Fix it with UPDATE realmap.config SET value = ''"30 days"'' WHERE key = %L.', key);
END $$;

CREATE FUNCTION realmap._project(p_project bigint) RETURNS realmap.projects
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects;
BEGIN
    SELECT * INTO p FROM realmap.projects WHERE project_id = p_project;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'project % does not exist', p_project USING ERRCODE = 'no_data_found',
              HINT = 'Projects are loaded by load_to_db (realmap.load_project).';
    END IF;
    RETURN p;
END $$;

-- ------------------------------------------------------------------ geocoding

-- A position for one project.  RERA's own positions (the listing's pin, the map iframe,
-- the amenity markers and their centroid) inside Chhattisgarh are used as they are;
-- otherwise (or with geocode_all) the address is geocoded, finest candidate first,
-- through the cache.  The choice ranks every position by precision, RERA's as "site"
-- (realmap.choose_location), so a coarse geocode never beats a RERA pin.
CREATE FUNCTION realmap.geocode_project(project_id bigint, geocode_all boolean DEFAULT false, run_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    cfg jsonb := realmap._config_of(run_id);
    rera jsonb;
    plan jsonb;
    cand jsonb;
    c realmap.geocode_cache;
    fetched jsonb;
    answer jsonb;
    geocodes jsonb := '[]';
    chosen_geocode jsonb;
    choice jsonb;
    requests int := 0;
    cache_uses int := 0;
    tried jsonb := '[]';
    from_cache boolean;
    geo_status text;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('source_type', l.source_type, 'latitude', l.lat,
                                                 'longitude', l.lon, 'label', l.location_key)
                              ORDER BY l.location_id), '[]')
      INTO rera FROM realmap.project_locations l
     WHERE l.project_id = p.project_id AND l.from_page AND l.is_active;
    plan := realmap.geocode_candidates(jsonb_build_object(
                'address', p.full_address, 'locality', p.village_or_locality, 'tehsil', p.tehsil,
                'district', p.district, 'pincode', p.pincode));
    choice := realmap.choose_location(rera);
    IF NOT (choice->>'found')::boolean OR geocode_all THEN
        FOR cand IN SELECT * FROM jsonb_array_elements(plan->'candidates') LOOP
            SELECT * INTO c FROM realmap.geocode_cache g
             WHERE g.query_key = lower(cand->>'query') AND g.expires_at > now();
            from_cache := FOUND;
            IF from_cache THEN
                cache_uses := cache_uses + 1;
                UPDATE realmap.geocode_cache g SET uses = g.uses + 1 WHERE g.query_key = c.query_key;
            ELSE
                fetched := realmap._nominatim_fetch(cand->>'query', cfg);
                requests := requests + 1;
                answer := realmap._read_nominatim(fetched->>'body', cand->>'level', p.district);
                INSERT INTO realmap.geocode_cache AS g (query_key, query, level, found, answer, latitude, longitude,
                                                        precision, display_name, fetched_at, expires_at)
                VALUES (lower(cand->>'query'), cand->>'query', cand->>'level', (answer->>'found')::boolean,
                        CASE WHEN (answer->>'found')::boolean THEN fetched->>'body' END,
                        (answer #>> '{place,lat}')::float8, (answer #>> '{place,lon}')::float8, answer->>'precision',
                        answer #>> '{place,display_name}', now(),
                        now() + CASE WHEN (answer->>'found')::boolean
                                     THEN realmap._config_interval(cfg, 'geocode.cache_ttl', '180 days')
                                     ELSE realmap._config_interval(cfg, 'geocode.miss_ttl', '30 days') END)
                ON CONFLICT (query_key) DO UPDATE
                   SET query = EXCLUDED.query, level = EXCLUDED.level, found = EXCLUDED.found,
                       answer = EXCLUDED.answer, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                       precision = EXCLUDED.precision, display_name = EXCLUDED.display_name,
                       fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at
                RETURNING * INTO c;
            END IF;
            -- plausibility is judged afresh on a cached answer (the expected district may differ)
            answer := CASE WHEN c.found THEN realmap._read_nominatim(c.answer, cand->>'level', p.district)
                           ELSE '{"found": false}' END;
            tried := tried || jsonb_build_object('query', cand->>'query', 'level', cand->>'level',
                                                 'found', c.found, 'cached', from_cache,
                                                 'implausible', answer->'implausible');
            CONTINUE WHEN NOT c.found;
            chosen_geocode := jsonb_build_object(
                'source_type', 'geocode_normalized', 'latitude', c.latitude, 'longitude', c.longitude,
                'precision', answer->>'precision', 'query_level', cand->>'level',
                'suspect', coalesce(answer->>'implausible', ''), 'label', cand->>'query');
            geocodes := geocodes || chosen_geocode;
            -- a plausible answer inside the state ends the search; otherwise try the next level
            EXIT WHEN answer->'implausible' = 'null'::jsonb
                  AND (realmap.choose_location(jsonb_build_array(chosen_geocode))->>'found')::boolean;
        END LOOP;
        choice := realmap.choose_location(rera || geocodes);
    END IF;

    geo_status := CASE WHEN NOT (choice->>'found')::boolean THEN 'not_found'
                   WHEN choice->>'source_type' = 'geocode_normalized' THEN 'geocoded'
                   ELSE 'rera' END;
    -- the geocode rows of this stage are kept in step with this answer (the page's own rows
    -- are load_project's); like a load, the same answer again writes nothing
    WITH wanted AS (
        SELECT (g->>'latitude')::float8 AS lat, (g->>'longitude')::float8 AS lon, g->>'precision' AS precision_level,
               jsonb_build_object('query', g->>'label', 'level', g->>'query_level',
                                  'suspect', nullif(g->>'suspect', '')) AS meta_data
          FROM jsonb_array_elements(geocodes) g
         WHERE (g->>'latitude')::float8 BETWEEN -90 AND 90 AND (g->>'longitude')::float8 BETWEEN -180 AND 180
    ), gone AS (
        DELETE FROM realmap.project_locations l
         WHERE l.project_id = p.project_id AND NOT l.from_page AND l.source_type = 'geocode_normalized'
           AND NOT EXISTS (SELECT 1 FROM wanted w WHERE (w.lat, w.lon, w.precision_level, w.meta_data)
                                                     IS NOT DISTINCT FROM (l.lat, l.lon, l.precision_level, l.meta_data))
    )
    INSERT INTO realmap.project_locations (project_id, source_type, lat, lon, precision_level, from_page, meta_data)
    SELECT p.project_id, 'geocode_normalized', w.lat, w.lon, w.precision_level, false, w.meta_data
      FROM wanted w
     WHERE NOT EXISTS (SELECT 1 FROM realmap.project_locations l
                        WHERE l.project_id = p.project_id AND NOT l.from_page AND l.source_type = 'geocode_normalized'
                          AND (w.lat, w.lon, w.precision_level, w.meta_data)
                              IS NOT DISTINCT FROM (l.lat, l.lon, l.precision_level, l.meta_data));
    UPDATE realmap.projects x
       SET normalized_address = n.normalized_address, latitude = n.latitude, longitude = n.longitude,
           geocoding_status = n.geocoding_status, geo_source = n.geo_source, geo_precision = n.geo_precision,
           geo_formatted_address = n.geo_formatted_address, geo_flags = n.geo_flags
      FROM (SELECT plan #>> '{normalized,full}' AS normalized_address,
                   (choice->>'latitude')::float8 AS latitude, (choice->>'longitude')::float8 AS longitude,
                   geo_status AS geocoding_status, choice->>'source_type' AS geo_source,
                   choice->>'precision' AS geo_precision,
                   CASE WHEN geo_status = 'geocoded' THEN
                       (SELECT g.display_name FROM realmap.geocode_cache g
                         WHERE g.query_key = lower(choice->>'label')) END AS geo_formatted_address,
                   choice->'flags' AS geo_flags) n
     WHERE x.project_id = p.project_id
       AND (x.normalized_address, x.latitude, x.longitude, x.geocoding_status, x.geo_source, x.geo_precision,
            x.geo_formatted_address, x.geo_flags)
           IS DISTINCT FROM (n.normalized_address, n.latitude, n.longitude, n.geocoding_status, n.geo_source,
                             n.geo_precision, n.geo_formatted_address, n.geo_flags);
    RETURN jsonb_build_object(
        'project_id', p.project_id, 'status', geo_status, 'source_type', choice->'source_type',
        'precision', choice->'precision', 'latitude', choice->'latitude', 'longitude', choice->'longitude',
        'flags', choice->'flags', 'requests', requests, 'cache_uses', cache_uses, 'tried', tried);
END $$;
COMMENT ON FUNCTION realmap.geocode_project(bigint, boolean, bigint) IS
'A position for the project: RERA''s own when usable, else (or with geocode_all) Nominatim''s for its address, finest candidate first, cached; writes projects.latitude/longitude/geo_* and a geocode_normalized project_locations row';

-- ------------------------------------------------------------------ amenities

-- The categories as the C++ side reads them, in their order.
CREATE FUNCTION realmap._amenity_categories() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('category', c.category, 'key', c.key, 'value', c.value,
                                                 'radii_km', to_jsonb(c.radii_km))
                              ORDER BY c.position, c.category, c.key, c.value), '[]')
      FROM realmap.amenity_categories c
$$;

-- Amenity stats for one project around its position: one Overpass query (cached while
-- younger than amenities.cache_ttl), one row per (category, radius).  An Overpass error
-- raises and writes nothing: the project's earlier stats, if any, stay.
CREATE FUNCTION realmap.compute_amenities(project_id bigint, run_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    cfg jsonb := realmap._config_of(run_id);
    cats jsonb := realmap._amenity_categories();
    q text;
    qkey text;
    c realmap.amenity_poi_cache;
    fetched jsonb;
    stats jsonb;
    requests int := 0;
BEGIN
    IF p.latitude IS NULL OR p.longitude IS NULL THEN
        -- nothing to count around; compute_score scores what there is (on-site only)
        DELETE FROM realmap.project_amenity_stats s WHERE s.project_id = p.project_id;
        RETURN jsonb_build_object('project_id', p.project_id, 'computed', false,
                                  'reason', format('project %s has no position (geocoding_status %s)',
                                                   p.project_id, coalesce(p.geocoding_status, 'not geocoded')));
    END IF;
    IF jsonb_array_length(cats) = 0 THEN
        RAISE EXCEPTION 'realmap.amenity_categories is empty: there is nothing to count' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Restore the defaults: INSERT INTO realmap.amenity_categories ... FROM realmap.default_amenity_categories().';
    END IF;
    q := realmap.overpass_query(p.latitude, p.longitude, cats,
                                    coalesce((cfg->>'amenities.query_timeout_s')::int, 60));
    qkey := encode(sha256(convert_to(q, 'UTF8')), 'hex');
    SELECT * INTO c FROM realmap.amenity_poi_cache a
     WHERE a.query_key = qkey AND a.fetched_at > now() - realmap._config_interval(cfg, 'amenities.cache_ttl', '30 days');
    IF FOUND THEN
        UPDATE realmap.amenity_poi_cache a SET uses = a.uses + 1 WHERE a.query_key = qkey;
        stats := realmap.amenity_stats(p.latitude, p.longitude, c.pois, cats);
    ELSE
        fetched := realmap._overpass_fetch(q, cats, cfg, p.latitude, p.longitude);
        stats := fetched->'stats';
        requests := 1;
        INSERT INTO realmap.amenity_poi_cache AS a (query_key, latitude, longitude, pois, poi_count, fetched_at)
        VALUES (qkey, p.latitude, p.longitude, fetched->'pois', jsonb_array_length(fetched->'pois'), now())
        ON CONFLICT (query_key) DO UPDATE
           SET pois = EXCLUDED.pois, poi_count = EXCLUDED.poi_count, fetched_at = EXCLUDED.fetched_at
        RETURNING * INTO c;
    END IF;
    DELETE FROM realmap.project_amenity_stats s WHERE s.project_id = p.project_id;
    INSERT INTO realmap.project_amenity_stats (project_id, amenity_type, radius_km, nearby_count, nearby_nearest_km,
                                               latitude, longitude, query_key, run_id)
    SELECT p.project_id, s.amenity_type, s.radius_km, s.nearby_count, s.nearby_nearest_km,
           p.latitude, p.longitude, qkey, compute_amenities.run_id
      FROM jsonb_to_recordset(stats) AS s(amenity_type text, radius_km numeric, nearby_count int,
                                          nearby_nearest_km numeric);
    RETURN jsonb_build_object('project_id', p.project_id, 'computed', true, 'requests', requests,
                              'cached', requests = 0, 'pois', c.poi_count, 'slices', jsonb_array_length(stats),
                              'query_key', qkey);
END $$;
COMMENT ON FUNCTION realmap.compute_amenities(bigint, bigint) IS
'Counts and nearest distances of the amenity categories around the project''s position (one Overpass query, cached) into project_amenity_stats; an error writes nothing';

-- ------------------------------------------------------------------ scores

-- The amenities the project's RERA page declares (the Amenities Details grids of its
-- quarterly updates), NULL when the page declares none: unknown, not "no amenities".
CREATE FUNCTION realmap._onsite_amenities(p_project bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_agg(DISTINCT a->>'particulars')
      FROM realmap.quarterly_updates q, jsonb_array_elements(q.amenity_progress) a
     WHERE q.project_id = p_project AND q.is_active AND coalesce(a->>'particulars', '') <> ''
$$;

CREATE FUNCTION realmap.compute_score(project_id bigint, run_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    slices jsonb;
    s jsonb;
    price numeric;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('amenity_type', a.amenity_type, 'radius_km', a.radius_km,
                                                 'nearby_count', a.nearby_count, 'nearby_nearest_km', a.nearby_nearest_km)
                              ORDER BY a.amenity_type, a.radius_km), '[]')
      INTO slices FROM realmap.project_amenity_stats a WHERE a.project_id = p.project_id;
    s := realmap.score_from_stats(jsonb_build_object('slices', slices,
                                                     'onsite_amenities', realmap._onsite_amenities(p.project_id)));
    SELECT min(u.sale_price) INTO price FROM realmap.unit_types u
     WHERE u.project_id = p.project_id AND u.is_active AND u.sale_price > 0;
    INSERT INTO realmap.project_scores AS x (project_id, daily_needs_score, social_infra_score, connectivity_score,
                                            location_score, amenity_score, overall_score, score_status,
                                            score_status_reason, score_version, price_inr, breakdown, run_id,
                                            computed_at)
    VALUES (p.project_id, (s->>'daily_needs_score')::int, (s->>'social_infra_score')::int,
            (s->>'connectivity_score')::int, (s->>'location_score')::numeric, (s->>'amenity_score')::numeric,
            (s->>'overall_score')::numeric, s->>'score_status', s->'score_status_reason', s->>'score_version',
            price, coalesce(s->'breakdown', '{}') || jsonb_build_object('missing_inputs', s->'missing_inputs'),
            compute_score.run_id, now())
    ON CONFLICT ON CONSTRAINT project_scores_pkey DO UPDATE
       SET daily_needs_score = EXCLUDED.daily_needs_score, social_infra_score = EXCLUDED.social_infra_score,
           connectivity_score = EXCLUDED.connectivity_score, location_score = EXCLUDED.location_score,
           amenity_score = EXCLUDED.amenity_score, overall_score = EXCLUDED.overall_score,
           score_status = EXCLUDED.score_status, score_status_reason = EXCLUDED.score_status_reason,
           score_version = EXCLUDED.score_version, price_inr = EXCLUDED.price_inr, breakdown = EXCLUDED.breakdown,
           run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at,
           -- a value score belongs to the median it was computed with: finalize sets it again
           value_score = NULL, value_bucket = NULL, median_price_inr = NULL;
    RETURN jsonb_build_object('project_id', p.project_id, 'overall_score', s->'overall_score',
                              'location_score', s->'location_score', 'amenity_score', s->'amenity_score',
                              'score_status', s->'score_status', 'price_inr', price);
END $$;
COMMENT ON FUNCTION realmap.compute_score(bigint, bigint) IS
'The project''s scores from its amenity stats and its RERA amenities (realmap.score_from_stats) into project_scores';

-- Value scores of the projects a run scored, against one median price: the configured
-- one, else the median of those projects' prices.  Returns the median used.
CREATE FUNCTION realmap.compute_value_scores(run_id bigint, median_price_inr numeric DEFAULT NULL) RETURNS numeric
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    median numeric := median_price_inr;
BEGIN
    IF median IS NULL OR median <= 0 THEN
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.price_inr) INTO median
          FROM realmap.project_scores s WHERE s.run_id = compute_value_scores.run_id AND s.price_inr > 0;
    END IF;
    median := coalesce(nullif(median, 0), 5000000);
    UPDATE realmap.project_scores s
       SET value_score = realmap.value_score(s.overall_score::float8, s.price_inr::float8, median::float8),
           value_bucket = realmap.value_bucket(realmap.value_score(s.overall_score::float8, s.price_inr::float8,
                                                                   median::float8)),
           median_price_inr = median
     WHERE s.run_id = compute_value_scores.run_id;
    RETURN median;
END $$;

-- ------------------------------------------------------------------ the tasks

CREATE FUNCTION realmap._item_project(ctx jsonb, upstream text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ctx #> ARRAY['upstream', upstream, 'project_id'] IS NULL THEN
        RAISE EXCEPTION '%: no project for item % (upstream %)', ctx->>'task', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    RETURN (ctx #>> ARRAY['upstream', upstream, 'project_id'])::bigint;
END $$;

CREATE FUNCTION realmap._geocode_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.geocode_project(realmap._item_project(ctx, 'load_to_db'),
                                   coalesce((ctx #>> '{params,geocode_all}')::boolean, false), (ctx->>'run_id')::bigint)
$$;

CREATE FUNCTION realmap._amenities_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.compute_amenities(realmap._item_project(ctx, 'geocode'), (ctx->>'run_id')::bigint)
$$;

CREATE FUNCTION realmap._score_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.compute_score(realmap._item_project(ctx, 'amenities'), (ctx->>'run_id')::bigint)
$$;

-- finalize (all_done): value scores, then the run's summary
CREATE FUNCTION realmap._finalize_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    run bigint := (ctx->>'run_id')::bigint;
    cfg jsonb := realmap._config_of(run);
    median numeric;
    summary jsonb;
BEGIN
    median := realmap.compute_value_scores(run, (cfg->>'scores.median_price_inr')::numeric);
    -- realmap.run_summary (70_observability.sql) is the one summary of a run; the median
    -- it reads from the scores is null when nothing was scored, the one used is not
    summary := realmap.run_summary(run) || jsonb_build_object('median_price_inr', median);
    INSERT INTO realmap.run_summaries (run_id, dag_name, summary) VALUES (run, ctx->>'dag', summary)
    ON CONFLICT (run_id) DO UPDATE SET summary = EXCLUDED.summary, created_at = now();
    RETURN summary;
END $$;

SELECT realmap.add_task('realmap_etl', 'geocode', 'realmap._geocode_task(jsonb)', upstream => '{load_to_db}',
                        mode => 'each', max_attempts => 5, backoff => '2 seconds', backoff_max => '5 minutes',
                        timeout => '5 minutes');
SELECT realmap.add_task('realmap_etl', 'amenities', 'realmap._amenities_task(jsonb)', upstream => '{geocode}',
                        mode => 'each', max_attempts => 5, backoff => '5 seconds', backoff_max => '5 minutes',
                        timeout => '5 minutes');
SELECT realmap.add_task('realmap_etl', 'compute_scores', 'realmap._score_task(jsonb)', upstream => '{amenities}',
                        mode => 'each', max_attempts => 3, timeout => '1 minute');
SELECT realmap.add_task('realmap_etl', 'finalize', 'realmap._finalize_task(jsonb)', upstream => '{compute_scores}',
                        trigger_rule => 'all_done', max_attempts => 3, timeout => '5 minutes');

-- =====================================================================================
-- Secrets: API keys and the like, for services behind a gateway (a commercial
-- Nominatim, a private Overpass).
--
-- Only the extension's owner can read realmap.secrets.  A service names its secret in
-- realmap.config (geocode.secret, amenities.secret), so a run's configuration
-- snapshot, its history and its errors hold the name, never the value.  The fetch
-- functions read the value at request time through realmap._secret_header, which no
-- role may execute from SQL: realmap.so calls it directly (an fmgr call checks no
-- EXECUTE privilege) and hands the header to the HTTP client, which sends it to the
-- secret's host only (a request elsewhere is refused; a redirect elsewhere goes
-- without it) and never puts it in a message.
-- =====================================================================================

CREATE TABLE realmap.secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    header      text NOT NULL,            -- the request header that carries it
    host        text NOT NULL,            -- the only host it is sent to
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT secrets_name_is_a_word CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
    CONSTRAINT secrets_header_is_a_token CHECK (header ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,63}$'),
    CONSTRAINT secrets_value_is_one_line CHECK (value <> '' AND value !~ '[\r\n]'),
    CONSTRAINT secrets_host_is_a_host CHECK (host ~ '^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])$')
);
COMMENT ON TABLE realmap.secrets IS
'API keys for the services realmap calls; readable by the extension owner only (realmap.set_secret writes them, realmap.secret_names lists them without values)';

INSERT INTO realmap.config (key, value, description) VALUES
    ('geocode.secret', 'null', 'Name of a realmap.secrets entry sent with every geocoding request (null: none)'),
    ('amenities.secret', 'null', 'Name of a realmap.secrets entry sent with every Overpass request (null: none)');

-- realmap.set_secret(name, value, host, header): creates or replaces a secret.
CREATE FUNCTION realmap.set_secret(name text, value text, host text, header text DEFAULT 'Authorization')
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- the constraints would say the same, but their messages would show the row (the value)
    IF name IS NULL OR name !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid secret name %', coalesce(quote_literal(name), 'NULL')
            USING ERRCODE = '22023', HINT = 'Letters, digits, "_", "." and "-", at most 63.';
    END IF;
    IF value IS NULL OR value = '' OR value ~ '[\r\n]' THEN
        RAISE EXCEPTION 'the value of secret "%" must be one non-empty line', name USING ERRCODE = '22023';
    END IF;
    IF host IS NULL OR host !~ '^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])$' THEN
        RAISE EXCEPTION 'invalid host % for secret "%"', coalesce(quote_literal(host), 'NULL'), name
            USING ERRCODE = '22023', HINT = 'A host name or address as in a URL, without scheme or port.';
    END IF;
    IF header IS NULL OR header !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid header name % for secret "%"', coalesce(quote_literal(header), 'NULL'), name
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO realmap.secrets AS s (name, value, header, host)
    VALUES (set_secret.name, set_secret.value, set_secret.header, lower(set_secret.host))
    ON CONFLICT ON CONSTRAINT secrets_pkey DO UPDATE
       SET value = EXCLUDED.value, header = EXCLUDED.header, host = EXCLUDED.host, updated_at = now();
END $$;
COMMENT ON FUNCTION realmap.set_secret(text, text, text, text) IS
'Creates or replaces a secret: sent as "<header>: <value>" to <host> only, by the services whose config names it';

CREATE FUNCTION realmap.drop_secret(name text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (DELETE FROM realmap.secrets s WHERE s.name = drop_secret.name RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM gone)
$$;
COMMENT ON FUNCTION realmap.drop_secret(text) IS 'Removes a secret; false when there was none of that name';

-- What exists, without the values (a view runs with its owner's rights).
CREATE VIEW realmap.secret_names AS
    SELECT name, header, host, updated_at FROM realmap.secrets;
COMMENT ON VIEW realmap.secret_names IS 'The secrets that exist, without their values';

-- {header line, host} of a secret.  Called by realmap.so only (see above).
CREATE FUNCTION realmap._secret_header(name text) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s realmap.secrets;
BEGIN
    SELECT * INTO s FROM realmap.secrets WHERE secrets.name = _secret_header.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'secret "%" does not exist', _secret_header.name USING ERRCODE = '42704',
            HINT = 'realmap.set_secret(name, value, host, header) creates it; realmap.secret_names lists them.';
    END IF;
    RETURN ARRAY[s.header || ': ' || s.value, s.host];
END $$;


-- =====================================================================================
-- The map this is all for: the projects as a GeoJSON FeatureCollection (RFC 7946), with
-- where each position came from and the project's scores, as QGIS, Leaflet or
-- kepler.gl load it.
-- =====================================================================================

CREATE FUNCTION realmap.projects_geojson(filter jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known constant text[] := ARRAY['district', 'score_status', 'geocoding_status', 'min_overall_score', 'bbox',
                                   'include_unpositioned', 'limit'];
    unknown text;
    bbox float8[];
    lim bigint;
BEGIN
    IF filter IS NULL THEN
        filter := '{}';
    END IF;
    IF jsonb_typeof(filter) <> 'object' THEN
        RAISE EXCEPTION 'projects_geojson: filter must be a JSON object, got %', jsonb_typeof(filter)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(k, ', ') INTO unknown FROM jsonb_object_keys(filter) k WHERE k <> ALL (known);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'projects_geojson: unknown filter key(s) %', unknown USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Known keys: ' || array_to_string(known, ', ') || '.';
    END IF;
    IF filter ? 'bbox' THEN
        IF jsonb_typeof(filter->'bbox') <> 'array' OR jsonb_array_length(filter->'bbox') <> 4
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(filter->'bbox') e WHERE jsonb_typeof(e) <> 'number') THEN
            RAISE EXCEPTION 'projects_geojson: bbox must be [min_lon, min_lat, max_lon, max_lat], got %', filter->'bbox'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        bbox := ARRAY(SELECT e::text::float8 FROM jsonb_array_elements(filter->'bbox') e);
    END IF;
    IF filter ? 'limit' THEN
        IF jsonb_typeof(filter->'limit') <> 'number' OR (filter->>'limit')::numeric < 0 THEN
            RAISE EXCEPTION 'projects_geojson: limit must be a number >= 0, got %', filter->'limit'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        lim := (filter->>'limit')::numeric::bigint;
    END IF;
    IF filter ? 'min_overall_score' AND jsonb_typeof(filter->'min_overall_score') <> 'number' THEN
        RAISE EXCEPTION 'projects_geojson: min_overall_score must be a number, got %', filter->'min_overall_score'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (
        SELECT jsonb_build_object('type', 'FeatureCollection', 'features', coalesce(jsonb_agg(f.feature ORDER BY f.id), '[]'))
          FROM (
            SELECT p.project_id AS id, jsonb_build_object(
                'type', 'Feature',
                'id', p.project_id,
                -- RFC 7946: [longitude, latitude]; a project without a position has none
                'geometry', CASE WHEN p.latitude IS NULL OR p.longitude IS NULL THEN NULL
                                 ELSE jsonb_build_object('type', 'Point', 'coordinates',
                                                         jsonb_build_array(p.longitude, p.latitude)) END,
                'properties', jsonb_build_object(
                    'project_id', p.project_id, 'registration_number', p.rera_registration_number,
                    'name', p.project_name, 'project_type', p.project_type, 'status', p.status,
                    'district', p.district, 'tehsil', p.tehsil, 'address', p.full_address,
                    'position_source', p.geo_source, 'position_precision', p.geo_precision,
                    'geocoding_status', p.geocoding_status, 'position_flags', coalesce(p.geo_flags, '[]'),
                    'overall_score', s.overall_score, 'location_score', s.location_score,
                    'amenity_score', s.amenity_score, 'daily_needs_score', s.daily_needs_score,
                    'social_infra_score', s.social_infra_score, 'connectivity_score', s.connectivity_score,
                    'score_status', s.score_status, 'value_score', s.value_score, 'value_bucket', s.value_bucket,
                    'price_inr', s.price_inr, 'scored_at', s.computed_at)) AS feature
              FROM realmap.projects p
              LEFT JOIN realmap.project_scores s ON s.project_id = p.project_id
             WHERE (coalesce((filter->>'include_unpositioned')::boolean, false)
                    OR (p.latitude IS NOT NULL AND p.longitude IS NOT NULL))
               AND (NOT filter ? 'district' OR lower(p.district) = lower(filter->>'district'))
               AND (NOT filter ? 'score_status' OR s.score_status = filter->>'score_status')
               AND (NOT filter ? 'geocoding_status' OR p.geocoding_status = filter->>'geocoding_status')
               AND (NOT filter ? 'min_overall_score' OR s.overall_score >= (filter->>'min_overall_score')::numeric)
               AND (bbox IS NULL OR (p.longitude BETWEEN bbox[1] AND bbox[3] AND p.latitude BETWEEN bbox[2] AND bbox[4]))
             ORDER BY p.project_id
             LIMIT lim) f);
END $$;
COMMENT ON FUNCTION realmap.projects_geojson(jsonb) IS
'The projects as a GeoJSON FeatureCollection: a Point [lon, lat] per positioned project with its position source, precision and flags and its scores; filter keys district, score_status, geocoding_status, min_overall_score, bbox [min_lon, min_lat, max_lon, max_lat], include_unpositioned, limit';

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
  FROM realmap.task_instances x
  JOIN realmap.runs r ON r.run_id = x.run_id
  LEFT JOIN realmap.human_tasks h ON h.human_task_id = x.human_task_id AND x.state = 'waiting'
  LEFT JOIN (SELECT a.pid FROM pg_catalog.pg_stat_activity a
              WHERE a.application_name = 'realmap worker') w ON w.pid = x.worker_pid
 WHERE x.state IN ('running', 'waiting');
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
--   running instances: task_instances_running; open human tasks: human_tasks_open
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
        SELECT count(*) FILTER (WHERE a.pid IN (SELECT x.worker_pid FROM realmap.task_instances x
                                                  WHERE x.state = 'running')) AS busy,
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
                 WHERE x.state = 'ready'
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

-- =====================================================================================
-- Pictures of a run: realmap.run_timeline_svg(run_id) draws one lane per task of the
-- run's DAG and each attempted instance as a bar from its claim to its end, coloured by
-- how it ended, failures also marked by a tick at their end.  Plain SVG 1.1 with its
-- size in pixels, no script, no external reference: a browser, an image viewer or a
-- report page shows it as it is.
-- =====================================================================================

-- Text for XML content and attribute values.
CREATE FUNCTION realmap._xml(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT replace(replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                           '"', '&quot;'), '''', '&#39;')
$$;

-- The colours, one per way an instance ended (README: Observability).
CREATE FUNCTION realmap._state_colour(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE state WHEN 'succeeded' THEN '#2e7d32' WHEN 'failed' THEN '#d32f2f' WHEN 'running' THEN '#1565c0'
                      WHEN 'waiting' THEN '#f9a825' WHEN 'skipped' THEN '#9e9e9e' WHEN 'cancelled' THEN '#6d4c41'
                      ELSE '#7b1fa2' END
$$;

CREATE FUNCTION realmap.run_timeline_svg(run_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r realmap.runs;
    -- the layout, in pixels
    width constant int := 1200;
    label_w constant int := 170;
    chart_w constant int := 1000;
    lane_h constant int := 30;
    top constant int := 50;
    n_lanes int;
    height int;
    t0 timestamptz;
    t1 timestamptz;
    span float8;
    step float8;
    svg text;
BEGIN
    SELECT * INTO r FROM realmap.runs x WHERE x.run_id = run_timeline_svg.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run_timeline_svg.run_id USING ERRCODE = 'undefined_object';
    END IF;
    SELECT count(*) INTO n_lanes FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name;
    height := top + greatest(n_lanes, 1) * lane_h + 50;
    t0 := coalesce(r.started_at, r.created_at);
    t1 := greatest(coalesce(r.finished_at, clock_timestamp()),
                   (SELECT max(coalesce(i.finished_at, clock_timestamp())) FROM realmap.task_instances i
                     WHERE i.run_id = r.run_id AND i.started_at IS NOT NULL),
                   t0 + interval '1 millisecond');
    span := extract(epoch FROM t1 - t0);
    -- axis ticks: 1, 2 or 5 times a power of ten seconds, about ten of them
    step := power(10, floor(log(span / 10)));
    step := CASE WHEN span / step > 50 THEN step * 5 WHEN span / step > 20 THEN step * 2 ELSE step END;
    svg := format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" '
                  'font-family="DejaVu Sans, sans-serif" font-size="12">', width, height, width, height)
        || format('<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>', width, height)
        || format('<text x="10" y="22" font-size="15">run %s · %s · %s · %s s</text>', r.run_id, realmap._xml(r.dag_name),
                  r.state, round(span::numeric, 1));
    -- lanes with their labels, in the DAG's order
    SELECT svg || coalesce(string_agg(
               format('<rect class="lane" x="0" y="%s" width="%s" height="%s" fill="%s"/>'
                      '<text x="8" y="%s">%s</text>',
                      top + (l.n - 1) * lane_h, width, lane_h, CASE WHEN l.n % 2 = 0 THEN '#f4f4f4' ELSE '#ffffff' END,
                      top + (l.n - 1) * lane_h + 19, realmap._xml(l.task_name)), '' ORDER BY l.n), '')
      INTO svg
      FROM (SELECT t.task_name, row_number() OVER (ORDER BY t.position) AS n
              FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name) l;
    -- time axis
    SELECT svg || string_agg(format('<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#dddddd"/>'
                                    '<text x="%1$s" y="%4$s" text-anchor="middle" fill="#555555">%5$s s</text>',
                                    round((label_w + k * step / span * chart_w)::numeric, 1), top,
                                    top + n_lanes * lane_h, top + n_lanes * lane_h + 16,
                                    trim_scale(round((k * step)::numeric, 3))), '' ORDER BY k)
      INTO svg FROM generate_series(0, floor(span / step)::int) k;
    -- the attempted instances: a bar from claim to end (or to now), failures also ticked.
    -- A bar is at least 2 px wide, so that one pixel is all its colour wherever it
    -- falls, and ends inside the chart (a short last task would stick out of it).
    SELECT svg || coalesce(string_agg(
               format('<rect class="bar %s" x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.85"/>',
                      b.state, round(least(b.x, label_w + chart_w - greatest(b.w, 2))::numeric, 2),
                      top + (b.n - 1) * lane_h + 6, round(greatest(b.w, 2)::numeric, 2),
                      lane_h - 12, realmap._state_colour(b.state))
               || CASE WHEN b.state = 'failed' THEN
                      format('<rect class="failure" x="%s" y="%s" width="2" height="%s" fill="#d32f2f"/>',
                             round((least(b.x, label_w + chart_w - greatest(b.w, 2)) + greatest(b.w, 2) - 2)::numeric, 2),
                             top + (b.n - 1) * lane_h + 1, lane_h - 2)
                  ELSE '' END, '' ORDER BY b.n, b.x), '')
      INTO svg
      FROM (SELECT l.n, i.state,
                   label_w + extract(epoch FROM i.started_at - t0) / span * chart_w AS x,
                   extract(epoch FROM coalesce(i.finished_at, clock_timestamp()) - i.started_at) / span * chart_w AS w
              FROM realmap.task_instances i
              JOIN (SELECT t.task_name, row_number() OVER (ORDER BY t.position) AS n
                      FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name) l ON l.task_name = i.task_name
             WHERE i.run_id = r.run_id AND i.started_at IS NOT NULL) b;
    -- legend
    SELECT svg || string_agg(format('<rect x="%s" y="%s" width="12" height="12" fill="%s"/><text x="%s" y="%s">%s</text>',
                                    label_w + (g.n - 1) * 120, top + n_lanes * lane_h + 26, realmap._state_colour(g.s),
                                    label_w + (g.n - 1) * 120 + 16, top + n_lanes * lane_h + 37, g.s), '' ORDER BY g.n)
      INTO svg FROM unnest(ARRAY['succeeded', 'failed', 'running', 'waiting', 'skipped', 'cancelled']) WITH ORDINALITY g(s, n);
    RETURN svg || '</svg>';
END $$;
COMMENT ON FUNCTION realmap.run_timeline_svg(bigint) IS
'A picture of a run (SVG, 1200 px wide): one lane per task in the DAG''s order, each attempted instance a bar from its claim to its end coloured by its state (succeeded green, failed red with a tick at its end, running blue, waiting amber, skipped grey, cancelled brown), a time axis in seconds';

-- ------------------------------------------------------------------ the run's report page
-- The projects a run scored as points over Chhattisgarh (equirectangular over the
-- portal's box, north up), coloured by overall score, with each district's name at the
-- median of its projects' positions.  The frame is #123456, one pixel wide, so that a
-- test (or a reader) can find the map's corners in a screenshot.
CREATE FUNCTION realmap._run_map_svg(p_run bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH c AS (SELECT realmap.chhattisgarh_box() AS b),
    box AS (SELECT (b->>'min_lat')::float8 AS lat0, (b->>'max_lat')::float8 AS lat1, (b->>'min_lon')::float8 AS lon0,
                   (b->>'max_lon')::float8 AS lon1, 500::float8 AS w,
                   -- a degree of longitude is cos(21°) of a degree of latitude here
                   round(500 * ((b->>'max_lat')::float8 - (b->>'min_lat')::float8)
                         / (((b->>'max_lon')::float8 - (b->>'min_lon')::float8) * cos(radians(21))))::float8 AS h
              FROM c),
    pts AS (SELECT p.project_id, p.district, p.latitude, p.longitude, s.overall_score,
                   (p.longitude - b.lon0) / (b.lon1 - b.lon0) * b.w AS x, (b.lat1 - p.latitude) / (b.lat1 - b.lat0) * b.h AS y
              FROM realmap.project_scores s JOIN realmap.projects p USING (project_id), box b
             WHERE s.run_id = p_run AND p.latitude BETWEEN b.lat0 AND b.lat1 AND p.longitude BETWEEN b.lon0 AND b.lon1)
    SELECT format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-size="11" '
                  'font-family="DejaVu Sans, sans-serif">', b.w + 2, b.h + 2, b.w + 2, b.h + 2)
        || format('<rect x="0.5" y="0.5" width="%s" height="%s" fill="#fbfbf8" stroke="#123456" stroke-width="1"/>', b.w + 1, b.h + 1)
        || coalesce((SELECT string_agg(format('<text x="%s" y="%s" text-anchor="middle" fill="#9e9e9e">%s</text>',
                                              round(d.x::numeric, 1), round(d.y::numeric, 1), realmap._xml(d.district)), '')
                       FROM (SELECT district, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) + 1 AS x,
                                    percentile_cont(0.5) WITHIN GROUP (ORDER BY y) - 6 AS y
                               FROM pts WHERE district IS NOT NULL GROUP BY district) d), '')
        || coalesce((SELECT string_agg(format('<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s</title></circle>',
                                              round((x + 1)::numeric, 1), round((y + 1)::numeric, 1),
                                              CASE WHEN overall_score >= 70 THEN '#2e7d32' WHEN overall_score >= 50 THEN '#f9a825'
                                                   WHEN overall_score IS NOT NULL THEN '#d32f2f' ELSE '#9e9e9e' END,
                                              project_id || ': ' || coalesce(overall_score::text, 'no score')), ''
                                    ORDER BY project_id) FROM pts), '')
        || '</svg>'
      FROM box b
$$;

CREATE FUNCTION realmap.run_report_html(run_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s jsonb := realmap.run_summary(run_report_html.run_id);
    html text;
BEGIN
    html := '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
         || format('<title>realmap run %s</title>', s->>'run_id')
         || '<style>body{font-family:"DejaVu Sans",sans-serif;margin:16px;color:#222}'
            'table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}'
            'h1{font-size:20px}h2{font-size:16px;margin-top:24px}.err{color:#b71c1c}</style></head><body>'
         || format('<h1>realmap run %s · %s · %s</h1>', s->>'run_id', realmap._xml(s->>'dag'), realmap._xml(s->>'state'))
         || format('<p>started %s, %s s; %s failed items; %s projects scored</p>', realmap._xml(s->>'started_at'),
                   coalesce(s->>'duration_s', '?'), s->>'error_count', coalesce(s->>'scored', '0'))
         || '<h2>Tasks</h2><table><tr><th>task</th><th>instances by state</th></tr>'
         || coalesce((SELECT string_agg(format('<tr><td>%s</td><td>%s</td></tr>', realmap._xml(t.key),
                                               realmap._xml((SELECT string_agg(x.key || ' ' || x.value, ', ' ORDER BY x.key)
                                                               FROM jsonb_each_text(t.value) x))), '' ORDER BY t.key)
                        FROM jsonb_each(s->'tasks') t), '')
         || '</table><h2>Timeline</h2>' || realmap.run_timeline_svg(run_report_html.run_id)
         || '<h2>Failures</h2>'
         || coalesce((SELECT '<table><tr><th>task</th><th>item</th><th>SQLSTATE</th><th>error</th></tr>'
                             || string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="err">%s</td></tr>',
                                                  realmap._xml(i.task_name), realmap._xml(i.item), realmap._xml(i.error_sqlstate),
                                                  realmap._xml(left(i.error_message, 300))), '' ORDER BY i.task_name, i.item)
                             || '</table>'
                        FROM (SELECT * FROM realmap.task_instances x
                               WHERE x.run_id = run_report_html.run_id AND x.state = 'failed'
                               ORDER BY x.task_name, x.item LIMIT 500) i), '<p>none</p>')
         || '<h2>Map</h2><p>the projects this run scored: green overall &#8805; 70, amber &#8805; 50, red below, '
            'grey without a score; names at the median of each district''s projects</p>'
         || realmap._run_map_svg(run_report_html.run_id)
         || '</body></html>';
    RETURN html;
END $$;
COMMENT ON FUNCTION realmap.run_report_html(bigint) IS
'One self-contained HTML page (no script, no network) for a run: its summary, tasks, timeline, failures with their errors, and a map of the projects it scored over Chhattisgarh';

-- =====================================================================================
-- Privileges.  Nothing that starts, cancels or schedules work is executable by PUBLIC.
--   realmap_reader    reads the engine's tables and views, realmap.run_status
--   realmap_user      reader + defines DAGs of its own and operates them (run, wait,
--                     cancel, resume, rerun, answer, schedule); tasks run as the owner
--   realmap_operator  user + operates every DAG (the built-in realmap_etl among them)
--                     and cleans up history
-- =====================================================================================
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_reader') THEN
        CREATE ROLE realmap_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_user') THEN
        CREATE ROLE realmap_user NOLOGIN IN ROLE realmap_reader;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_operator') THEN
        CREATE ROLE realmap_operator NOLOGIN IN ROLE realmap_user;
    END IF;
END $$;

-- the API runs with the extension owner's rights, over tables no one else may write
ALTER FUNCTION realmap.create_dag(text, int, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION realmap.drop_dag(text) SECURITY DEFINER;
ALTER FUNCTION realmap.add_task(text, text, text, text[], text, text, text, int, interval, float8, interval,
                                float8, interval, int, int) SECURITY DEFINER;
ALTER FUNCTION realmap.run(jsonb, text, text) SECURITY DEFINER;
ALTER FUNCTION realmap.cancel(bigint) SECURITY DEFINER;
ALTER FUNCTION realmap.resume(bigint) SECURITY DEFINER;
ALTER FUNCTION realmap.rerun(bigint, text) SECURITY DEFINER;
ALTER FUNCTION realmap.signal(bigint, jsonb) SECURITY DEFINER;
ALTER FUNCTION realmap.solve_captcha(bigint, text) SECURITY DEFINER;
ALTER FUNCTION realmap.schedule(text, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION realmap.unschedule(text) SECURITY DEFINER;
ALTER FUNCTION realmap.cleanup_history(interval) SECURITY DEFINER;
ALTER FUNCTION realmap._scheduled_run(jsonb, text) SECURITY DEFINER;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA realmap FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA realmap FROM PUBLIC;
GRANT USAGE ON SCHEMA realmap TO PUBLIC;
GRANT EXECUTE ON FUNCTION realmap.version(), realmap.await_human(text, text, jsonb, interval), realmap.skip_item(text) TO PUBLIC;
-- helpers the API calls under the caller's name (SECURITY DEFINER keeps them inside)
GRANT EXECUTE ON FUNCTION realmap._invoker(), realmap._owns(name), realmap._may_operate(name) TO PUBLIC;

GRANT SELECT ON ALL TABLES IN SCHEMA realmap TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_status(bigint), realmap.wait(bigint, interval) TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.create_dag(text, int, jsonb, text), realmap.drop_dag(text),
    realmap.add_task(text, text, text, text[], text, text, text, int, interval, float8, interval, float8,
                     interval, int, int),
    realmap.run(jsonb, text, text), realmap.cancel(bigint), realmap.resume(bigint), realmap.rerun(bigint, text),
    realmap.signal(bigint, jsonb), realmap.solve_captcha(bigint, text), realmap.schedule(text, jsonb, text),
    realmap.unschedule(text) TO realmap_user;
GRANT EXECUTE ON FUNCTION realmap.cleanup_history(interval) TO realmap_operator;
GRANT EXECUTE ON FUNCTION realmap.parse_listing_page(text, text), realmap._parse_listing_json(text, text) TO realmap_reader;
-- the processing stages as pure functions (they read nothing but their arguments and
-- the label variants)
GRANT EXECUTE ON FUNCTION realmap.extract_raw(text, text), realmap.map_v1(jsonb, jsonb),
    realmap._map_v1(jsonb, jsonb, jsonb), realmap._label_variants(), realmap.normalize_v1(jsonb),
    realmap.validate_v1(jsonb, timestamptz), realmap._validate_v1(jsonb, text),
    realmap.prepare_v1(jsonb, jsonb, timestamptz), realmap._prepare_v1(jsonb, jsonb, jsonb, text) TO realmap_reader;
-- fetches a URL: operators only; the session cookies of the portal likewise
GRANT EXECUTE ON FUNCTION realmap.fetch_url(text, text, text, text) TO realmap_operator;
REVOKE SELECT ON realmap.portal_sessions FROM realmap_reader;
-- operators may add a label spelling without a rebuild (map_v1 reads the tables)
GRANT INSERT, UPDATE, DELETE ON realmap.section_variants, realmap.label_variants TO realmap_operator;
-- loading projects (load_project runs as its caller: the DAG owner, or an operator)
GRANT EXECUTE ON FUNCTION realmap.load_project(jsonb),
    realmap._v1_text(jsonb, text), realmap._v1_num(jsonb, text), realmap._v1_int(jsonb, text),
    realmap._v1_bool(jsonb, text), realmap._v1_enum(jsonb, text, text[]), realmap._v1_date(jsonb, text),
    realmap._v1_timestamptz(jsonb, text), realmap._v1_list(jsonb, text), realmap._v1_is_file_url(text),
    realmap._v1_plots(jsonb, text), realmap._v1_amenity_progress(jsonb, text),
    realmap._v1_certificates(jsonb, text), realmap._v1_notes(text[], text, bigint, bigint, bigint, text)
    TO realmap_operator;
GRANT INSERT, UPDATE ON realmap.parent_projects, realmap.projects, realmap.promoters, realmap.land_parcels,
    realmap.buildings, realmap.unit_types, realmap.bank_accounts, realmap.project_documents,
    realmap.quarterly_updates, realmap.units, realmap.project_locations, realmap.project_pricing_snapshots,
    realmap.data_provenance TO realmap_operator;
GRANT USAGE ON SEQUENCE realmap.parent_projects_parent_project_id_seq, realmap.projects_project_id_seq,
    realmap.promoters_promoter_id_seq, realmap.land_parcels_land_parcel_id_seq, realmap.buildings_building_id_seq,
    realmap.unit_types_unit_type_id_seq, realmap.bank_accounts_bank_account_id_seq,
    realmap.project_documents_document_id_seq, realmap.quarterly_updates_quarterly_update_id_seq,
    realmap.units_unit_id_seq, realmap.project_locations_location_id_seq,
    realmap.project_pricing_snapshots_snapshot_id_seq, realmap.data_provenance_provenance_id_seq TO realmap_operator;
GRANT SELECT ON realmap.portal_sessions TO realmap_operator;
-- secrets (62_secrets.sql): operators write them and list their names; no one but the
-- owner reads a value, and realmap._secret_header is for realmap.so alone
REVOKE SELECT ON realmap.secrets, realmap.secret_names FROM realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.set_secret(text, text, text, text), realmap.drop_secret(text) TO realmap_operator;
GRANT SELECT ON realmap.secret_names TO realmap_operator;
-- enrichment and scoring: the pure functions for readers; geocoding and amenity counts
-- ask outside services and write, so they are for operators (and the DAG owner)
GRANT EXECUTE ON FUNCTION realmap.chhattisgarh_box(), realmap.score_from_stats(jsonb), realmap.value_score(float8, float8, float8),
    realmap.value_bucket(float8), realmap.normalize_address(jsonb), realmap.geocode_candidates(jsonb),
    realmap.choose_location(jsonb), realmap._read_nominatim(text, text, text), realmap.default_amenity_categories(),
    realmap.overpass_query(float8, float8, jsonb, int), realmap.amenity_stats(float8, float8, jsonb, jsonb)
    TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.geocode_project(bigint, boolean, bigint), realmap.compute_amenities(bigint, bigint),
    realmap.compute_score(bigint, bigint), realmap.compute_value_scores(bigint, numeric),
    realmap._nominatim_fetch(text, jsonb), realmap._overpass_fetch(text, jsonb, jsonb, float8, float8), realmap._config_of(bigint),
    realmap._config_interval(jsonb, text, interval), realmap._project(bigint), realmap._amenity_categories(),
    realmap._onsite_amenities(bigint) TO realmap_operator;
GRANT INSERT, UPDATE, DELETE ON realmap.geocode_cache, realmap.amenity_poi_cache, realmap.project_amenity_stats,
    realmap.project_scores, realmap.amenity_categories TO realmap_operator;
GRANT DELETE ON realmap.project_locations TO realmap_operator;
-- the map: projects as GeoJSON (what the readers are for)
GRANT EXECUTE ON FUNCTION realmap.projects_geojson(jsonb) TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_timeline_svg(bigint), realmap._xml(text), realmap._state_colour(text),
    realmap.run_report_html(bigint), realmap._run_map_svg(bigint) TO realmap_reader;

-- The engine's batch functions run on tables that grow from nothing to 100,000 rows
-- within one run, faster than autovacuum's statistics follow; a plan chosen while a
-- table looked empty would scan all of it in every batch.  Their plans go by index.
ALTER FUNCTION realmap._claim(int, int) SET enable_seqscan = off;
ALTER FUNCTION realmap._resolve(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._tick() SET enable_seqscan = off;
ALTER FUNCTION realmap._recover(int, text) SET enable_seqscan = off;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text) SET enable_seqscan = off;
-- ... and their plans are made once.  Their statements take arrays of ids; a custom
-- plan sees how many there are and looks cheaper, so PostgreSQL kept planning again on
-- every call: 1.6 of _claim's 2.1 ms and 2.2 of _resolve's 3.0 ms a chain step.
ALTER FUNCTION realmap._claim(int, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._resolve(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._settle(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._expand(bigint) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._tick() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._recover(int, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text)
    SET plan_cache_mode = force_generic_plan;

-- Observability (70_observability.sql): read-only, for readers (and so users and
-- operators); PUBLIC has nothing (the REVOKEs above ran after these objects existed).
-- The views run with their owner's rights over the engine's tables; the functions with
-- the caller's, who needs SELECT on them (realmap_reader has it).
GRANT SELECT ON realmap.active_tasks, realmap.open_human_tasks TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_summary(bigint), realmap.stage_stats(interval), realmap.metrics(interval),
    realmap._attempts_of(bigint[]), realmap._prom_label(text), realmap._prom_num(numeric) TO realmap_reader;

-- How the large values are stored.
--
-- Detail pages (about 47 KB each) and the documents made from them are compressed
-- when stored (TOAST).  PostgreSQL's default, pglz, costs about 1.3 ms to store one
-- detail page on this machine class against 0.23 ms with lz4 (500 pages inserted,
-- psql \timing), and every fetch_details, extract and load pays it: lz4 where the
-- server was built with it (Debian's and most distributions' packages are), pglz
-- otherwise.  Only the compression of new values changes; nothing else depends on it.
DO $$
DECLARE
    col record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings
                    WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        RAISE NOTICE 'realmap: this server has no lz4; large values are compressed with pglz';
        RETURN;
    END IF;
    FOR col IN SELECT * FROM (VALUES ('raw_pages', 'body'), ('page_extractions', 'v1'), ('projects', 'v1'),
                                     ('amenity_poi_cache', 'pois'), ('geocode_cache', 'answer')) AS c(tab, name)
    LOOP
        EXECUTE format('ALTER TABLE realmap.%I ALTER COLUMN %I SET COMPRESSION lz4', col.tab, col.name);
    END LOOP;
END $$;

-- =====================================================================================
-- pg_dump and restore.  pg_dump writes an extension's member tables as CREATE EXTENSION
-- only: their rows are lost unless the table is registered with
-- pg_extension_config_dump (then its rows matching the condition are dumped, and
-- restored after the restore's CREATE EXTENSION has created and seeded the tables).
-- Every realmap table is listed below, with what a dump keeps of it and why; the
-- end-to-end test test/e2e/upgrade_backup.sh fails for a table that is in none of the
-- lists.
--
-- Seeded rows.  A COPY of a row whose key CREATE EXTENSION already inserted fails, and
-- with it the whole table's data.  So a table with seeded rows is dumped without them:
--   * the built-in DAG realmap_etl and its tasks: WHERE dag_name <> 'realmap_etl'
--     (the restore's CREATE EXTENSION defines them, as the installed version has them);
--   * label and section variants: WHERE NOT seeded (operators add rows; the seeded ones
--     come with the script);
--   * configuration values and amenity categories, whose seeded rows users change:
--     seeded is true for a row as the script seeded it, and a trigger clears it when the
--     row is changed (realmap._seeded_row_changed).  pg_dump keeps the rows WHERE NOT
--     seeded: the user's own rows and the seeded ones the user changed.  On restore such
--     a changed row meets the freshly seeded row of its key; a BEFORE INSERT trigger
--     (COPY fires row triggers, and the extension's triggers exist before the data
--     section runs) turns that insert into an update of the seeded row, which then holds
--     the user's value.  An insert over a row that is not seeded (a user's own, or a
--     seeded one already changed) still fails on the key, as any duplicate does.
--     A default nobody changed is not dumped at all, so a restore into a newer version
--     gets that version's default, not the old one.
-- A seeded row the user deleted (or whose key was changed) comes back with the
-- restore's CREATE EXTENSION: deletions of seeded rows are not kept.
--
-- Order and ids.  pg_dump loads registered tables in the order of their foreign keys
-- (dags before dag_tasks and runs, projects before their children), and the sequences
-- behind every bigserial are registered too, so ids created after a restore continue
-- after the restored ones.  realmap.dag_edges is not dumped: the dag_tasks triggers
-- rebuild it as the tasks are restored.  realmap.stages lists the library's built-in
-- stages: the script seeds all of it.
--
-- A restored database must not start work before the operator says so: restore into a
-- server running with realmap.enabled = off (README "Upgrades and backups").
-- =====================================================================================

-- ------------------------------------------------------------------ seeded rows
-- seeded holds while the row is what the script seeded: any change to the row (other
-- than its updated_at stamp) makes it the user's row, which pg_dump keeps.  An upgrade
-- script that changes a seeded default updates only rows WHERE seeded, with this
-- trigger disabled (or before it exists), so the row stays seeded.
CREATE FUNCTION realmap._seeded_row_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.seeded AND NEW.seeded
       AND (to_jsonb(NEW) - 'seeded' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'seeded' - 'updated_at') THEN
        NEW.seeded := false;
    END IF;
    RETURN NEW;
END $$;

-- An inserted configuration value whose key is still seeded replaces the seeded value
-- (what restores a changed default: see above).
CREATE FUNCTION realmap._config_replace_seeded() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.config c
       SET value = NEW.value, description = NEW.description, updated_at = NEW.updated_at, seeded = NEW.seeded
     WHERE c.key = NEW.key AND c.seeded;
    IF FOUND THEN
        RETURN NULL;   -- the seeded row holds the inserted values now
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION realmap._amenity_categories_replace_seeded() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.amenity_categories a
       SET radii_km = NEW.radii_km, position = NEW.position, seeded = NEW.seeded
     WHERE a.category = NEW.category AND a.key = NEW.key AND a.value = NEW.value AND a.seeded;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;

-- trigger functions: no one calls them (firing a trigger checks no EXECUTE privilege)
REVOKE ALL ON FUNCTION realmap._seeded_row_changed(), realmap._config_replace_seeded(),
    realmap._amenity_categories_replace_seeded() FROM PUBLIC;

-- everything the script seeded up to here (this file comes last)
UPDATE realmap.config SET seeded = true;
UPDATE realmap.amenity_categories SET seeded = true;

CREATE TRIGGER config_seeded_row_changed BEFORE UPDATE ON realmap.config
    FOR EACH ROW EXECUTE FUNCTION realmap._seeded_row_changed();
CREATE TRIGGER config_replace_seeded BEFORE INSERT ON realmap.config
    FOR EACH ROW EXECUTE FUNCTION realmap._config_replace_seeded();
CREATE TRIGGER amenity_categories_seeded_row_changed BEFORE UPDATE ON realmap.amenity_categories
    FOR EACH ROW EXECUTE FUNCTION realmap._seeded_row_changed();
CREATE TRIGGER amenity_categories_replace_seeded BEFORE INSERT ON realmap.amenity_categories
    FOR EACH ROW EXECUTE FUNCTION realmap._amenity_categories_replace_seeded();

-- ------------------------------------------------------------------ what pg_dump keeps
-- One pg_extension_config_dump call per statement: each call rewrites the pg_extension
-- row, and a second call within the same statement would not see the first's change.
DO $$
DECLARE
    reg record;
    seq regclass;
BEGIN
    FOR reg IN SELECT tbl, cond FROM (VALUES
        -- the engine: user DAGs, runs and their whole history
        ('config', 'WHERE NOT seeded'),
        ('dags', $c$WHERE dag_name <> 'realmap_etl'$c$),
        ('dag_tasks', $c$WHERE dag_name <> 'realmap_etl'$c$),
        ('runs', ''), ('task_instances', ''), ('attempt_history', ''), ('human_tasks', ''),
        -- acquisition and processing: what each run listed, fetched and extracted
        ('portal_sessions', ''), ('listings', ''), ('raw_pages', ''), ('page_extractions', ''),
        ('section_variants', 'WHERE NOT seeded'), ('label_variants', 'WHERE NOT seeded'),
        -- the loaded projects
        ('parent_projects', ''), ('projects', ''), ('promoters', ''), ('land_parcels', ''), ('buildings', ''),
        ('unit_types', ''), ('bank_accounts', ''), ('project_documents', ''), ('quarterly_updates', ''),
        ('units', ''), ('project_locations', ''), ('project_pricing_snapshots', ''), ('data_provenance', ''),
        -- enrichment and scoring: the caches (answers of rate-limited services), stats,
        -- scores and run summaries
        ('geocode_cache', ''), ('amenity_poi_cache', ''), ('amenity_categories', 'WHERE NOT seeded'),
        ('project_amenity_stats', ''), ('project_scores', ''), ('run_summaries', ''),
        -- the API keys (62_secrets.sql): a backup is as secret as the database, and
        -- pg_dump runs as someone who may read them
        ('secrets', '')
        ) AS r(tbl, cond)
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('realmap.' || reg.tbl)::regclass, reg.cond);
        -- the sequence of each serial column: new ids continue after the restored ones
        FOR seq IN SELECT pg_catalog.pg_get_serial_sequence('realmap.' || reg.tbl, a.attname)::regclass
                     FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = ('realmap.' || reg.tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                      AND pg_catalog.pg_get_serial_sequence('realmap.' || reg.tbl, a.attname) IS NOT NULL
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END LOOP;
END $$;
