-- realmap.schedule without pg_cron in this database says so, and what to do.
SELECT realmap.create_dag('no_cron');
SELECT realmap.add_task('no_cron', 'noop', 'pg_catalog.jsonb_strip_nulls(jsonb)');
SELECT realmap.schedule('0 2 * * *', '{}', 'no_cron');
SELECT realmap.unschedule('no_cron');
SELECT realmap.drop_dag('no_cron');
