-- realmap upgrade script 0.3.0 -> 0.4.0 (written by hand: everything the 0.4.0 script,
-- sql/src/*.sql, does differently from sql/realmap--0.3.0.sql).  test/e2e/upgrade_backup.sh
-- compares the upgraded catalog with a fresh CREATE EXTENSION of 0.4.0.
\echo Use "ALTER EXTENSION realmap UPDATE TO '0.4.0'" to load this file. \quit

-- ------------------------------------------------------------------ changed defaults
-- the User-Agent names the version, where it is still the seeded one (the trigger off,
-- so that the row stays seeded)
ALTER TABLE realmap.config DISABLE TRIGGER config_seeded_row_changed;
UPDATE realmap.config SET value = '"realmap/0.4.0 (PostgreSQL extension; RERA project map)"'
 WHERE key = 'http.user_agent' AND seeded;
ALTER TABLE realmap.config ENABLE TRIGGER config_seeded_row_changed;

-- ------------------------------------------------------------------ engine (10_engine.sql)
-- Completions as HOT updates: the queue's indexes move from state to the generated
-- column queue, the index of running instances gives way to realmap.worker_leases.
ALTER TABLE realmap.task_instances
    ADD COLUMN queue text GENERATED ALWAYS AS (CASE WHEN state IN ('pending', 'ready', 'retry_wait', 'waiting')
                                                    THEN state END) STORED;
ALTER TABLE realmap.task_instances SET (fillfactor = 30);
DROP INDEX realmap.task_instances_ready, realmap.task_instances_ready_limited, realmap.task_instances_queued,
           realmap.task_instances_running, realmap.task_instances_retry;
CREATE INDEX task_instances_ready ON realmap.task_instances (priority DESC, instance_id) WHERE queue = 'ready';
CREATE INDEX task_instances_ready_limited ON realmap.task_instances (task_name) WHERE queue = 'ready' AND limited;
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
-- dumped with the running instances (95_backup.sql)
SELECT pg_catalog.pg_extension_config_dump('realmap.worker_leases', '');
-- the instances running now (an update is meant to run with realmap.enabled off and
-- none running; a restart crashes any that are, through these rows or without them)
INSERT INTO realmap.worker_leases (worker_pid, expires_at, run_ids, instance_ids)
SELECT worker_pid, coalesce(min(lease_expires_at), clock_timestamp()), array_agg(DISTINCT run_id), array_agg(instance_id)
  FROM realmap.task_instances WHERE state = 'running' AND worker_pid IS NOT NULL GROUP BY worker_pid;
CREATE VIEW realmap._running_instances AS
SELECT x.*, l.run_ids AS lease_run_ids
  FROM realmap.worker_leases l
 CROSS JOIN LATERAL unnest(l.instance_ids) AS li(instance_id)
  JOIN realmap.task_instances x ON x.instance_id = li.instance_id
 WHERE x.worker_pid = l.worker_pid AND x.state = 'running';

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

CREATE FUNCTION realmap._end_lease(p_pid int, p_claimed int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.worker_leases SET expires_at = NULL, run_ids = '{}', instance_ids = '{}'
     WHERE worker_pid = p_pid AND cardinality(instance_ids) <= p_claimed;
    IF NOT FOUND THEN
        PERFORM realmap._prune_lease(p_pid);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION realmap._tick(OUT next_due timestamptz, OUT ready bigint)
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

CREATE OR REPLACE FUNCTION realmap._recover(p_pid int, p_reason text) RETURNS int
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

CREATE OR REPLACE FUNCTION realmap.cancel(run_id bigint) RETURNS text
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

CREATE OR REPLACE FUNCTION realmap.signal(human_task_id bigint, answer jsonb) RETURNS void
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

-- ------------------------------------------------------------------ observability (70_observability.sql)
CREATE OR REPLACE VIEW realmap.active_tasks AS
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

CREATE OR REPLACE FUNCTION realmap.metrics(finished_within interval DEFAULT '1 hour') RETURNS text
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
-- ------------------------------------------------------------------ privileges (90_privileges.sql)
-- CREATE OR REPLACE FUNCTION sets every property anew: the settings and rights the
-- 0.3.0 script gave these functions after creating them, again and in the same order
REVOKE ALL ON realmap.worker_leases, realmap._running_instances FROM PUBLIC;
REVOKE ALL ON FUNCTION realmap._prune_lease(int), realmap._end_lease(int, int) FROM PUBLIC;
GRANT SELECT ON realmap.worker_leases, realmap._running_instances TO realmap_reader;
ALTER FUNCTION realmap.cancel(bigint) SECURITY DEFINER;
ALTER FUNCTION realmap.signal(bigint, jsonb) SECURITY DEFINER;
ALTER FUNCTION realmap._claim(int, int) SET enable_seqscan = off;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._tick() SET enable_seqscan = off;
ALTER FUNCTION realmap._recover(int, text) SET enable_seqscan = off;
ALTER FUNCTION realmap._prune_lease(int) SET enable_seqscan = off;
ALTER FUNCTION realmap._claim(int, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._tick() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._recover(int, text) SET plan_cache_mode = force_generic_plan;
