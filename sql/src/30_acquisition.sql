-- =====================================================================================
-- Acquisition: the portal session, the listing of a run, the raw detail pages.
-- The stages (src/pg/stage_*.cpp) write these tables as the DAG owner.
-- =====================================================================================

-- One portal session per run: what init_session opened and the last page's hidden
-- ASP.NET fields (postbacks must send the __VIEWSTATE of the list they refer to).
CREATE TABLE realmap.portal_sessions (
    run_id          bigint PRIMARY KEY,
    base_url        text NOT NULL,
    listing_url     text NOT NULL,
    cookies         text NOT NULL DEFAULT '',   -- the run's cookie jar (Netscape format)
    hidden_fields   jsonb NOT NULL DEFAULT '{}',
    filter_options  jsonb NOT NULL DEFAULT '{}', -- select name -> [[value, label], ...]
    captcha_server  boolean NOT NULL DEFAULT false, -- the portal checks a CAPTCHA on Search
    opened_at       timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE realmap.portal_sessions IS 'The HTTP session of each run with the portal (cookies, ASP.NET hidden fields)';

-- The project list as a run read it: the listing table merged with the map payload.
CREATE TABLE realmap.listings (
    run_id              bigint NOT NULL,
    registration_number text NOT NULL,
    completed           boolean NOT NULL DEFAULT false,  -- the portal's "**" marker
    project_name        text,
    promoter_name       text,
    authorised_name     text,
    project_type        text,
    project_status      text,
    development_type    text,
    district            text,
    tehsil              text,
    project_address     text,
    approved_on         date,
    proposed_end        date,
    extended_end        date,
    website             text,
    detail_url          text,
    my_id               text,
    postback_target     text,     -- __EVENTTARGET of the row's View link
    row_index           int,      -- the row in the list the session last received
    latitude            float8,   -- NULL when the portal gave a placeholder
    longitude           float8,
    position_raw        text,     -- what the portal said, e.g. '0|0'
    position_issue      text,     -- why position_raw is not a position
    duplicate_rows      int NOT NULL DEFAULT 0,  -- further rows the portal listed for this number
    row_hash            text NOT NULL,           -- of the listing fields (delta mode)
    scraped_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, registration_number)
);
CREATE INDEX listings_registration ON realmap.listings (registration_number, run_id DESC);
COMMENT ON TABLE realmap.listings IS 'Projects listed by the portal, per run (placeholder positions stored as missing)';

