-- =====================================================================================
-- Domain: the projects and what the detail page says about them, loaded from the V1
-- document by realmap.load_project(v1 jsonb).  sql/src/V1.md is the same contract
-- with examples.
--
-- THE V1 DOCUMENT (the original RealMap's V1Project, original-pipeline.md §3.5, plus
-- what realmap adds so that nothing the original lost is lost).  Keys are snake_case;
-- numbers are JSON numbers, dates ISO strings "YYYY-MM-DD", timestamps ISO 8601; a
-- missing value is null or an absent key (a list: [] or absent).  Keys not named
-- here are kept in projects.v1 and otherwise ignored.
--
--   metadata            object, required
--     schema_version    "1.0" (a major version other than 1 is refused)
--     state_code        "CG"                                         REQUIRED
--     source_url        the detail page's URL (relative document URLs resolve against it)
--     scraped_at        when the page was fetched (ISO 8601 timestamp)
--     run_id            the realmap run that produced the document
--     page_content_hash sha256 (hex) of the page, as in realmap.raw_pages.content_hash
--     my_id, application_id       the portal's ids of the page ("MzM2", 336)
--     extraction_method, parser_version   what produced the document (provenance)
--   project_details     object, required
--     registration_number          "PCGRERA200618000247"             REQUIRED
--     project_name, project_type, project_status, district, tehsil,
--     village_or_locality, pincode (string), project_address, project_website_url
--     total_units (integer), total_area_sq_m (number)
--     launch_date, expected_completion_date                          (ISO dates)
--     + extended_completion_date   the listing's "Extended Proposed End Date"
--     + completed                  boolean: the listing's "**" marker
--     + estimated_construction_cost_inr, land_cost_inr   numbers (txtecoc, txtecol)
--   professionals       object: stat_ca_name, stat_ca_mem_no, quarter_ca_name,
--                       quarter_ca_mem_no, engineer_name, engineer_lic_no, arch_name,
--                       arch_lic_no (strings)
--   promoter_details[]  name, organisation_type, address, email, phone, pan, cin,
--                       + gst_number, website
--   land_details[]      land_area_sq_m (number), land_status, land_address,
--                       khasra_numbers (string, as written), + ward_number,
--                       mutation_number, patwari_halka, plot_number
--   building_details[]  name, number_of_floors, number_of_units (integers),
--                       carpet_area_sq_m
--   unit_types[]        name, carpet_area_sq_m, built_up_area_sq_m,
--                       super_built_up_area_sq_m, balcony_area_sq_m, common_area_sq_m,
--                       terrace_area_sq_m, price_in_inr (numbers)
--   bank_details[]      bank_name, branch_name, account_number (a string: it may start
--                       with 0), ifsc_code, + account_name
--   documents[]         name, document_type, url (as written), uploaded_on (ISO date),
--                       + section (the page's document group)
--   quarterly_updates[] one entry per reported period:
--                       quarter ("Q3"), year ("2022"), status, completion_percent,
--                       remarks  (the original's fields), and
--                       + kind        "progress" (default: the quarterly progress report,
--                                     grid_status) | "withdrawal" (certificates for
--                                     withdrawals from the designated account)
--                       + from_date, to_date   ISO dates (when absent, derived from
--                                     quarter + year as a calendar quarter)
--                       + plots[]     {plot_group, plots_type, plot_area_sq_m,
--                                     total_plots, booked}: booked units per plot
--                                     group/type in that quarter (grid_brief_plot)
--                       + amenity_progress[]  {particulars, progress_percent,
--                                     image_url}: construction progress (gv_ProjectList)
--                       + certificates[]      {kind, url}; kind: completion_architect,
--                                     completion_authority, ca, engineer, architect
--   units[]             + block, floor (string or integer, as written), unit_no,
--                       type, carpet_area_sq_m, status ("Available" | "Booked" | null)
--   rera_locations[]    source_type (amenity | amenity_centroid | map_iframe |
--                       listing_map), latitude, longitude (numbers), particulars,
--                       image_url, from_date, to_date (as written), progress_percent
--   qa                  object: status ("passed" | "warning" | "failed"), flags[]
--                       ({flag_type, severity, message, field_name, expected_value,
--                       actual_value}), checked_at, validator_version, counts
--   validation_messages[], raw_data, previews      kept in projects.v1 only
--
-- Checking: a value of the wrong JSON type or a malformed date fails the whole load
-- (SQLSTATE 22023, the message names the key, e.g. "unit_types[0].price_in_inr"): the
-- document breaks its contract and nothing half-loaded is left.  An entry that cannot
-- be keyed (a unit without unit_no, a document without a file, a location without
-- coordinates, a period without dates) and the page's "0" placeholder rows are not
-- loaded; they are named in data_provenance.extraction_warnings.
--
-- THE TABLES.  One row per (state_code, registration number) in projects; every child
-- row has a natural key within its project (below), so a reload UPDATES rows in place
-- and their ids stay stable.  Within one document the first entry of a key wins
-- (document order; the portal repeats rows), later ones are counted as duplicates.
-- A child row that a newer document no longer has is not deleted but marked
-- is_active = false with removed_at (its id, and the price history or quarterly
-- history hanging on it, stay); when it comes back it is reactivated in place.
--
--   table                      natural key within the project
--   promoters                  promoter_name
--   land_parcels               position (1, 2, ... in document order: a land record
--                              has no identity of its own on the page)
--   buildings                  building_name
--   unit_types                 type_name
--   bank_accounts              account_number
--   project_documents          url (as written)
--   quarterly_updates          (kind, from_date, to_date)
--   units                      (block_name, floor_no, unit_no)
--   project_locations          (source_type, location_key) for the page's own rows
--                              (from_page): location_key is the amenity's
--                              particulars, '' for the other sources.  Rows from other
--                              stages (geocode_normalized, manual_pin, ...) are never
--                              touched by a load (the original deleted them).
--   project_pricing_snapshots  append-only: a row when a unit type's price (or price per
--                              sq ft) changes
--   data_provenance            one row per (project, content hash)
--   parent_projects            (upper(name), upper(full_address), upper(promoter_name))
--                              as in the original, with a unique slug
--
-- Nullable key columns are unique NULLS NOT DISTINCT (PostgreSQL 15).  The stages
-- write these tables as the DAG's owner; realmap_reader reads them (90_privileges.sql).
-- =====================================================================================

CREATE TABLE realmap.parent_projects (
    parent_project_id bigserial PRIMARY KEY,
    name              text NOT NULL,
    full_address      text NOT NULL DEFAULT '',
    promoter_name     text NOT NULL,        -- the first promoter, or 'UNKNOWN'
    slug              text NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- the original's match (loader.py): the same name, address and first promoter, whatever the case
CREATE UNIQUE INDEX parent_projects_match ON realmap.parent_projects (upper(name), upper(full_address), upper(promoter_name));
COMMENT ON TABLE realmap.parent_projects IS
'Projects registered more than once (phases under separate RERA numbers): the same name, address and first promoter';

CREATE TABLE realmap.projects (
    project_id                     bigserial PRIMARY KEY,
    state_code                     text NOT NULL,
    rera_registration_number       text NOT NULL,
    project_name                   text NOT NULL,   -- the registration number when the page has none
    project_type                   text,
    status                         text,            -- project_details.project_status
    completed                      boolean NOT NULL DEFAULT false,  -- the listing's "**"
    district                       text,
    tehsil                         text,
    village_or_locality            text,
    full_address                   text,            -- project_details.project_address
    pincode                        text,
    project_website_url            text,
    total_units                    int,
    total_area_sq_m                numeric,
    approved_date                  date,            -- project_details.launch_date
    proposed_end_date              date,            -- project_details.expected_completion_date
    extended_end_date              date,            -- project_details.extended_completion_date
    estimated_construction_cost_inr numeric,
    land_cost_inr                  numeric,
    professionals                  jsonb,
    parent_project_id              bigint REFERENCES realmap.parent_projects ON DELETE SET NULL,
    -- written by the geocoding stage, never by load_project
    normalized_address             text,
    latitude                       float8,
    longitude                      float8,
    geocoding_status               text,
    geo_source                     text,
    geo_precision                  text,
    geo_confidence                 numeric(4,3),
    geo_formatted_address          text,
    geo_flags                      jsonb,           -- location_choice's flags (rejected positions, disagreements)
    -- quality, from the document's qa object (validate_v1)
    qa_status                      text CHECK (qa_status IN ('passed', 'warning', 'failed')),
    qa_flags                       jsonb,
    qa_last_checked_at             timestamptz,
    -- the document as of the last load that changed something
    source_url                     text,
    scraped_at                     timestamptz,
    v1                             jsonb NOT NULL,
    content_hash                   text NOT NULL,   -- of v1 without its acquisition metadata
    last_loaded_run_id             bigint,          -- the run whose load last changed the project
    created_at                     timestamptz NOT NULL DEFAULT now(),
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_state_registration UNIQUE (state_code, rera_registration_number)
);
CREATE INDEX projects_parent ON realmap.projects (parent_project_id);
CREATE INDEX projects_district ON realmap.projects (district);
COMMENT ON TABLE realmap.projects IS
'One row per RERA project (state, registration number): the detail page''s fields as columns, the V1 document as jsonb';
COMMENT ON COLUMN realmap.projects.content_hash IS
'sha256 of the V1 document without metadata.scraped_at, run_id, source_url, page_content_hash and qa.checked_at: the same content fetched again is no change';
COMMENT ON COLUMN realmap.projects.updated_at IS 'When a load last changed this row (an identical load writes nothing)';

-- Child tables: is_active/removed_at say whether the latest document still has the row.
CREATE TABLE realmap.promoters (
    promoter_id   bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    promoter_name text,
    promoter_type text,                 -- organisation_type, e.g. Partnership Firm
    address       text,
    email         text,
    phone         text,
    pan           text,
    cin           text,
    gst_number    text,
    website       text,
    is_active     boolean NOT NULL DEFAULT true,
    removed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promoters_natural_key UNIQUE NULLS NOT DISTINCT (project_id, promoter_name)
);
COMMENT ON TABLE realmap.promoters IS 'Promoters of each project, keyed by name within the project';

CREATE TABLE realmap.land_parcels (
    land_parcel_id  bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    position        int NOT NULL,        -- 1, 2, ... in document order
    survey_number   text,                -- khasra_numbers, as written ("12/1, 345")
    area_sq_m       numeric,
    land_status     text,
    land_address    text,
    ward_number     text,
    mutation_number text,
    patwari_halka   text,
    plot_number     text,
    is_active       boolean NOT NULL DEFAULT true,
    removed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT land_parcels_natural_key UNIQUE (project_id, position)
);
COMMENT ON TABLE realmap.land_parcels IS 'Land records of each project, keyed by their position in the document';

CREATE TABLE realmap.buildings (
    building_id      bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    building_name    text,
    number_of_floors int,
    total_units      int,
    carpet_area_sq_m numeric,
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT buildings_natural_key UNIQUE NULLS NOT DISTINCT (project_id, building_name)
);
COMMENT ON TABLE realmap.buildings IS 'Buildings (towers, blocks) of each project, keyed by name';

CREATE TABLE realmap.unit_types (
    unit_type_id             bigserial PRIMARY KEY,
    project_id               bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    type_name                text,
    carpet_area_sq_m         numeric,
    built_up_area_sq_m       numeric,
    super_built_up_area_sq_m numeric,
    balcony_area_sq_m        numeric,
    common_area_sq_m         numeric,
    terrace_area_sq_m        numeric,
    sale_price               numeric,    -- price_in_inr; its history is in project_pricing_snapshots
    is_active                boolean NOT NULL DEFAULT true,
    removed_at               timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unit_types_natural_key UNIQUE NULLS NOT DISTINCT (project_id, type_name)
);
COMMENT ON TABLE realmap.unit_types IS 'Unit types (2 BHK, plot sizes) of each project with areas and the current price, keyed by name';

CREATE TABLE realmap.bank_accounts (
    bank_account_id bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    account_number  text,
    account_name    text,
    bank_name       text,
    branch_name     text,
    ifsc_code       text,
    is_active       boolean NOT NULL DEFAULT true,
    removed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_accounts_natural_key UNIQUE NULLS NOT DISTINCT (project_id, account_number)
);
COMMENT ON TABLE realmap.bank_accounts IS 'The RERA designated bank accounts of each project, keyed by account number';

CREATE TABLE realmap.project_documents (
    document_id   bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    url           text NOT NULL,       -- as written on the page; relative ones resolve against projects.source_url
    name          text,                -- the page's label
    document_type text,                -- the file prefix, e.g. Reg_Certi, LAYOUT
    section       text,                -- the page's document group
    uploaded_on   date,
    is_active     boolean NOT NULL DEFAULT true,
    removed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_documents_natural_key UNIQUE (project_id, url)
);
COMMENT ON TABLE realmap.project_documents IS 'Documents the detail page links, keyed by URL (empty links are not documents)';

CREATE TABLE realmap.quarterly_updates (
    quarterly_update_id bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    kind                text NOT NULL DEFAULT 'progress' CHECK (kind IN ('progress', 'withdrawal')),
    from_date           date NOT NULL,
    to_date             date NOT NULL,
    quarter             text,          -- "Q3 2022"
    status              text,          -- the project's status reported for the period
    overall_percent     numeric,       -- completion_percent
    summary             text,          -- remarks
    units_total         int,           -- sum of plots[].total_plots
    units_booked        int,           -- sum of plots[].booked
    plots               jsonb NOT NULL DEFAULT '[]',  -- [{plot_group, plots_type, plot_area_sq_m, total_plots, booked}]
    amenity_progress    jsonb NOT NULL DEFAULT '[]',  -- [{particulars, progress_percent, image_url}]
    certificates        jsonb NOT NULL DEFAULT '[]',  -- [{kind, url}]
    is_active           boolean NOT NULL DEFAULT true,
    removed_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quarterly_updates_natural_key UNIQUE (project_id, kind, from_date, to_date)
);
COMMENT ON TABLE realmap.quarterly_updates IS
'The project''s reports per period: status, completion, booked units per plot group/type, amenity progress, certificates';

CREATE TABLE realmap.units (
    unit_id          bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    block_name       text,
    floor_no         text,            -- as written: "0", "1", "Ground"
    unit_no          text NOT NULL,
    unit_type        text,
    carpet_area_sq_m numeric,
    status           text,            -- Available, Booked (the inventory grid), NULL unknown
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT units_natural_key UNIQUE NULLS NOT DISTINCT (project_id, block_name, floor_no, unit_no)
);
CREATE INDEX units_status ON realmap.units (project_id, status) WHERE is_active;
COMMENT ON TABLE realmap.units IS 'The inventory: each unit (flat, plot) with its status, keyed by (block, floor, unit number)';

CREATE TABLE realmap.project_locations (
    location_id      bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    source_type      text NOT NULL,   -- amenity, amenity_centroid, map_iframe, listing_map (the page);
                                      -- geocode_normalized, manual_pin, ... (other stages)
    lat              float8 NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon              float8 NOT NULL CHECK (lon BETWEEN -180 AND 180),
    precision_level  text,            -- 'site' for the page's own positions
    confidence_score numeric(4,3),
    from_page        boolean NOT NULL DEFAULT false,  -- written by load_project from rera_locations
    location_key     text,            -- from_page rows: particulars for amenity, '' otherwise
    meta_data        jsonb NOT NULL DEFAULT '{}',
    is_active        boolean NOT NULL DEFAULT true,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (from_page = (location_key IS NOT NULL))
);
CREATE UNIQUE INDEX project_locations_page_key ON realmap.project_locations (project_id, source_type, location_key)
    WHERE from_page;
CREATE INDEX project_locations_project ON realmap.project_locations (project_id) WHERE NOT from_page;
COMMENT ON TABLE realmap.project_locations IS
'Every position offered for a project: the page''s own (from_page, kept in step with the page by load_project) and those of other stages (geocoding, manual pins), which a reload never touches';

CREATE TABLE realmap.project_pricing_snapshots (
    snapshot_id        bigserial PRIMARY KEY,
    project_id         bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    unit_type_id       bigint NOT NULL REFERENCES realmap.unit_types ON DELETE CASCADE,
    unit_type_label    text,
    snapshot_date      date NOT NULL DEFAULT current_date,
    min_price_total    numeric,        -- one unit type: min = max
    max_price_total    numeric,
    min_price_per_sqft numeric,        -- price / (area m² × 10.7639104)
    max_price_per_sqft numeric,
    area_basis         text CHECK (area_basis IN ('carpet', 'built_up', 'super_built_up')),
    area_sq_m          numeric,
    source_type        text NOT NULL DEFAULT 'v1',
    run_id             bigint,
    content_hash       text,           -- of the document that brought the price
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_pricing_snapshots_unit_type ON realmap.project_pricing_snapshots (unit_type_id, snapshot_id);
CREATE INDEX project_pricing_snapshots_project ON realmap.project_pricing_snapshots (project_id, snapshot_date);
COMMENT ON TABLE realmap.project_pricing_snapshots IS
'Price history: a row each time a unit type''s price (or price per sq ft) differs from its latest snapshot';

CREATE TABLE realmap.data_provenance (
    provenance_id       bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES realmap.projects ON DELETE CASCADE,
    content_hash        text NOT NULL,
    run_id              bigint,
    snapshot_url        text,          -- metadata.source_url
    source_domain       text,
    page_content_hash   text,          -- realmap.raw_pages.content_hash of the page
    extraction_method   text,
    parser_version      text,
    schema_version      text,
    confidence_score    numeric(4,3),  -- filled / 10 of the original's ten checks
    fields_extracted    int,
    fields_expected     int NOT NULL DEFAULT 10,
    extraction_warnings jsonb NOT NULL DEFAULT '[]',  -- validation_messages + what the load left out
    scraped_at          timestamptz,
    loaded_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_provenance_once UNIQUE (project_id, content_hash)
);
COMMENT ON TABLE realmap.data_provenance IS
'Where each version of a project''s document came from: one row per (project, content hash), never one per load';

-- ------------------------------------------------------------------ reading V1 values
-- Typed readers of one V1 value; path names it in the error.  A wrong JSON type is the
-- document breaking its contract: SQLSTATE 22023 (data exception, not retried).
CREATE FUNCTION realmap._v1_text(j jsonb, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'string' THEN
        RETURN nullif(btrim(j #>> '{}'), '');   -- "" is no value
    ELSIF jsonb_typeof(j) IN ('number', 'boolean') THEN
        RETURN j #>> '{}';                      -- a PIN or floor written as a number
    END IF;
    RAISE EXCEPTION 'V1 % must be a string (got %)', path, jsonb_typeof(j) USING ERRCODE = 'invalid_parameter_value';
END $$;

CREATE FUNCTION realmap._v1_num(j jsonb, path text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'number' THEN
        RETURN (j #>> '{}')::numeric;
    END IF;
    RAISE EXCEPTION 'V1 % must be a JSON number (got %)', path, left(j::text, 80) USING ERRCODE = 'invalid_parameter_value';
END $$;

CREATE FUNCTION realmap._v1_int(j jsonb, path text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE n numeric := realmap._v1_num(j, path);
BEGIN
    IF n IS NOT NULL AND (n <> trunc(n) OR abs(n) > 2147483647) THEN
        RAISE EXCEPTION 'V1 % must be an integer (got %)', path, n USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN n::int;
END $$;

CREATE FUNCTION realmap._v1_bool(j jsonb, path text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF j IS NULL OR jsonb_typeof(j) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(j) = 'boolean' THEN
        RETURN (j #>> '{}')::boolean;
    END IF;
    RAISE EXCEPTION 'V1 % must be true or false (got %)', path, left(j::text, 80) USING ERRCODE = 'invalid_parameter_value';
END $$;

-- One of a fixed set of words (kind, source_type, qa.status).
CREATE FUNCTION realmap._v1_enum(j jsonb, path text, allowed text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE t text := realmap._v1_text(j, path);
BEGIN
    IF t IS NOT NULL AND NOT t = ANY (allowed) THEN
        RAISE EXCEPTION 'V1 % must be one of % (got %)', path, array_to_string(allowed, ', '), left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN t;
END $$;

-- ISO dates only ("YYYY-MM-DD"): the mapper turns the portal's dd-mm-yyyy and
-- "16 Feb 2018" into them.  Checked without an exception block (one per date would be
-- a subtransaction each).
CREATE FUNCTION realmap._v1_date(j jsonb, path text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := realmap._v1_text(j, path);
    m text[];
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    m := regexp_match(t, '^(\d{4})-(\d{2})-(\d{2})$');
    IF m IS NULL OR m[1]::int < 1 OR m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int < 1
       OR m[3]::int > extract(day FROM make_date(m[1]::int, m[2]::int, 1) + interval '1 month - 1 day') THEN
        RAISE EXCEPTION 'V1 % must be an ISO date YYYY-MM-DD (got %)', path, left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN make_date(m[1]::int, m[2]::int, m[3]::int);
END $$;

CREATE FUNCTION realmap._v1_timestamptz(j jsonb, path text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE t text := realmap._v1_text(j, path);
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF t !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$' THEN
        RAISE EXCEPTION 'V1 % must be an ISO 8601 timestamp (got %)', path, left(j::text, 80)
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN t::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION 'V1 % must be an ISO 8601 timestamp (got %)', path, left(j::text, 80)
          USING ERRCODE = 'invalid_parameter_value';
END $$;

-- The entries of a V1 list (absent or null: none), 0-based; path names the list in
-- errors.  placeholder: every value is null, "", 0, "0", [] or {} (the portal's "0" rows).
CREATE FUNCTION realmap._v1_list(list jsonb, path text, OUT ord int, OUT e jsonb, OUT placeholder boolean,
                                 OUT entry_path text)
RETURNS SETOF record
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF list IS NULL OR jsonb_typeof(list) = 'null' THEN
        RETURN;
    ELSIF jsonb_typeof(list) <> 'array' THEN
        RAISE EXCEPTION 'V1 % must be an array (got %)', path, jsonb_typeof(list) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR e, ord IN SELECT x.v, x.i - 1 FROM jsonb_array_elements(list) WITH ORDINALITY AS x(v, i) LOOP
        IF jsonb_typeof(e) <> 'object' THEN
            RAISE EXCEPTION 'V1 %[%] must be an object (got %)', path, ord, jsonb_typeof(e)
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        placeholder := NOT EXISTS (SELECT 1 FROM jsonb_each(e) AS f(k, v)
                                    WHERE f.v NOT IN ('null', '""', '0', '"0"', '[]', '{}'));
        entry_path := path || '[' || ord || ']';
        RETURN NEXT;
    END LOOP;
END $$;

-- A link that names a file: not empty, not "NA", not a javascript: anchor, not a
-- folder ("…/Application_336/": the portal's empty links).
CREATE FUNCTION realmap._v1_is_file_url(url text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT url IS NOT NULL AND url !~* '^\s*(na|n/a|-|#)?\s*$' AND url !~* '^\s*javascript:' AND url !~ '/\s*$'
$$;

-- A quarterly entry's sub-lists, typed, without placeholders, first entry of a key
-- kept (the portal repeats grid rows within a quarter too).
CREATE FUNCTION realmap._v1_plots(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'plot_group', p.plot_group, 'plots_type', p.plots_type, 'plot_area_sq_m', p.plot_area_sq_m,
               'total_plots', p.total_plots, 'booked', p.booked)) ORDER BY p.ord), '[]')
      FROM (SELECT DISTINCT ON (coalesce(q.plot_group, ''), coalesce(q.plots_type, '')) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'plot_group', l.entry_path || '.plot_group') AS plot_group,
                           realmap._v1_text(l.e->'plots_type', l.entry_path || '.plots_type') AS plots_type,
                           realmap._v1_num(l.e->'plot_area_sq_m', l.entry_path || '.plot_area_sq_m') AS plot_area_sq_m,
                           realmap._v1_int(l.e->'total_plots', l.entry_path || '.total_plots') AS total_plots,
                           realmap._v1_int(l.e->'booked', l.entry_path || '.booked') AS booked
                      FROM realmap._v1_list(list, path || '.plots') l
                     WHERE NOT l.placeholder) q
             ORDER BY coalesce(q.plot_group, ''), coalesce(q.plots_type, ''), q.ord) p
$$;

CREATE FUNCTION realmap._v1_amenity_progress(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'particulars', a.particulars, 'progress_percent', a.progress_percent, 'image_url', a.image_url))
               ORDER BY a.ord), '[]')
      FROM (SELECT DISTINCT ON (coalesce(q.particulars, '')) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars') AS particulars,
                           realmap._v1_num(l.e->'progress_percent', l.entry_path || '.progress_percent') AS progress_percent,
                           realmap._v1_text(l.e->'image_url', l.entry_path || '.image_url') AS image_url
                      FROM realmap._v1_list(list, path || '.amenity_progress') l
                     WHERE NOT l.placeholder) q
             ORDER BY coalesce(q.particulars, ''), q.ord) a
$$;

CREATE FUNCTION realmap._v1_certificates(list jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('kind', c.kind, 'url', c.url)) ORDER BY c.ord), '[]')
      FROM (SELECT DISTINCT ON (q.url) q.*
              FROM (SELECT l.ord,
                           realmap._v1_text(l.e->'kind', l.entry_path || '.kind') AS kind,
                           realmap._v1_text(l.e->'url', l.entry_path || '.url') AS url
                      FROM realmap._v1_list(list, path || '.certificates') l) q
             WHERE realmap._v1_is_file_url(q.url)
             ORDER BY q.url, q.ord) c
$$;

-- What a load left out of one list, for data_provenance.extraction_warnings.
CREATE FUNCTION realmap._v1_notes(notes text[], list text, placeholders bigint, repeats bigint,
                                  unkeyed bigint, unkeyed_why text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT notes
        || CASE WHEN placeholders > 0 THEN ARRAY[format('%s: %s placeholder entries (all 0 or empty) ignored', list, placeholders)] ELSE '{}' END
        || CASE WHEN repeats > 0 THEN ARRAY[format('%s: %s repeated entries ignored (the first of each key is kept)', list, repeats)] ELSE '{}' END
        || CASE WHEN unkeyed > 0 THEN ARRAY[format('%s: %s entries %s not loaded', list, unkeyed, unkeyed_why)] ELSE '{}' END
$$;

-- ------------------------------------------------------------------ load_project
-- Loads one V1 document: the project upserted on (state_code, registration number),
-- its child rows updated in place by their natural keys, rows the document no longer
-- has marked inactive, a pricing snapshot where a price changed, provenance once per
-- content hash.  Every write is conditional on a difference, so loading the same
-- content again writes no row version anywhere (it only locks the project row, which
-- also serialises concurrent loads of one project).
--
-- SECURITY INVOKER: it writes as its caller -- in the DAG the DAG's owner, whose
-- worker runs it in a security-restricted operation (so: no temporary tables, no SET
-- ROLE, nothing from the session's search_path); an operator calling it by hand needs
-- write rights on the domain tables (90_privileges.sql).
CREATE FUNCTION realmap.load_project(v1 jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    md jsonb;
    pd jsonb;
    qa jsonb;
    k text;
    v_state text;
    v_reg text;
    v_name text;
    v_address text;
    v_promoter text;
    v_run bigint;
    v_source_url text;
    v_scraped timestamptz;
    v_launch date;
    h text;
    pid bigint;
    parent bigint;
    slug_base text;
    attempt int := 0;
    changed boolean;
    notes text[] := '{}';
    n_upd bigint; n_ins bigint; n_gone bigint; n_ph bigint; n_dup bigint; n_skip bigint;
    summary text[] := '{}';
BEGIN
    -- ---------------------------------------------------------------- the minimal shape
    IF v1 IS NULL OR jsonb_typeof(v1) <> 'object' THEN
        RAISE EXCEPTION 'a V1 document must be a JSON object (got %)', coalesce(jsonb_typeof(v1), 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH k IN ARRAY ARRAY['metadata', 'project_details', 'professionals', 'qa'] LOOP
        IF jsonb_typeof(v1->k) NOT IN ('object', 'null') THEN
            RAISE EXCEPTION 'V1 % must be an object (got %)', k, jsonb_typeof(v1->k) USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    md := CASE WHEN jsonb_typeof(v1->'metadata') = 'object' THEN v1->'metadata' ELSE '{}' END;
    pd := CASE WHEN jsonb_typeof(v1->'project_details') = 'object' THEN v1->'project_details' ELSE '{}' END;
    qa := CASE WHEN jsonb_typeof(v1->'qa') = 'object' THEN v1->'qa' END;

    v_state := upper(realmap._v1_text(md->'state_code', 'metadata.state_code'));
    IF v_state IS NULL THEN
        RAISE EXCEPTION 'V1 document has no metadata.state_code' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A project is identified by metadata.state_code and project_details.registration_number, e.g. "CG" and "PCGRERA200618000247".';
    END IF;
    IF split_part(coalesce(realmap._v1_text(md->'schema_version', 'metadata.schema_version'), '1'), '.', 1) <> '1' THEN
        RAISE EXCEPTION 'V1 metadata.schema_version % is not supported (load_project reads 1.x)', md->'schema_version'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the original's normalisation (original-pipeline.md §3.6: no whitespace, one "-" at a
    -- time, upper case, no "-./" at the ends), and never the listing's "**" marker
    v_reg := nullif(btrim(regexp_replace(regexp_replace(upper(
                 realmap._v1_text(pd->'registration_number', 'project_details.registration_number')),
                 '\s+', '', 'g'), '-{2,}', '-', 'g'), '-./*'), '');
    IF v_reg IS NULL THEN
        RAISE EXCEPTION 'V1 document has no project_details.registration_number' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A project is identified by metadata.state_code and project_details.registration_number, e.g. "CG" and "PCGRERA200618000247".';
    END IF;

    v_run := realmap._v1_int(md->'run_id', 'metadata.run_id');
    v_source_url := realmap._v1_text(md->'source_url', 'metadata.source_url');
    v_scraped := realmap._v1_timestamptz(md->'scraped_at', 'metadata.scraped_at');
    v_name := coalesce(realmap._v1_text(pd->'project_name', 'project_details.project_name'), v_reg);
    v_address := realmap._v1_text(pd->'project_address', 'project_details.project_address');
    v_launch := realmap._v1_date(pd->'launch_date', 'project_details.launch_date');

    -- the content: the document without what only describes this fetch, so the same page
    -- fetched again (another time, run or URL) is no change
    h := encode(sha256(convert_to((v1 #- '{metadata,scraped_at}' #- '{metadata,run_id}' #- '{metadata,source_url}'
                                      #- '{metadata,page_content_hash}' #- '{qa,checked_at}')::text, 'UTF8')), 'hex');

    -- ---------------------------------------------------------------- parent project
    -- The original's grouping of registrations (phases) into one parent: the same name,
    -- address and first promoter, compared in upper case.
    v_promoter := coalesce((SELECT realmap._v1_text(l.e->'name', l.entry_path || '.name')
                              FROM realmap._v1_list(v1->'promoter_details', 'promoter_details') l
                             WHERE NOT l.placeholder AND realmap._v1_text(l.e->'name', l.entry_path || '.name') IS NOT NULL
                             ORDER BY l.ord LIMIT 1), 'UNKNOWN');
    SELECT pp.parent_project_id INTO parent FROM realmap.parent_projects pp
     WHERE upper(pp.name) = upper(v_name) AND upper(pp.full_address) = upper(coalesce(v_address, ''))
       AND upper(pp.promoter_name) = upper(v_promoter);
    IF parent IS NULL THEN
        slug_base := btrim(regexp_replace(lower(v_name), '[^a-z0-9]+', '-', 'g'), '-');
        IF slug_base = '' THEN   -- a name in Devanagari only
            slug_base := 'project-' || left(md5(upper(v_name) || chr(31) || upper(coalesce(v_address, '')) || chr(31)
                                                || upper(v_promoter)), 8);
        END IF;
        LOOP
            -- name, name-1, name-2, ...: the first free slug.  DO NOTHING covers both keys;
            -- when the match key was the conflict, a concurrent load created the parent.
            INSERT INTO realmap.parent_projects (name, full_address, promoter_name, slug)
            VALUES (v_name, coalesce(v_address, ''), v_promoter,
                    CASE WHEN attempt = 0 THEN slug_base ELSE slug_base || '-' || attempt END)
            ON CONFLICT DO NOTHING
            RETURNING parent_project_id INTO parent;
            EXIT WHEN parent IS NOT NULL;
            SELECT pp.parent_project_id INTO parent FROM realmap.parent_projects pp
             WHERE upper(pp.name) = upper(v_name) AND upper(pp.full_address) = upper(coalesce(v_address, ''))
               AND upper(pp.promoter_name) = upper(v_promoter);
            EXIT WHEN parent IS NOT NULL;
            attempt := attempt + 1;
            IF attempt > 10000 THEN   -- the match key is taken by a row this snapshot cannot see
                RAISE EXCEPTION 'could not link project % to its parent project (concurrent load)', v_reg
                      USING ERRCODE = 'serialization_failure';
            END IF;
        END LOOP;
    END IF;

    -- ---------------------------------------------------------------- the project
    INSERT INTO realmap.projects AS p (
        state_code, rera_registration_number, project_name, project_type, status, completed, district, tehsil,
        village_or_locality, full_address, pincode, project_website_url, total_units, total_area_sq_m,
        approved_date, proposed_end_date, extended_end_date, estimated_construction_cost_inr, land_cost_inr,
        professionals, parent_project_id, qa_status, qa_flags, qa_last_checked_at, source_url, scraped_at,
        v1, content_hash, last_loaded_run_id)
    VALUES (
        v_state, v_reg, v_name,
        realmap._v1_text(pd->'project_type', 'project_details.project_type'),
        realmap._v1_text(pd->'project_status', 'project_details.project_status'),
        coalesce(realmap._v1_bool(pd->'completed', 'project_details.completed'), false),
        realmap._v1_text(pd->'district', 'project_details.district'),
        realmap._v1_text(pd->'tehsil', 'project_details.tehsil'),
        realmap._v1_text(pd->'village_or_locality', 'project_details.village_or_locality'),
        v_address,
        realmap._v1_text(pd->'pincode', 'project_details.pincode'),
        realmap._v1_text(pd->'project_website_url', 'project_details.project_website_url'),
        realmap._v1_int(pd->'total_units', 'project_details.total_units'),
        realmap._v1_num(pd->'total_area_sq_m', 'project_details.total_area_sq_m'),
        v_launch,
        realmap._v1_date(pd->'expected_completion_date', 'project_details.expected_completion_date'),
        realmap._v1_date(pd->'extended_completion_date', 'project_details.extended_completion_date'),
        realmap._v1_num(pd->'estimated_construction_cost_inr', 'project_details.estimated_construction_cost_inr'),
        realmap._v1_num(pd->'land_cost_inr', 'project_details.land_cost_inr'),
        CASE WHEN jsonb_typeof(v1->'professionals') = 'object' THEN v1->'professionals' END,
        parent,
        realmap._v1_enum(qa->'status', 'qa.status', ARRAY['passed', 'warning', 'failed']),
        qa,
        realmap._v1_timestamptz(qa->'checked_at', 'qa.checked_at'),
        v_source_url, v_scraped, v1, h, v_run)
    ON CONFLICT (state_code, rera_registration_number) DO UPDATE
       SET project_name = EXCLUDED.project_name, project_type = EXCLUDED.project_type, status = EXCLUDED.status,
           completed = EXCLUDED.completed, district = EXCLUDED.district, tehsil = EXCLUDED.tehsil,
           village_or_locality = EXCLUDED.village_or_locality, full_address = EXCLUDED.full_address,
           pincode = EXCLUDED.pincode, project_website_url = EXCLUDED.project_website_url,
           total_units = EXCLUDED.total_units, total_area_sq_m = EXCLUDED.total_area_sq_m,
           approved_date = EXCLUDED.approved_date, proposed_end_date = EXCLUDED.proposed_end_date,
           extended_end_date = EXCLUDED.extended_end_date,
           estimated_construction_cost_inr = EXCLUDED.estimated_construction_cost_inr,
           land_cost_inr = EXCLUDED.land_cost_inr, professionals = EXCLUDED.professionals,
           parent_project_id = EXCLUDED.parent_project_id, qa_status = EXCLUDED.qa_status,
           qa_flags = EXCLUDED.qa_flags, qa_last_checked_at = EXCLUDED.qa_last_checked_at,
           source_url = EXCLUDED.source_url, scraped_at = EXCLUDED.scraped_at, v1 = EXCLUDED.v1,
           content_hash = EXCLUDED.content_hash, last_loaded_run_id = EXCLUDED.last_loaded_run_id,
           updated_at = now()
     -- the content and everything derived from it; not the fetch's own metadata
     -- (scraped_at, run, URL, qa.checked_at), which alone is no change
     WHERE (p.project_name, p.project_type, p.status, p.completed, p.district, p.tehsil, p.village_or_locality,
            p.full_address, p.pincode, p.project_website_url, p.total_units, p.total_area_sq_m, p.approved_date,
            p.proposed_end_date, p.extended_end_date, p.estimated_construction_cost_inr, p.land_cost_inr,
            p.professionals, p.parent_project_id, p.qa_status, p.content_hash)
           IS DISTINCT FROM
           (EXCLUDED.project_name, EXCLUDED.project_type, EXCLUDED.status, EXCLUDED.completed, EXCLUDED.district,
            EXCLUDED.tehsil, EXCLUDED.village_or_locality, EXCLUDED.full_address, EXCLUDED.pincode,
            EXCLUDED.project_website_url, EXCLUDED.total_units, EXCLUDED.total_area_sq_m, EXCLUDED.approved_date,
            EXCLUDED.proposed_end_date, EXCLUDED.extended_end_date, EXCLUDED.estimated_construction_cost_inr,
            EXCLUDED.land_cost_inr, EXCLUDED.professionals, EXCLUDED.parent_project_id, EXCLUDED.qa_status,
            EXCLUDED.content_hash)
    RETURNING p.project_id INTO pid;
    changed := pid IS NOT NULL;
    IF NOT changed THEN
        SELECT p.project_id INTO STRICT pid FROM realmap.projects p
         WHERE p.state_code = v_state AND p.rera_registration_number = v_reg;
    END IF;

    -- ---------------------------------------------------------------- child rows
    -- Each list in one statement: the document's entries (typed, placeholders dropped,
    -- the first entry of each natural key kept), then UPDATE the rows whose values
    -- differ, INSERT the new keys, mark inactive the active rows whose key is gone.
    -- Keys are compared through coalesce(..., '') so the joins can hash ('' is never
    -- stored: an empty string is no value).

    -- promoters: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'promoter_details', 'promoter_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS promoter_name,
               realmap._v1_text(l.e->'organisation_type', l.entry_path || '.organisation_type') AS promoter_type,
               realmap._v1_text(l.e->'address', l.entry_path || '.address') AS address,
               realmap._v1_text(l.e->'email', l.entry_path || '.email') AS email,
               realmap._v1_text(l.e->'phone', l.entry_path || '.phone') AS phone,
               realmap._v1_text(l.e->'pan', l.entry_path || '.pan') AS pan,
               realmap._v1_text(l.e->'cin', l.entry_path || '.cin') AS cin,
               realmap._v1_text(l.e->'gst_number', l.entry_path || '.gst_number') AS gst_number,
               realmap._v1_text(l.e->'website', l.entry_path || '.website') AS website
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.promoter_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.promoter_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.promoters t
           SET promoter_type = n.promoter_type, address = n.address, email = n.email, phone = n.phone, pan = n.pan,
               cin = n.cin, gst_number = n.gst_number, website = n.website, is_active = true, removed_at = NULL,
               updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.promoter_name, '') = coalesce(n.promoter_name, '')
           AND (t.promoter_type, t.address, t.email, t.phone, t.pan, t.cin, t.gst_number, t.website, t.is_active)
               IS DISTINCT FROM (n.promoter_type, n.address, n.email, n.phone, n.pan, n.cin, n.gst_number, n.website, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.promoters (project_id, promoter_name, promoter_type, address, email, phone, pan, cin,
                                       gst_number, website)
        SELECT pid, n.promoter_name, n.promoter_type, n.address, n.email, n.phone, n.pan, n.cin, n.gst_number, n.website
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.promoters t
                            WHERE t.project_id = pid AND coalesce(t.promoter_name, '') = coalesce(n.promoter_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.promoters t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.promoter_name, '') = coalesce(t.promoter_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'promoter_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('promoters %s/%s/%s', n_ins, n_upd, n_gone);

    -- land parcels: by position (no identity of their own)
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'land_details', 'land_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'khasra_numbers', l.entry_path || '.khasra_numbers') AS survey_number,
               realmap._v1_num(l.e->'land_area_sq_m', l.entry_path || '.land_area_sq_m') AS area_sq_m,
               realmap._v1_text(l.e->'land_status', l.entry_path || '.land_status') AS land_status,
               realmap._v1_text(l.e->'land_address', l.entry_path || '.land_address') AS land_address,
               realmap._v1_text(l.e->'ward_number', l.entry_path || '.ward_number') AS ward_number,
               realmap._v1_text(l.e->'mutation_number', l.entry_path || '.mutation_number') AS mutation_number,
               realmap._v1_text(l.e->'patwari_halka', l.entry_path || '.patwari_halka') AS patwari_halka,
               realmap._v1_text(l.e->'plot_number', l.entry_path || '.plot_number') AS plot_number
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT (row_number() OVER (ORDER BY s.ord))::int AS position, s.* FROM src s WHERE NOT s.placeholder
    ), upd AS (
        UPDATE realmap.land_parcels t
           SET survey_number = n.survey_number, area_sq_m = n.area_sq_m, land_status = n.land_status,
               land_address = n.land_address, ward_number = n.ward_number, mutation_number = n.mutation_number,
               patwari_halka = n.patwari_halka, plot_number = n.plot_number, is_active = true, removed_at = NULL,
               updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.position = n.position
           AND (t.survey_number, t.area_sq_m, t.land_status, t.land_address, t.ward_number, t.mutation_number,
                t.patwari_halka, t.plot_number, t.is_active)
               IS DISTINCT FROM (n.survey_number, n.area_sq_m, n.land_status, n.land_address, n.ward_number,
                                 n.mutation_number, n.patwari_halka, n.plot_number, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.land_parcels (project_id, position, survey_number, area_sq_m, land_status, land_address,
                                          ward_number, mutation_number, patwari_halka, plot_number)
        SELECT pid, n.position, n.survey_number, n.area_sq_m, n.land_status, n.land_address, n.ward_number,
               n.mutation_number, n.patwari_halka, n.plot_number
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.land_parcels t WHERE t.project_id = pid AND t.position = n.position)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.land_parcels t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active AND NOT EXISTS (SELECT 1 FROM n WHERE n.position = t.position)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw)
      INTO n_upd, n_ins, n_gone, n_ph;
    notes := realmap._v1_notes(notes, 'land_details', n_ph, 0, 0, NULL);
    summary := summary || format('land_parcels %s/%s/%s', n_ins, n_upd, n_gone);

    -- buildings: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'building_details', 'building_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS building_name,
               realmap._v1_int(l.e->'number_of_floors', l.entry_path || '.number_of_floors') AS number_of_floors,
               realmap._v1_int(l.e->'number_of_units', l.entry_path || '.number_of_units') AS total_units,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.building_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.building_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.buildings t
           SET number_of_floors = n.number_of_floors, total_units = n.total_units, carpet_area_sq_m = n.carpet_area_sq_m,
               is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.building_name, '') = coalesce(n.building_name, '')
           AND (t.number_of_floors, t.total_units, t.carpet_area_sq_m, t.is_active)
               IS DISTINCT FROM (n.number_of_floors, n.total_units, n.carpet_area_sq_m, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.buildings (project_id, building_name, number_of_floors, total_units, carpet_area_sq_m)
        SELECT pid, n.building_name, n.number_of_floors, n.total_units, n.carpet_area_sq_m
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.buildings t
                            WHERE t.project_id = pid AND coalesce(t.building_name, '') = coalesce(n.building_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.buildings t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.building_name, '') = coalesce(t.building_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'building_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('buildings %s/%s/%s', n_ins, n_upd, n_gone);

    -- unit types: by name
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'unit_types', 'unit_types')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS type_name,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m,
               realmap._v1_num(l.e->'built_up_area_sq_m', l.entry_path || '.built_up_area_sq_m') AS built_up_area_sq_m,
               realmap._v1_num(l.e->'super_built_up_area_sq_m', l.entry_path || '.super_built_up_area_sq_m') AS super_built_up_area_sq_m,
               realmap._v1_num(l.e->'balcony_area_sq_m', l.entry_path || '.balcony_area_sq_m') AS balcony_area_sq_m,
               realmap._v1_num(l.e->'common_area_sq_m', l.entry_path || '.common_area_sq_m') AS common_area_sq_m,
               realmap._v1_num(l.e->'terrace_area_sq_m', l.entry_path || '.terrace_area_sq_m') AS terrace_area_sq_m,
               realmap._v1_num(l.e->'price_in_inr', l.entry_path || '.price_in_inr') AS sale_price
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.type_name, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.type_name, ''), s.ord
    ), upd AS (
        UPDATE realmap.unit_types t
           SET carpet_area_sq_m = n.carpet_area_sq_m, built_up_area_sq_m = n.built_up_area_sq_m,
               super_built_up_area_sq_m = n.super_built_up_area_sq_m, balcony_area_sq_m = n.balcony_area_sq_m,
               common_area_sq_m = n.common_area_sq_m, terrace_area_sq_m = n.terrace_area_sq_m,
               sale_price = n.sale_price, is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.type_name, '') = coalesce(n.type_name, '')
           AND (t.carpet_area_sq_m, t.built_up_area_sq_m, t.super_built_up_area_sq_m, t.balcony_area_sq_m,
                t.common_area_sq_m, t.terrace_area_sq_m, t.sale_price, t.is_active)
               IS DISTINCT FROM (n.carpet_area_sq_m, n.built_up_area_sq_m, n.super_built_up_area_sq_m,
                                 n.balcony_area_sq_m, n.common_area_sq_m, n.terrace_area_sq_m, n.sale_price, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.unit_types (project_id, type_name, carpet_area_sq_m, built_up_area_sq_m,
                                        super_built_up_area_sq_m, balcony_area_sq_m, common_area_sq_m,
                                        terrace_area_sq_m, sale_price)
        SELECT pid, n.type_name, n.carpet_area_sq_m, n.built_up_area_sq_m, n.super_built_up_area_sq_m,
               n.balcony_area_sq_m, n.common_area_sq_m, n.terrace_area_sq_m, n.sale_price
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.unit_types t
                            WHERE t.project_id = pid AND coalesce(t.type_name, '') = coalesce(n.type_name, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.unit_types t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.type_name, '') = coalesce(t.type_name, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'unit_types', n_ph, n_dup, 0, NULL);
    summary := summary || format('unit_types %s/%s/%s', n_ins, n_upd, n_gone);

    -- price history: a snapshot when an active unit type's price, or its price per
    -- sq ft (an area corrected), differs from its latest snapshot.  Per sq ft on the
    -- best area known, as the original: carpet, else built-up, else super built-up.
    INSERT INTO realmap.project_pricing_snapshots (project_id, unit_type_id, unit_type_label, snapshot_date,
                                                   min_price_total, max_price_total, min_price_per_sqft,
                                                   max_price_per_sqft, area_basis, area_sq_m, source_type, run_id,
                                                   content_hash)
    SELECT pid, u.unit_type_id, u.type_name, current_date, u.sale_price, u.sale_price, a.per_sqft, a.per_sqft,
           a.basis, a.area, 'v1', v_run, h
      FROM realmap.unit_types u
     CROSS JOIN LATERAL (
           SELECT b.basis, b.area, round(u.sale_price / (b.area * 10.7639104), 2) AS per_sqft
             FROM (SELECT CASE WHEN u.carpet_area_sq_m > 0 THEN 'carpet'
                               WHEN u.built_up_area_sq_m > 0 THEN 'built_up'
                               WHEN u.super_built_up_area_sq_m > 0 THEN 'super_built_up' END AS basis,
                          CASE WHEN u.carpet_area_sq_m > 0 THEN u.carpet_area_sq_m
                               WHEN u.built_up_area_sq_m > 0 THEN u.built_up_area_sq_m
                               WHEN u.super_built_up_area_sq_m > 0 THEN u.super_built_up_area_sq_m END AS area) b) a
      LEFT JOIN LATERAL (
           SELECT s.min_price_total, s.min_price_per_sqft FROM realmap.project_pricing_snapshots s
            WHERE s.unit_type_id = u.unit_type_id ORDER BY s.snapshot_id DESC LIMIT 1) last ON true
     WHERE u.project_id = pid AND u.is_active AND u.sale_price IS NOT NULL
       AND (last.min_price_total, last.min_price_per_sqft) IS DISTINCT FROM (u.sale_price, a.per_sqft);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    summary := summary || format('price snapshots %s', n_ins);

    -- bank accounts: by account number
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'bank_details', 'bank_details')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'account_number', l.entry_path || '.account_number') AS account_number,
               realmap._v1_text(l.e->'account_name', l.entry_path || '.account_name') AS account_name,
               realmap._v1_text(l.e->'bank_name', l.entry_path || '.bank_name') AS bank_name,
               realmap._v1_text(l.e->'branch_name', l.entry_path || '.branch_name') AS branch_name,
               realmap._v1_text(l.e->'ifsc_code', l.entry_path || '.ifsc_code') AS ifsc_code
          FROM raw l WHERE NOT l.placeholder
    ), n AS (
        SELECT DISTINCT ON (coalesce(s.account_number, '')) s.* FROM src s WHERE NOT s.placeholder
         ORDER BY coalesce(s.account_number, ''), s.ord
    ), upd AS (
        UPDATE realmap.bank_accounts t
           SET account_name = n.account_name, bank_name = n.bank_name, branch_name = n.branch_name,
               ifsc_code = n.ifsc_code, is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.account_number, '') = coalesce(n.account_number, '')
           AND (t.account_name, t.bank_name, t.branch_name, t.ifsc_code, t.is_active)
               IS DISTINCT FROM (n.account_name, n.bank_name, n.branch_name, n.ifsc_code, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.bank_accounts (project_id, account_number, account_name, bank_name, branch_name, ifsc_code)
        SELECT pid, n.account_number, n.account_name, n.bank_name, n.branch_name, n.ifsc_code
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.bank_accounts t
                            WHERE t.project_id = pid AND coalesce(t.account_number, '') = coalesce(n.account_number, ''))
        RETURNING 1
    ), gone AS (
        UPDATE realmap.bank_accounts t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.account_number, '') = coalesce(t.account_number, ''))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM n)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup;
    notes := realmap._v1_notes(notes, 'bank_details', n_ph, n_dup, 0, NULL);
    summary := summary || format('bank_accounts %s/%s/%s', n_ins, n_upd, n_gone);

    -- documents: by URL; a link without a file is no document
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'documents', 'documents')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'url', l.entry_path || '.url') AS url,
               realmap._v1_text(l.e->'name', l.entry_path || '.name') AS name,
               realmap._v1_text(l.e->'document_type', l.entry_path || '.document_type') AS document_type,
               realmap._v1_text(l.e->'section', l.entry_path || '.section') AS section,
               realmap._v1_date(l.e->'uploaded_on', l.entry_path || '.uploaded_on') AS uploaded_on
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.* FROM src s WHERE NOT s.placeholder AND realmap._v1_is_file_url(s.url)
    ), n AS (
        SELECT DISTINCT ON (k.url) k.* FROM keyed k ORDER BY k.url, k.ord
    ), upd AS (
        UPDATE realmap.project_documents t
           SET name = n.name, document_type = n.document_type, section = n.section, uploaded_on = n.uploaded_on,
               is_active = true, removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.url = n.url
           AND (t.name, t.document_type, t.section, t.uploaded_on, t.is_active)
               IS DISTINCT FROM (n.name, n.document_type, n.section, n.uploaded_on, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.project_documents (project_id, url, name, document_type, section, uploaded_on)
        SELECT pid, n.url, n.name, n.document_type, n.section, n.uploaded_on
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.project_documents t WHERE t.project_id = pid AND t.url = n.url)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.project_documents t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active AND NOT EXISTS (SELECT 1 FROM n WHERE n.url = t.url)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'documents', n_ph, n_dup, n_skip, 'without a file (empty, NA or folder links)');
    summary := summary || format('documents %s/%s/%s', n_ins, n_upd, n_gone);

    -- quarterly updates: by (kind, from_date, to_date); a period given only as quarter
    -- and year is that calendar quarter
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'quarterly_updates', 'quarterly_updates')
    ), src AS (
        SELECT l.ord, l.placeholder,
               coalesce(realmap._v1_enum(l.e->'kind', l.entry_path || '.kind', ARRAY['progress', 'withdrawal']),
                        'progress') AS kind,
               realmap._v1_text(l.e->'quarter', l.entry_path || '.quarter') AS quarter,
               realmap._v1_text(l.e->'year', l.entry_path || '.year') AS year,
               realmap._v1_date(l.e->'from_date', l.entry_path || '.from_date') AS from_date,
               realmap._v1_date(l.e->'to_date', l.entry_path || '.to_date') AS to_date,
               realmap._v1_text(l.e->'status', l.entry_path || '.status') AS status,
               realmap._v1_num(l.e->'completion_percent', l.entry_path || '.completion_percent') AS overall_percent,
               realmap._v1_text(l.e->'remarks', l.entry_path || '.remarks') AS summary,
               realmap._v1_plots(l.e->'plots', l.entry_path) AS plots,
               realmap._v1_amenity_progress(l.e->'amenity_progress', l.entry_path) AS amenity_progress,
               realmap._v1_certificates(l.e->'certificates', l.entry_path) AS certificates
          FROM raw l WHERE NOT l.placeholder
    ), per AS (
        SELECT s.*, coalesce(s.from_date, cq.q_start) AS f,
               coalesce(s.to_date, (cq.q_start + interval '3 months - 1 day')::date) AS t
          FROM src s
          LEFT JOIN LATERAL (
               SELECT make_date(m.y, (m.q - 1) * 3 + 1, 1) AS q_start
                 FROM (SELECT substring(s.quarter FROM '^[Qq]\s*([1-4])')::int AS q,
                              coalesce(substring(s.year FROM '^\s*(\d{4})\s*$'),
                                       substring(s.quarter FROM '(\d{4})'))::int AS y) m
                WHERE m.q IS NOT NULL AND m.y BETWEEN 1 AND 9999) cq ON true
         WHERE NOT s.placeholder
    ), keyed AS (
        SELECT p.*,
               CASE WHEN p.quarter IS NULL THEN 'Q' || extract(quarter FROM p.t) || ' ' || extract(year FROM p.t)
                    WHEN p.year IS NULL OR strpos(p.quarter, p.year) > 0 THEN p.quarter
                    ELSE p.quarter || ' ' || p.year END AS label,
               (SELECT sum((x->>'total_plots')::int) FROM jsonb_array_elements(p.plots) x)::int AS units_total,
               (SELECT sum((x->>'booked')::int) FROM jsonb_array_elements(p.plots) x)::int AS units_booked
          FROM per p WHERE p.f IS NOT NULL AND p.t IS NOT NULL
    ), n AS (
        SELECT DISTINCT ON (k.kind, k.f, k.t) k.* FROM keyed k ORDER BY k.kind, k.f, k.t, k.ord
    ), upd AS (
        UPDATE realmap.quarterly_updates t
           SET quarter = n.label, status = n.status, overall_percent = n.overall_percent, summary = n.summary,
               units_total = n.units_total, units_booked = n.units_booked, plots = n.plots,
               amenity_progress = n.amenity_progress, certificates = n.certificates, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.kind = n.kind AND t.from_date = n.f AND t.to_date = n.t
           AND (t.quarter, t.status, t.overall_percent, t.summary, t.units_total, t.units_booked, t.plots,
                t.amenity_progress, t.certificates, t.is_active)
               IS DISTINCT FROM (n.label, n.status, n.overall_percent, n.summary, n.units_total, n.units_booked,
                                 n.plots, n.amenity_progress, n.certificates, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.quarterly_updates (project_id, kind, from_date, to_date, quarter, status, overall_percent,
                                               summary, units_total, units_booked, plots, amenity_progress, certificates)
        SELECT pid, n.kind, n.f, n.t, n.label, n.status, n.overall_percent, n.summary, n.units_total, n.units_booked,
               n.plots, n.amenity_progress, n.certificates
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.quarterly_updates t
                            WHERE t.project_id = pid AND t.kind = n.kind AND t.from_date = n.f AND t.to_date = n.t)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.quarterly_updates t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE n.kind = t.kind AND n.f = t.from_date AND n.t = t.to_date)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FROM per) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'quarterly_updates', n_ph, n_dup, n_skip,
                               'without a period (no from/to dates, no quarter and year)');
    summary := summary || format('quarterly_updates %s/%s/%s', n_ins, n_upd, n_gone);

    -- units: by (block, floor, unit number)
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'units', 'units')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_text(l.e->'block', l.entry_path || '.block') AS block_name,
               realmap._v1_text(l.e->'floor', l.entry_path || '.floor') AS floor_no,
               realmap._v1_text(l.e->'unit_no', l.entry_path || '.unit_no') AS unit_no,
               realmap._v1_text(l.e->'type', l.entry_path || '.type') AS unit_type,
               realmap._v1_num(l.e->'carpet_area_sq_m', l.entry_path || '.carpet_area_sq_m') AS carpet_area_sq_m,
               realmap._v1_text(l.e->'status', l.entry_path || '.status') AS status
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.* FROM src s WHERE NOT s.placeholder AND s.unit_no IS NOT NULL
    ), n AS (
        SELECT DISTINCT ON (coalesce(k.block_name, ''), coalesce(k.floor_no, ''), k.unit_no) k.* FROM keyed k
         ORDER BY coalesce(k.block_name, ''), coalesce(k.floor_no, ''), k.unit_no, k.ord
    ), upd AS (
        UPDATE realmap.units t
           SET unit_type = n.unit_type, carpet_area_sq_m = n.carpet_area_sq_m, status = n.status, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND coalesce(t.block_name, '') = coalesce(n.block_name, '')
           AND coalesce(t.floor_no, '') = coalesce(n.floor_no, '') AND t.unit_no = n.unit_no
           AND (t.unit_type, t.carpet_area_sq_m, t.status, t.is_active)
               IS DISTINCT FROM (n.unit_type, n.carpet_area_sq_m, n.status, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.units (project_id, block_name, floor_no, unit_no, unit_type, carpet_area_sq_m, status)
        SELECT pid, n.block_name, n.floor_no, n.unit_no, n.unit_type, n.carpet_area_sq_m, n.status
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.units t
                            WHERE t.project_id = pid AND coalesce(t.block_name, '') = coalesce(n.block_name, '')
                              AND coalesce(t.floor_no, '') = coalesce(n.floor_no, '') AND t.unit_no = n.unit_no)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.units t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE coalesce(n.block_name, '') = coalesce(t.block_name, '')
                              AND coalesce(n.floor_no, '') = coalesce(t.floor_no, '') AND n.unit_no = t.unit_no)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'units', n_ph, n_dup, n_skip, 'without unit_no');
    summary := summary || format('units %s/%s/%s', n_ins, n_upd, n_gone);

    -- the page's own positions: by (source_type, location_key).  Only from_page rows
    -- are read or written: a geocode or a manual pin survives every reload.
    WITH raw AS (
        SELECT * FROM realmap._v1_list(v1->'rera_locations', 'rera_locations')
    ), src AS (
        SELECT l.ord, l.placeholder,
               realmap._v1_enum(l.e->'source_type', l.entry_path || '.source_type',
                                ARRAY['amenity', 'amenity_centroid', 'map_iframe', 'listing_map']) AS source_type,
               realmap._v1_num(l.e->'latitude', l.entry_path || '.latitude')::float8 AS lat,
               realmap._v1_num(l.e->'longitude', l.entry_path || '.longitude')::float8 AS lon,
               realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars') AS particulars,
               jsonb_strip_nulls(jsonb_build_object(
                   'particulars', realmap._v1_text(l.e->'particulars', l.entry_path || '.particulars'),
                   'image_url', realmap._v1_text(l.e->'image_url', l.entry_path || '.image_url'),
                   'from_date', realmap._v1_text(l.e->'from_date', l.entry_path || '.from_date'),
                   'to_date', realmap._v1_text(l.e->'to_date', l.entry_path || '.to_date'),
                   'progress_percent', realmap._v1_num(l.e->'progress_percent', l.entry_path || '.progress_percent')))
                   AS meta_data
          FROM raw l WHERE NOT l.placeholder
    ), keyed AS (
        SELECT s.*, CASE WHEN s.source_type = 'amenity' THEN coalesce(s.particulars, s.lat || ',' || s.lon) ELSE '' END
                    AS location_key
          FROM src s
         WHERE NOT s.placeholder AND s.source_type IS NOT NULL
           AND s.lat BETWEEN -90 AND 90 AND s.lon BETWEEN -180 AND 180
    ), n AS (
        SELECT DISTINCT ON (k.source_type, k.location_key) k.* FROM keyed k ORDER BY k.source_type, k.location_key, k.ord
    ), upd AS (
        UPDATE realmap.project_locations t
           SET lat = n.lat, lon = n.lon, precision_level = 'site', meta_data = n.meta_data, is_active = true,
               removed_at = NULL, updated_at = now()
          FROM n
         WHERE t.project_id = pid AND t.from_page AND t.source_type = n.source_type AND t.location_key = n.location_key
           AND (t.lat, t.lon, t.precision_level, t.meta_data, t.is_active)
               IS DISTINCT FROM (n.lat, n.lon, 'site', n.meta_data, true)
        RETURNING 1
    ), ins AS (
        INSERT INTO realmap.project_locations (project_id, source_type, lat, lon, precision_level, from_page,
                                               location_key, meta_data)
        SELECT pid, n.source_type, n.lat, n.lon, 'site', true, n.location_key, n.meta_data
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM realmap.project_locations t
                            WHERE t.project_id = pid AND t.from_page AND t.source_type = n.source_type
                              AND t.location_key = n.location_key)
        RETURNING 1
    ), gone AS (
        UPDATE realmap.project_locations t SET is_active = false, removed_at = now(), updated_at = now()
         WHERE t.project_id = pid AND t.from_page AND t.is_active
           AND NOT EXISTS (SELECT 1 FROM n WHERE n.source_type = t.source_type AND n.location_key = t.location_key)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM ins), (SELECT count(*) FROM gone),
           (SELECT count(*) FILTER (WHERE placeholder) FROM raw),
           (SELECT count(*) FROM keyed) - (SELECT count(*) FROM n),
           (SELECT count(*) FILTER (WHERE NOT placeholder) FROM src) - (SELECT count(*) FROM keyed)
      INTO n_upd, n_ins, n_gone, n_ph, n_dup, n_skip;
    notes := realmap._v1_notes(notes, 'rera_locations', n_ph, n_dup, n_skip, 'without a source type or valid coordinates');
    summary := summary || format('locations %s/%s/%s', n_ins, n_upd, n_gone);

    -- ---------------------------------------------------------------- provenance
    -- Once per (project, content hash): a reload of the same content adds nothing (the
    -- original appended a row per load: 15 for one project).
    IF NOT EXISTS (SELECT 1 FROM realmap.data_provenance d WHERE d.project_id = pid AND d.content_hash = h) THEN
        INSERT INTO realmap.data_provenance (project_id, content_hash, run_id, snapshot_url, source_domain,
                                             page_content_hash, extraction_method, parser_version, schema_version,
                                             confidence_score, fields_extracted, fields_expected,
                                             extraction_warnings, scraped_at)
        SELECT pid, h, v_run, v_source_url, substring(v_source_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)'),
               realmap._v1_text(md->'page_content_hash', 'metadata.page_content_hash'),
               coalesce(realmap._v1_text(md->'extraction_method', 'metadata.extraction_method'), 'v1_document'),
               realmap._v1_text(md->'parser_version', 'metadata.parser_version'),
               realmap._v1_text(md->'schema_version', 'metadata.schema_version'),
               round(c.filled / 10.0, 3), c.filled, 10,
               coalesce((SELECT jsonb_agg(m) FROM jsonb_array_elements(
                            CASE WHEN jsonb_typeof(v1->'validation_messages') = 'array'
                                 THEN v1->'validation_messages' ELSE '[]' END) m), '[]') || to_jsonb(notes),
               v_scraped
          FROM (SELECT -- the original's ten checks (loader.py)
                       1 + (pd->>'project_name' IS NOT NULL AND btrim(pd->>'project_name') <> '')::int
                         + (p.district IS NOT NULL)::int + (p.status IS NOT NULL)::int
                         + EXISTS (SELECT 1 FROM realmap.promoters x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.buildings x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.unit_types x WHERE x.project_id = pid AND x.is_active)::int
                         + EXISTS (SELECT 1 FROM realmap.project_documents x WHERE x.project_id = pid AND x.is_active)::int
                         + (p.full_address IS NOT NULL)::int + (p.approved_date IS NOT NULL)::int AS filled
                  FROM realmap.projects p WHERE p.project_id = pid) c
        ON CONFLICT (project_id, content_hash) DO NOTHING;
    END IF;

    RAISE DEBUG 'load_project %: project %, % (inserted/updated/removed)', v_reg,
        CASE WHEN changed THEN 'changed' ELSE 'unchanged' END, array_to_string(summary, ', ');
    RETURN pid;
END $$;
COMMENT ON FUNCTION realmap.load_project(jsonb) IS
'Loads one V1 project document (sql/src/V1.md) and returns its project_id: upsert on (state_code, registration number), child rows updated in place by natural key, rows no longer in the document marked inactive, price snapshots on price changes, provenance once per content hash; loading the same content again writes nothing';
