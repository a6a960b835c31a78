-- =====================================================================================
-- The per-item processing tasks of realmap_etl: extract_raw[i] (page -> V1 document,
-- validated and normalised) and load_to_db[i] (V1 -> the domain tables).  Each is a
-- SQL task over the stage functions, which stand alone as well.
-- =====================================================================================

-- The V1 document of each stored page (once per page, that is per content hash): what
-- extract_raw made of it and load_to_db loads.
CREATE TABLE realmap.page_extractions (
    page_id             bigint PRIMARY KEY REFERENCES realmap.raw_pages ON DELETE CASCADE,
    registration_number text NOT NULL,
    run_id              bigint NOT NULL,     -- the run that extracted it last
    v1                  jsonb NOT NULL,
    qa_status           text,                -- passed | warning | failed
    qa_flag_count       int NOT NULL DEFAULT 0,
    message_count       int NOT NULL DEFAULT 0,  -- the mapper's validation_messages
    extracted_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.page_extractions IS 'The V1 document of each fetched page (extract_raw), as load_to_db loads it';

-- extract_raw[i]: the page fetch_details stored for this item, through extract_raw and
-- prepare_v1 (map_v1 with the run's listing row, normalize_v1, validate_v1).
CREATE FUNCTION realmap._extract_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p realmap.raw_pages;
    v1 jsonb;
    qa jsonb;
BEGIN
    SELECT * INTO p FROM realmap.raw_pages WHERE page_id = (ctx #>> '{upstream,fetch_details,page_id}')::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'extract_raw: no stored page for % (upstream %)', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    -- map_v1, normalize_v1 and validate_v1 in one call (the V1 document with qa set)
    v1 := realmap.prepare_v1(realmap.extract_raw(p.body, p.final_url),
                             jsonb_build_object(
                                 'listing', (SELECT to_jsonb(l) FROM realmap.listings l
                                              WHERE l.run_id = (ctx->>'run_id')::bigint
                                                AND l.registration_number = ctx->>'item'),
                                 'source_url', p.final_url, 'run_id', (ctx->>'run_id')::bigint,
                                 'scraped_at', p.last_fetched_at, 'page_content_hash', p.content_hash));
    qa := v1->'qa';
    INSERT INTO realmap.page_extractions AS e (page_id, registration_number, run_id, v1, qa_status, qa_flag_count,
                                               message_count)
    VALUES (p.page_id, p.registration_number, (ctx->>'run_id')::bigint, v1, qa->>'status',
            coalesce(jsonb_array_length(qa->'flags'), 0), coalesce(jsonb_array_length(v1->'validation_messages'), 0))
    ON CONFLICT (page_id) DO UPDATE
       SET run_id = EXCLUDED.run_id, v1 = EXCLUDED.v1, qa_status = EXCLUDED.qa_status,
           qa_flag_count = EXCLUDED.qa_flag_count, message_count = EXCLUDED.message_count, extracted_at = now();
    RETURN jsonb_build_object('page_id', p.page_id, 'qa_status', qa->>'status',
                              'qa_flags', coalesce(jsonb_array_length(qa->'flags'), 0),
                              'messages', coalesce(jsonb_array_length(v1->'validation_messages'), 0));
END $$;

-- load_to_db[i]: the item's V1 document into the domain tables.
CREATE FUNCTION realmap._load_task(ctx jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e realmap.page_extractions;
BEGIN
    SELECT * INTO e FROM realmap.page_extractions WHERE page_id = (ctx #>> '{upstream,extract_raw,page_id}')::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'load_to_db: no V1 document for % (upstream %)', ctx->>'item', ctx->'upstream'
              USING ERRCODE = 'no_data_found';
    END IF;
    RETURN jsonb_build_object('project_id', realmap.load_project(e.v1), 'qa_status', e.qa_status);
END $$;

SELECT realmap.add_task('realmap_etl', 'extract_raw', 'realmap._extract_task(jsonb)', upstream => '{fetch_details}',
                        mode => 'each', max_attempts => 2, timeout => '1 minute');
SELECT realmap.add_task('realmap_etl', 'load_to_db', 'realmap._load_task(jsonb)', upstream => '{extract_raw}',
                        mode => 'each', max_attempts => 3, timeout => '1 minute');
