-- Defining DAGs: what is accepted, and every nonsense rejected with a message that
-- names the problem.
\ir tap_settings.psql
BEGIN;
SELECT plan(30);

CREATE SCHEMA def;
CREATE FUNCTION def.ok(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT ctx $$;
CREATE FUNCTION def.wrong_arg(x int) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE FUNCTION def.wrong_ret(ctx jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
CREATE FUNCTION def.setof(ctx jsonb) RETURNS SETOF jsonb LANGUAGE sql AS $$ SELECT ctx $$;

SELECT is(realmap.create_dag('def_dag', max_active_runs => 2, default_params => '{"a": 1}'), 'def_dag', 'create_dag returns the name');
SELECT is((SELECT owner FROM realmap.dags WHERE dag_name = 'def_dag'), current_user::name, 'the creator owns the DAG');
SELECT throws_ok($$SELECT realmap.create_dag('def_dag')$$, '42710', 'DAG "def_dag" already exists', 'a DAG name is unique');
SELECT throws_ok($$SELECT realmap.create_dag('bad name!')$$, '22023', 'invalid DAG name "bad name!"', 'DAG names are checked');
SELECT throws_ok($$SELECT realmap.create_dag('x1', max_active_runs => 0)$$, '22023', 'max_active_runs must be at least 1 (got 0)', 'max_active_runs >= 1');
SELECT throws_ok($$SELECT realmap.create_dag('x2', default_params => '[1]')$$, '22023', 'default_params must be a JSON object (got [1])', 'default params are an object');

SELECT is(realmap.add_task('def_dag', 'a', 'def.ok(jsonb)'), 'a', 'a single SQL task');
SELECT is((SELECT function_name FROM realmap.dag_tasks WHERE dag_name = 'def_dag' AND task_name = 'a'), 'def.ok(jsonb)', 'the function is stored schema-qualified');
SELECT lives_ok($$SELECT realmap.add_task('def_dag', 'm', 'def.ok(jsonb)', upstream => '{a}', mode => 'map', max_attempts => 5,
                  backoff => '2 seconds', backoff_factor => 2, backoff_max => '5 minutes', timeout => '1 minute', concurrency => 8)$$,
                'a map task with the DESIGN.md policies');
SELECT lives_ok($$SELECT realmap.add_task('def_dag', 'e', 'def.ok(jsonb)', upstream => '{m}', mode => 'each')$$, 'an each task');
SELECT lives_ok($$SELECT realmap.add_task('def_dag', 'f', 'def.ok(jsonb)', upstream => '{e}', trigger_rule => 'all_done')$$, 'a fan-in');
SELECT results_eq($$SELECT upstream, downstream, edge_kind FROM realmap.dag_edges WHERE dag_name = 'def_dag' ORDER BY downstream$$,
    $$VALUES ('m', 'e', 'item'), ('e', 'f', 'fanin'), ('a', 'm', 'expand')$$, 'edges know how items flow');

SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'a', 'def.ok(jsonb)')$$, '42710', 'task "a" already exists in DAG "def_dag"', 'task names are unique');
SELECT throws_ok($$SELECT realmap.add_task('nope', 'a', 'def.ok(jsonb)')$$, '42704', 'DAG "nope" does not exist', 'unknown DAG');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', upstream => '{zz}')$$, '22023',
    'task "b" of DAG "def_dag" names unknown upstream task "zz"', 'unknown upstream');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.missing(jsonb)')$$, '42883',
    'task "b": function def.missing(jsonb) does not exist', 'unknown function');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.wrong_ret(jsonb)')$$, '42P13',
    'task "b": def.wrong_ret(jsonb) must be a function taking one jsonb and returning jsonb', 'wrong return type');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.setof(jsonb)')$$, '42P13', NULL, 'set-returning functions are refused');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.wrong_arg(integer)')$$, '42P13', NULL, 'wrong argument type');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', mode => 'parallel')$$, '22023',
    'task "b": mode must be single, map or each (got "parallel")', 'unknown mode');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', max_attempts => 0)$$, '22023',
    'task "b": max_attempts must be between 1 and 1000 (got 0)', 'max_attempts');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', backoff_factor => 0.5)$$, '22023',
    'task "b": backoff_factor must be between 1 and 100 (got 0.5)', 'backoff factor');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', backoff => '1 hour', backoff_max => '1 minute')$$, '22023',
    NULL, 'backoff above its cap');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', jitter => 2)$$, '22023',
    'task "b": jitter must be between 0 and 1 (got 2)', 'jitter');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', timeout => '-1 second')$$, '22023', NULL, 'negative timeout');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', upstream => '{a,m}', mode => 'map')$$, '22023',
    'map task "b" of DAG "def_dag" needs exactly one upstream, a single task returning {"items": [...]} (has {a,m})', 'a map has one single upstream');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', 'def.ok(jsonb)', upstream => '{a}', mode => 'each')$$, '22023',
    'each task "b" of DAG "def_dag" must have only map or each tasks upstream (it runs once per item of its upstream)', 'each needs a map upstream');
SELECT throws_ok($$SELECT realmap.add_task('def_dag', 'b', stage => 'no_such_stage')$$, '22023',
    'task "b": unknown built-in stage "no_such_stage"', 'unknown stage');
-- a cycle can only come from editing the table directly; the trigger still refuses it
SELECT throws_ok($$UPDATE realmap.dag_tasks SET upstream = '{f}' WHERE dag_name = 'def_dag' AND task_name = 'a'$$, '22023',
    'DAG "def_dag" has a cycle: a <- f <- e <- m <- a', 'cycles are refused, naming the cycle');
SELECT throws_ok($$SELECT realmap.run('{}', dag => 'def_nope')$$, '42704', 'DAG "def_nope" does not exist', 'run of an unknown DAG');

SELECT * FROM finish();
ROLLBACK;
