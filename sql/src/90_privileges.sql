-- =====================================================================================
-- Privileges.  Nothing that starts, cancels or schedules work is executable by PUBLIC.
--   realmap_reader    reads the engine's tables and views, realmap.run_status
--   realmap_user      reader + defines DAGs of its own and operates them (run, wait,
--                     cancel, resume, rerun, answer, schedule); tasks run as the owner
--   realmap_operator  user + operates every DAG (the built-in realmap_etl among them)
--                     and cleans up history
-- =====================================================================================
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_reader') THEN
        CREATE ROLE realmap_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_user') THEN
        CREATE ROLE realmap_user NOLOGIN IN ROLE realmap_reader;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'realmap_operator') THEN
        CREATE ROLE realmap_operator NOLOGIN IN ROLE realmap_user;
    END IF;
END $$;

-- the API runs with the extension owner's rights, over tables no one else may write
ALTER FUNCTION realmap.create_dag(text, int, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION realmap.drop_dag(text) SECURITY DEFINER;
ALTER FUNCTION realmap.add_task(text, text, text, text[], text, text, text, int, interval, float8, interval,
                                float8, interval, int, int) SECURITY DEFINER;
ALTER FUNCTION realmap.run(jsonb, text, text) SECURITY DEFINER;
ALTER FUNCTION realmap.cancel(bigint) SECURITY DEFINER;
ALTER FUNCTION realmap.resume(bigint) SECURITY DEFINER;
ALTER FUNCTION realmap.rerun(bigint, text) SECURITY DEFINER;
ALTER FUNCTION realmap.signal(bigint, jsonb) SECURITY DEFINER;
ALTER FUNCTION realmap.solve_captcha(bigint, text) SECURITY DEFINER;
ALTER FUNCTION realmap.schedule(text, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION realmap.unschedule(text) SECURITY DEFINER;
ALTER FUNCTION realmap.cleanup_history(interval) SECURITY DEFINER;
ALTER FUNCTION realmap._scheduled_run(jsonb, text) SECURITY DEFINER;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA realmap FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA realmap FROM PUBLIC;
GRANT USAGE ON SCHEMA realmap TO PUBLIC;
GRANT EXECUTE ON FUNCTION realmap.version(), realmap.await_human(text, text, jsonb, interval), realmap.skip_item(text) TO PUBLIC;
-- helpers the API calls under the caller's name (SECURITY DEFINER keeps them inside)
GRANT EXECUTE ON FUNCTION realmap._invoker(), realmap._owns(name), realmap._may_operate(name) TO PUBLIC;

GRANT SELECT ON ALL TABLES IN SCHEMA realmap TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_status(bigint), realmap.wait(bigint, interval) TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.create_dag(text, int, jsonb, text), realmap.drop_dag(text),
    realmap.add_task(text, text, text, text[], text, text, text, int, interval, float8, interval, float8,
                     interval, int, int),
    realmap.run(jsonb, text, text), realmap.cancel(bigint), realmap.resume(bigint), realmap.rerun(bigint, text),
    realmap.signal(bigint, jsonb), realmap.solve_captcha(bigint, text), realmap.schedule(text, jsonb, text),
    realmap.unschedule(text) TO realmap_user;
GRANT EXECUTE ON FUNCTION realmap.cleanup_history(interval) TO realmap_operator;
GRANT EXECUTE ON FUNCTION realmap.parse_listing_page(text, text), realmap._parse_listing_json(text, text) TO realmap_reader;
-- the processing stages as pure functions (they read nothing but their arguments and
-- the label variants)
GRANT EXECUTE ON FUNCTION realmap.extract_raw(text, text), realmap.map_v1(jsonb, jsonb),
    realmap._map_v1(jsonb, jsonb, jsonb), realmap._label_variants(), realmap.normalize_v1(jsonb),
    realmap.validate_v1(jsonb, timestamptz), realmap._validate_v1(jsonb, text),
    realmap.prepare_v1(jsonb, jsonb, timestamptz), realmap._prepare_v1(jsonb, jsonb, jsonb, text) TO realmap_reader;
-- fetches a URL: operators only; the session cookies of the portal likewise
GRANT EXECUTE ON FUNCTION realmap.fetch_url(text, text, text, text) TO realmap_operator;
REVOKE SELECT ON realmap.portal_sessions FROM realmap_reader;
-- operators may add a label spelling without a rebuild (map_v1 reads the tables)
GRANT INSERT, UPDATE, DELETE ON realmap.section_variants, realmap.label_variants TO realmap_operator;
-- loading projects (load_project runs as its caller: the DAG owner, or an operator)
GRANT EXECUTE ON FUNCTION realmap.load_project(jsonb),
    realmap._v1_text(jsonb, text), realmap._v1_num(jsonb, text), realmap._v1_int(jsonb, text),
    realmap._v1_bool(jsonb, text), realmap._v1_enum(jsonb, text, text[]), realmap._v1_date(jsonb, text),
    realmap._v1_timestamptz(jsonb, text), realmap._v1_list(jsonb, text), realmap._v1_is_file_url(text),
    realmap._v1_plots(jsonb, text), realmap._v1_amenity_progress(jsonb, text),
    realmap._v1_certificates(jsonb, text), realmap._v1_notes(text[], text, bigint, bigint, bigint, text)
    TO realmap_operator;
GRANT INSERT, UPDATE ON realmap.parent_projects, realmap.projects, realmap.promoters, realmap.land_parcels,
    realmap.buildings, realmap.unit_types, realmap.bank_accounts, realmap.project_documents,
    realmap.quarterly_updates, realmap.units, realmap.project_locations, realmap.project_pricing_snapshots,
    realmap.data_provenance TO realmap_operator;
GRANT USAGE ON SEQUENCE realmap.parent_projects_parent_project_id_seq, realmap.projects_project_id_seq,
    realmap.promoters_promoter_id_seq, realmap.land_parcels_land_parcel_id_seq, realmap.buildings_building_id_seq,
    realmap.unit_types_unit_type_id_seq, realmap.bank_accounts_bank_account_id_seq,
    realmap.project_documents_document_id_seq, realmap.quarterly_updates_quarterly_update_id_seq,
    realmap.units_unit_id_seq, realmap.project_locations_location_id_seq,
    realmap.project_pricing_snapshots_snapshot_id_seq, realmap.data_provenance_provenance_id_seq TO realmap_operator;
GRANT SELECT ON realmap.portal_sessions TO realmap_operator;
-- secrets (62_secrets.sql): operators write them and list their names; no one but the
-- owner reads a value, and realmap._secret_header is for realmap.so alone
REVOKE SELECT ON realmap.secrets, realmap.secret_names FROM realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.set_secret(text, text, text, text), realmap.drop_secret(text) TO realmap_operator;
GRANT SELECT ON realmap.secret_names TO realmap_operator;
-- enrichment and scoring: the pure functions for readers; geocoding and amenity counts
-- ask outside services and write, so they are for operators (and the DAG owner)
GRANT EXECUTE ON FUNCTION realmap.chhattisgarh_box(), realmap.score_from_stats(jsonb), realmap.value_score(float8, float8, float8),
    realmap.value_bucket(float8), realmap.normalize_address(jsonb), realmap.geocode_candidates(jsonb),
    realmap.choose_location(jsonb), realmap._read_nominatim(text, text, text), realmap.default_amenity_categories(),
    realmap.overpass_query(float8, float8, jsonb, int), realmap.amenity_stats(float8, float8, jsonb, jsonb)
    TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.geocode_project(bigint, boolean, bigint), realmap.compute_amenities(bigint, bigint),
    realmap.compute_score(bigint, bigint), realmap.compute_value_scores(bigint, numeric),
    realmap._nominatim_fetch(text, jsonb), realmap._overpass_fetch(text, jsonb, jsonb, float8, float8), realmap._config_of(bigint),
    realmap._config_interval(jsonb, text, interval), realmap._project(bigint), realmap._amenity_categories(),
    realmap._onsite_amenities(bigint) TO realmap_operator;
GRANT INSERT, UPDATE, DELETE ON realmap.geocode_cache, realmap.amenity_poi_cache, realmap.project_amenity_stats,
    realmap.project_scores, realmap.amenity_categories TO realmap_operator;
GRANT DELETE ON realmap.project_locations TO realmap_operator;
-- the map: projects as GeoJSON (what the readers are for)
GRANT EXECUTE ON FUNCTION realmap.projects_geojson(jsonb) TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_timeline_svg(bigint), realmap._xml(text), realmap._state_colour(text),
    realmap.run_report_html(bigint), realmap._run_map_svg(bigint) TO realmap_reader;

-- The engine's batch functions run on tables that grow from nothing to 100,000 rows
-- within one run, faster than autovacuum's statistics follow; a plan chosen while a
-- table looked empty would scan all of it in every batch.  Their plans go by index.
ALTER FUNCTION realmap._claim(int, int) SET enable_seqscan = off;
ALTER FUNCTION realmap._resolve(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION realmap._tick() SET enable_seqscan = off;
ALTER FUNCTION realmap._recover(int, text) SET enable_seqscan = off;
ALTER FUNCTION realmap._prune_lease(int) SET enable_seqscan = off;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text) SET enable_seqscan = off;
-- ... and their plans are made once.  Their statements take arrays of ids; a custom
-- plan sees how many there are and looks cheaper, so PostgreSQL kept planning again on
-- every call: 1.6 of _claim's 2.1 ms and 2.2 of _resolve's 3.0 ms a chain step.
ALTER FUNCTION realmap._claim(int, int) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._resolve(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._settle(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._expand(bigint) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._finish_runs(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._tick() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._recover(int, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION realmap._fail(bigint, int, text, text, text, boolean, interval, text)
    SET plan_cache_mode = force_generic_plan;

-- Observability (70_observability.sql): read-only, for readers (and so users and
-- operators); PUBLIC has nothing (the REVOKEs above ran after these objects existed).
-- The views run with their owner's rights over the engine's tables; the functions with
-- the caller's, who needs SELECT on them (realmap_reader has it).
GRANT SELECT ON realmap.active_tasks, realmap.open_human_tasks TO realmap_reader;
GRANT EXECUTE ON FUNCTION realmap.run_summary(bigint), realmap.stage_stats(interval), realmap.metrics(interval),
    realmap._attempts_of(bigint[]), realmap._prom_label(text), realmap._prom_num(numeric) TO realmap_reader;
