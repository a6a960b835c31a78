-- realmap extension script, version 0.1.0.
\echo Use "CREATE EXTENSION realmap" to load this file. \quit

-- The schema "realmap" is created by CREATE EXTENSION (realmap.control: schema =
-- realmap, relocatable = false).  Objects are always schema-qualified here.

COMMENT ON SCHEMA realmap IS 'RealMap ETL pipeline and in-database DAG engine';

CREATE FUNCTION realmap.version(
    OUT library_version text,
    OUT extension_version text,
    OUT postgresql_version text,
    OUT libcurl_version text)
RETURNS record
AS 'MODULE_PATHNAME', 'realmap_version'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION realmap.version() IS
'Versions of the loaded realmap library, the installed extension script, the PostgreSQL server and libcurl; warns when library and script differ';

-- The launcher serves one database only (realmap.database_name, as pg_cron's
-- cron.database_name): say so at once instead of leaving runs queued forever.
DO $$
BEGIN
    IF pg_catalog.current_database() OPERATOR(pg_catalog.<>)
       pg_catalog.current_setting('realmap.database_name') THEN
        RAISE WARNING 'realmap is installed in database "%", but its workers serve database "%"',
            pg_catalog.current_database(), pg_catalog.current_setting('realmap.database_name')
            USING HINT = 'Runs created here will not execute. Set realmap.database_name = '''
                         || pg_catalog.current_database() || ''' in postgresql.conf and restart, '
                         || 'or install realmap in that database.';
    END IF;
END
$$;
