-- realmap side of the engine benchmark: two no-op SQL tasks and two DAGs, written
-- against the SQL API of issue 3 (DESIGN.md "Defining a DAG in SQL").
--   bench_map    items (single) -> noop (map over items' output): :n no-op instances
--   bench_chain  t0001 -> t0002 -> ... -> t1000, each a no-op (dispatch latency)
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.items(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('items',
    (SELECT jsonb_agg(i::text) FROM generate_series(1, (ctx->'params'->>'n')::int) i))
$$;
CREATE OR REPLACE FUNCTION bench.noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT '{}'::jsonb
$$;

SELECT realmap.create_dag('bench_map');
SELECT realmap.add_task('bench_map', 'items', 'bench.items(jsonb)');
SELECT realmap.add_task('bench_map', 'noop', 'bench.noop(jsonb)', upstream => '{items}', mode => 'map');

SELECT realmap.create_dag('bench_chain');
-- psql does not expand variables inside dollar quotes: pass the length as a setting.
SELECT set_config('bench.chain_length', :'chain', false);
DO $$
DECLARE
  i int;
  name text;
BEGIN
  FOR i IN 1 .. current_setting('bench.chain_length')::int LOOP
    name := 't' || lpad(i::text, 4, '0');
    IF i = 1 THEN
      EXECUTE format('SELECT realmap.add_task(%L, %L, %L)', 'bench_chain', name, 'bench.noop(jsonb)');
    ELSE
      EXECUTE format('SELECT realmap.add_task(%L, %L, %L, upstream => %L)', 'bench_chain', name,
                     'bench.noop(jsonb)', '{t' || lpad((i - 1)::text, 4, '0') || '}');
    END IF;
  END LOOP;
END
$$;
