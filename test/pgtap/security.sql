-- The security checklist: roles and grants (README "Privileges"), what PUBLIC may
-- execute, SECURITY DEFINER search paths, injection through names, parameters and
-- configuration, the HTTP client's refusals, secrets, and whose rights a task's calls
-- into the API carry.
-- One transaction, rolled back: roles, schema, DAGs, runs, pg_cron jobs and config
-- changes made here vanish.  No worker ever sees these runs and nothing connects to
-- the network: every refused URL fails before a connection is made.
\ir tap_settings.psql
SET client_min_messages = warning;
BEGIN;
SELECT plan(172);

-- ================================================================ fixtures
CREATE ROLE secx_nobody;                          -- no memberships: what PUBLIC may do
CREATE ROLE secx_reader IN ROLE realmap_reader;
CREATE ROLE secx_alice IN ROLE realmap_user;
CREATE ROLE secx_bob IN ROLE realmap_user;
CREATE ROLE secx_ops IN ROLE realmap_operator;
CREATE SCHEMA secx;
GRANT USAGE ON SCHEMA secx TO PUBLIC;
GRANT CREATE ON SCHEMA secx TO secx_alice, secx_bob;
-- the canary: every injection attempt below tries to drop it or to create secx.pwned
CREATE TABLE secx.canary (x int);
INSERT INTO secx.canary VALUES (1);
GRANT SELECT ON secx.canary TO PUBLIC;
CREATE FUNCTION secx.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
-- "SQLSTATE: message" of a statement (or "no error"), for checks by pattern
CREATE FUNCTION secx.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- identity of a function as the catalog tests print it
CREATE FUNCTION secx.fn(p oid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')' FROM pg_proc p WHERE p.oid = $1 $$;

-- a DAG of the superuser: stands in for realmap_etl wherever a test would change it
-- (other sessions use realmap_etl; a run or task added to it here would lock its row)
SELECT FROM realmap.create_dag('secx_root');
SELECT FROM realmap.add_task('secx_root', 'a', 'secx.noop(jsonb)');
SELECT realmap.run('{}', dag => 'secx_root') AS root_run \gset
SET ROLE secx_alice;
SELECT FROM realmap.create_dag('secx_alice');
SELECT FROM realmap.add_task('secx_alice', 'a', 'secx.noop(jsonb)');
SELECT FROM realmap.add_task('secx_alice', 'b', 'secx.noop(jsonb)', upstream => '{a}');
SELECT realmap.run('{}', dag => 'secx_alice') AS alice_run \gset
RESET ROLE;

-- ================================================================ (b) what PUBLIC may execute
-- The allow-list, each reviewed:
--   version()        C, reads nothing but compiled-in and server version strings
--   await_human(...) IMMUTABLE: builds a jsonb request, starts nothing
--   skip_item(text)  IMMUTABLE: builds a jsonb marker
--   _invoker()       STABLE: current_setting('role') / session_user, both visible anyway
--   _owns(name), _may_operate(name)
--                    STABLE: pg_roles and pg_has_role, which PUBLIC may query itself.
--                    (The API calls them inside SECURITY DEFINER functions, as the
--                    extension owner: the PUBLIC grant is not needed, only harmless.)
SELECT is(ARRAY(SELECT secx.fn(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace
                   AND has_function_privilege('secx_nobody', p.oid, 'EXECUTE')
                 ORDER BY secx.fn(p.oid) COLLATE "C"),
          ARRAY['_invoker()', '_may_operate(name)', '_owns(name)', 'await_human(text, text, jsonb, interval)',
                'skip_item(text)', 'version()'],
          'PUBLIC (a role with no memberships) may execute exactly the reviewed pure functions');
SELECT is(ARRAY(SELECT secx.fn(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace
                   AND has_function_privilege('secx_nobody', p.oid, 'EXECUTE')
                   AND (p.provolatile = 'v' OR p.prosecdef)
                 ORDER BY secx.fn(p.oid) COLLATE "C"), '{}'::text[],
          'no function PUBLIC may execute is VOLATILE or SECURITY DEFINER (nothing that starts work or writes)');
SELECT is(ARRAY(SELECT secx.fn(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace
                   AND has_function_privilege('realmap_reader', p.oid, 'EXECUTE') AND p.provolatile = 'v'
                 ORDER BY secx.fn(p.oid) COLLATE "C"), ARRAY['wait(bigint, interval)'],
          'realmap_reader may execute no VOLATILE function but realmap.wait (it only waits)');
SELECT ok(NOT has_function_privilege('secx_nobody', f::regprocedure, 'EXECUTE')
          AND NOT has_function_privilege('realmap_reader', f::regprocedure, 'EXECUTE'),
          f || ' is executable by neither PUBLIC nor realmap_reader')
  FROM (VALUES ('realmap.fetch_url(text,text,text,text)'), ('realmap._nominatim_fetch(text,jsonb)'),
               ('realmap._overpass_fetch(text,jsonb,jsonb,float8,float8)'),
               ('realmap.geocode_project(bigint,boolean,bigint)'), ('realmap.compute_amenities(bigint,bigint)'),
               ('realmap.run(jsonb,text,text)'), ('realmap.cancel(bigint)')) v(f);
SELECT is(ARRAY(SELECT f FROM (VALUES ('realmap.fetch_url(text,text,text,text)'), ('realmap._nominatim_fetch(text,jsonb)'),
                                      ('realmap._overpass_fetch(text,jsonb,jsonb,float8,float8)'),
                                      ('realmap.geocode_project(bigint,boolean,bigint)'),
                                      ('realmap.compute_amenities(bigint,bigint)'),
                                      ('realmap.cleanup_history(interval)')) v(f)
                 WHERE has_function_privilege('realmap_user', f::regprocedure, 'EXECUTE')), '{}'::text[],
          'realmap_user cannot fetch URLs, ask the outside services or clean up history (operators only)');
SELECT is(ARRAY(SELECT secx.fn(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace
                   AND has_function_privilege('realmap_user', p.oid, 'EXECUTE')
                   AND NOT has_function_privilege('realmap_reader', p.oid, 'EXECUTE')
                 ORDER BY secx.fn(p.oid) COLLATE "C"),
          ARRAY['add_task(text, text, text, text[], text, text, text, integer, interval, double precision, interval, double precision, interval, integer, integer)',
                'cancel(bigint)', 'create_dag(text, integer, jsonb, text)', 'drop_dag(text)', 'rerun(bigint, text)',
                'resume(bigint)', 'run(jsonb, text, text)', 'schedule(text, jsonb, text)', 'signal(bigint, jsonb)',
                'solve_captcha(bigint, text)', 'unschedule(text)'],
          'realmap_user adds to the reader exactly the documented API: define DAGs and operate them');

-- relations and the schema
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                   AND has_table_privilege('secx_nobody', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
                 ORDER BY 1), '{}'::text[], 'PUBLIC has no privilege on any realmap table or view');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'S'
                   AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('secx_nobody', c.oid, 'USAGE,SELECT,UPDATE') END
                 ORDER BY 1), '{}'::text[], 'PUBLIC has no privilege on any realmap sequence');
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user', 'realmap_operator']) r
                 WHERE has_schema_privilege(r, 'realmap', 'CREATE')), '{}'::text[],
          'no role but the owner may create objects in schema realmap (they could shadow its functions and types)');
