-- One run of a realmap DAG, timed.  psql variables: dag, params (jsonb text),
-- wait (interval text), task (the task whose instances are timed).
-- Prints one line: run_id|final_state|wall_s|instances|finished|span_s
-- where wall_s is from run() to wait() returning and span_s is
-- max(finished_at) - min(started_at) over the instances of :task.
-- run() and wait() are separate transactions (wait refuses a run created in its own).
SELECT clock_timestamp() AS t0 \gset
SELECT realmap.run(:'params'::jsonb, dag => :'dag') AS run_id \gset
SELECT coalesce(realmap.wait(:'run_id', :'wait'::interval)::text, 'null') AS final_state \gset
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS wall \gset
SELECT :'run_id', :'final_state', round(:wall::numeric, 4),
       count(*), count(finished_at),
       coalesce(round(extract(epoch FROM max(finished_at) - min(started_at))::numeric, 4), 0)
  FROM realmap.task_instances
 WHERE run_id = :'run_id' AND task_name = :'task';
