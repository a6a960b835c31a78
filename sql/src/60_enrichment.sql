-- =====================================================================================
-- Enrichment and scoring: geocode[i], amenities[i], compute_scores[i] and finalize in
-- realmap_etl, each a SQL task over a function that stands alone as well:
--   realmap.geocode_project(project_id)    a position for the project (RERA's own, or
--                                          Nominatim's for the address, cached)
--   realmap.compute_amenities(project_id)  one Overpass query, counts and nearest
--                                          distances per (category, radius)
--   realmap.compute_score(project_id)      the scores from those stats and the
--                                          project's own RERA amenities
--   realmap.score_from_stats(jsonb)        the scoring itself, pure
-- =====================================================================================

INSERT INTO realmap.config (key, value, description) VALUES
    ('geocode.base_url', '"https://nominatim.openstreetmap.org"', 'Nominatim (GET <base_url>/search?q=...)'),
    ('geocode.user_agent', 'null', 'User-Agent of geocoding requests (null: http.user_agent); Nominatim''s policy asks for one naming the application'),
    ('geocode.email', 'null', 'Contact email sent with each Nominatim request (its email parameter), as the usage policy asks for bulk use'),
    ('geocode.max_requests_per_second', '1', 'Nominatim requests per second, across all workers (the usage policy: at most 1)'),
    ('geocode.max_concurrent', '1', 'Nominatim requests in flight, across all workers'),
    ('geocode.cache_ttl', '"180 days"', 'How long a Nominatim answer (a place) is used instead of asking again'),
    ('geocode.miss_ttl', '"30 days"', 'How long a Nominatim miss (no place) is remembered, so it is not asked again every run'),
    ('amenities.overpass_url', '"https://overpass-api.de/api/interpreter"', 'Overpass interpreter (POST data=<query>)'),
    ('amenities.user_agent', 'null', 'User-Agent of Overpass requests (null: http.user_agent)'),
    ('amenities.max_requests_per_second', '1', 'Overpass requests per second, across all workers'),
    ('amenities.max_concurrent', '2', 'Overpass requests in flight, across all workers (the public server gives an address 2 slots)'),
    ('amenities.query_timeout_s', '60', 'The [timeout:] of each Overpass query, in seconds'),
    ('amenities.cache_ttl', '"30 days"', 'How long an Overpass answer for a position is used instead of asking again'),
    ('scores.median_price_inr', 'null', 'Median price for value scores (null: the median of the run''s scored projects; 5,000,000 INR when none has a price)');

-- ------------------------------------------------------------------ pure functions

CREATE FUNCTION realmap.score_from_stats(stats jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_score_from_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.score_from_stats(jsonb) IS
'The scores of one project from its amenity slices: [{amenity_type, radius_km, nearby_count, nearby_nearest_km}] or {"slices": [...], "onsite_amenities": [text] | null}; the original''s formulas with Python''s rounding (README: Scores)';

CREATE FUNCTION realmap.value_score(overall_score float8, price_inr float8, median_price_inr float8 DEFAULT NULL)
    RETURNS float8 AS 'MODULE_PATHNAME', 'realmap_value_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.value_score(float8, float8, float8) IS
'round(100 * (0.6 * overall/100 + 0.4 * (1 - min(max(price/median, 0), 2)/2)), 2); NULL without overall or price; median NULL or <= 0: 5,000,000';

CREATE FUNCTION realmap.value_bucket(value_score float8) RETURNS text
    AS 'MODULE_PATHNAME', 'realmap_value_bucket' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.value_bucket(float8) IS 'excellent (>= 70), good (>= 55), fair (>= 40), poor, unknown (NULL)';

CREATE FUNCTION realmap.normalize_address(parts jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_normalize_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.normalize_address(jsonb) IS
'{address, locality, tehsil, district, pincode, state} as a geocoder can match them: {address_line, locality, tehsil, district, state, pincode, country, full, low_confidence}';

CREATE FUNCTION realmap.geocode_candidates(parts jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_geocode_candidates' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.geocode_candidates(jsonb) IS
'The geocoding queries for an address, finest first: address, locality, tehsil, district level ({normalized, candidates: [{query, level, url_params}]})';

CREATE FUNCTION realmap.choose_location(candidates jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_choose_location' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.choose_location(jsonb) IS
'The position of a project from every source: [{source_type, latitude, longitude, precision?, query_level?, suspect?}] -> {found, latitude, longitude, source_type, precision, flags, candidates}; RERA''s own positions rank as "site" (README: Where a project is)';

CREATE FUNCTION realmap.chhattisgarh_box() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_chhattisgarh_box' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.chhattisgarh_box() IS
'The box a position must lie in ({min_lat, max_lat, min_lon, max_lon}: the portal''s own, lat 17.790535-24.076559, lon 80.456686-84.368570)';

CREATE FUNCTION realmap._read_nominatim(body text, level text, expected_district text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_read_nominatim' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION realmap.default_amenity_categories() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_default_amenity_categories' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION realmap.overpass_query(lat float8, lon float8, categories jsonb DEFAULT NULL, timeout_s int DEFAULT 60)
    RETURNS text AS 'MODULE_PATHNAME', 'realmap_overpass_query' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.overpass_query(float8, float8, jsonb, int) IS
'The one Overpass query of a project: a union of one around: statement per OSM tag at its category''s largest radius, out center; categories: rows [{category, key, value, radii_km}] (NULL: the defaults)';

CREATE FUNCTION realmap.amenity_stats(lat float8, lon float8, pois jsonb, categories jsonb DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_amenity_stats' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.amenity_stats(float8, float8, jsonb, jsonb) IS
'Per (category, radius): nearby_count and nearby_nearest_km (haversine, 3 decimals, NULL when none) of POIs [{osm_type, osm_id, lat, lon, categories}]';

-- the two that leave the database: operators only (90_privileges.sql)
CREATE FUNCTION realmap._nominatim_fetch(query text, config jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_nominatim_fetch' LANGUAGE C VOLATILE;
CREATE FUNCTION realmap._overpass_fetch(query text, categories jsonb, config jsonb, lat float8, lon float8)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_overpass_fetch' LANGUAGE C VOLATILE;

-- ------------------------------------------------------------------ tables

CREATE TABLE realmap.geocode_cache (
    query_key    text PRIMARY KEY,       -- lower(query): the normalised query
    query        text NOT NULL,
    level        text NOT NULL,          -- address | locality | tehsil | district
    found        boolean NOT NULL,       -- false: Nominatim knew no place (a miss)
    answer       text,                   -- the answer body of a hit
    latitude     float8,
    longitude    float8,
    precision    text,
    display_name text,
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,   -- geocode.cache_ttl for a hit, geocode.miss_ttl for a miss
    uses         bigint NOT NULL DEFAULT 0  -- times it answered instead of a request
);
COMMENT ON TABLE realmap.geocode_cache IS
'Nominatim answers by normalised query, misses included, each until its expiry: a query is asked once per expiry, not once per run';

CREATE TABLE realmap.amenity_categories (
    category   text NOT NULL,            -- the scoring''s amenity_type (school, transit_stop, ...)
    key        text NOT NULL,            -- OSM tag key
    value      text NOT NULL,            -- OSM tag value
    radii_km   float8[] NOT NULL,        -- the radii the category is counted at (the union over its rows)
    position   int NOT NULL,             -- the order of the query's statements and the stats rows
    seeded     boolean NOT NULL DEFAULT false,  -- a default row, unchanged since (95_backup.sql)
    PRIMARY KEY (category, key, value),
    CHECK (cardinality(radii_km) >= 1)
);
COMMENT ON TABLE realmap.amenity_categories IS
'Which OSM tags make a POI a member of an amenity category, and the radii it is counted at (seeded with the original''s 12 categories)';
INSERT INTO realmap.amenity_categories (category, key, value, radii_km, position)
SELECT c->>'category', c->>'key', c->>'value', ARRAY(SELECT jsonb_array_elements_text(c->'radii_km')::float8), c.ord::int
  FROM jsonb_array_elements(realmap.default_amenity_categories()) WITH ORDINALITY AS c(c, ord);

CREATE TABLE realmap.amenity_poi_cache (
    query_key   text PRIMARY KEY,        -- sha256 of the Overpass query (position, tags, radii, timeout)
    latitude    float8 NOT NULL,
    longitude   float8 NOT NULL,
    pois        jsonb NOT NULL,          -- [{osm_type, osm_id, lat, lon, name, categories}]
    poi_count   int NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    uses        bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE realmap.amenity_poi_cache IS
'Overpass answers by query, used instead of a request while younger than amenities.cache_ttl';

CREATE TABLE realmap.project_amenity_stats (
    project_id        bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    amenity_type      text NOT NULL,
    radius_km         numeric NOT NULL,
    nearby_count      int NOT NULL,
    nearby_nearest_km numeric(6,3),      -- NULL: none within the radius
    latitude          float8 NOT NULL,   -- the position counted around
    longitude         float8 NOT NULL,
    query_key         text NOT NULL,
    run_id            bigint,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, amenity_type, radius_km)
);
COMMENT ON TABLE realmap.project_amenity_stats IS
'Per project and (category, radius): how many POIs and how far the nearest; rows only from a successful Overpass answer, never from an error';

CREATE TABLE realmap.project_scores (
    project_id          bigint PRIMARY KEY REFERENCES realmap.projects ON DELETE CASCADE,
    daily_needs_score   int,
    social_infra_score  int,
    connectivity_score  int,
    location_score      numeric(5,2),
    amenity_score       numeric(5,2),    -- on-site: the project's own RERA amenities
    overall_score       numeric(5,2),
    score_status        text NOT NULL,   -- ok | partial | insufficient_data
    score_status_reason jsonb NOT NULL DEFAULT '[]',
    score_version       text NOT NULL,
    price_inr           numeric,         -- the lowest current unit price
    value_score         numeric(5,2),    -- set by finalize against the run's median
    value_bucket        text,
    median_price_inr    numeric,
    breakdown           jsonb NOT NULL DEFAULT '{}',  -- inputs per dimension, bank rule, on-site kinds
    run_id              bigint,
    computed_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_scores_run ON realmap.project_scores (run_id);
COMMENT ON TABLE realmap.project_scores IS
'The scores of each project: location (daily needs, social infrastructure, connectivity), on-site amenities, overall and value';

CREATE TABLE realmap.run_summaries (
    run_id      bigint PRIMARY KEY,
    dag_name    text NOT NULL,
    summary     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.run_summaries IS
'What finalize found at the end of each run: items per task and state, errors, duration, the median price used';

-- ------------------------------------------------------------------ helpers

-- The configuration a task runs with: its run's stored copy, else the current one.
CREATE FUNCTION realmap._config_of(p_run bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT r.config FROM realmap.runs r WHERE r.run_id = p_run),
                    (SELECT jsonb_object_agg(c.key, c.value) FROM realmap.config c), '{}')
$$;

CREATE FUNCTION realmap._config_interval(cfg jsonb, key text, fallback interval) RETURNS interval
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((cfg->>key)::interval, fallback);
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
    RAISE EXCEPTION 'configuration key "%" must be an interval, got %', key, cfg->key
          USING ERRCODE = 'invalid_parameter_value',
                HINT = format('Fix it with UPDATE realmap.config SET value = ''"30 days"'' WHERE key = %L.', key);
END $$;

CREATE FUNCTION realmap._project(p_project bigint) RETURNS realmap.projects
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects;
BEGIN
    SELECT * INTO p FROM realmap.projects WHERE project_id = p_project;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'project % does not exist', p_project USING ERRCODE = 'no_data_found',
              HINT = 'Projects are loaded by load_to_db (realmap.load_project).';
    END IF;
    RETURN p;
END $$;

-- ------------------------------------------------------------------ geocoding

-- A position for one project.  RERA's own positions (the listing's pin, the map iframe,
-- the amenity markers and their centroid) inside Chhattisgarh are used as they are;
-- otherwise (or with geocode_all) the address is geocoded, finest candidate first,
-- through the cache.  The choice ranks every position by precision, RERA's as "site"
-- (realmap.choose_location), so a coarse geocode never beats a RERA pin.
CREATE FUNCTION realmap.geocode_project(project_id bigint, geocode_all boolean DEFAULT false, run_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    cfg jsonb := realmap._config_of(run_id);
    rera jsonb;
    plan jsonb;
    cand jsonb;
    c realmap.geocode_cache;
    fetched jsonb;
    answer jsonb;
    geocodes jsonb := '[]';
    chosen_geocode jsonb;
    choice jsonb;
    requests int := 0;
    cache_uses int := 0;
    tried jsonb := '[]';
    from_cache boolean;
    geo_status text;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('source_type', l.source_type, 'latitude', l.lat,
                                                 'longitude', l.lon, 'label', l.location_key)
                              ORDER BY l.location_id), '[]')
      INTO rera FROM realmap.project_locations l
     WHERE l.project_id = p.project_id AND l.from_page AND l.is_active;
    plan := realmap.geocode_candidates(jsonb_build_object(
                'address', p.full_address, 'locality', p.village_or_locality, 'tehsil', p.tehsil,
                'district', p.district, 'pincode', p.pincode));
    choice := realmap.choose_location(rera);
    IF NOT (choice->>'found')::boolean OR geocode_all THEN
        FOR cand IN SELECT * FROM jsonb_array_elements(plan->'candidates') LOOP
            SELECT * INTO c FROM realmap.geocode_cache g
             WHERE g.query_key = lower(cand->>'query') AND g.expires_at > now();
            from_cache := FOUND;
            IF from_cache THEN
                cache_uses := cache_uses + 1;
                UPDATE realmap.geocode_cache g SET uses = g.uses + 1 WHERE g.query_key = c.query_key;
            ELSE
                fetched := realmap._nominatim_fetch(cand->>'query', cfg);
                requests := requests + 1;
                answer := realmap._read_nominatim(fetched->>'body', cand->>'level', p.district);
                INSERT INTO realmap.geocode_cache AS g (query_key, query, level, found, answer, latitude, longitude,
                                                        precision, display_name, fetched_at, expires_at)
                VALUES (lower(cand->>'query'), cand->>'query', cand->>'level', (answer->>'found')::boolean,
                        CASE WHEN (answer->>'found')::boolean THEN fetched->>'body' END,
                        (answer #>> '{place,lat}')::float8, (answer #>> '{place,lon}')::float8, answer->>'precision',
                        answer #>> '{place,display_name}', now(),
                        now() + CASE WHEN (answer->>'found')::boolean
                                     THEN realmap._config_interval(cfg, 'geocode.cache_ttl', '180 days')
                                     ELSE realmap._config_interval(cfg, 'geocode.miss_ttl', '30 days') END)
                ON CONFLICT (query_key) DO UPDATE
                   SET query = EXCLUDED.query, level = EXCLUDED.level, found = EXCLUDED.found,
                       answer = EXCLUDED.answer, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                       precision = EXCLUDED.precision, display_name = EXCLUDED.display_name,
                       fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at
                RETURNING * INTO c;
            END IF;
            -- plausibility is judged afresh on a cached answer (the expected district may differ)
            answer := CASE WHEN c.found THEN realmap._read_nominatim(c.answer, cand->>'level', p.district)
                           ELSE '{"found": false}' END;
            tried := tried || jsonb_build_object('query', cand->>'query', 'level', cand->>'level',
                                                 'found', c.found, 'cached', from_cache,
                                                 'implausible', answer->'implausible');
            CONTINUE WHEN NOT c.found;
            chosen_geocode := jsonb_build_object(
                'source_type', 'geocode_normalized', 'latitude', c.latitude, 'longitude', c.longitude,
                'precision', answer->>'precision', 'query_level', cand->>'level',
                'suspect', coalesce(answer->>'implausible', ''), 'label', cand->>'query');
            geocodes := geocodes || chosen_geocode;
            -- a plausible answer inside the state ends the search; otherwise try the next level
            EXIT WHEN answer->'implausible' = 'null'::jsonb
                  AND (realmap.choose_location(jsonb_build_array(chosen_geocode))->>'found')::boolean;
        END LOOP;
        choice := realmap.choose_location(rera || geocodes);
    END IF;

    geo_status := CASE WHEN NOT (choice->>'found')::boolean THEN 'not_found'
                   WHEN choice->>'source_type' = 'geocode_normalized' THEN 'geocoded'
                   ELSE 'rera' END;
    -- the geocode rows of this stage are kept in step with this answer (the page's own rows
    -- are load_project's); like a load, the same answer again writes nothing
    WITH wanted AS (
        SELECT (g->>'latitude')::float8 AS lat, (g->>'longitude')::float8 AS lon, g->>'precision' AS precision_level,
               jsonb_build_object('query', g->>'label', 'level', g->>'query_level',
                                  'suspect', nullif(g->>'suspect', '')) AS meta_data
          FROM jsonb_array_elements(geocodes) g
         WHERE (g->>'latitude')::float8 BETWEEN -90 AND 90 AND (g->>'longitude')::float8 BETWEEN -180 AND 180
    ), gone AS (
        DELETE FROM realmap.project_locations l
         WHERE l.project_id = p.project_id AND NOT l.from_page AND l.source_type = 'geocode_normalized'
           AND NOT EXISTS (SELECT 1 FROM wanted w WHERE (w.lat, w.lon, w.precision_level, w.meta_data)
                                                     IS NOT DISTINCT FROM (l.lat, l.lon, l.precision_level, l.meta_data))
    )
    INSERT INTO realmap.project_locations (project_id, source_type, lat, lon, precision_level, from_page, meta_data)
    SELECT p.project_id, 'geocode_normalized', w.lat, w.lon, w.precision_level, false, w.meta_data
      FROM wanted w
     WHERE NOT EXISTS (SELECT 1 FROM realmap.project_locations l
                        WHERE l.project_id = p.project_id AND NOT l.from_page AND l.source_type = 'geocode_normalized'
                          AND (w.lat, w.lon, w.precision_level, w.meta_data)
                              IS NOT DISTINCT FROM (l.lat, l.lon, l.precision_level, l.meta_data));
    UPDATE realmap.projects x
       SET normalized_address = n.normalized_address, latitude = n.latitude, longitude = n.longitude,
           geocoding_status = n.geocoding_status, geo_source = n.geo_source, geo_precision = n.geo_precision,
           geo_formatted_address = n.geo_formatted_address, geo_flags = n.geo_flags
      FROM (SELECT plan #>> '{normalized,full}' AS normalized_address,
                   (choice->>'latitude')::float8 AS latitude, (choice->>'longitude')::float8 AS longitude,
                   geo_status AS geocoding_status, choice->>'source_type' AS geo_source,
                   choice->>'precision' AS geo_precision,
                   CASE WHEN geo_status = 'geocoded' THEN
                       (SELECT g.display_name FROM realmap.geocode_cache g
                         WHERE g.query_key = lower(choice->>'label')) END AS geo_formatted_address,
                   choice->'flags' AS geo_flags) n
     WHERE x.project_id = p.project_id
       AND (x.normalized_address, x.latitude, x.longitude, x.geocoding_status, x.geo_source, x.geo_precision,
            x.geo_formatted_address, x.geo_flags)
           IS DISTINCT FROM (n.normalized_address, n.latitude, n.longitude, n.geocoding_status, n.geo_source,
                             n.geo_precision, n.geo_formatted_address, n.geo_flags);
    RETURN jsonb_build_object(
        'project_id', p.project_id, 'status', geo_status, 'source_type', choice->'source_type',
        'precision', choice->'precision', 'latitude', choice->'latitude', 'longitude', choice->'longitude',
        'flags', choice->'flags', 'requests', requests, 'cache_uses', cache_uses, 'tried', tried);
END $$;
COMMENT ON FUNCTION realmap.geocode_project(bigint, boolean, bigint) IS
'A position for the project: RERA''s own when usable, else (or with geocode_all) Nominatim''s for its address, finest candidate first, cached; writes projects.latitude/longitude/geo_* and a geocode_normalized project_locations row';

-- ------------------------------------------------------------------ amenities

-- The categories as the C++ side reads them, in their order.
CREATE FUNCTION realmap._amenity_categories() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('category', c.category, 'key', c.key, 'value', c.value,
                                                 'radii_km', to_jsonb(c.radii_km))
                              ORDER BY c.position, c.category, c.key, c.value), '[]')
      FROM realmap.amenity_categories c
$$;

-- Amenity stats for one project around its position: one Overpass query (cached while
-- younger than amenities.cache_ttl), one row per (category, radius).  An Overpass error
-- raises and writes nothing: the project's earlier stats, if any, stay.
CREATE FUNCTION realmap.compute_amenities(project_id bigint, run_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    cfg jsonb := realmap._config_of(run_id);
    cats jsonb := realmap._amenity_categories();
    q text;
    qkey text;
    c realmap.amenity_poi_cache;
    fetched jsonb;
    stats jsonb;
    requests int := 0;
BEGIN
    IF p.latitude IS NULL OR p.longitude IS NULL THEN
        -- nothing to count around; compute_score scores what there is (on-site only)
        DELETE FROM realmap.project_amenity_stats s WHERE s.project_id = p.project_id;
        RETURN jsonb_build_object('project_id', p.project_id, 'computed', false,
                                  'reason', format('project %s has no position (geocoding_status %s)',
                                                   p.project_id, coalesce(p.geocoding_status, 'not geocoded')));
    END IF;
    IF jsonb_array_length(cats) = 0 THEN
        RAISE EXCEPTION 'realmap.amenity_categories is empty: there is nothing to count' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Restore the defaults: INSERT INTO realmap.amenity_categories ... FROM realmap.default_amenity_categories().';
    END IF;
    q := realmap.overpass_query(p.latitude, p.longitude, cats,
                                    coalesce((cfg->>'amenities.query_timeout_s')::int, 60));
    qkey := encode(sha256(convert_to(q, 'UTF8')), 'hex');
    SELECT * INTO c FROM realmap.amenity_poi_cache a
     WHERE a.query_key = qkey AND a.fetched_at > now() - realmap._config_interval(cfg, 'amenities.cache_ttl', '30 days');
    IF FOUND THEN
        UPDATE realmap.amenity_poi_cache a SET uses = a.uses + 1 WHERE a.query_key = qkey;
        stats := realmap.amenity_stats(p.latitude, p.longitude, c.pois, cats);
    ELSE
        fetched := realmap._overpass_fetch(q, cats, cfg, p.latitude, p.longitude);
        stats := fetched->'stats';
        requests := 1;
        INSERT INTO realmap.amenity_poi_cache AS a (query_key, latitude, longitude, pois, poi_count, fetched_at)
        VALUES (qkey, p.latitude, p.longitude, fetched->'pois', jsonb_array_length(fetched->'pois'), now())
        ON CONFLICT (query_key) DO UPDATE
           SET pois = EXCLUDED.pois, poi_count = EXCLUDED.poi_count, fetched_at = EXCLUDED.fetched_at
        RETURNING * INTO c;
    END IF;
    DELETE FROM realmap.project_amenity_stats s WHERE s.project_id = p.project_id;
    INSERT INTO realmap.project_amenity_stats (project_id, amenity_type, radius_km, nearby_count, nearby_nearest_km,
                                               latitude, longitude, query_key, run_id)
    SELECT p.project_id, s.amenity_type, s.radius_km, s.nearby_count, s.nearby_nearest_km,
           p.latitude, p.longitude, qkey, compute_amenities.run_id
      FROM jsonb_to_recordset(stats) AS s(amenity_type text, radius_km numeric, nearby_count int,
                                          nearby_nearest_km numeric);
    RETURN jsonb_build_object('project_id', p.project_id, 'computed', true, 'requests', requests,
                              'cached', requests = 0, 'pois', c.poi_count, 'slices', jsonb_array_length(stats),
                              'query_key', qkey);
END $$;
COMMENT ON FUNCTION realmap.compute_amenities(bigint, bigint) IS
'Counts and nearest distances of the amenity categories around the project''s position (one Overpass query, cached) into project_amenity_stats; an error writes nothing';

-- ------------------------------------------------------------------ scores

-- The amenities the project's RERA page declares (the Amenities Details grids of its
-- quarterly updates), NULL when the page declares none: unknown, not "no amenities".
CREATE FUNCTION realmap._onsite_amenities(p_project bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_agg(DISTINCT a->>'particulars')
      FROM realmap.quarterly_updates q, jsonb_array_elements(q.amenity_progress) a
     WHERE q.project_id = p_project AND q.is_active AND coalesce(a->>'particulars', '') <> ''
$$;

CREATE FUNCTION realmap.compute_score(project_id bigint, run_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.projects := realmap._project(project_id);
    slices jsonb;
    s jsonb;
    price numeric;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('amenity_type', a.amenity_type, 'radius_km', a.radius_km,
                                                 'nearby_count', a.nearby_count, 'nearby_nearest_km', a.nearby_nearest_km)
                              ORDER BY a.amenity_type, a.radius_km), '[]')
      INTO slices FROM realmap.project_amenity_stats a WHERE a.project_id = p.project_id;
    s := realmap.score_from_stats(jsonb_build_object('slices', slices,
                                                     'onsite_amenities', realmap._onsite_amenities(p.project_id)));
    SELECT min(u.sale_price) INTO price FROM realmap.unit_types u
     WHERE u.project_id = p.project_id AND u.is_active AND u.sale_price > 0;
    INSERT INTO realmap.project_scores AS x (project_id, daily_needs_score, social_infra_score, connectivity_score,
                                            location_score, amenity_score, overall_score, score_status,
                                            score_status_reason, score_version, price_inr, breakdown, run_id,
                                            computed_at)
    VALUES (p.project_id, (s->>'daily_needs_score')::int, (s->>'social_infra_score')::int,
            (s->>'connectivity_score')::int, (s->>'location_score')::numeric, (s->>'amenity_score')::numeric,
            (s->>'overall_score')::numeric, s->>'score_status', s->'score_status_reason', s->>'score_version',
            price, coalesce(s->'breakdown', '{}') || jsonb_build_object('missing_inputs', s->'missing_inputs'),
            compute_score.run_id, now())
    ON CONFLICT ON CONSTRAINT project_scores_pkey DO UPDATE
       SET daily_needs_score = EXCLUDED.daily_needs_score, social_infra_score = EXCLUDED.social_infra_score,
           connectivity_score = EXCLUDED.connectivity_score, location_score = EXCLUDED.location_score,
           amenity_score = EXCLUDED.amenity_score, overall_score = EXCLUDED.overall_score,
           score_status = EXCLUDED.score_status, score_status_reason = EXCLUDED.score_status_reason,
           score_version = EXCLUDED.score_version, price_inr = EXCLUDED.price_inr, breakdown = EXCLUDED.breakdown,
           run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at,
           -- a value score belongs to the median it was computed with: finalize sets it again
           value_score = NULL, value_bucket = NULL, median_price_inr = NULL;
    RETURN jsonb_build_object('project_id', p.project_id, 'overall_score', s->'overall_score',
                              'location_score', s->'location_score', 'amenity_score', s->'amenity_score',
                              'score_status', s->'score_status', 'price_inr', price);
END $$;
COMMENT ON FUNCTION realmap.compute_score(bigint, bigint) IS
'The project''s scores from its amenity stats and its RERA amenities (realmap.score_from_stats) into project_scores';

-- Value scores of the projects a run scored, against one median price: the configured
-- one, else the median of those projects' prices.  Returns the median used.
CREATE FUNCTION realmap.compute_value_scores(run_id bigint, median_price_inr numeric DEFAULT NULL) RETURNS numeric
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    median numeric := median_price_inr;
BEGIN
    IF median IS NULL OR median <= 0 THEN
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.price_inr) INTO median
          FROM realmap.project_scores s WHERE s.run_id = compute_value_scores.run_id AND s.price_inr > 0;
    END IF;
    median := coalesce(nullif(median, 0), 5000000);
    UPDATE realmap.project_scores s
       SET value_score = realmap.value_score(s.overall_score::float8, s.price_inr::float8, median::float8),
           value_bucket = realmap.value_bucket(realmap.value_score(s.overall_score::float8, s.price_inr::float8,
                                                                   median::float8)),
           median_price_inr = median
     WHERE s.run_id = compute_value_scores.run_id;
    RETURN median;
END $$;

-- ------------------------------------------------------------------ the tasks

CREATE FUNCTION realmap._item_project(ctx jsonb, upstream text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ctx #> ARRAY['upstream', upstream, 'project_id'] IS NULL THEN
        RAISE EXCEPTION '%: no project for item % (upstream %)', ctx->>'task', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    RETURN (ctx #>> ARRAY['upstream', upstream, 'project_id'])::bigint;
END $$;

CREATE FUNCTION realmap._geocode_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.geocode_project(realmap._item_project(ctx, 'load_to_db'),
                                   coalesce((ctx #>> '{params,geocode_all}')::boolean, false), (ctx->>'run_id')::bigint)
$$;

CREATE FUNCTION realmap._amenities_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.compute_amenities(realmap._item_project(ctx, 'geocode'), (ctx->>'run_id')::bigint)
$$;

CREATE FUNCTION realmap._score_task(ctx jsonb) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap.compute_score(realmap._item_project(ctx, 'amenities'), (ctx->>'run_id')::bigint)
$$;

-- finalize (all_done): value scores, then the run's summary
CREATE FUNCTION realmap._finalize_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    run bigint := (ctx->>'run_id')::bigint;
    cfg jsonb := realmap._config_of(run);
    median numeric;
    summary jsonb;
BEGIN
    median := realmap.compute_value_scores(run, (cfg->>'scores.median_price_inr')::numeric);
    -- realmap.run_summary (70_observability.sql) is the one summary of a run; the median
    -- it reads from the scores is null when nothing was scored, the one used is not
    summary := realmap.run_summary(run) || jsonb_build_object('median_price_inr', median);
    INSERT INTO realmap.run_summaries (run_id, dag_name, summary) VALUES (run, ctx->>'dag', summary)
    ON CONFLICT (run_id) DO UPDATE SET summary = EXCLUDED.summary, created_at = now();
    RETURN summary;
END $$;

SELECT realmap.add_task('realmap_etl', 'geocode', 'realmap._geocode_task(jsonb)', upstream => '{load_to_db}',
                        mode => 'each', max_attempts => 5, backoff => '2 seconds', backoff_max => '5 minutes',
                        timeout => '5 minutes');
SELECT realmap.add_task('realmap_etl', 'amenities', 'realmap._amenities_task(jsonb)', upstream => '{geocode}',
                        mode => 'each', max_attempts => 5, backoff => '5 seconds', backoff_max => '5 minutes',
                        timeout => '5 minutes');
SELECT realmap.add_task('realmap_etl', 'compute_scores', 'realmap._score_task(jsonb)', upstream => '{amenities}',
                        mode => 'each', max_attempts => 3, timeout => '1 minute');
SELECT realmap.add_task('realmap_etl', 'finalize', 'realmap._finalize_task(jsonb)', upstream => '{compute_scores}',
                        trigger_rule => 'all_done', max_attempts => 3, timeout => '5 minutes');