SELECT is(ARRAY(SELECT r || ' may write realmap.' || t
                  FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user', 'realmap_operator']) r,
                       unnest(ARRAY['dags', 'dag_tasks', 'dag_edges', 'runs', 'task_instances', 'attempt_history',
                                    'human_tasks', 'config', 'stages', 'portal_sessions']) t
                 WHERE has_table_privilege(r, ('realmap.' || t)::regclass, 'INSERT,UPDATE,DELETE,TRUNCATE')
                 ORDER BY 1), '{}'::text[],
          'no role but the owner may write the engine''s tables (editing realmap.dags would run tasks as another owner)');
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user']) r
                 WHERE has_any_column_privilege(r, 'realmap.portal_sessions', 'SELECT')), '{}'::text[],
          'realmap.portal_sessions (session cookies) is readable by neither PUBLIC, readers nor users, not even a column');
SELECT ok(has_table_privilege('realmap_operator', 'realmap.portal_sessions', 'SELECT'), 'realmap_operator may read realmap.portal_sessions');

-- ================================================================ (c) SECURITY DEFINER functions
-- The reviewed list: a new SECURITY DEFINER function must be added here deliberately.
SELECT is(ARRAY(SELECT secx.fn(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace AND p.prosecdef ORDER BY secx.fn(p.oid) COLLATE "C"),
          ARRAY['_scheduled_run(jsonb, text)', '_secret_header(text)',
                'add_task(text, text, text, text[], text, text, text, integer, interval, double precision, interval, double precision, interval, integer, integer)',
                'cancel(bigint)', 'cleanup_history(interval)', 'create_dag(text, integer, jsonb, text)', 'drop_dag(text)',
                'drop_secret(text)', 'rerun(bigint, text)', 'resume(bigint)', 'run(jsonb, text, text)',
                'schedule(text, jsonb, text)', 'set_secret(text, text, text, text)', 'signal(bigint, jsonb)', 'solve_captcha(bigint, text)', 'unschedule(text)'],
          'the SECURITY DEFINER functions are the reviewed API');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'realmap'::regnamespace AND p.prosecdef
                   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
                 ORDER BY 1), '{}'::text[],
          'every SECURITY DEFINER function pins its search_path');
-- Before pg_catalog (or anywhere, for pg_temp left out: then it is searched first) the
-- path must name no schema that PUBLIC may create objects in, none that does not exist
-- (whoever creates it later shadows the catalog), no $user and no pg_temp.
WITH sd AS (
    SELECT p.oid::regprocedure::text AS fn, substr(c, length('search_path=') + 1) AS path
      FROM pg_proc p, unnest(p.proconfig) c
     WHERE p.pronamespace = 'realmap'::regnamespace AND p.prosecdef AND c LIKE 'search_path=%'),
el AS (
    SELECT sd.fn, e.pos, btrim(btrim(e.name), '"') AS name
      FROM sd, regexp_split_to_table(sd.path, ',') WITH ORDINALITY AS e(name, pos)),
marks AS (
    SELECT fn, min(pos) FILTER (WHERE name = 'pg_catalog') AS cat_pos, min(pos) FILTER (WHERE name = 'pg_temp') AS temp_pos
      FROM el GROUP BY fn)
SELECT is(ARRAY(
    SELECT format('%s: "%s" before pg_catalog', el.fn, el.name) FROM el JOIN marks USING (fn)
     WHERE el.pos < coalesce(marks.cat_pos, 0)
       AND (el.name IN ('$user', 'pg_temp') OR to_regnamespace(el.name) IS NULL
            OR has_schema_privilege('secx_nobody', to_regnamespace(el.name), 'CREATE'))
    UNION ALL
    SELECT format('%s: pg_temp not listed (searched first)', fn) FROM marks WHERE temp_pos IS NULL
    ORDER BY 1), '{}'::text[],
    'no SECURITY DEFINER search_path puts a schema PUBLIC can write (or pg_temp) before pg_catalog');

