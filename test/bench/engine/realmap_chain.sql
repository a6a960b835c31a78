-- Dispatch latency over the bench_chain run :run_id: for each edge t(i) -> t(i+1),
-- downstream started_at - upstream finished_at, in milliseconds.
-- Prints: edges|p50_ms|p99_ms|avg_ms|max_ms
WITH t AS (
  SELECT task_name, started_at,
         lag(finished_at) OVER (ORDER BY task_name) AS upstream_finished
    FROM realmap.task_instances
   WHERE run_id = :'run_id' AND task_name ~ '^t[0-9]{4}$'
), e AS (
  SELECT extract(epoch FROM started_at - upstream_finished) * 1000 AS ms
    FROM t WHERE upstream_finished IS NOT NULL AND started_at IS NOT NULL
)
SELECT count(*),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 3),
       round(avg(ms)::numeric, 3), round(max(ms)::numeric, 3)
  FROM e;
