-- CREATE EXTENSION, the schema, settings.  This database (contrib_regression) is not
-- realmap.database_name, so CREATE EXTENSION warns that no workers serve it.
CREATE EXTENSION realmap;
SELECT n.nspname AS schema, e.extversion, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'realmap';
SELECT obj_description('realmap'::regnamespace, 'pg_namespace');

-- not relocatable: another schema is refused, naming the right one
DROP EXTENSION realmap;
CREATE SCHEMA other;
CREATE EXTENSION realmap SCHEMA other;
SELECT count(*) AS realmap_objects_in_other FROM pg_proc WHERE pronamespace = 'other'::regnamespace;
DROP SCHEMA other;
\set VERBOSITY terse
CREATE EXTENSION realmap;
\set VERBOSITY default
ALTER EXTENSION realmap SET SCHEMA public;

-- settings exist from the start, with the context that matches what they size
SELECT name, context, vartype, min_val, max_val, boot_val, short_desc <> '' AS documented
  FROM pg_settings WHERE name LIKE 'realmap.%' ORDER BY name;
SHOW realmap.database_name;
-- PGC_POSTMASTER: only at server start
SET realmap.max_workers = 8;
-- the prefix is reserved: a misspelt setting is an error, not a silent placeholder
SET realmap.max_worker = 8;