-- ================================================================ (a) roles
-- ---- realmap_reader: reads, cannot start, cancel, rerun or define work
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                   AND c.relname NOT IN ('portal_sessions', 'secrets', 'secret_names')
                   AND NOT has_table_privilege('realmap_reader', c.oid, 'SELECT')
                 ORDER BY 1), '{}'::text[], 'realmap_reader may read every realmap table and view but portal_sessions and the secrets');
SET ROLE secx_reader;
SELECT lives_ok($$SELECT count(*) FROM realmap.runs, realmap.dags WHERE runs.dag_name = dags.dag_name$$, 'a reader reads runs and DAGs');
SELECT lives_ok($$SELECT count(*) FROM realmap.task_attempts$$, 'a reader reads the task_attempts view');
SELECT lives_ok($$SELECT count(*) FROM realmap.run_progress$$, 'a reader reads the run_progress view');
SELECT lives_ok($$SELECT count(*) FROM realmap.config$$, 'a reader reads realmap.config');
SELECT results_eq(format('SELECT task_name, total FROM realmap.run_status(%s)', :alice_run),
    $$VALUES ('a'::text, 1::bigint), ('b', 1)$$, 'a reader reads run_status of any run');
SELECT throws_ok($$SELECT cookies FROM realmap.portal_sessions$$, '42501', 'permission denied for table portal_sessions',
    'a reader cannot read the session cookies');
SELECT throws_ok(format('SELECT realmap.run(%L, dag => %L)', '{}', 'secx_alice'), '42501', 'permission denied for function run',
    'a reader cannot start a run');
SELECT throws_ok(format('SELECT realmap.cancel(%s)', :alice_run), '42501', 'permission denied for function cancel',
    'a reader cannot cancel a run');
SELECT throws_ok(format('SELECT realmap.rerun(%s, %L)', :alice_run, 'a'), '42501', 'permission denied for function rerun',
    'a reader cannot rerun a run');
SELECT throws_ok(format('SELECT realmap.resume(%s)', :alice_run), '42501', 'permission denied for function resume',
    'a reader cannot resume a run');
SELECT throws_ok(format('SELECT realmap.solve_captcha(%s, %L)', :alice_run, 'x'), '42501',
    'permission denied for function solve_captcha', 'a reader cannot answer a human task');
SELECT throws_ok($$SELECT realmap.schedule('0 2 * * *', '{}', 'secx_alice')$$, '42501', 'permission denied for function schedule',
    'a reader cannot schedule work');
SELECT throws_ok($$SELECT realmap.create_dag('secx_readers')$$, '42501', 'permission denied for function create_dag',
    'a reader cannot define DAGs');
SELECT throws_ok($$SELECT status FROM realmap.fetch_url('http://secx.invalid/')$$, '42501', 'permission denied for function fetch_url',
    'a reader cannot fetch URLs');
RESET ROLE;

-- ---- a human task waiting in alice's run (as a task's await_human would leave it)
INSERT INTO realmap.human_tasks (run_id, instance_id, task_name, kind, prompt, deadline)
SELECT ti.run_id, ti.instance_id, ti.task_name, 'captcha', 'type the letters', now() + interval '1 hour'
  FROM realmap.task_instances ti WHERE ti.run_id = :alice_run AND ti.task_name = 'a'
RETURNING human_task_id AS alice_human \gset
UPDATE realmap.task_instances SET state = 'waiting', human_task_id = :alice_human
 WHERE run_id = :alice_run AND task_name = 'a';

