-- realmap.load_project(v1): a V1 document into the domain tables.  Loading the same
-- content again writes nothing (same ids, same row versions: xmin and ctid); a changed
-- document changes only the rows it changed, ids stay; price history; the page's
-- positions kept in step while a geocoded one survives; rows gone from the page marked
-- inactive and reactivated in place; errors that name the missing key.
-- One transaction, rolled back.  Each load runs in its own savepoint, so a row written
-- by a later load carries a later (sub)transaction id in xmin.
\ir tap_settings.psql
BEGIN;
SELECT plan(66);
SET LOCAL client_min_messages = warning;

-- whatever an earlier suite loaded for these registrations (rolled back at the end)
DELETE FROM realmap.projects WHERE state_code = 'CG'
   AND rera_registration_number IN ('PCGRERA200618000247', 'P3CGRERA250518000017');

CREATE SCHEMA lp;
CREATE TABLE lp.docs (name text PRIMARY KEY, doc jsonb NOT NULL);
CREATE TABLE lp.loads (n int PRIMARY KEY, project_id bigint);

-- The detail page of MyID 336 (portal-detail-page.md), as the mapper should write it,
-- with the portal's mess left in: a repeated quarter row, a "0" placeholder row, a
-- repeated document link, an empty link, a repeated unit, a unit and a location that
-- cannot be keyed.
INSERT INTO lp.docs VALUES ('base', $json$
{
  "metadata": {"schema_version": "1.0", "state_code": "CG",
               "source_url": "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2",
               "scraped_at": "2026-12-01T02:00:00Z", "run_id": 41, "my_id": "MzM2", "application_id": 336,
               "page_content_hash": "5b1d0c5e0f0e2f3c4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b"},
  "project_details": {
    "registration_number": "PCGRERA200618000247", "project_name": "AANYA ENCLAVE",
    "project_type": "Plotted Development", "project_status": "Completed",
    "district": "Bastar", "tehsil": "Jagdalpur", "village_or_locality": "Dharampura", "pincode": "494005",
    "project_address": "DHARAMPURA, EDUCATION HUB, JAGDALPUR BASTAR (C.G.)", "project_website_url": null,
    "total_units": 126, "total_area_sq_m": 14316, "launch_date": "2018-06-20",
    "expected_completion_date": "2022-04-30", "extended_completion_date": "2022-10-31", "completed": true,
    "estimated_construction_cost_inr": 57037000, "land_cost_inr": 29922000},
  "professionals": {"arch_name": "AR. RAHUL SONI", "arch_lic_no": "CA/2007/39836",
                    "engineer_name": "S K NAG", "engineer_lic_no": "ENG/2012/1180"},
  "promoter_details": [
    {"name": "M/S SWASTIK DEVELOPERS", "organisation_type": "Partnership Firm",
     "address": "PRATAPGANJ, BESIDE SAI TRADERS, JAGDALPUR 494001", "email": "swastik.dev@example.in",
     "phone": "9425200000"}],
  "land_details": [
    {"land_area_sq_m": 14316, "land_status": "Freehold", "land_address": "Dharampura, Jagdalpur",
     "khasra_numbers": "12/1, 345"}],
  "building_details": [
    {"name": "COMMUNITY BUILDING", "number_of_floors": 1, "number_of_units": 0, "carpet_area_sq_m": 180}],
  "unit_types": [
    {"name": "Plot 1500 sq ft", "carpet_area_sq_m": 139.35, "price_in_inr": 1500000},
    {"name": "Plot 2400 sq ft", "carpet_area_sq_m": 222.97, "price_in_inr": 2400000}],
  "bank_details": [
    {"bank_name": "Bank of Baroda", "branch_name": "JAGDALPUR", "account_number": "0321010000247",
     "ifsc_code": "BARB0JAGDAL", "account_name": "RERA DESIGNATED ACCOUNT AANYA ENCLAVE"}],
  "documents": [
    {"name": "Registration Certificate", "document_type": "Reg_Certi", "section": "Project Specific",
     "url": "../Content/ProjectDocuments/Application_336/Reg_Certi_1f0e2d3c.pdf"},
    {"name": "Bank Account PassBook Front Page", "document_type": "PASSBOOK",
     "url": "../Content/ProjectDocuments/Application_336/PASSBOOK_2a1b3c4d.pdf"},
    {"name": "Encumbrances on Land/Non-Encumbrances Certificate", "document_type": "ENUM", "section": "Land Documents",
     "url": "../Content/ProjectDocuments/Application_336/ENUM_5e6f7a8b.pdf"},
    {"name": "Search Report", "document_type": "SEARCH_REPORT",
     "url": "../Content/ProjectDocuments/Application_336/"},
    {"name": "Layout Plan / Sanctioned Layout Plan", "document_type": "LAYOUT",
     "url": "../Content/ProjectDocuments/Application_336/LAYOUT_3c2d4e5f.pdf"},
    {"name": "Modified Layout Plan", "document_type": "DEVE_PER_COM_AUTH",
     "url": "../Content/ProjectDocuments/Application_336/DEVE_PER_COM_AUTH_4d3e5f60.pdf"},
    {"name": "Development Permission from competent authorities", "document_type": "DEVE_PER_COM_AUTH",
     "url": "../Content/ProjectDocuments/Application_336/DEVE_PER_COM_AUTH_4d3e5f60.pdf"}],
  "quarterly_updates": [
    {"from_date": "2018-06-20", "to_date": "2018-09-30", "quarter": "Q3", "year": "2018", "status": "Ongoing",
     "completion_percent": 10,
     "plots": [{"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 14316, "total_plots": 126, "booked": 0}],
     "amenity_progress": [{"particulars": "INTERNAL ROADS AND FOOTPATHS", "progress_percent": 20},
                          {"particulars": "WATER SUPPLY", "progress_percent": 0}]},
    {"from_date": "2018-10-01", "to_date": "2018-12-31", "quarter": "Q4", "year": "2018", "status": "Ongoing",
     "completion_percent": 25,
     "plots": [{"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 154040, "total_plots": 126, "booked": 4},
               {"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 154040, "total_plots": 126, "booked": 4}],
     "amenity_progress": [{"particulars": "INTERNAL ROADS AND FOOTPATHS", "progress_percent": 40}]},
    {"from_date": "2018-10-01", "to_date": "2018-12-31", "quarter": "Q4", "year": "2018", "status": "Ongoing",
     "completion_percent": 25,
     "plots": [{"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 154040, "total_plots": 126, "booked": 4}]},
    {"from_date": "2019-01-01", "to_date": "2019-03-31", "quarter": "Q1", "year": "2019", "status": "Ongoing",
     "completion_percent": 40,
     "plots": [{"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 14316, "total_plots": 126, "booked": 19}],
     "certificates": [{"kind": "ca", "url": "../Content/ProjectDocuments/Application_336/CA_QUARTER_aa11.pdf"},
                      {"kind": "engineer", "url": "../Content/ProjectDocuments/Application_336/ENGG_QUARTER_bb22.pdf"},
                      {"kind": "architect", "url": "javascript:void(0);"}]},
    {"from_date": "0", "to_date": "0", "status": "0", "completion_percent": 0, "plots": []},
    {"from_date": "2019-04-01", "to_date": "2019-06-30", "quarter": "Q2", "year": "2019", "status": "Completed",
     "completion_percent": 100,
     "plots": [{"plot_group": "A", "plots_type": "Residential", "plot_area_sq_m": 14316, "total_plots": 126, "booked": 25}],
     "certificates": [{"kind": "completion_architect", "url": "../Content/ProjectDocuments/Application_336/COM_CER_ARCHI_cc33.pdf"},
                      {"kind": "completion_authority", "url": "../Content/ProjectDocuments/Application_336/COM_CER_CA_dd44.pdf"}]},
    {"kind": "withdrawal", "from_date": "2019-01-01", "to_date": "2019-03-31",
     "certificates": [{"kind": "ca", "url": "../Content/ProjectDocuments/Application_336/AMOUNT_CA_QUARTER_ee55.pdf"}]},
    {"quarter": "Q3", "year": "2019", "status": "Completed", "completion_percent": 100, "remarks": "Handed over"}],
  "units": [
    {"block": "A", "unit_no": "P-1", "type": "Plot 1500 sq ft", "carpet_area_sq_m": 139.35, "status": "Booked"},
    {"block": "A", "unit_no": "P-2", "type": "Plot 1500 sq ft", "carpet_area_sq_m": 139.35, "status": "Booked"},
    {"block": "A", "unit_no": "P-2", "type": "Plot 1500 sq ft", "carpet_area_sq_m": 139.35, "status": "Available"},
    {"block": "A", "unit_no": "P-3", "type": "Plot 2400 sq ft", "carpet_area_sq_m": 222.97, "status": "Available"},
    {"block": "A", "floor": 0, "unit_no": "P-4", "type": "Plot 2400 sq ft", "carpet_area_sq_m": 222.97, "status": "Available"},
    {"block": "A", "type": "Plot 2400 sq ft"}],
  "rera_locations": [
    {"source_type": "amenity", "latitude": 19.080112, "longitude": 82.030145, "particulars": "INTERNAL ROADS AND FOOTPATHS",
     "image_url": "../Content/ProjectDocuments/Application_336/AminitiesPHOTO_1_0a1b.jpg",
     "from_date": "01 Apr 2019", "to_date": "30 Jun 2019", "progress_percent": 100},
    {"source_type": "amenity", "latitude": 19.080533, "longitude": 82.030911, "particulars": "WATER SUPPLY",
     "from_date": "01 Apr 2019", "to_date": "30 Jun 2019", "progress_percent": 100},
    {"source_type": "amenity", "latitude": null, "longitude": null, "particulars": "GYM"},
    {"source_type": "amenity_centroid", "latitude": 19.0803225, "longitude": 82.030528,
     "particulars": "Computed centroid of amenity locations"},
    {"source_type": "listing_map", "latitude": 19.0799, "longitude": 82.0312}],
  "qa": {"status": "warning", "checked_at": "2026-12-01T02:00:05Z", "validator_version": "1.0.0",
         "flags": [{"flag_type": "missing_critical", "severity": "warning", "message": "no website",
                    "field_name": "project_website_url"}]},
  "validation_messages": ["Invalid pincode format (expected 6 digits)."],
  "raw_data": {"sections": {}, "tables": {}, "grids": {}, "unmapped_sections": {}}
}
$json$);
-- the same content fetched again: another time, run, URL and QA check
INSERT INTO lp.docs SELECT 'refetched',
    jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(doc, '{metadata,scraped_at}', '"2026-12-02T02:00:00Z"'),
              '{metadata,run_id}', '42'), '{metadata,source_url}', '"https://rera.cgstate.gov.in/x.aspx?MyID=MzM2"'),
              '{metadata,page_content_hash}', '"00ff"'), '{qa,checked_at}', '"2026-12-02T02:00:05Z"')
  FROM lp.docs WHERE name = 'base';
-- one unit price changed, one document added, one quarter's progress changed
INSERT INTO lp.docs SELECT 'changed',
    jsonb_set(jsonb_set(jsonb_insert(doc, '{documents,-1}',
        '{"name": "Affidavit Cum Declaration", "document_type": "AFFIDAVIT", "url": "../Content/ProjectDocuments/Application_336/AFFIDAVIT_9f8e7d6c.pdf"}',
        true), '{unit_types,0,price_in_inr}', '1650000'), '{quarterly_updates,3,completion_percent}', '45')
  FROM lp.docs WHERE name = 'base';
-- the ENUM document and the WATER SUPPLY marker gone from the page
INSERT INTO lp.docs SELECT 'shrunk', doc #- '{documents,2}' #- '{rera_locations,1}' FROM lp.docs WHERE name = 'changed';

-- every row of the test project, with its row version
CREATE VIEW lp.versions AS
WITH p AS (SELECT project_id, parent_project_id FROM realmap.projects
            WHERE state_code = 'CG' AND rera_registration_number = 'PCGRERA200618000247')
SELECT 'projects' AS t, project_id AS id, xmin::text AS x, ctid::text AS c FROM realmap.projects WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'parent_projects', parent_project_id, xmin::text, ctid::text FROM realmap.parent_projects WHERE parent_project_id IN (SELECT parent_project_id FROM p)
UNION ALL SELECT 'promoters', promoter_id, xmin::text, ctid::text FROM realmap.promoters WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'land_parcels', land_parcel_id, xmin::text, ctid::text FROM realmap.land_parcels WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'buildings', building_id, xmin::text, ctid::text FROM realmap.buildings WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'unit_types', unit_type_id, xmin::text, ctid::text FROM realmap.unit_types WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'bank_accounts', bank_account_id, xmin::text, ctid::text FROM realmap.bank_accounts WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'project_documents', document_id, xmin::text, ctid::text FROM realmap.project_documents WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'quarterly_updates', quarterly_update_id, xmin::text, ctid::text FROM realmap.quarterly_updates WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'units', unit_id, xmin::text, ctid::text FROM realmap.units WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'project_locations', location_id, xmin::text, ctid::text FROM realmap.project_locations WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'project_pricing_snapshots', snapshot_id, xmin::text, ctid::text FROM realmap.project_pricing_snapshots WHERE project_id IN (SELECT project_id FROM p)
UNION ALL SELECT 'data_provenance', provenance_id, xmin::text, ctid::text FROM realmap.data_provenance WHERE project_id IN (SELECT project_id FROM p);
CREATE VIEW lp.counts AS SELECT t, count(*) AS n FROM lp.versions GROUP BY t;
CREATE TABLE lp.before (LIKE lp.versions);

-- ------------------------------------------------------------------ first load
SAVEPOINT load1;
INSERT INTO lp.loads SELECT 1, realmap.load_project(doc) FROM lp.docs WHERE name = 'base';
RELEASE SAVEPOINT load1;

SELECT ok((SELECT project_id FROM lp.loads WHERE n = 1) = (SELECT project_id FROM realmap.projects
            WHERE state_code = 'CG' AND rera_registration_number = 'PCGRERA200618000247'),
          'load_project returns the project_id of (state_code, registration number)');
SELECT results_eq($$SELECT t, n FROM lp.counts ORDER BY t$$,
    $$VALUES ('bank_accounts', 1::bigint), ('buildings', 1), ('data_provenance', 1), ('land_parcels', 1),
             ('parent_projects', 1), ('project_documents', 5), ('project_locations', 4), ('project_pricing_snapshots', 2),
             ('projects', 1), ('promoters', 1), ('quarterly_updates', 6), ('unit_types', 2), ('units', 4)$$,
    'rows in every table; repeated rows, placeholders and unkeyed entries left out');
SELECT row_eq($$SELECT project_name, project_type, status, completed, district, tehsil, village_or_locality, pincode,
                       full_address, total_units, total_area_sq_m, approved_date, proposed_end_date, extended_end_date,
                       estimated_construction_cost_inr, land_cost_inr
                  FROM realmap.projects WHERE rera_registration_number = 'PCGRERA200618000247'$$,
    ROW('AANYA ENCLAVE'::text, 'Plotted Development'::text, 'Completed'::text, true, 'Bastar'::text, 'Jagdalpur'::text, 'Dharampura'::text, '494005'::text,
        'DHARAMPURA, EDUCATION HUB, JAGDALPUR BASTAR (C.G.)'::text, 126, 14316::numeric, '2018-06-20'::date,
        '2022-04-30'::date, '2022-10-31'::date, 57037000::numeric, 29922000::numeric),
    'the project''s columns, including what the original lost (locality, pincode, type, units, area, extended end, completed)');
SELECT row_eq($$SELECT qa_status, qa_flags->'flags'->0->>'flag_type', qa_last_checked_at, scraped_at, last_loaded_run_id,
                       professionals->>'arch_lic_no', v1->'metadata'->>'my_id'
                  FROM realmap.projects WHERE rera_registration_number = 'PCGRERA200618000247'$$,
    ROW('warning'::text, 'missing_critical'::text, '2026-12-01T02:00:05Z'::timestamptz, '2026-12-01T02:00:00Z'::timestamptz,
        41::bigint, 'CA/2007/39836'::text, 'MzM2'::text),
    'QA status and flags, fetch metadata, professionals; the document kept as jsonb');
SELECT results_eq($$SELECT kind, from_date, to_date, quarter, status, overall_percent, units_total, units_booked
                      FROM realmap.quarterly_updates q JOIN lp.loads l ON l.project_id = q.project_id AND l.n = 1
                     ORDER BY from_date, kind$$,
    $$VALUES ('progress', '2018-06-20'::date, '2018-09-30'::date, 'Q3 2018', 'Ongoing', 10::numeric, 126, 0),
             ('progress', '2018-10-01', '2018-12-31', 'Q4 2018', 'Ongoing', 25, 126, 4),
             ('progress', '2019-01-01', '2019-03-31', 'Q1 2019', 'Ongoing', 40, 126, 19),
             ('withdrawal', '2019-01-01', '2019-03-31', 'Q1 2019', NULL, NULL, NULL, NULL),
             ('progress', '2019-04-01', '2019-06-30', 'Q2 2019', 'Completed', 100, 126, 25),
             ('progress', '2019-07-01', '2019-09-30', 'Q3 2019', 'Completed', 100, NULL, NULL)$$,
    'quarterly history: one row per (kind, period), booked units per quarter; quarter + year alone is a calendar quarter');
SELECT is((SELECT plots FROM realmap.quarterly_updates WHERE from_date = '2018-10-01' AND kind = 'progress'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          '[{"booked": 4, "plot_group": "A", "plots_type": "Residential", "total_plots": 126, "plot_area_sq_m": 154040}]'::jsonb,
          'booked units per plot group/type, a repeated grid row within the quarter kept once (the area typo as written)');
SELECT is((SELECT certificates FROM realmap.quarterly_updates WHERE from_date = '2019-01-01' AND kind = 'progress'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          '[{"url": "../Content/ProjectDocuments/Application_336/CA_QUARTER_aa11.pdf", "kind": "ca"},
            {"url": "../Content/ProjectDocuments/Application_336/ENGG_QUARTER_bb22.pdf", "kind": "engineer"}]'::jsonb,
          'certificate links per quarter, the NA javascript: anchor left out');
SELECT is((SELECT amenity_progress FROM realmap.quarterly_updates WHERE from_date = '2018-06-20'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          '[{"particulars": "INTERNAL ROADS AND FOOTPATHS", "progress_percent": 20}, {"particulars": "WATER SUPPLY", "progress_percent": 0}]'::jsonb,
          'construction progress per amenity per quarter');
SELECT results_eq($$SELECT block_name, floor_no, unit_no, unit_type, status FROM realmap.units u
                      JOIN lp.loads l ON l.project_id = u.project_id AND l.n = 1 ORDER BY unit_no$$,
    $$VALUES ('A', NULL, 'P-1', 'Plot 1500 sq ft', 'Booked'), ('A', NULL, 'P-2', 'Plot 1500 sq ft', 'Booked'),
             ('A', NULL, 'P-3', 'Plot 2400 sq ft', 'Available'), ('A', '0', 'P-4', 'Plot 2400 sq ft', 'Available')$$,
    'units with their status; of a repeated unit the first entry wins; a floor written as a number is text');
SELECT results_eq($$SELECT url, name FROM realmap.project_documents d JOIN lp.loads l ON l.project_id = d.project_id AND l.n = 1
                     WHERE d.document_type = 'DEVE_PER_COM_AUTH'$$,
    $$VALUES ('../Content/ProjectDocuments/Application_336/DEVE_PER_COM_AUTH_4d3e5f60.pdf', 'Modified Layout Plan')$$,
    'a document linked under two labels is one row (the first label)');
SELECT results_eq($$SELECT source_type, location_key, lat, lon, precision_level, from_page, is_active
                      FROM realmap.project_locations x JOIN lp.loads l ON l.project_id = x.project_id AND l.n = 1
                     ORDER BY source_type, location_key$$,
    $$VALUES ('amenity', 'INTERNAL ROADS AND FOOTPATHS', 19.080112::float8, 82.030145::float8, 'site', true, true),
             ('amenity', 'WATER SUPPLY', 19.080533, 82.030911, 'site', true, true),
             ('amenity_centroid', '', 19.0803225, 82.030528, 'site', true, true),
             ('listing_map', '', 19.0799, 82.0312, 'site', true, true)$$,
    'the page''s positions, a marker without coordinates left out');
SELECT results_eq($$SELECT unit_type_label, min_price_total, min_price_per_sqft, area_basis
                      FROM realmap.project_pricing_snapshots s JOIN lp.loads l ON l.project_id = s.project_id AND l.n = 1
                     ORDER BY unit_type_label$$,
    $$VALUES ('Plot 1500 sq ft', 1500000::numeric, 1000.03::numeric, 'carpet'), ('Plot 2400 sq ft', 2400000, 999.99, 'carpet')$$,
    'a first price snapshot per priced unit type, per sq ft of carpet area');
SELECT row_eq($$SELECT d.run_id, d.snapshot_url, d.source_domain, d.page_content_hash, d.confidence_score, d.fields_extracted
                  FROM realmap.data_provenance d JOIN lp.loads l ON l.project_id = d.project_id AND l.n = 1$$,
    ROW(41::bigint, 'https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2'::text,
        'rera.cgstate.gov.in'::text, '5b1d0c5e0f0e2f3c4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b'::text, 1.000::numeric(4,3), 10),
    'provenance: run, URL, domain, page hash, the original''s confidence (10 of 10)');
SELECT is((SELECT extraction_warnings FROM realmap.data_provenance d JOIN lp.loads l ON l.project_id = d.project_id AND l.n = 1),
          '["Invalid pincode format (expected 6 digits).",
            "documents: 1 repeated entries ignored (the first of each key is kept)",
            "documents: 1 entries without a file (empty, NA or folder links) not loaded",
            "quarterly_updates: 1 placeholder entries (all 0 or empty) ignored",
            "quarterly_updates: 1 repeated entries ignored (the first of each key is kept)",
            "units: 1 repeated entries ignored (the first of each key is kept)",
            "units: 1 entries without unit_no not loaded",
            "rera_locations: 1 entries without a source type or valid coordinates not loaded"]'::jsonb,
          'what the load left out is named in the provenance warnings, after the validation messages');
SELECT row_eq($$SELECT pp.name, pp.full_address, pp.promoter_name, pp.slug FROM realmap.parent_projects pp
                  JOIN realmap.projects p USING (parent_project_id) WHERE p.rera_registration_number = 'PCGRERA200618000247'$$,
    ROW('AANYA ENCLAVE'::text, 'DHARAMPURA, EDUCATION HUB, JAGDALPUR BASTAR (C.G.)'::text, 'M/S SWASTIK DEVELOPERS'::text, 'aanya-enclave'::text),
    'a parent project by name, address and first promoter, with a slug');

-- ------------------------------------------------------------------ the same again
INSERT INTO lp.before SELECT * FROM lp.versions;
SAVEPOINT load2;
INSERT INTO lp.loads SELECT 2, realmap.load_project(doc) FROM lp.docs WHERE name = 'base';
RELEASE SAVEPOINT load2;
SELECT is((SELECT project_id FROM lp.loads WHERE n = 2), (SELECT project_id FROM lp.loads WHERE n = 1), 'reload: the same project_id');
SELECT is_empty($$SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before$$,
    'reload of identical input: no new row version in any table (same ids, xmin and ctid)');
SELECT is_empty($$SELECT * FROM lp.before EXCEPT SELECT * FROM lp.versions$$, 'reload: no row gone');
SELECT is((SELECT count(*) FROM realmap.data_provenance WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          1::bigint, 'reload: no new provenance row');
SELECT is((SELECT count(*) FROM realmap.project_pricing_snapshots WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          2::bigint, 'reload: no new pricing snapshot');

SAVEPOINT load2b;
INSERT INTO lp.loads SELECT 3, realmap.load_project(doc) FROM lp.docs WHERE name = 'refetched';
RELEASE SAVEPOINT load2b;
SELECT is_empty($$SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before$$,
    'the same content fetched again (new scraped_at, run, URL, page hash, QA time) writes nothing either');
SELECT is((SELECT last_loaded_run_id FROM realmap.projects WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          41::bigint, 'last_loaded_run_id is the run that last changed the project');

-- ------------------------------------------------------------------ a geocoded position
-- what the geocoding stage writes (original-pipeline.md §3.8); no reload may remove it
SAVEPOINT geocode;
INSERT INTO realmap.project_locations (project_id, source_type, lat, lon, precision_level, meta_data)
SELECT project_id, 'geocode_normalized', 19.0748, 82.0248, 'town', '{"formatted_address": "Jagdalpur, Bastar, Chhattisgarh, India"}'
  FROM lp.loads WHERE n = 1;
RELEASE SAVEPOINT geocode;
DELETE FROM lp.before;
INSERT INTO lp.before SELECT * FROM lp.versions;

-- ------------------------------------------------------------------ a changed document
SAVEPOINT load3;
INSERT INTO lp.loads SELECT 4, realmap.load_project(doc) FROM lp.docs WHERE name = 'changed';
RELEASE SAVEPOINT load3;
SELECT is((SELECT project_id FROM lp.loads WHERE n = 4), (SELECT project_id FROM lp.loads WHERE n = 1), 'changed: the same project_id');
SELECT results_eq($$SELECT t, count(*) FROM (SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before) v GROUP BY t ORDER BY t$$,
    $$VALUES ('data_provenance', 1::bigint), ('project_documents', 1), ('project_pricing_snapshots', 1), ('projects', 1),
             ('quarterly_updates', 1), ('unit_types', 1)$$,
    'changed: new row versions only for the project, the changed unit type and quarter, the new document, one snapshot, one provenance');
SELECT results_eq($$SELECT t, count(*) FROM (SELECT * FROM lp.before EXCEPT SELECT * FROM lp.versions) v GROUP BY t ORDER BY t$$,
    $$VALUES ('projects', 1::bigint), ('quarterly_updates', 1), ('unit_types', 1)$$,
    'changed: only those three rows were updated (in place: nothing deleted)');
SELECT is_empty($$SELECT t, id FROM lp.before EXCEPT SELECT t, id FROM lp.versions$$, 'changed: every id is still there');
SELECT is((SELECT v.id FROM (SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before) v WHERE v.t = 'unit_types'),
          (SELECT unit_type_id FROM realmap.unit_types WHERE type_name = 'Plot 1500 sq ft'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          'the unit type whose price changed is the row updated');
SELECT is((SELECT v.id FROM (SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before) v WHERE v.t = 'quarterly_updates'),
          (SELECT quarterly_update_id FROM realmap.quarterly_updates WHERE from_date = '2019-01-01' AND kind = 'progress'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          'the quarter whose progress changed is the row updated');
SELECT is((SELECT overall_percent FROM realmap.quarterly_updates WHERE from_date = '2019-01-01' AND kind = 'progress'
              AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)), 45::numeric, 'the new progress');
SELECT results_eq($$SELECT min_price_total FROM realmap.project_pricing_snapshots s JOIN realmap.unit_types u USING (unit_type_id)
                     WHERE u.type_name = 'Plot 1500 sq ft' AND u.project_id = (SELECT project_id FROM lp.loads WHERE n = 1)
                     ORDER BY s.snapshot_id$$,
    $$VALUES (1500000::numeric), (1650000::numeric)$$, 'price history: two entries for the changed unit type');
SELECT is((SELECT count(*) FROM realmap.project_pricing_snapshots s JOIN realmap.unit_types u USING (unit_type_id)
            WHERE u.type_name = 'Plot 2400 sq ft' AND u.project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          1::bigint, 'an unchanged price gets no new snapshot');
SELECT is((SELECT count(*) FROM realmap.project_documents WHERE is_active AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          6::bigint, 'the added document is there');
SELECT is((SELECT count(*) FROM realmap.data_provenance WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          2::bigint, 'one provenance row per content hash');
SELECT row_eq($$SELECT x.source_type, x.lat, x.lon, x.is_active, x.from_page FROM realmap.project_locations x
                 WHERE x.source_type = 'geocode_normalized' AND x.project_id = (SELECT project_id FROM lp.loads WHERE n = 1)$$,
    ROW('geocode_normalized'::text, 19.0748::float8, 82.0248::float8, true, false),
    'the geocoded position survives a reload of the page (the original deleted it)');
SELECT is_empty($$SELECT * FROM lp.before WHERE t = 'project_locations' EXCEPT SELECT * FROM lp.versions$$,
    'no position row was touched (the geocoded one included)');

-- ------------------------------------------------------------------ rows gone from the page
DELETE FROM lp.before;
INSERT INTO lp.before SELECT * FROM lp.versions;
SAVEPOINT load4;
INSERT INTO lp.loads SELECT 5, realmap.load_project(doc) FROM lp.docs WHERE name = 'shrunk';
RELEASE SAVEPOINT load4;
SELECT results_eq($$SELECT t, count(*) FROM (SELECT * FROM lp.before EXCEPT SELECT * FROM lp.versions) v GROUP BY t ORDER BY t$$,
    $$VALUES ('project_documents', 1::bigint), ('project_locations', 1), ('projects', 1)$$,
    'a document and a marker gone from the page: only they (and the project) change');
SELECT is_empty($$SELECT t, id FROM lp.before EXCEPT SELECT t, id FROM lp.versions$$, 'rows gone from the page are not deleted');
SELECT results_eq($$SELECT is_active, removed_at IS NOT NULL FROM realmap.project_documents
                     WHERE url LIKE '%ENUM_5e6f7a8b.pdf' AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)$$,
    $$VALUES (false, true)$$, 'the document gone is marked inactive, with when');
SELECT results_eq($$SELECT source_type, is_active FROM realmap.project_locations
                     WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1) AND NOT is_active$$,
    $$VALUES ('amenity'::text, false)$$, 'the marker gone is marked inactive; the geocoded one is untouched');
DELETE FROM lp.before;
INSERT INTO lp.before SELECT * FROM lp.versions;
SAVEPOINT load5;
INSERT INTO lp.loads SELECT 6, realmap.load_project(doc) FROM lp.docs WHERE name = 'changed';
RELEASE SAVEPOINT load5;
SELECT results_eq($$SELECT t, count(*) FROM (SELECT * FROM lp.before EXCEPT SELECT * FROM lp.versions) v GROUP BY t ORDER BY t$$,
    $$VALUES ('project_documents', 1::bigint), ('project_locations', 1), ('projects', 1)$$,
    'back on the page: the same two rows reactivated in place');
SELECT is((SELECT count(*) FROM realmap.project_documents WHERE is_active AND removed_at IS NULL
            AND project_id = (SELECT project_id FROM lp.loads WHERE n = 1)), 6::bigint, 'all documents active again');
SELECT is((SELECT count(*) FROM realmap.data_provenance WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          3::bigint, 'content seen before adds no provenance row (3 distinct contents loaded)');
SELECT is((SELECT count(*) FROM realmap.project_pricing_snapshots WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 1)),
          3::bigint, 'and no pricing snapshot (no price changed)');

-- ------------------------------------------------------------------ another project
-- another registration under the same name but elsewhere: its own parent, its own
-- slug; the registration number normalised (whitespace, case, the listing's "**")
SAVEPOINT other;
INSERT INTO lp.docs VALUES ('other', $json$
{"metadata": {"state_code": "cg"},
 "project_details": {"registration_number": "** p3cgrera250518000017 ", "project_name": "Aanya Enclave",
                     "project_address": "KUMHARPARA, JAGDALPUR"},
 "promoter_details": [{"name": "AANYA BUILDERS"}]}
$json$);
INSERT INTO lp.loads SELECT 7, realmap.load_project(doc) FROM lp.docs WHERE name = 'other';
RELEASE SAVEPOINT other;
SELECT row_eq($$SELECT p.state_code, p.rera_registration_number, pp.slug FROM realmap.projects p
                  JOIN realmap.parent_projects pp USING (parent_project_id) WHERE p.project_id = (SELECT project_id FROM lp.loads WHERE n = 7)$$,
    ROW('CG'::text, 'P3CGRERA250518000017'::text, 'aanya-enclave-1'::text),
    'registration number and state normalised; a parent of the same name gets the next free slug');
SELECT is((SELECT qa_status FROM realmap.projects WHERE project_id = (SELECT project_id FROM lp.loads WHERE n = 7)), NULL,
          'no qa object: qa_status unknown (NULL)');

-- in a security-restricted operation, as a worker runs a task: CREATE MATERIALIZED VIEW
-- runs its query so (no temporary tables, no SET ROLE)
CREATE FUNCTION lp.make_temp() RETURNS int LANGUAGE plpgsql AS $$
BEGIN CREATE TEMP TABLE lp_restricted_probe (i int); RETURN 1; END $$;
SELECT throws_ok($$CREATE MATERIALIZED VIEW lp.probe AS SELECT lp.make_temp()$$, '42501',
    'cannot create temporary table within security-restricted operation',
    'the probe: a materialized view''s query runs in a security-restricted operation');
SELECT lives_ok($$CREATE MATERIALIZED VIEW lp.restricted AS
                  SELECT realmap.load_project(jsonb_set(doc, '{project_details,project_name}', '"Aanya Enclave Phase 2"')) AS project_id
                    FROM lp.docs WHERE name = 'other'$$,
    'load_project works in a security-restricted operation');
SELECT is((SELECT project_id FROM lp.restricted), (SELECT project_id FROM lp.loads WHERE n = 7),
          'and updates the same project');

-- ------------------------------------------------------------------ errors
DELETE FROM lp.before;
INSERT INTO lp.before SELECT * FROM lp.versions;
SELECT throws_ok($$SELECT realmap.load_project('{"metadata": {"state_code": "CG"}, "project_details": {"project_name": "X"}}')$$,
    '22023', 'V1 document has no project_details.registration_number', 'a missing registration number is named');
SELECT throws_ok($$SELECT realmap.load_project('{"metadata": {"state_code": "CG"}, "project_details": {"registration_number": "  "}}')$$,
    '22023', 'V1 document has no project_details.registration_number', 'an empty registration number is missing');
SELECT throws_ok($$SELECT realmap.load_project('{"project_details": {"registration_number": "PCGRERA200618000247"}}')$$,
    '22023', 'V1 document has no metadata.state_code', 'a missing state code is named');
SELECT throws_ok($$SELECT realmap.load_project('[1]')$$, '22023', 'a V1 document must be a JSON object (got array)',
    'a document is an object');
SELECT throws_ok($$SELECT realmap.load_project(NULL)$$, '22023', 'a V1 document must be a JSON object (got NULL)',
    'NULL is no document');
SELECT throws_ok($$SELECT realmap.load_project('{"metadata": {"state_code": "CG", "schema_version": "2.0"},
                                                 "project_details": {"registration_number": "R1"}}')$$,
    '22023', 'V1 metadata.schema_version "2.0" is not supported (load_project reads 1.x)', 'another major version is refused');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{project_details,total_units}', '"126 plots"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 project_details.total_units must be a JSON number (got "126 plots")', 'a number as text names the key');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{unit_types,1,price_in_inr}', '"24,00,000"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 unit_types[1].price_in_inr must be a JSON number (got "24,00,000")', 'a list entry''s key is named with its index');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{quarterly_updates,0,to_date}', '"30-09-2018"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 quarterly_updates[0].to_date must be an ISO date YYYY-MM-DD (got "30-09-2018")', 'dates are ISO');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{project_details,launch_date}', '"2021-02-30"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 project_details.launch_date must be an ISO date YYYY-MM-DD (got "2021-02-30")', 'an impossible date');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{units}', '{"P-1": "Booked"}')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 units must be an array (got object)', 'a list is an array');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{rera_locations,0,source_type}', '"geocode_normalized"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 rera_locations[0].source_type must be one of amenity, amenity_centroid, map_iframe, listing_map (got "geocode_normalized")',
    'a page cannot write another stage''s positions');
SELECT throws_ok($$SELECT realmap.load_project(jsonb_set(doc, '{qa,status}', '"ok"')) FROM lp.docs WHERE name = 'base'$$,
    '22023', 'V1 qa.status must be one of passed, warning, failed (got "ok")', 'QA status values');
SELECT is_empty($$SELECT * FROM lp.versions EXCEPT SELECT * FROM lp.before$$,
    'a refused document leaves nothing behind (the load is one statement)');

-- ------------------------------------------------------------------ privileges
SELECT ok(NOT has_function_privilege('public', 'realmap.load_project(jsonb)', 'EXECUTE'),
          'PUBLIC may not execute load_project');
SELECT is_empty($$SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r'
                     AND c.relname IN ('parent_projects', 'projects', 'promoters', 'land_parcels', 'buildings', 'unit_types',
                                       'bank_accounts', 'project_documents', 'quarterly_updates', 'units',
                                       'project_locations', 'project_pricing_snapshots', 'data_provenance')
                     AND NOT has_table_privilege('realmap_reader', c.oid, 'SELECT')$$,
    'realmap_reader reads every domain table');
SELECT is_empty($$SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r'
                     AND c.relname IN ('parent_projects', 'projects', 'promoters', 'land_parcels', 'buildings', 'unit_types',
                                       'bank_accounts', 'project_documents', 'quarterly_updates', 'units',
                                       'project_locations', 'project_pricing_snapshots', 'data_provenance')
                     AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('realmap_reader', c.oid, 'INSERT'))$$,
    'PUBLIC reads none of them, the reader writes none');
SELECT is((SELECT count(*) FROM pg_extension e, unnest(e.extconfig) t(oid)
            WHERE e.extname = 'realmap' AND t.oid IN ('realmap.projects'::regclass, 'realmap.projects_project_id_seq'::regclass,
                                                      'realmap.data_provenance'::regclass)),
          3::bigint, 'pg_dump keeps the domain tables and their sequences');

SELECT * FROM finish();
ROLLBACK;
