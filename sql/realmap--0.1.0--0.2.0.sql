-- realmap upgrade script 0.1.0 -> 0.2.0 (written by hand: everything the 0.2.0 script,
-- sql/src/*.sql, does differently from sql/realmap--0.1.0.sql).  test/e2e/upgrade_backup.sh
-- compares the upgraded catalog with a fresh CREATE EXTENSION of 0.2.0.
\echo Use "ALTER EXTENSION realmap UPDATE TO '0.2.0'" to load this file. \quit

-- ------------------------------------------------------------------ seeded flags (95_backup.sql)
-- config and amenity_categories learn which rows are still the script's defaults: those
-- pg_dump leaves out.  A row holding exactly what 0.1.0 seeded is taken as unchanged.
ALTER TABLE realmap.config ADD COLUMN seeded boolean NOT NULL DEFAULT false;
ALTER TABLE realmap.amenity_categories ADD COLUMN seeded boolean NOT NULL DEFAULT false;

UPDATE realmap.config c SET seeded = true
  FROM (VALUES
    ('portal.base_url', '"https://rera.cgstate.gov.in/"',
        'The CG RERA portal (listing and detail pages are relative to it)'),
    ('portal.listing_path', '"Approved_project_List.aspx"',
        'The listing page, relative to portal.base_url'),
    ('portal.detail_path', '"Promoter_Reg_Only_View_Application_new.aspx"',
        'The detail page, relative to portal.base_url (?MyID=...)'),
    ('http.allowed_hosts', '["rera.cgstate.gov.in", "nominatim.openstreetmap.org", "overpass-api.de"]',
        'Hosts realmap may connect to (host or host:port; *.domain for subdomains); redirects elsewhere are refused'),
    ('http.user_agent', '"realmap/0.1.0 (PostgreSQL extension; RERA project map)"',
        'User-Agent of every request'),
    ('http.max_concurrent_per_host', '4',
        'Requests in flight to one host, across all workers'),
    ('http.max_requests_per_second_per_host', '2',
        'Request starts per second to one host, across all workers (0: no limit)'),
    ('http.connect_timeout_ms', '10000',
        'Connect timeout of one request'),
    ('http.timeout_ms', '60000',
        'Total timeout of one request'),
    ('http.max_body_bytes', '33554432',
        'Largest response body accepted (the full listing page is about 10 MB)'),
    ('fetch.batch_size', '64',
        'fetch_details instances one worker claims and fetches at once (within the per-host limits)'),
    ('fetch.delta_max_age', '"7 days"',
        'Delta mode: an unchanged listing row whose page was fetched within this age is not fetched again'),
    ('captcha.timeout', '"30 minutes"',
        'How long a CAPTCHA waits for realmap.solve_captcha before the task fails'),
    ('geocode.base_url', '"https://nominatim.openstreetmap.org"',
        'Nominatim (GET <base_url>/search?q=...)'),
    ('geocode.user_agent', 'null',
        'User-Agent of geocoding requests (null: http.user_agent); Nominatim''s policy asks for one naming the application'),
    ('geocode.email', 'null',
        'Contact email sent with each Nominatim request (its email parameter), as the usage policy asks for bulk use'),
    ('geocode.max_requests_per_second', '1',
        'Nominatim requests per second, across all workers (the usage policy: at most 1)'),
    ('geocode.max_concurrent', '1',
        'Nominatim requests in flight, across all workers'),
    ('geocode.cache_ttl', '"180 days"',
        'How long a Nominatim answer (a place) is used instead of asking again'),
    ('geocode.miss_ttl', '"30 days"',
        'How long a Nominatim miss (no place) is remembered, so it is not asked again every run'),
    ('amenities.overpass_url', '"https://overpass-api.de/api/interpreter"',
        'Overpass interpreter (POST data=<query>)'),
    ('amenities.user_agent', 'null',
        'User-Agent of Overpass requests (null: http.user_agent)'),
    ('amenities.max_requests_per_second', '1',
        'Overpass requests per second, across all workers'),
    ('amenities.max_concurrent', '2',
        'Overpass requests in flight, across all workers (the public server gives an address 2 slots)'),
    ('amenities.query_timeout_s', '60',
        'The [timeout:] of each Overpass query, in seconds'),
    ('amenities.cache_ttl', '"30 days"',
        'How long an Overpass answer for a position is used instead of asking again'),
    ('scores.median_price_inr', 'null',
        'Median price for value scores (null: the median of the run''s scored projects; 5,000,000 INR when none has a price)')
       ) AS d(key, value, description)
 WHERE c.key = d.key AND c.value = d.value::jsonb AND c.description IS NOT DISTINCT FROM d.description;

-- 0.1.0 seeded the library's defaults (and 0.2.0's are the same)
UPDATE realmap.amenity_categories a SET seeded = true
  FROM jsonb_array_elements(realmap.default_amenity_categories()) WITH ORDINALITY AS d(c, ord)
 WHERE a.category = d.c->>'category' AND a.key = d.c->>'key' AND a.value = d.c->>'value'
   AND a.radii_km = ARRAY(SELECT jsonb_array_elements_text(d.c->'radii_km')::float8) AND a.position = d.ord;

-- ------------------------------------------------------------------ changed defaults
-- the User-Agent names the version, where it is still the seeded one
UPDATE realmap.config SET value = '"realmap/0.2.0 (PostgreSQL extension; RERA project map)"'
 WHERE key = 'http.user_agent' AND seeded;

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
        ('project_amenity_stats', ''), ('project_scores', ''), ('run_summaries', '')
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

-- ------------------------------------------------------------------ secret store (sql/src/62_secrets.sql)
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

INSERT INTO realmap.config (key, value, description, seeded) VALUES
    ('geocode.secret', 'null', 'Name of a realmap.secrets entry sent with every geocoding request (null: none)', true),
    ('amenities.secret', 'null', 'Name of a realmap.secrets entry sent with every Overpass request (null: none)', true);

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


REVOKE ALL ON FUNCTION realmap.set_secret(text, text, text, text), realmap.drop_secret(text),
    realmap._secret_header(text) FROM PUBLIC;
REVOKE ALL ON realmap.secrets, realmap.secret_names FROM PUBLIC;
GRANT EXECUTE ON FUNCTION realmap.set_secret(text, text, text, text), realmap.drop_secret(text) TO realmap_operator;
GRANT SELECT ON realmap.secret_names TO realmap_operator;
SELECT pg_catalog.pg_extension_config_dump('realmap.secrets', '');

-- ------------------------------------------------------------------ storage (sql/src/92_storage.sql)
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

-- ------------------------------------------------------------------ task_attempts (10_engine.sql)
-- each attempt once, a skip by the task shown as skipped
CREATE OR REPLACE VIEW realmap.task_attempts AS
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

-- ------------------------------------------------------------------ attempts kept by resume and rerun (10_engine.sql)
ALTER TABLE realmap.attempt_history DROP CONSTRAINT attempt_history_state_check;
ALTER TABLE realmap.attempt_history ADD CONSTRAINT attempt_history_state_check
    CHECK (state IN ('failed', 'crashed', 'fenced', 'timed_out', 'released', 'succeeded', 'cancelled', 'skipped'));
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
REVOKE ALL ON FUNCTION realmap._keep_attempts(bigint[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION realmap._requeue(p_run bigint, p_ids bigint[]) RETURNS void
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

CREATE OR REPLACE FUNCTION realmap.rerun(run_id bigint, from_task text) RETURNS text
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
-- (CREATE OR REPLACE resets what 90_privileges.sql set)
ALTER FUNCTION realmap.rerun(bigint, text) SECURITY DEFINER;

-- ------------------------------------------------------------------ _settle in plpgsql (10_engine.sql)
-- a SQL function with a SET clause is parsed and planned again on every call
CREATE OR REPLACE FUNCTION realmap._settle(p_ids bigint[]) RETURNS bigint[]
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

-- ------------------------------------------------------------------ timeline bars inside the chart (75_reports.sql)
CREATE OR REPLACE FUNCTION realmap.run_timeline_svg(run_id bigint) RETURNS text
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