-- ---- realmap_user: its own DAGs only
SET ROLE secx_bob;
SELECT throws_ok(format('SELECT realmap.run(%L, dag => %L)', '{}', 'secx_alice'), '42501', NULL, 'bob may not start runs of alice''s DAG');
SELECT throws_ok(format('SELECT realmap.cancel(%s)', :alice_run), '42501', NULL, 'bob may not cancel alice''s run');
SELECT throws_ok(format('SELECT realmap.signal(%s, %L)', :alice_human, '"x"'), '42501', NULL, 'bob may not answer alice''s human task');
SELECT throws_ok(format('SELECT realmap.solve_captcha(%s, %L)', :alice_run, 'x'), '42501', NULL, 'nor solve her CAPTCHA');
SELECT throws_ok($$SELECT realmap.add_task('secx_alice', 'c', 'secx.noop(jsonb)')$$, '42501', NULL, 'bob may not add tasks to alice''s DAG');
SELECT throws_ok($$SELECT realmap.drop_dag('secx_alice')$$, '42501', NULL, 'bob may not drop alice''s DAG');
SELECT throws_ok($$SELECT realmap.schedule('0 2 * * *', '{}', 'secx_alice')$$, '42501', NULL, 'bob may not schedule alice''s DAG');
SELECT throws_ok($$SELECT realmap.unschedule('secx_alice')$$, '42501', NULL, 'bob may not unschedule alice''s DAG');
RESET ROLE;
SET ROLE secx_alice;
SELECT is(realmap._invoker(), 'secx_alice'::name, 'under SET ROLE the API sees the role set');
SELECT is(realmap.solve_captcha(:alice_run, $p$x'); DROP TABLE secx.canary; --$p$), :'alice_human'::bigint,
    'alice answers her own CAPTCHA');
SELECT is((SELECT answer FROM realmap.human_tasks WHERE human_task_id = :alice_human), to_jsonb($p$x'); DROP TABLE secx.canary; --$p$::text),
    'the answer is stored verbatim as data');
SELECT is(realmap.cancel(:alice_run), 'cancelled', 'alice cancels her own run');
SET ROLE secx_bob;
SELECT throws_ok(format('SELECT realmap.resume(%s)', :alice_run), '42501', NULL, 'bob may not resume alice''s run');
SELECT throws_ok(format('SELECT realmap.rerun(%s, %L)', :alice_run, 'a'), '42501', NULL, 'bob may not rerun alice''s run');
SET ROLE secx_alice;
SELECT is(realmap.resume(:alice_run), 'running', 'alice resumes her own run');
SELECT is(realmap.cancel(:alice_run), 'cancelled', 'and cancels it again');
SELECT is(realmap.rerun(:alice_run, 'b'), 'running', 'alice reruns her own run');
SELECT ok(realmap.schedule('0 3 * * *', '{}', 'secx_alice') > 0, 'alice schedules her own DAG');
SELECT is(realmap.unschedule('secx_alice'), true, 'and unschedules it');
SELECT throws_ok($$SELECT realmap.add_task('secx_alice', 'geo', 'realmap._geocode_task(jsonb)')$$, '42501',
    'task "geo": the DAG owner secx_alice may not execute realmap._geocode_task(jsonb)',
    'alice cannot make her DAG run a function she may not execute herself');
SELECT throws_ok(format('SELECT realmap.cancel(%s)', :root_run), '42501', NULL, 'alice may not cancel a run of another owner''s DAG');
SELECT throws_ok($$SELECT realmap.run('{}', dag => 'secx_root')$$, '42501', NULL, 'or start one');
SELECT throws_ok($$SELECT realmap.add_task('secx_root', 'evil', 'secx.noop(jsonb)')$$, '42501', NULL, 'or add a task to it');
SELECT throws_ok($$SELECT realmap.run('{}', dag => 'realmap_etl')$$, '42501', NULL, 'alice may not start realmap_etl');
SELECT throws_ok($$SELECT realmap.schedule('0 2 * * *', '{}', 'realmap_etl')$$, '42501', NULL, 'or schedule it');
SELECT throws_ok($$SELECT realmap.cleanup_history('1 day')$$, '42501', 'permission denied for function cleanup_history',
    'alice may not clean up history');
SELECT throws_ok($$SELECT cookies FROM realmap.portal_sessions$$, '42501', 'permission denied for table portal_sessions',
    'nor read the session cookies (nor may a task of hers: it runs with her rights)');
RESET ROLE;

-- ---- realmap_operator: operates every DAG, defines only its own
SET ROLE secx_ops;
SELECT is(realmap.cancel(:alice_run), 'cancelled', 'an operator cancels alice''s run');
SELECT is(realmap.resume(:alice_run), 'running', 'resumes it');
SELECT is(realmap.cancel(:alice_run), 'cancelled', 'cancels it again');
SELECT is(realmap.rerun(:alice_run, 'a'), 'running', 'and reruns it');
SELECT ok(realmap.run('{}', dag => 'secx_alice') > 0, 'an operator starts a run of alice''s DAG');
SELECT is(realmap.cancel(:root_run), 'cancelled', 'and cancels a run of the superuser''s DAG');
SELECT ok(realmap._may_operate((SELECT owner FROM realmap.dags WHERE dag_name = 'realmap_etl')),
    'an operator may operate realmap_etl');
SELECT throws_ok($$SELECT realmap.add_task('secx_alice', 'c', 'secx.noop(jsonb)')$$, '42501', NULL,
    'but an operator may not add tasks to alice''s DAG (only its owner defines it)');
SELECT throws_ok($$SELECT realmap.drop_dag('secx_alice')$$, '42501', NULL, 'nor drop it');
SELECT lives_ok($$SELECT count(*) FROM realmap.portal_sessions$$, 'an operator reads realmap.portal_sessions');
SELECT ok(has_function_privilege('realmap.fetch_url(text,text,text,text)', 'EXECUTE')
          AND has_function_privilege('realmap.cleanup_history(interval)', 'EXECUTE'),
    'an operator may fetch URLs and clean up history');
RESET ROLE;

-- ================================================================ (d) injection
-- DAG names: refused by pattern, with the name in the message
SELECT throws_ok(format('SELECT realmap.create_dag(%L)', p), '22023', format('invalid DAG name "%s"', p),
                 'a DAG name ' || d || ' is refused')
  FROM (VALUES ($p$x'; DROP TABLE secx.canary; --$p$, 'with a quote and a statement'),
               ($p$x"; CREATE TABLE secx.pwned (); --$p$, 'with a double quote'),
               ('a b', 'with a space'), ('a;b', 'with a semicolon'), ('a$$b', 'with a dollar quote'),
               (E'a\\b', 'with a backslash'), (E'a\nb', 'with a newline'), (E'a\tb', 'with a tab'),
               ('dåg', 'in unicode'), ('ダグ', 'in CJK'), ('', 'that is empty'), ('1abc', 'starting with a digit'),
               (repeat('a', 64), 'of 64 characters'), (repeat('x', 10000), 'of 10,000 characters')) v(p, d);
SELECT is(realmap.create_dag(repeat('a', 63)), repeat('a', 63), 'a DAG name of 63 characters is accepted');
SELECT is(realmap.create_dag('secx.d-1_x', default_params => $${"k": "'); DROP TABLE secx.canary; --"}$$,
                             description => $$x'); DROP TABLE secx.canary; --$$), 'secx.d-1_x',
    'dots and hyphens are allowed in a DAG name');
SELECT results_eq($$SELECT default_params->>'k', description FROM realmap.dags WHERE dag_name = 'secx.d-1_x'$$,
    $$VALUES ($p$'); DROP TABLE secx.canary; --$p$, $p$x'); DROP TABLE secx.canary; --$p$)$$,
    'default parameters and description are stored verbatim');
-- task names
SELECT throws_ok(format('SELECT realmap.add_task(%L, %L, %L)', 'secx_root', p, 'secx.noop(jsonb)'), '22023',
                 format('invalid task name "%s"', p), 'a task name ' || d || ' is refused')
  FROM (VALUES ($p$x'; DROP TABLE secx.canary; --$p$, 'with a quote and a statement'),
               ('a b', 'with a space'), ('a.b', 'with a dot'), ('ünï', 'in unicode'),
               (repeat('t', 64), 'of 64 characters')) v(p, d);
-- function names: parsed as a signature, never run as text
SELECT throws_ok(format('SELECT realmap.add_task(%L, %L, %L)', 'secx_root', 't', p), '42883',
                 format('task "t": function %s does not exist', p), 'a function name ' || d || ' is refused')
  FROM (VALUES ('realmap.version(); DROP TABLE secx.canary; --', 'followed by a statement'),
               ('secx.noop(jsonb); CREATE TABLE secx.pwned (); --', 'of a real function followed by a statement'),
               ('secx.noop(jsonb) --', 'with a comment'),
               ($p$secx.noop(jsonb)'$p$, 'with a stray quote'),
               ('secx.noop', 'without its argument types')) v(p, d);
-- (not wrapped by add_task: the cast's own "invalid name syntax", still a refusal)
SELECT matches(secx.error_of($$SELECT realmap.add_task('secx_root', 't', '(SELECT 1); DROP TABLE secx.canary')$$),
    '^(42883|42602): ', 'a function name that is a subquery is refused');
SELECT throws_ok($$SELECT realmap.add_task('secx_root', 't', 'pg_catalog.pg_sleep(float8)')$$, '42P13', NULL,
    'a function that does not take and return jsonb is refused');
SELECT throws_ok($$SELECT realmap.add_task('secx_root', 't', stage => 'x''; DROP TABLE secx.canary; --')$$, '22023',
    'task "t": unknown built-in stage "x''; DROP TABLE secx.canary; --"', 'a stage name with a statement is refused');
SELECT throws_ok($$SELECT realmap.add_task('secx_root', 't', 'secx.noop(jsonb)', upstream => ARRAY['x''; DROP TABLE secx.canary; --'])$$,
    '22023', NULL, 'an upstream name with a statement is refused');
SELECT throws_ok($$SELECT realmap.add_task('secx_root', 't', 'secx.noop(jsonb)', mode => 'map''; DROP TABLE secx.canary; --')$$,
    '22023', NULL, 'a mode with a statement is refused');
-- a real function whose schema and name need quoting: stored quoted, resolves to itself
CREATE SCHEMA "secx we'ird; x";
CREATE FUNCTION "secx we'ird; x"."f(jsonb); DROP TABLE secx.canary; --"(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT ctx $$;
SELECT is(realmap.add_task('secx_root', 'weird', format('%I.%I(jsonb)', 'secx we''ird; x', 'f(jsonb); DROP TABLE secx.canary; --')),
    'weird', 'a function with quotes, spaces and a semicolon in its names is accepted');
SELECT ok((SELECT function_name::regprocedure = format('%I.%I(jsonb)', 'secx we''ird; x', 'f(jsonb); DROP TABLE secx.canary; --')::regprocedure
             FROM realmap.dag_tasks WHERE dag_name = 'secx_root' AND task_name = 'weird'),
    'its stored name is quoted and resolves to that very function');
-- run parameters and idempotency keys: data
SELECT realmap.run('{"max_listings": "1; DROP TABLE realmap.runs", "q": "x''); DROP TABLE secx.canary; --"}'::jsonb,
                   dag => 'secx_alice', idempotency_key => $p$k'); DROP TABLE secx.canary; --$p$) AS inj_run \gset
SELECT results_eq(format('SELECT params, idempotency_key FROM realmap.runs WHERE run_id = %s', :inj_run),
    $$VALUES ('{"max_listings": "1; DROP TABLE realmap.runs", "q": "x''); DROP TABLE secx.canary; --"}'::jsonb,
              $p$k'); DROP TABLE secx.canary; --$p$)$$,
    'run parameters and the idempotency key are stored verbatim');
SELECT is(realmap.run('{}', dag => 'secx_alice', idempotency_key => $p$k'); DROP TABLE secx.canary; --$p$), :'inj_run'::bigint,
    'and the same key finds the same run');
SELECT throws_ok($$SELECT realmap.run('"1; DROP TABLE realmap.runs"'::jsonb, dag => 'secx_alice')$$, '22023',
    'run parameters must be a JSON object (got "1; DROP TABLE realmap.runs")', 'parameters that are not an object are refused');
SELECT throws_ok($$SELECT realmap.run('{}', dag => 'x''; DROP TABLE secx.canary; --')$$, '42704',
    'DAG "x''; DROP TABLE secx.canary; --" does not exist', 'a DAG name with a statement names no DAG');
SELECT throws_ok(format('SELECT realmap.rerun(%s, %L)', :root_run, $p$a'; DROP TABLE secx.canary; --$p$), '42704',
    $p$DAG "secx_root" has no task "a'; DROP TABLE secx.canary; --"$p$, 'a task name given to rerun names no task');
-- schedules: the cron text goes to pg_cron as a parameter, the parameters into the
-- job's command as literals
SELECT throws_ok($$SELECT realmap.schedule('; DROP TABLE secx.canary', '{}', 'secx_alice')$$, '22023',
    'invalid schedule: ; DROP TABLE secx.canary', 'a cron text that is no schedule is refused');
SELECT ok(realmap.schedule($p$0 2 * * *'; DROP TABLE secx.canary; --$p$, $p${"q": "'); DROP TABLE secx.canary; --"}$p$,
                           'secx_alice') > 0, 'a schedule with trailing text is accepted by pg_cron');
SELECT results_eq($$SELECT schedule, command FROM cron.job WHERE jobname = 'realmap:secx_alice'$$,
    $$VALUES ($p$0 2 * * *'; DROP TABLE secx.canary; --$p$::text,
              $p$SELECT realmap._scheduled_run('{"q": "''); DROP TABLE secx.canary; --"}'::jsonb, 'secx_alice')$p$::text)$$,
    'the cron text is stored as data; the job''s command holds the parameters as a quoted literal');
DO $$ BEGIN EXECUTE (SELECT command FROM cron.job WHERE jobname = 'realmap:secx_alice'); END $$;
SELECT is((SELECT params->>'q' FROM realmap.runs WHERE dag_name = 'secx_alice' AND trigger = 'schedule' ORDER BY run_id DESC LIMIT 1),
    $p$'); DROP TABLE secx.canary; --$p$, 'the job''s command, run as pg_cron would, passes the parameters back verbatim');
SELECT throws_ok($q$SELECT realmap.unschedule($p$x'; DROP TABLE secx.canary; --$p$)$q$, '42704',
    $p$DAG "x'; DROP TABLE secx.canary; --" does not exist$p$, 'unscheduling a name with a statement finds no such DAG');
-- configuration values
SELECT throws_ok($$SELECT realmap._config_interval('{"k": "1 day; DROP TABLE secx.canary"}', 'k', '1 day')$$, '22023',
    'configuration key "k" must be an interval, got "1 day; DROP TABLE secx.canary"', 'a config interval with a statement is refused');
SELECT is(realmap._config_interval('{"k": "2 days"}', $p$k'; DROP TABLE secx.canary; --$p$, '1 day'), '1 day'::interval,
    'a config key with a statement is only a key that is not there');
SELECT ok(to_regclass('secx.canary') IS NOT NULL AND to_regclass('secx.pwned') IS NULL AND to_regclass('realmap.runs') IS NOT NULL,
    'after the names, parameters and keys: the canary and realmap.runs exist, secx.pwned does not');

-- ================================================================ (f) secrets
-- API keys live in realmap.secrets (62_secrets.sql): only the owner reads a value;
-- config and runs hold a secret's name; operators set secrets without reading them.
SELECT has_table('realmap'::name, 'secrets'::name, 'secrets such as API keys live in realmap.secrets');
SELECT is(ARRAY(SELECT r || ' ' || p FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user', 'realmap_operator']) r,
                       unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
                 WHERE has_table_privilege(r, 'realmap.secrets', p)
                    OR (p <> 'DELETE' AND has_any_column_privilege(r, 'realmap.secrets', p))), '{}'::text[],
    'realmap.secrets is readable and writable by the extension owner only (not PUBLIC, readers, users or operators)');
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user', 'realmap_operator']) r
                 WHERE has_function_privilege(r, 'realmap._secret_header(text)', 'EXECUTE')), '{}'::text[],
    'no role may call realmap._secret_header from SQL (realmap.so reads secrets for the requests that need them)');
SELECT is(ARRAY(SELECT r || ' ' || f FROM unnest(ARRAY['secx_nobody', 'realmap_reader', 'realmap_user']) r,
                       unnest(ARRAY['realmap.set_secret(text, text, text, text)', 'realmap.drop_secret(text)']) f
                 WHERE has_function_privilege(r, f, 'EXECUTE')), '{}'::text[],
    'only operators may set or drop secrets');
SELECT ok(NOT has_table_privilege('realmap_user', 'realmap.secret_names', 'SELECT')
          AND has_table_privilege('realmap_operator', 'realmap.secret_names', 'SELECT'),
    'operators (not users or readers) list the secrets'' names');
SET ROLE secx_ops;
SELECT lives_ok($$SELECT realmap.set_secret('secx.api_key', 'secx-secret-7f3a', '127.0.0.1', 'X-Api-Key')$$,
    'an operator sets a secret');
SELECT throws_ok($$SELECT value FROM realmap.secrets$$, '42501', NULL, 'but cannot read it back');
SELECT results_eq($$SELECT name, header, host FROM realmap.secret_names WHERE name = 'secx.api_key'$$,
    $$VALUES ('secx.api_key'::text, 'X-Api-Key'::text, '127.0.0.1'::text)$$, 'realmap.secret_names shows it without its value');
SELECT throws_ok($$SELECT realmap.set_secret('secx.bad', E'line one\nX-Injected: 1', '127.0.0.1', 'X-Api-Key')$$, '22023',
    'the value of secret "secx.bad" must be one non-empty line', 'a value with a line break is refused, without echoing it');
SELECT throws_ok($$SELECT realmap.set_secret('secx.bad', 'v', 'http://127.0.0.1/', 'X-Api-Key')$$, '22023',
    'invalid host ''http://127.0.0.1/'' for secret "secx.bad"', 'a secret is bound to a host, not a URL');
SELECT throws_ok($$SELECT realmap.set_secret('secx.bad', 'v', '127.0.0.1', 'X-Api-Key: x')$$, '22023', NULL,
    'the header is a header name');
RESET ROLE;
UPDATE realmap.config SET value = '"secx.api_key"' WHERE key = 'geocode.secret';
SELECT realmap.run('{}', dag => 'secx_root') AS secret_run \gset
SELECT ok((SELECT config->>'geocode.secret' = 'secx.api_key' AND config::text NOT LIKE '%secx-secret-7f3a%'
             FROM realmap.runs WHERE run_id = :secret_run),
    'a run''s stored config (realmap.runs.config, readable by readers) names the secret and does not contain it');
SELECT is(ARRAY(SELECT key FROM realmap.config
                 WHERE key ~* '(secret|password|passwd|token|api[_.-]?key|credential|private)'
                   AND value <> 'null' AND NOT (value #>> '{}' IN (SELECT name FROM realmap.secrets)) ORDER BY 1),
    '{}'::text[], 'the config keys of credentials hold the name of a realmap.secrets entry, nothing else');
SELECT matches(secx.error_of($$SELECT realmap._nominatim_fetch('Raipur', '{"geocode.secret": "secx.api_key",
                 "geocode.base_url": "http://192.0.2.1", "http.allowed_hosts": ["192.0.2.1"]}')$$),
    '^42501: GET http://192\.0\.2\.1/search\?q=Raipur[^ ]*: its credential is for host "127\.0\.0\.1", not "192\.0\.2\.1"$',
    'a service pointed at another host than its secret''s is refused before any request, naming both hosts, not the value');
SELECT throws_ok($$SELECT realmap._nominatim_fetch('Raipur', '{"geocode.secret": "secx.nonesuch"}')$$, '42704',
    'secret "secx.nonesuch" does not exist', 'a config naming a secret that does not exist fails clearly');
SELECT is(ARRAY(SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                 WHERE c.relnamespace = 'realmap'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
                   AND (a.attname ~* '(cookie|secret|password|token|api_?key)' OR c.relname = 'secrets')
                   AND has_column_privilege('realmap_reader', c.oid, a.attnum, 'SELECT')
                 ORDER BY 1), '{}'::text[],
    'no column holding cookies or credentials is readable by realmap_reader');

-- ================================================================ whose rights a task's API calls carry
-- A worker connects as the bootstrap superuser and runs a task as its DAG owner
-- (SetUserIdAndSecContext, SECURITY_RESTRICTED_OPERATION): current_user is the
-- owner, the role setting stays 'none', session_user is the superuser.  A function
-- owned by alice, SECURITY DEFINER, called from this superuser session without
-- SET ROLE is in exactly that state.  The API must see alice there, not the session.
-- The worker itself now sets the role of the task's owner as well (the real-worker
-- check is test/e2e/engine_security.sh).  What remains: a privileged SESSION calling a
-- definer function of a less privileged role is still seen as itself by the API, which
-- learns its caller from the session (role setting, session_user) because the API
-- functions are SECURITY DEFINER themselves.
SELECT todo('the API sees the session''s role, not the current user of a definer function a privileged session calls', 5);
SET ROLE secx_alice;
CREATE FUNCTION secx.as_alice_invoker() RETURNS name LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT realmap._invoker() $$;
CREATE FUNCTION secx.as_alice_create(dag text) RETURNS text LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT realmap.create_dag(dag) $$;
CREATE FUNCTION secx.as_alice_add_task(dag text) RETURNS text LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT realmap.add_task(dag, 'alices', 'secx.noop(jsonb)') $$;
CREATE FUNCTION secx.as_alice_run(dag text) RETURNS bigint LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT realmap.run('{}', dag => dag) $$;
CREATE FUNCTION secx.as_alice_cancel(run bigint) RETURNS text LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT realmap.cancel(run) $$;
RESET ROLE;
SELECT is(secx.as_alice_invoker(), 'secx_alice'::name,
    'with alice''s rights in effect (as in a worker running her task) _invoker() is alice, not the session''s superuser');
SELECT secx.error_of($$SELECT secx.as_alice_create('secx_escalated')$$) AS escalated_err \gset
SELECT is(:'escalated_err' || ' / owner ' || coalesce((SELECT owner::text FROM realmap.dags WHERE dag_name = 'secx_escalated'), '(none)'),
    'no error / owner secx_alice',
    'a DAG created with alice''s rights is owned by alice (a superuser-owned one would run her functions as superuser)');
SELECT is(secx.error_of($$SELECT secx.as_alice_add_task('secx_root')$$) ~ '^42501: ', true,
    'with alice''s rights no task can be added to a superuser''s DAG');
SELECT realmap.run('{}', dag => 'secx_root') AS root_run2 \gset
SELECT is(secx.error_of(format('SELECT secx.as_alice_cancel(%s)', :root_run2)) ~ '^42501: ', true,
    'with alice''s rights a superuser''s run cannot be cancelled');
SELECT FROM realmap.cancel(:root_run2);
SELECT is(secx.error_of($$SELECT secx.as_alice_run('secx_root')$$) ~ '^42501: ', true,
    'with alice''s rights a superuser''s DAG cannot be started');

-- ================================================================ orphaned schedules
-- pg_cron jobs named realmap:<dag> run as the superuser that realmap.schedule runs as.
SELECT FROM cron.schedule('realmap:secx_orphan', '0 4 * * *', 'SELECT 1');
SET ROLE secx_bob;
SELECT secx.error_of($$SELECT realmap.unschedule('secx_orphan')$$) AS orphan_err \gset
RESET ROLE;
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'realmap:secx_orphan'), 1::bigint,
    'a user cannot remove a realmap:* pg_cron job of no DAG of its own (the owner check must not pass on NULL)');
SET ROLE secx_alice;
SELECT ok(realmap.schedule('0 5 * * *', '{}', 'secx_alice') > 0, 'alice schedules her DAG again');
SELECT FROM realmap.runs, realmap.cancel(run_id) WHERE dag_name = 'secx_alice' AND state IN ('queued', 'running', 'waiting');
SELECT FROM realmap.drop_dag('secx_alice');
RESET ROLE;
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'realmap:secx_alice'), 0::bigint,
    'dropping a DAG removes its schedule (else the next DAG of that name runs on it)');

-- ================================================================ (e) HTTP refusals
-- As the superuser, with allowed hosts set here.  Each fails before any connection.
UPDATE realmap.config SET value = '["secx.invalid"]' WHERE key = 'http.allowed_hosts';
SELECT throws_ok(format('SELECT status FROM realmap.fetch_url(%L)', u), '42501', format('GET %s: %s', u, why), d)
  FROM (VALUES ('file:///etc/passwd', 'scheme "file" is not allowed (only http and https)', 'file:// is refused for its scheme'),
               ('ftp://secx.invalid/x', 'scheme "ftp" is not allowed (only http and https)', 'ftp:// is refused, even to an allowed host'),
               ('gopher://secx.invalid/_x', 'scheme "gopher" is not allowed (only http and https)', 'gopher:// is refused'),
               ('dict://secx.invalid/x', 'scheme "dict" is not allowed (only http and https)', 'dict:// is refused'),
               ('http://169.254.169.254/latest/meta-data/', 'host "169.254.169.254" is not allowed (allowed: secx.invalid)',
                'the cloud metadata address is refused when not allowed'),
               ('http://[fd00:ec2::254]/', 'host "[fd00:ec2::254]" is not allowed (allowed: secx.invalid)',
                'the IPv6 metadata address is refused when not allowed'),
               ('http://example.com/', 'host "example.com" is not allowed (allowed: secx.invalid)', 'a host not in the list is refused'),
               ('http://secx.invalid.example.com/', 'host "secx.invalid.example.com" is not allowed (allowed: secx.invalid)',
                'an allowed host as a prefix of another is refused'),
               ('http://secx.invalid@169.254.169.254/', 'host "169.254.169.254" is not allowed (allowed: secx.invalid)',
                'an allowed host as userinfo before another is refused'),
               ('http://127.0.0.1:1/', 'host "127.0.0.1" is not allowed (allowed: secx.invalid)', '127.0.0.1 is refused when not allowed'),
               ('HTTP://LOCALHOST/', 'host "localhost" is not allowed (allowed: secx.invalid)', 'localhost is refused when not allowed')
       ) v(u, why, d);
-- even when allowed: the address connected to is checked (DNS rebinding included)
UPDATE realmap.config SET value = '["169.254.169.254", "169.254.1.1", "[fd00:ec2::254]", "[fe80::1]", "[::ffff:169.254.169.254]", "100.100.100.200"]'
 WHERE key = 'http.allowed_hosts';
SELECT throws_ok(format('SELECT status FROM realmap.fetch_url(%L)', u), '42501', format('GET %s: address %s is not allowed', u, why), d)
  FROM (VALUES ('http://169.254.169.254/latest/meta-data/', '169.254.169.254 (cloud metadata)', 'the metadata address is refused even when allowed'),
               ('http://[fd00:ec2::254]/', 'fd00:ec2::254 (cloud metadata)', 'the IPv6 metadata address is refused even when allowed'),
               ('http://100.100.100.200/', '100.100.100.200 (cloud metadata)', 'Alibaba''s metadata address is refused'),
               ('http://169.254.1.1/', '169.254.1.1 (link-local)', 'a link-local IPv4 address is refused'),
               ('http://[fe80::1]/', 'fe80::1 (link-local)', 'a link-local IPv6 address is refused'),
               ('http://[::ffff:169.254.169.254]/', '::ffff:169.254.169.254 (cloud metadata)', 'the metadata address mapped into IPv6 is refused'),
               ('http://2852039166/', '169.254.169.254 (cloud metadata)', 'the metadata address as one decimal number is refused'),
               ('http://0xa9fea9fe/', '169.254.169.254 (cloud metadata)', 'the metadata address in hex is refused')) v(u, why, d);
SET ROLE secx_ops;
SELECT throws_ok($$SELECT status FROM realmap.fetch_url('file:///etc/passwd')$$, '42501',
    'GET file:///etc/passwd: scheme "file" is not allowed (only http and https)', 'an operator''s fetch_url is refused the same');
RESET ROLE;
-- method and content type go into the request line and headers: one token, one line
SELECT throws_ok($$SELECT status FROM realmap.fetch_url('http://169.254.169.254/', method => E'GET / HTTP/1.1\r\nX-Injected: 1\r\n')$$,
    '22023', NULL, 'a method with CR/LF is refused before anything else (no request line injection)');
SELECT throws_ok($$SELECT status FROM realmap.fetch_url('http://169.254.169.254/', 'POST', 'x', E'text/plain\r\nX-Injected: 1')$$,
    '22023', NULL, 'a content type with CR/LF is refused before anything else (no header injection)');
UPDATE realmap.config SET value = '["x\"; DROP TABLE secx.canary; --"]' WHERE key = 'http.allowed_hosts';
SELECT is(secx.error_of($$SELECT status FROM realmap.fetch_url('http://secx.invalid/')$$) ~ '^22023: invalid HTTP client option: allowed host ', true,
    'an allowed host with a statement in it is refused as configuration');
UPDATE realmap.config SET value = '"x''; DROP TABLE secx.canary; --"' WHERE key = 'http.timeout_ms';
SELECT is(secx.error_of($$SELECT status FROM realmap.fetch_url('http://secx.invalid/')$$),
    $$22023: configuration key "http.timeout_ms" must be a number from 1 to 3600000, got "x'; DROP TABLE secx.canary; --"$$,
    'a config number with a statement in it is refused as configuration');

-- ================================================================ afterwards
SELECT ok(to_regclass('secx.canary') IS NOT NULL AND (SELECT count(*) FROM secx.canary) = 1, 'the canary table is still there, unchanged');
SELECT ok(to_regclass('secx.pwned') IS NULL, 'no object a payload named was created');
SELECT ok(to_regclass('realmap.runs') IS NOT NULL, 'realmap.runs is still there');

SELECT * FROM finish();
ROLLBACK;
