-- =====================================================================================
-- The map this is all for: the projects as a GeoJSON FeatureCollection (RFC 7946), with
-- where each position came from and the project's scores, as QGIS, Leaflet or
-- kepler.gl load it.
-- =====================================================================================

CREATE FUNCTION realmap.projects_geojson(filter jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known constant text[] := ARRAY['district', 'score_status', 'geocoding_status', 'min_overall_score', 'bbox',
                                   'include_unpositioned', 'limit'];
    unknown text;
    bbox float8[];
    lim bigint;
BEGIN
    IF filter IS NULL THEN
        filter := '{}';
    END IF;
    IF jsonb_typeof(filter) <> 'object' THEN
        RAISE EXCEPTION 'projects_geojson: filter must be a JSON object, got %', jsonb_typeof(filter)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(k, ', ') INTO unknown FROM jsonb_object_keys(filter) k WHERE k <> ALL (known);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'projects_geojson: unknown filter key(s) %', unknown USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Known keys: ' || array_to_string(known, ', ') || '.';
    END IF;
    IF filter ? 'bbox' THEN
        IF jsonb_typeof(filter->'bbox') <> 'array' OR jsonb_array_length(filter->'bbox') <> 4
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(filter->'bbox') e WHERE jsonb_typeof(e) <> 'number') THEN
            RAISE EXCEPTION 'projects_geojson: bbox must be [min_lon, min_lat, max_lon, max_lat], got %', filter->'bbox'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        bbox := ARRAY(SELECT e::text::float8 FROM jsonb_array_elements(filter->'bbox') e);
    END IF;
    IF filter ? 'limit' THEN
        IF jsonb_typeof(filter->'limit') <> 'number' OR (filter->>'limit')::numeric < 0 THEN
            RAISE EXCEPTION 'projects_geojson: limit must be a number >= 0, got %', filter->'limit'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        lim := (filter->>'limit')::numeric::bigint;
    END IF;
    IF filter ? 'min_overall_score' AND jsonb_typeof(filter->'min_overall_score') <> 'number' THEN
        RAISE EXCEPTION 'projects_geojson: min_overall_score must be a number, got %', filter->'min_overall_score'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (
        SELECT jsonb_build_object('type', 'FeatureCollection', 'features', coalesce(jsonb_agg(f.feature ORDER BY f.id), '[]'))
          FROM (
            SELECT p.project_id AS id, jsonb_build_object(
                'type', 'Feature',
                'id', p.project_id,
                -- RFC 7946: [longitude, latitude]; a project without a position has none
                'geometry', CASE WHEN p.latitude IS NULL OR p.longitude IS NULL THEN NULL
                                 ELSE jsonb_build_object('type', 'Point', 'coordinates',
                                                         jsonb_build_array(p.longitude, p.latitude)) END,
                'properties', jsonb_build_object(
                    'project_id', p.project_id, 'registration_number', p.rera_registration_number,
                    'name', p.project_name, 'project_type', p.project_type, 'status', p.status,
                    'district', p.district, 'tehsil', p.tehsil, 'address', p.full_address,
                    'position_source', p.geo_source, 'position_precision', p.geo_precision,
                    'geocoding_status', p.geocoding_status, 'position_flags', coalesce(p.geo_flags, '[]'),
                    'overall_score', s.overall_score, 'location_score', s.location_score,
                    'amenity_score', s.amenity_score, 'daily_needs_score', s.daily_needs_score,
                    'social_infra_score', s.social_infra_score, 'connectivity_score', s.connectivity_score,
                    'score_status', s.score_status, 'value_score', s.value_score, 'value_bucket', s.value_bucket,
                    'price_inr', s.price_inr, 'scored_at', s.computed_at)) AS feature
              FROM realmap.projects p
              LEFT JOIN realmap.project_scores s ON s.project_id = p.project_id
             WHERE (coalesce((filter->>'include_unpositioned')::boolean, false)
                    OR (p.latitude IS NOT NULL AND p.longitude IS NOT NULL))
               AND (NOT filter ? 'district' OR lower(p.district) = lower(filter->>'district'))
               AND (NOT filter ? 'score_status' OR s.score_status = filter->>'score_status')
               AND (NOT filter ? 'geocoding_status' OR p.geocoding_status = filter->>'geocoding_status')
               AND (NOT filter ? 'min_overall_score' OR s.overall_score >= (filter->>'min_overall_score')::numeric)
               AND (bbox IS NULL OR (p.longitude BETWEEN bbox[1] AND bbox[3] AND p.latitude BETWEEN bbox[2] AND bbox[4]))
             ORDER BY p.project_id
             LIMIT lim) f);
END $$;
COMMENT ON FUNCTION realmap.projects_geojson(jsonb) IS
'The projects as a GeoJSON FeatureCollection: a Point [lon, lat] per positioned project with its position source, precision and flags and its scores; filter keys district, score_status, geocoding_status, min_overall_score, bbox [min_lon, min_lat, max_lon, max_lat], include_unpositioned, limit';
