-- =====================================================================================
-- pg_dump and restore.  pg_dump writes an extension's member tables as CREATE EXTENSION
-- only: their rows are lost unless the table is registered with
-- pg_extension_config_dump (then its rows matching the condition are dumped, and
-- restored after the restore's CREATE EXTENSION has created and seeded the tables).
-- Every realmap table is listed below, with what a dump keeps of it and why; the
-- end-to-end test test/e2e/upgrade_backup.sh fails for a table that is in none of the
-- lists.
--
-- Seeded rows.  A COPY of a row whose key CREATE EXTENSION already inserted fails, and
-- with it the whole table's data.  So a table with seeded rows is dumped without them:
--   * the built-in DAG realmap_etl and its tasks: WHERE dag_name <> 'realmap_etl'
--     (the restore's CREATE EXTENSION defines them, as the installed version has them);
--   * label and section variants: WHERE NOT seeded (operators add rows; the seeded ones
--     come with the script);
--   * configuration values and amenity categories, whose seeded rows users change:
--     seeded is true for a row as the script seeded it, and a trigger clears it when the
--     row is changed (realmap._seeded_row_changed).  pg_dump keeps the rows WHERE NOT
--     seeded: the user's own rows and the seeded ones the user changed.  On restore such
--     a changed row meets the freshly seeded row of its key; a BEFORE INSERT trigger
--     (COPY fires row triggers, and the extension's triggers exist before the data
--     section runs) turns that insert into an update of the seeded row, which then holds
--     the user's value.  An insert over a row that is not seeded (a user's own, or a
--     seeded one already changed) still fails on the key, as any duplicate does.
--     A default nobody changed is not dumped at all, so a restore into a newer version
--     gets that version's default, not the old one.
-- A seeded row the user deleted (or whose key was changed) comes back with the
-- restore's CREATE EXTENSION: deletions of seeded rows are not kept.
--
-- Order and ids.  pg_dump loads registered tables in the order of their foreign keys
-- (dags before dag_tasks and runs, projects before their children), and the sequences
-- behind every bigserial are registered too, so ids created after a restore continue
-- after the restored ones.  realmap.dag_edges is not dumped: the dag_tasks triggers
-- rebuild it as the tasks are restored.  realmap.stages lists the library's built-in
-- stages: the script seeds all of it.
--
-- Running instances.  realmap.worker_leases is dumped with them (in the same snapshot):
-- restored into a server whose launcher already made its start-up recovery, the
-- instances that were running at the dump are found through their lease rows when
-- those run out, as any worker's that stopped.
--
-- A restored database must not start work before the operator says so: restore into a
-- server running with realmap.enabled = off (README "Upgrades and backups").
-- =====================================================================================

-- ------------------------------------------------------------------ seeded rows
-- seeded holds while the row is what the script seeded: any change to the row (other
-- than its updated_at stamp) makes it the user's row, which pg_dump keeps.  An upgrade
-- script that changes a seeded default updates only rows WHERE seeded, with this
-- trigger disabled (or before it exists), so the row stays seeded.
CREATE FUNCTION realmap._seeded_row_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.seeded AND NEW.seeded
       AND (to_jsonb(NEW) - 'seeded' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'seeded' - 'updated_at') THEN
        NEW.seeded := false;
    END IF;
    RETURN NEW;
END $$;

-- An inserted configuration value whose key is still seeded replaces the seeded value
-- (what restores a changed default: see above).
CREATE FUNCTION realmap._config_replace_seeded() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.config c
       SET value = NEW.value, description = NEW.description, updated_at = NEW.updated_at, seeded = NEW.seeded
     WHERE c.key = NEW.key AND c.seeded;
    IF FOUND THEN
        RETURN NULL;   -- the seeded row holds the inserted values now
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION realmap._amenity_categories_replace_seeded() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE realmap.amenity_categories a
       SET radii_km = NEW.radii_km, position = NEW.position, seeded = NEW.seeded
     WHERE a.category = NEW.category AND a.key = NEW.key AND a.value = NEW.value AND a.seeded;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;

-- trigger functions: no one calls them (firing a trigger checks no EXECUTE privilege)
REVOKE ALL ON FUNCTION realmap._seeded_row_changed(), realmap._config_replace_seeded(),
    realmap._amenity_categories_replace_seeded() FROM PUBLIC;

-- everything the script seeded up to here (this file comes last)
UPDATE realmap.config SET seeded = true;
UPDATE realmap.amenity_categories SET seeded = true;

CREATE TRIGGER config_seeded_row_changed BEFORE UPDATE ON realmap.config
    FOR EACH ROW EXECUTE FUNCTION realmap._seeded_row_changed();
CREATE TRIGGER config_replace_seeded BEFORE INSERT ON realmap.config
    FOR EACH ROW EXECUTE FUNCTION realmap._config_replace_seeded();
CREATE TRIGGER amenity_categories_seeded_row_changed BEFORE UPDATE ON realmap.amenity_categories
    FOR EACH ROW EXECUTE FUNCTION realmap._seeded_row_changed();
CREATE TRIGGER amenity_categories_replace_seeded BEFORE INSERT ON realmap.amenity_categories
    FOR EACH ROW EXECUTE FUNCTION realmap._amenity_categories_replace_seeded();

-- ------------------------------------------------------------------ what pg_dump keeps
-- One pg_extension_config_dump call per statement: each call rewrites the pg_extension
-- row, and a second call within the same statement would not see the first's change.
DO $$
DECLARE
    reg record;
    seq regclass;
BEGIN
    FOR reg IN SELECT tbl, cond FROM (VALUES
        -- the engine: user DAGs, runs and their whole history
        ('config', 'WHERE NOT seeded'),
        ('dags', $c$WHERE dag_name <> 'realmap_etl'$c$),
        ('dag_tasks', $c$WHERE dag_name <> 'realmap_etl'$c$),
        ('runs', ''), ('task_instances', ''), ('attempt_history', ''), ('human_tasks', ''), ('worker_leases', ''),
        -- acquisition and processing: what each run listed, fetched and extracted
        ('portal_sessions', ''), ('listings', ''), ('raw_pages', ''), ('page_extractions', ''),
        ('section_variants', 'WHERE NOT seeded'), ('label_variants', 'WHERE NOT seeded'),
        -- the loaded projects
        ('parent_projects', ''), ('projects', ''), ('promoters', ''), ('land_parcels', ''), ('buildings', ''),
        ('unit_types', ''), ('bank_accounts', ''), ('project_documents', ''), ('quarterly_updates', ''),
        ('units', ''), ('project_locations', ''), ('project_pricing_snapshots', ''), ('data_provenance', ''),
        -- enrichment and scoring: the caches (answers of rate-limited services), stats,
        -- scores and run summaries
        ('geocode_cache', ''), ('amenity_poi_cache', ''), ('amenity_categories', 'WHERE NOT seeded'),
        ('project_amenity_stats', ''), ('project_scores', ''), ('run_summaries', ''),
        -- the API keys (62_secrets.sql): a backup is as secret as the database, and
        -- pg_dump runs as someone who may read them
        ('secrets', '')
        ) AS r(tbl, cond)
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('realmap.' || reg.tbl)::regclass, reg.cond);
        -- the sequence of each serial column: new ids continue after the restored ones
        FOR seq IN SELECT pg_catalog.pg_get_serial_sequence('realmap.' || reg.tbl, a.attname)::regclass
                     FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = ('realmap.' || reg.tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                      AND pg_catalog.pg_get_serial_sequence('realmap.' || reg.tbl, a.attname) IS NOT NULL
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(seq, '');
        END LOOP;
    END LOOP;
END $$;
