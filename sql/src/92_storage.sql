-- How the large values are stored.
--
-- Detail pages (about 47 KB each) and the documents made from them are compressed
-- when stored (TOAST).  PostgreSQL's default, pglz, costs about 1.3 ms to store one
-- detail page on this machine class against 0.23 ms with lz4 (500 pages inserted,
-- psql \timing), and every fetch_details, extract and load pays it: lz4 where the
-- server was built with it (Debian's and most distributions' packages are), pglz
-- otherwise.  Only the compression of new values changes; nothing else depends on it.
DO $$
DECLARE
    col record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings
                    WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        RAISE NOTICE 'realmap: this server has no lz4; large values are compressed with pglz';
        RETURN;
    END IF;
    FOR col IN SELECT * FROM (VALUES ('raw_pages', 'body'), ('page_extractions', 'v1'), ('projects', 'v1'),
                                     ('amenity_poi_cache', 'pois'), ('geocode_cache', 'answer')) AS c(tab, name)
    LOOP
        EXECUTE format('ALTER TABLE realmap.%I ALTER COLUMN %I SET COMPRESSION lz4', col.tab, col.name);
    END LOOP;
END $$;
