-- realmap side of the engine benchmark, written against the SQL API of issue 3
-- (DESIGN.md "Defining a DAG in SQL"): two no-op SQL tasks and the DAG
--   bench_map    items (single) -> noop (a map over items' output): n no-op instances
-- (realmap_chain_setup.sql defines the chain DAG).
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