-- Detail pages, once per (registration number, content hash).
CREATE TABLE realmap.raw_pages (
    page_id             bigserial PRIMARY KEY,
    registration_number text NOT NULL,
    content_hash        text NOT NULL,      -- sha256 of the body, hex
    body                text NOT NULL,
    http_status         int NOT NULL,
    bytes               int NOT NULL,
    elapsed_ms          float8,
    method              text NOT NULL,      -- GET by id, or POST (the row's postback)
    url                 text NOT NULL,
    final_url           text NOT NULL,
    first_run_id        bigint NOT NULL,
    last_run_id         bigint NOT NULL,
    first_fetched_at    timestamptz NOT NULL DEFAULT now(),
    last_fetched_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (registration_number, content_hash)
);
CREATE INDEX raw_pages_latest ON realmap.raw_pages (registration_number, last_fetched_at DESC);
COMMENT ON TABLE realmap.raw_pages IS 'Fetched detail pages, stored once per project and content hash';

-- Stores a fetched detail page (a new content hash) or notes that it was seen again.
-- Returns whether the content is new for that project.
CREATE FUNCTION realmap._store_page(p_run bigint, p_reg text, p_body text, p_status int, p_elapsed_ms float8,
                                    p_method text, p_url text, p_final_url text, OUT page_id bigint, OUT changed boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    h text := encode(sha256(convert_to(p_body, 'UTF8')), 'hex');
    previous text;
BEGIN
    SELECT r.content_hash INTO previous FROM realmap.raw_pages r
     WHERE r.registration_number = p_reg ORDER BY r.last_fetched_at DESC, r.page_id DESC LIMIT 1;
    changed := previous IS DISTINCT FROM h;
    INSERT INTO realmap.raw_pages AS r (registration_number, content_hash, body, http_status, bytes, elapsed_ms,
                                        method, url, final_url, first_run_id, last_run_id)
    VALUES (p_reg, h, p_body, p_status, octet_length(p_body), p_elapsed_ms, p_method, p_url, p_final_url, p_run, p_run)
    ON CONFLICT (registration_number, content_hash) DO UPDATE
       SET last_run_id = EXCLUDED.last_run_id, last_fetched_at = clock_timestamp(), http_status = EXCLUDED.http_status,
           elapsed_ms = EXCLUDED.elapsed_ms, method = EXCLUDED.method, url = EXCLUDED.url, final_url = EXCLUDED.final_url
    RETURNING r.page_id INTO page_id;
END $$;

-- The listing parser as a SQL function: one row per project (table rows merged with
-- the map payload).  C++ returns the rows as JSON; the columns are named here.
CREATE FUNCTION realmap._parse_listing_json(html text, page_url text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_parse_listing_json' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION realmap.parse_listing_page(html text, page_url text DEFAULT NULL)
RETURNS TABLE (registration_number text, project_name text, promoter_name text, project_type text,
               district text, tehsil text, approved_on date, proposed_end date, extended_end date,
               website text, detail_url text, latitude float8, longitude float8, completed boolean,
               authorised_name text, project_status text, development_type text, project_address text,
               my_id text, postback_target text, row_index int, position_raw text, position_issue text,
               duplicate_rows int)
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.registration_number, r.project_name, r.promoter_name, r.project_type, r.district, r.tehsil,
           r.approved_on, r.proposed_end, r.extended_end, r.website, r.detail_url, r.latitude, r.longitude,
           coalesce(r.completed, false), r.authorised_name, r.project_status, r.development_type,
           r.project_address, r.my_id, r.postback_target, r.row_index, r.position_raw, r.position_issue,
           coalesce(r.duplicate_rows, 0)
      FROM jsonb_to_recordset(realmap._parse_listing_json(html, page_url) -> 'rows') AS r(
           registration_number text, project_name text, promoter_name text, project_type text,
           district text, tehsil text, approved_on date, proposed_end date, extended_end date,
           website text, detail_url text, latitude float8, longitude float8, completed boolean,
           authorised_name text, project_status text, development_type text, project_address text,
           my_id text, postback_target text, row_index int, position_raw text, position_issue text,
           duplicate_rows int)
$$;
COMMENT ON FUNCTION realmap.parse_listing_page(text, text) IS
'Parses the portal''s listing page: one row per project, the table''s rows merged with the map payload; placeholder positions (0|0, empty, 0, latitude repeated) are NULL with position_issue saying which';

-- One request through realmap's HTTP client (allowed hosts, limits, timeouts), for
-- operators.  Errors are raised with the URL and the reason.
CREATE FUNCTION realmap.fetch_url(url text, method text DEFAULT 'GET', body text DEFAULT NULL,
                                  content_type text DEFAULT NULL,
                                  OUT status int, OUT final_url text, OUT content_type_out text, OUT bytes bigint,
                                  OUT elapsed_ms float8, OUT redirects int, OUT headers jsonb, OUT body_out text)
    AS 'MODULE_PATHNAME', 'realmap_fetch_url' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION realmap.fetch_url(text, text, text, text) IS
'Fetches one URL through realmap''s HTTP client (the allowed hosts, per-host limits, timeouts and size limit of realmap.config); operators only';

-- The built-in stages of this issue and the realmap_etl DAG.
INSERT INTO realmap.stages (stage, description) VALUES
    ('init_session', 'Opens the portal: cookies and the ASP.NET hidden fields of the run''s session'),
    ('scrape_listings', 'Reads the project list (filters: districts, statuses, project_types; max_listings) into realmap.listings; returns the registration numbers as map items'),
    ('fetch_details', 'Fetches one project''s detail page (GET by id, the row''s postback as fallback) into realmap.raw_pages');

INSERT INTO realmap.config (key, value, description) VALUES
    ('portal.base_url', '"https://rera.cgstate.gov.in/"', 'The CG RERA portal (listing and detail pages are relative to it)'),
    ('portal.listing_path', '"Approved_project_List.aspx"', 'The listing page, relative to portal.base_url'),
    ('portal.detail_path', '"Promoter_Reg_Only_View_Application_new.aspx"', 'The detail page, relative to portal.base_url (?MyID=...)'),
    ('http.allowed_hosts', '["rera.cgstate.gov.in", "nominatim.openstreetmap.org", "overpass-api.de"]',
        'Hosts realmap may connect to (host or host:port; *.domain for subdomains); redirects elsewhere are refused'),
    ('http.user_agent', '"realmap/0.4.0 (PostgreSQL extension; RERA project map)"', 'User-Agent of every request'),
    ('http.max_concurrent_per_host', '4', 'Requests in flight to one host, across all workers'),
    ('http.max_requests_per_second_per_host', '2', 'Request starts per second to one host, across all workers (0: no limit)'),
    ('http.connect_timeout_ms', '10000', 'Connect timeout of one request'),
    ('http.timeout_ms', '60000', 'Total timeout of one request'),
    ('http.max_body_bytes', '33554432', 'Largest response body accepted (the full listing page is about 10 MB)'),
    ('fetch.batch_size', '64', 'fetch_details instances one worker claims and fetches at once (within the per-host limits)'),
    ('fetch.delta_max_age', '"7 days"', 'Delta mode: an unchanged listing row whose page was fetched within this age is not fetched again'),
    ('captcha.timeout', '"30 minutes"', 'How long a CAPTCHA waits for realmap.solve_captcha before the task fails');

SELECT realmap.create_dag('realmap_etl', max_active_runs => 1,
                          description => 'The RealMap ETL: the CG RERA portal to scored projects');
SELECT realmap.add_task('realmap_etl', 'init_session', stage => 'init_session', max_attempts => 5,
                        backoff => '2 seconds', timeout => '2 minutes');
SELECT realmap.add_task('realmap_etl', 'scrape_listings', stage => 'scrape_listings', upstream => '{init_session}',
                        max_attempts => 5, backoff => '2 seconds', timeout => '10 minutes');
SELECT realmap.add_task('realmap_etl', 'fetch_details', stage => 'fetch_details', upstream => '{scrape_listings}',
                        mode => 'map', max_attempts => 5, backoff => '2 seconds', backoff_max => '2 minutes',
                        timeout => '2 minutes');
