-- The dispatch-latency DAG: bench_chain, t0001 -> t0002 -> ... -> t<:chain>, each the
-- no-op of realmap_setup.sql, added one add_task call at a time, in one transaction.
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
