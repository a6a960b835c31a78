-- The C++/PostgreSQL error boundary (src/pg/guard.hpp): C++ exceptions become ERRORs
-- with meaningful SQLSTATEs; a PostgreSQL ERROR raised while C++ objects are alive
-- crosses them and arrives with SQLSTATE, detail and hint intact; no destructor is
-- skipped, so 10,000 failing calls leave the backend's memory flat.
\ir tap_settings.psql
BEGIN;
SELECT plan(21);

CREATE SCHEMA selftest;
CREATE FUNCTION selftest.throw(kind text) RETURNS text
    AS '$libdir/realmap', 'realmap_selftest_throw' LANGUAGE C STRICT;
CREATE FUNCTION selftest.pg_error(sql text) RETURNS boolean
    AS '$libdir/realmap', 'realmap_selftest_pg_error' LANGUAGE C STRICT;
CREATE FUNCTION selftest.unguarded_pg_error(sql text) RETURNS boolean
    AS '$libdir/realmap', 'realmap_selftest_unguarded_pg_error' LANGUAGE C STRICT;
CREATE FUNCTION selftest.destructor_count() RETURNS bigint
    AS '$libdir/realmap', 'realmap_selftest_destructor_count' LANGUAGE C STRICT;

-- an ERROR with every field set, raised inside SPI under the C++ frames
CREATE FUNCTION selftest.raising_sql() RETURNS text LANGUAGE sql AS $fn$
  SELECT $q$DO $do$ BEGIN RAISE EXCEPTION USING ERRCODE = 'RM042', MESSAGE = 'listing 17 is malformed',
         DETAIL = 'row 17 has 14 cells, expected 15', HINT = 'compare with the saved page'; END $do$ $q$
$fn$;

-- the fields of the error a call raises, as one row
CREATE FUNCTION selftest.caught(call text, OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE call;
  code := 'none';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;

-- VmRSS of this backend in kB
CREATE FUNCTION selftest.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmRSS:\s+(\d+) kB'))[1]::bigint
$$;

-- calls `call` n times, swallowing the error each time; returns how many failed
CREATE FUNCTION selftest.fail_n(call text, n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE failed int := 0;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      EXECUTE call;
    EXCEPTION WHEN OTHERS THEN failed := failed + 1;
    END;
  END LOOP;
  RETURN failed;
END $$;

-- C++ exceptions -> SQLSTATEs
SELECT throws_ok($$SELECT selftest.throw('bad_alloc')$$, '53200', NULL, 'std::bad_alloc becomes 53200 out_of_memory');
SELECT throws_ok($$SELECT selftest.throw('runtime')$$, '38000',
                 'realmap_selftest_throw: selftest runtime_error',
                 'std::runtime_error becomes 38000, message prefixed with the entry point');
SELECT throws_ok($$SELECT selftest.throw('invalid_argument')$$, '22023', NULL, 'std::invalid_argument becomes 22023');
SELECT throws_ok($$SELECT selftest.throw('length')$$, '54000', NULL, 'std::length_error becomes 54000');
SELECT throws_ok($$SELECT selftest.throw('unknown')$$, '38000', 'realmap_selftest_throw: unknown C++ exception',
                 'a non-std exception becomes 38000');
SELECT is(selftest.throw('none'), 'no exception', 'no exception: the function returns normally');
SELECT results_eq($$SELECT * FROM selftest.caught($c$SELECT selftest.throw('realmap')$c$)$$,
  $$VALUES ('22023', 'selftest: unknown district "Raipurr"', 'valid districts: Bilaspur, Durg, Raipur',
            'check the spelling in the run parameters')$$,
  'realmap::Error keeps its SQLSTATE, message, detail and hint');

-- PostgreSQL ERROR across live C++ objects
SELECT results_eq(format($$SELECT * FROM selftest.caught(%L)$$, format('SELECT selftest.pg_error(%L)', selftest.raising_sql())),
  $$VALUES ('RM042', 'listing 17 is malformed', 'row 17 has 14 cells, expected 15', 'compare with the saved page')$$,
  'a PostgreSQL ERROR crossing C++ frames keeps SQLSTATE, message, detail and hint');
SELECT throws_ok($$SELECT selftest.pg_error('SELECT 1/0')$$, '22012', 'division by zero',
                 'a built-in error arrives unchanged');
SELECT throws_ok($$SELECT selftest.pg_error('SELECT no_such_column FROM pg_class')$$, '42703', NULL,
                 'an error from parse analysis arrives unchanged');
SELECT is(selftest.pg_error('SELECT 1'), true, 'no error: the SPI statement runs');

-- destructors run on every error path
SELECT selftest.destructor_count() AS before \gset
SELECT is(selftest.fail_n($$SELECT selftest.throw('runtime')$$, 10), 10, 'ten C++ throws fail');
SELECT is(selftest.fail_n(format('SELECT selftest.pg_error(%L)', 'SELECT 1/0'), 10), 10, 'ten PostgreSQL errors fail');
SELECT is(selftest.destructor_count() - :before, 20::bigint, 'and each ran the live object''s destructor');
SELECT selftest.destructor_count() AS before \gset
SELECT is(selftest.fail_n(format('SELECT selftest.unguarded_pg_error(%L)', 'SELECT 1/0'), 5), 5,
          'negative control: unguarded calls fail too');
SELECT is(selftest.destructor_count() - :before, 0::bigint, 'but skip the destructor (the longjmp crosses C++ frames)');

-- memory: warm up (plpgsql, catalog caches), then 10,000 failing calls
SELECT selftest.fail_n($$SELECT selftest.throw('realmap')$$, 500) + selftest.fail_n(format('SELECT selftest.pg_error(%L)', selftest.raising_sql()), 500);
SELECT selftest.rss_kb() AS rss0 \gset
SELECT is(selftest.fail_n(format('SELECT selftest.pg_error(%L)', selftest.raising_sql()), 5000), 5000,
          '5,000 PostgreSQL errors across C++ frames');
SELECT is(selftest.fail_n($$SELECT selftest.throw('realmap')$$, 5000), 5000, '5,000 C++ exceptions');
SELECT selftest.rss_kb() AS rss1 \gset
SELECT cmp_ok((:rss1 - :rss0)::bigint, '<', 1024::bigint,
              format('10,000 failing calls grew resident memory by %s kB (< 1 MB)', :rss1 - :rss0));
SELECT results_eq($$SELECT code, detail, hint FROM selftest.caught(format('SELECT selftest.pg_error(%L)', selftest.raising_sql()))$$,
  $$VALUES ('RM042', 'row 17 has 14 cells, expected 15', 'compare with the saved page')$$,
  'after 10,000 failures the error still arrives intact');
-- the same measurement sees a leak: 100 unguarded calls leak 100 x 256 kB
SELECT selftest.rss_kb() AS rss2 \gset
SELECT selftest.fail_n(format('SELECT selftest.unguarded_pg_error(%L)', 'SELECT 1/0'), 100);
SELECT cmp_ok(selftest.rss_kb() - :rss2, '>', 10240::bigint,
              'negative control: the measurement sees 100 skipped destructors (> 10 MB)');

SELECT * FROM finish();
ROLLBACK;
