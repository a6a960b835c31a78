-- =====================================================================================
-- Processing: a fetched detail page to the V1 document that realmap.load_project loads.
--
--   realmap.extract_raw(html, page_url)   the page as the raw document (everything it
--                                         shows, as text, with where it was)
--   realmap.map_v1(raw, context)          the raw document as V1 (sql/src/V1.md), with the
--                                         label variants below
--   realmap.normalize_v1(v1)              the original's normalisation (district, status,
--                                         type, registration number, whitespace)
--   realmap.validate_v1(v1, checked_at)   the QA result (qa_flags of the original and more)
--   realmap.prepare_v1(raw, context, checked_at)   map + normalize + validate in one call:
--                                         what the DAG loads
--
-- All of them are pure (no table is written, nothing is fetched) and run the C++ core
-- (src/core/extract, src/core/v1) through src/pg/functions_processing.cpp.  map_v1 and
-- prepare_v1 read the label variants, validate_v1 and prepare_v1 stamp checked_at with
-- now() by default: those are STABLE; the C functions under them are IMMUTABLE.
-- A messy page never raises: what could not be read is in validation_messages.
-- Only an input that is not a detail page (extract_raw: 22P02) or not a raw/V1
-- document (22023) raises.
-- =====================================================================================

-- ------------------------------------------------------------------ label variants
-- The original mapper's table (parsing/data/logical_sections_and_keys.json): which
-- section titles name which logical section, and which labels (and table headers) name
-- which canonical key.  Matching uses the original's normal form of both sides: "[...]"
-- and "(...)" removed, lower case, only [a-z0-9] kept ("Bank Details(RERA designated
-- account)" -> "bankdetails", "Zip Code:" -> "zipcode").  Operators may add rows (a new
-- spelling on the portal); rows they add survive pg_dump (seeded = false).

CREATE TABLE realmap.section_variants (
    logical_section text NOT NULL,   -- project_details, promoter_details, land_details, building_details,
                                     -- unit_types, bank_details, documents, quarterly_updates, units
    variant         text NOT NULL,   -- a section title as the portal may write it
    variant_norm    text NOT NULL GENERATED ALWAYS AS (
        regexp_replace(regexp_replace(lower(variant COLLATE "C"), '\[[^\]]*\]|\([^)]*\)', '', 'g'), '[^a-z0-9]', '', 'g')
    ) STORED,
    seeded          boolean NOT NULL DEFAULT false,   -- from the extension script
    PRIMARY KEY (logical_section, variant),
    CONSTRAINT section_variants_matchable CHECK (variant_norm <> ''),
    -- one title names one section
    CONSTRAINT section_variants_unique_norm UNIQUE (variant_norm)
);
COMMENT ON TABLE realmap.section_variants IS
'Section title variants of the detail page: title (after the original''s normalisation) -> logical section of the V1 document';

CREATE TABLE realmap.label_variants (
    section         text NOT NULL,   -- the logical section (realmap.section_variants.logical_section)
    canonical_key   text NOT NULL,   -- the original's key: registration_number, khasra_numbers, project_website, ...
    variant         text NOT NULL,   -- a label (or table header) as the portal may write it
    v1_key          text,            -- where V1 keeps the value (project_website -> project_website_url);
                                     -- NULL: kept in raw_data.sections only (the original's untyped keys)
    v1_type         text,            -- the V1 schema's type, which the value is coerced by (never the key's name):
                                     -- text (as written: account_number, khasra_numbers, year), integer, number
                                     -- (Indian grouping, lakh/crore, %), area (square metres; hectares converted),
                                     -- date (ISO)
    position        int NOT NULL DEFAULT 0,  -- order within the section: the first key whose variant a table
                                             -- header contains takes the column (the original's rule)
    variant_norm    text NOT NULL GENERATED ALWAYS AS (
        regexp_replace(regexp_replace(lower(variant COLLATE "C"), '\[[^\]]*\]|\([^)]*\)', '', 'g'), '[^a-z0-9]', '', 'g')
    ) STORED,
    seeded          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (section, canonical_key, variant),
    CONSTRAINT label_variants_matchable CHECK (variant_norm <> ''),
    CONSTRAINT label_variants_typed CHECK ((v1_key IS NULL) = (v1_type IS NULL)),
    CONSTRAINT label_variants_type CHECK (v1_type IN ('text', 'integer', 'number', 'area', 'date'))
);
CREATE INDEX label_variants_norm ON realmap.label_variants (section, variant_norm);
COMMENT ON TABLE realmap.label_variants IS
'Label variants of the detail page: (logical section, label after the original''s normalisation) -> canonical key, with its V1 key and type';

-- A label names one key of its section, and a key has one V1 key and type: the rows
-- of a key must agree.  An AFTER trigger: it sees the generated variant_norm and every
-- row of a multi-row INSERT.
CREATE FUNCTION realmap._label_variants_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    other record;
BEGIN
    SELECT l.canonical_key INTO other FROM realmap.label_variants l
     WHERE l.section = NEW.section AND l.variant_norm = NEW.variant_norm AND l.canonical_key <> NEW.canonical_key
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'label variant "%" of %.% would also name %.%', NEW.variant, NEW.section, NEW.canonical_key,
                        NEW.section, other.canonical_key USING ERRCODE = 'unique_violation';
    END IF;
    SELECT l.v1_key, l.v1_type INTO other FROM realmap.label_variants l
     WHERE l.section = NEW.section AND l.canonical_key = NEW.canonical_key
       AND (l.v1_key, l.v1_type) IS DISTINCT FROM (NEW.v1_key, NEW.v1_type)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%.% has v1_key % and v1_type % in another row', NEW.section, NEW.canonical_key,
                        coalesce(other.v1_key, 'NULL'), coalesce(other.v1_type, 'NULL')
              USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER label_variants_check AFTER INSERT OR UPDATE ON realmap.label_variants
    FOR EACH ROW EXECUTE FUNCTION realmap._label_variants_check();
COMMENT ON FUNCTION realmap._label_variants_check() IS
'Trigger of realmap.label_variants: a label names one key of its section, and the rows of a key agree on its V1 key and type';

-- BEGIN GENERATED by sql/src/gen_label_variants.py (do not edit by hand)
-- from test/portal/data/logical_sections_and_keys.json (the original's table) and the
-- generator's V1_KEYS / ADDITIONS
INSERT INTO realmap.section_variants (logical_section, variant, seeded) VALUES
    ('project_details', 'project details', true),
    ('project_details', 'project information', true),
    ('project_details', 'details of project', true),
    ('project_details', 'general information', true),
    ('project_details', 'project particulars', true),
    ('project_details', 'basic details', true),
    ('project_details', 'project overview', true),
    ('promoter_details', 'promoter information', true),
    ('promoter_details', 'promoter details', true),
    ('promoter_details', 'developer details', true),
    ('promoter_details', 'builder details', true),
    ('promoter_details', 'promoter particulars', true),
    ('promoter_details', 'details of promoter', true),
    ('promoter_details', 'company details', true),
    ('land_details', 'land particulars', true),
    ('land_details', 'land details', true),
    ('land_details', 'details of land', true),
    ('land_details', 'land information', true),
    ('land_details', 'site details', true),
    ('land_details', 'plot details', true),
    ('building_details', 'building details', true),
    ('building_details', 'tower details', true),
    ('building_details', 'block details', true),
    ('building_details', 'wing details', true),
    ('building_details', 'building information', true),
    ('building_details', 'details of building', true),
    ('building_details', 'tower/building', true),
    ('building_details', 'building/tower details', true),
    ('building_details', 'structure details', true),
    ('unit_types', 'unit type details', true),
    ('unit_types', 'unit details', true),
    ('unit_types', 'flat type details', true),
    ('unit_types', 'apartment details', true),
    ('unit_types', 'unit configuration', true),
    ('unit_types', 'unit mix', true),
    ('bank_details', 'bank / escrow details', true),
    ('bank_details', 'bank details', true),
    ('bank_details', 'escrow details', true),
    ('bank_details', 'bank account details', true),
    ('bank_details', 'financial details', true),
    ('bank_details', 'account details', true),
    ('documents', 'documents', true),
    ('documents', 'uploaded documents', true),
    ('documents', 'segment specific', true),
    ('documents', 'land documents', true),
    ('documents', 'approval from competent authoroties', true),
    ('documents', 'approval from competent authorities', true),
    ('documents', 'project specific', true),
    ('documents', 'miscellaneous', true),
    ('documents', 'acts & rules', true),
    ('documents', 'project documents', true),
    ('documents', 'legal documents', true),
    ('documents', 'approvals', true),
    ('quarterly_updates', 'quarterly updates', true),
    ('quarterly_updates', 'progress updates', true),
    ('quarterly_updates', 'construction progress', true),
    ('quarterly_updates', 'project progress', true),
    ('quarterly_updates', 'quarterly progress', true),
    ('quarterly_updates', 'status updates', true),
    ('units', 'brief details apartment/flat', true),
    ('units', 'brief details apartment', true),
    ('units', 'brief details flat', true),
    ('units', 'brief details plot', true),
    ('units', 'brief details unit', true),
    ('units', 'brief details apartment/flat/plot', true),
    ('units', 'unit list', true),
    ('units', 'list of units', true),
    ('units', 'flat list', true);
INSERT INTO realmap.label_variants (section, canonical_key, position, variant, v1_key, v1_type, seeded) VALUES
    ('project_details', 'registration_number', 1, 'registration number', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 2, 'registration no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 3, 'project registration no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 4, 'rera reg no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 5, 'rera registration number', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 6, 'reg no', 'registration_number', 'text', true),
    ('project_details', 'registration_number', 7, 'project reg no', 'registration_number', 'text', true),
    ('project_details', 'project_name', 8, 'project name', 'project_name', 'text', true),
    ('project_details', 'project_name', 9, 'name of project', 'project_name', 'text', true),
    ('project_details', 'project_name', 10, 'project title', 'project_name', 'text', true),
    ('project_details', 'project_name', 11, 'name', 'project_name', 'text', true),
    ('project_details', 'project_type', 12, 'project type', 'project_type', 'text', true),
    ('project_details', 'project_type', 13, 'type of project', 'project_type', 'text', true),
    ('project_details', 'project_type', 14, 'nature of project', 'project_type', 'text', true),
    ('project_details', 'project_type', 15, 'type', 'project_type', 'text', true),
    ('project_details', 'project_status', 16, 'project status', 'project_status', 'text', true),
    ('project_details', 'project_status', 17, 'current status', 'project_status', 'text', true),
    ('project_details', 'project_status', 18, 'status', 'project_status', 'text', true),
    ('project_details', 'district', 19, 'district', 'district', 'text', true),
    ('project_details', 'district', 20, 'dist', 'district', 'text', true),
    ('project_details', 'tehsil', 21, 'tehsil', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 22, 'taluka', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 23, 'block', 'tehsil', 'text', true),
    ('project_details', 'tehsil', 24, 'sub district', 'tehsil', 'text', true),
    ('project_details', 'village_or_locality', 25, 'village', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 26, 'locality', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 27, 'mohalla', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 28, 'ward', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 29, 'sector', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 30, 'colony', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 31, 'village/locality', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 32, 'area', 'village_or_locality', 'text', true),
    ('project_details', 'village_or_locality', 33, 'neighbourhood', 'village_or_locality', 'text', true),
    ('project_details', 'project_address', 34, 'project address', 'project_address', 'text', true),
    ('project_details', 'project_address', 35, 'address of project', 'project_address', 'text', true),
    ('project_details', 'project_address', 36, 'site address', 'project_address', 'text', true),
    ('project_details', 'project_address', 37, 'location', 'project_address', 'text', true),
    ('project_details', 'project_address', 38, 'address', 'project_address', 'text', true),
    ('project_details', 'project_address', 39, 'project location', 'project_address', 'text', true),
    ('project_details', 'project_website', 40, 'project website', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 41, 'website', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 42, 'web', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 43, 'url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 44, 'website url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 45, 'project url', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 46, 'project web address', 'project_website_url', 'text', true),
    ('project_details', 'project_website', 47, 'web address', 'project_website_url', 'text', true),
    ('project_details', 'pincode', 48, 'pincode', 'pincode', 'text', true),
    ('project_details', 'pincode', 49, 'pin', 'pincode', 'text', true),
    ('project_details', 'pincode', 50, 'pin code', 'pincode', 'text', true),
    ('project_details', 'pincode', 51, 'postal code', 'pincode', 'text', true),
    ('project_details', 'pincode', 52, 'zip code', 'pincode', 'text', true),
    ('project_details', 'pincode', 53, 'zip', 'pincode', 'text', true),
    ('project_details', 'total_units', 54, 'total units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 55, 'total number of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 56, 'no of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 57, 'number of units', 'total_units', 'integer', true),
    ('project_details', 'total_units', 58, 'units', 'total_units', 'integer', true),
    ('project_details', 'total_area_sq_m', 59, 'total area (sq m)', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 60, 'project area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 61, 'total project area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 62, 'land area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 63, 'total land area', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 64, 'area in sq m', 'total_area_sq_m', 'area', true),
    ('project_details', 'total_area_sq_m', 65, 'total area', 'total_area_sq_m', 'area', true),
    ('project_details', 'launch_date', 66, 'launch date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 67, 'start date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 68, 'commencement date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 69, 'project start', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 70, 'registration date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 71, 'approval date', 'launch_date', 'date', true),
    ('project_details', 'launch_date', 72, 'date of approval', 'launch_date', 'date', true),
    ('project_details', 'expected_completion_date', 73, 'expected completion', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 74, 'expected completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 75, 'proposed end date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 76, 'completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 77, 'project end date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 78, 'proposed completion date', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 79, 'tentative completion', 'expected_completion_date', 'date', true),
    ('project_details', 'expected_completion_date', 80, 'estimated completion', 'expected_completion_date', 'date', true),
    ('project_details', 'project_phases', 81, 'number of phases', NULL, NULL, true),
    ('project_details', 'project_phases', 82, 'phases', NULL, NULL, true),
    ('project_details', 'project_phases', 83, 'no of phases', NULL, NULL, true),
    ('project_details', 'project_phases', 84, 'total phases', NULL, NULL, true),
    ('project_details', 'fsi_approved', 85, 'fsi approved', NULL, NULL, true),
    ('project_details', 'fsi_approved', 86, 'fsi', NULL, NULL, true),
    ('project_details', 'fsi_approved', 87, 'floor space index', NULL, NULL, true),
    ('project_details', 'fsi_approved', 88, 'approved fsi', NULL, NULL, true),
    ('project_details', 'far_approved', 89, 'far approved', NULL, NULL, true),
    ('project_details', 'far_approved', 90, 'far', NULL, NULL, true),
    ('project_details', 'far_approved', 91, 'floor area ratio', NULL, NULL, true),
    ('project_details', 'far_approved', 92, 'approved far', NULL, NULL, true),
    ('project_details', 'has_litigation', 93, 'litigations pending', NULL, NULL, true),
    ('project_details', 'has_litigation', 94, 'litigation', NULL, NULL, true),
    ('project_details', 'has_litigation', 95, 'pending litigations', NULL, NULL, true),
    ('project_details', 'has_litigation', 96, 'any litigation', NULL, NULL, true),
    ('project_details', 'has_litigation', 97, 'legal cases', NULL, NULL, true),
    ('project_details', 'open_space_area', 98, 'open space area', NULL, NULL, true),
    ('project_details', 'open_space_area', 99, 'open area', NULL, NULL, true),
    ('project_details', 'open_space_area', 100, 'recreational space', NULL, NULL, true),
    ('project_details', 'open_space_area', 101, 'open space', NULL, NULL, true),
    ('project_details', 'building_coverage', 102, 'building coverage', NULL, NULL, true),
    ('project_details', 'building_coverage', 103, 'ground coverage', NULL, NULL, true),
    ('project_details', 'building_coverage', 104, 'approved building coverage', NULL, NULL, true),
    ('promoter_details', 'name', 1, 'promoter name', 'name', 'text', true),
    ('promoter_details', 'name', 2, 'name', 'name', 'text', true),
    ('promoter_details', 'name', 3, 'developer name', 'name', 'text', true),
    ('promoter_details', 'name', 4, 'builder name', 'name', 'text', true),
    ('promoter_details', 'name', 5, 'company name', 'name', 'text', true),
    ('promoter_details', 'name', 6, 'firm name', 'name', 'text', true),
    ('promoter_details', 'name', 7, 'name of promoter', 'name', 'text', true),
    ('promoter_details', 'organisation_type', 8, 'promoter type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 9, 'application type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 10, 'organisation type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 11, 'org type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 12, 'type of entity', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 13, 'entity type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 14, 'type of organization', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 15, 'applicant type', 'organisation_type', 'text', true),
    ('promoter_details', 'organisation_type', 16, 'company type', 'organisation_type', 'text', true),
    ('promoter_details', 'address', 17, 'promoter address', 'address', 'text', true),
    ('promoter_details', 'address', 18, 'address', 'address', 'text', true),
    ('promoter_details', 'address', 19, 'registered address', 'address', 'text', true),
    ('promoter_details', 'address', 20, 'office address', 'address', 'text', true),
    ('promoter_details', 'address', 21, 'correspondence address', 'address', 'text', true),
    ('promoter_details', 'address', 22, 'regd address', 'address', 'text', true),
    ('promoter_details', 'address', 23, 'registered office address', 'address', 'text', true),
    ('promoter_details', 'address', 24, 'corporate address', 'address', 'text', true),
    ('promoter_details', 'email', 25, 'promoter email', 'email', 'text', true),
    ('promoter_details', 'email', 26, 'email', 'email', 'text', true),
    ('promoter_details', 'email', 27, 'email id', 'email', 'text', true),
    ('promoter_details', 'email', 28, 'e-mail', 'email', 'text', true),
    ('promoter_details', 'email', 29, 'email address', 'email', 'text', true),
    ('promoter_details', 'email', 30, 'mail id', 'email', 'text', true),
    ('promoter_details', 'phone', 31, 'promoter phone', 'phone', 'text', true),
    ('promoter_details', 'phone', 32, 'contact number', 'phone', 'text', true),
    ('promoter_details', 'phone', 33, 'mobile', 'phone', 'text', true),
    ('promoter_details', 'phone', 34, 'mob no', 'phone', 'text', true),
    ('promoter_details', 'phone', 35, 'phone no', 'phone', 'text', true),
    ('promoter_details', 'phone', 36, 'telephone', 'phone', 'text', true),
    ('promoter_details', 'phone', 37, 'contact', 'phone', 'text', true),
    ('promoter_details', 'phone', 38, 'phone', 'phone', 'text', true),
    ('promoter_details', 'phone', 39, 'mobile no', 'phone', 'text', true),
    ('promoter_details', 'phone', 40, 'mobile number', 'phone', 'text', true),
    ('promoter_details', 'phone', 41, 'contact no', 'phone', 'text', true),
    ('promoter_details', 'phone', 42, 'tel', 'phone', 'text', true),
    ('promoter_details', 'pan', 43, 'promoter pan', 'pan', 'text', true),
    ('promoter_details', 'pan', 44, 'pan', 'pan', 'text', true),
    ('promoter_details', 'pan', 45, 'pan no', 'pan', 'text', true),
    ('promoter_details', 'pan', 46, 'pan number', 'pan', 'text', true),
    ('promoter_details', 'pan', 47, 'permanent account number', 'pan', 'text', true),
    ('promoter_details', 'cin', 48, 'promoter cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 49, 'cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 50, 'cin no', 'cin', 'text', true),
    ('promoter_details', 'cin', 51, 'company cin', 'cin', 'text', true),
    ('promoter_details', 'cin', 52, 'corporate identity number', 'cin', 'text', true),
    ('promoter_details', 'promoter_gst', 53, 'gst', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 54, 'gst number', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 55, 'gstin', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 56, 'gst no', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 57, 'gst registration', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_gst', 58, 'goods and services tax', 'gst_number', 'text', true),
    ('promoter_details', 'promoter_website', 59, 'promoter website', 'website', 'text', true),
    ('promoter_details', 'promoter_website', 60, 'company website', 'website', 'text', true),
    ('promoter_details', 'promoter_website', 61, 'website', 'website', 'text', true),
    ('promoter_details', 'authorized_signatory', 62, 'authorized signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 63, 'authorised signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 64, 'signatory', NULL, NULL, true),
    ('promoter_details', 'authorized_signatory', 65, 'authorized person', NULL, NULL, true),
    ('land_details', 'land_area_sq_m', 1, 'land area (sq m)', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 2, 'land area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 3, 'total land area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 4, 'site area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_area_sq_m', 5, 'plot area', 'land_area_sq_m', 'area', true),
    ('land_details', 'land_status', 6, 'land status', 'land_status', 'text', true),
    ('land_details', 'land_status', 7, 'status of land', 'land_status', 'text', true),
    ('land_details', 'land_status', 8, 'ownership status', 'land_status', 'text', true),
    ('land_details', 'land_status', 9, 'land ownership', 'land_status', 'text', true),
    ('land_details', 'land_address', 10, 'land address', 'land_address', 'text', true),
    ('land_details', 'land_address', 11, 'location of land', 'land_address', 'text', true),
    ('land_details', 'land_address', 12, 'site location', 'land_address', 'text', true),
    ('land_details', 'land_address', 13, 'plot location', 'land_address', 'text', true),
    ('land_details', 'khasra_numbers', 14, 'khasra numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 15, 'survey numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 16, 'khasra no', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 17, 'survey no', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 18, 'khasra', 'khasra_numbers', 'text', true),
    ('land_details', 'khasra_numbers', 19, 'plot survey numbers', 'khasra_numbers', 'text', true),
    ('land_details', 'ward_number', 20, 'ward number', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 21, 'ward no', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 22, 'ward', 'ward_number', 'text', true),
    ('land_details', 'ward_number', 23, 'zone', 'ward_number', 'text', true),
    ('land_details', 'mutation_number', 24, 'mutation number', 'mutation_number', 'text', true),
    ('land_details', 'mutation_number', 25, 'mutation no', 'mutation_number', 'text', true),
    ('land_details', 'mutation_number', 26, 'mutation', 'mutation_number', 'text', true),
    ('land_details', 'patwari_halka', 27, 'patwari halka', 'patwari_halka', 'text', true),
    ('land_details', 'patwari_halka', 28, 'halka', 'patwari_halka', 'text', true),
    ('land_details', 'patwari_halka', 29, 'patwari circle', 'patwari_halka', 'text', true),
    ('land_details', 'plot_number', 30, 'plot number', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 31, 'plot no', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 32, 'plot', 'plot_number', 'text', true),
    ('land_details', 'plot_number', 33, 'land plot', 'plot_number', 'text', true),
    ('building_details', 'name', 1, 'building name', 'name', 'text', true),
    ('building_details', 'name', 2, 'tower name', 'name', 'text', true),
    ('building_details', 'name', 3, 'block name', 'name', 'text', true),
    ('building_details', 'name', 4, 'wing name', 'name', 'text', true),
    ('building_details', 'name', 5, 'name of building', 'name', 'text', true),
    ('building_details', 'number_of_floors', 6, 'number of floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 7, 'floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 8, 'no of floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 9, 'total floors', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_floors', 10, 'storeys', 'number_of_floors', 'integer', true),
    ('building_details', 'number_of_units', 11, 'number of units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 12, 'units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 13, 'no of units', 'number_of_units', 'integer', true),
    ('building_details', 'number_of_units', 14, 'total units in building', 'number_of_units', 'integer', true),
    ('building_details', 'carpet_area_sq_m', 15, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'carpet_area_sq_m', 16, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'carpet_area_sq_m', 17, 'total carpet area', 'carpet_area_sq_m', 'area', true),
    ('building_details', 'basement_floors', 18, 'basement floors', NULL, NULL, true),
    ('building_details', 'basement_floors', 19, 'basements', NULL, NULL, true),
    ('building_details', 'basement_floors', 20, 'no of basements', NULL, NULL, true),
    ('building_details', 'basement_floors', 21, 'basement', NULL, NULL, true),
    ('building_details', 'stilt_floors', 22, 'stilt floors', NULL, NULL, true),
    ('building_details', 'stilt_floors', 23, 'stilt', NULL, NULL, true),
    ('building_details', 'stilt_floors', 24, 'stilts', NULL, NULL, true),
    ('building_details', 'podium_floors', 25, 'podium floors', NULL, NULL, true),
    ('building_details', 'podium_floors', 26, 'podium', NULL, NULL, true),
    ('building_details', 'podium_floors', 27, 'podiums', NULL, NULL, true),
    ('building_details', 'building_height', 28, 'building height', NULL, NULL, true),
    ('building_details', 'building_height', 29, 'height', NULL, NULL, true),
    ('building_details', 'building_height', 30, 'height in meters', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 31, 'plan approval number', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 32, 'building plan number', NULL, NULL, true),
    ('building_details', 'plan_approval_number', 33, 'approved plan no', NULL, NULL, true),
    ('building_details', 'parking_slots', 34, 'parking slots', NULL, NULL, true),
    ('building_details', 'parking_slots', 35, 'parking', NULL, NULL, true),
    ('building_details', 'parking_slots', 36, 'car parking slots', NULL, NULL, true),
    ('building_details', 'parking_slots', 37, 'total parking', NULL, NULL, true),
    ('unit_types', 'name', 1, 'unit type', 'name', 'text', true),
    ('unit_types', 'name', 2, 'type', 'name', 'text', true),
    ('unit_types', 'name', 3, 'configuration', 'name', 'text', true),
    ('unit_types', 'name', 4, 'flat type', 'name', 'text', true),
    ('unit_types', 'carpet_area_sq_m', 5, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'carpet_area_sq_m', 6, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'carpet_area_sq_m', 7, 'carpet', 'carpet_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 8, 'built-up area (sq m)', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 9, 'built up area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 10, 'built-up area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'built_up_area_sq_m', 11, 'builtup area', 'built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 12, 'super built-up area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 13, 'super builtup area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 14, 'sbua', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'super_built_up_area_sq_m', 15, 'super area', 'super_built_up_area_sq_m', 'area', true),
    ('unit_types', 'price_in_inr', 16, 'unit price (inr)', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 17, 'unit price', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 18, 'price', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 19, 'rate', 'price_in_inr', 'number', true),
    ('unit_types', 'price_in_inr', 20, 'price per unit', 'price_in_inr', 'number', true),
    ('unit_types', 'balcony_area_sq_m', 21, 'balcony area', 'balcony_area_sq_m', 'area', true),
    ('unit_types', 'balcony_area_sq_m', 22, 'balcony', 'balcony_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 23, 'terrace area', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 24, 'terrace', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'terrace_area_sq_m', 25, 'exclusive terrace', 'terrace_area_sq_m', 'area', true),
    ('unit_types', 'common_area_sq_m', 26, 'common area', 'common_area_sq_m', 'area', true),
    ('unit_types', 'common_area_sq_m', 27, 'common', 'common_area_sq_m', 'area', true),
    ('bank_details', 'bank_name', 1, 'bank name', 'bank_name', 'text', true),
    ('bank_details', 'bank_name', 2, 'name of bank', 'bank_name', 'text', true),
    ('bank_details', 'branch_name', 3, 'branch', 'branch_name', 'text', true),
    ('bank_details', 'branch_name', 4, 'branch name', 'branch_name', 'text', true),
    ('bank_details', 'branch_name', 5, 'branch address', 'branch_name', 'text', true),
    ('bank_details', 'account_number', 6, 'account number', 'account_number', 'text', true),
    ('bank_details', 'account_number', 7, 'account no', 'account_number', 'text', true),
    ('bank_details', 'account_number', 8, 'a/c no', 'account_number', 'text', true),
    ('bank_details', 'account_number', 9, 'ac no', 'account_number', 'text', true),
    ('bank_details', 'ifsc_code', 10, 'ifsc code', 'ifsc_code', 'text', true),
    ('bank_details', 'ifsc_code', 11, 'ifsc', 'ifsc_code', 'text', true),
    ('bank_details', 'ifsc_code', 12, 'ifsc no', 'ifsc_code', 'text', true),
    ('bank_details', 'account_type', 13, 'account type', NULL, NULL, true),
    ('bank_details', 'account_type', 14, 'type of account', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 15, 'authorized signatories', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 16, 'signatories', NULL, NULL, true),
    ('bank_details', 'authorized_signatories', 17, 'authorised signatories', NULL, NULL, true),
    ('bank_details', 'account_name', 18, 'account name', 'account_name', 'text', true),
    ('bank_details', 'account_name', 19, 'account holder name', 'account_name', 'text', true),
    ('bank_details', 'account_name', 20, 'name of account holder', 'account_name', 'text', true),
    ('documents', 'document_name', 1, 'document name', 'name', 'text', true),
    ('documents', 'document_name', 2, 'name', 'name', 'text', true),
    ('documents', 'document_type', 3, 'document type', 'document_type', 'text', true),
    ('documents', 'document_type', 4, 'type', 'document_type', 'text', true),
    ('documents', 'document_url', 5, 'document url', 'url', 'text', true),
    ('documents', 'document_url', 6, 'url', 'url', 'text', true),
    ('documents', 'document_url', 7, 'link', 'url', 'text', true),
    ('documents', 'document_url', 8, 'download', 'url', 'text', true),
    ('documents', 'document_uploaded_on', 9, 'uploaded on', 'uploaded_on', 'date', true),
    ('documents', 'document_uploaded_on', 10, 'upload date', 'uploaded_on', 'date', true),
    ('documents', 'document_uploaded_on', 11, 'date', 'uploaded_on', 'date', true),
    ('quarterly_updates', 'quarter', 1, 'quarter', 'quarter', 'text', true),
    ('quarterly_updates', 'quarter', 2, 'qtr', 'quarter', 'text', true),
    ('quarterly_updates', 'year', 3, 'year', 'year', 'text', true),
    ('quarterly_updates', 'year', 4, 'yr', 'year', 'text', true),
    ('quarterly_updates', 'status', 5, 'status', 'status', 'text', true),
    ('quarterly_updates', 'status', 6, 'construction status', 'status', 'text', true),
    ('quarterly_updates', 'completion_percent', 7, 'completion (%)', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 8, 'completion percent', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 9, '% completion', 'completion_percent', 'number', true),
    ('quarterly_updates', 'completion_percent', 10, 'percentage complete', 'completion_percent', 'number', true),
    ('quarterly_updates', 'remarks', 11, 'remarks', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 12, 'comment', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 13, 'comments', 'remarks', 'text', true),
    ('quarterly_updates', 'remarks', 14, 'notes', 'remarks', 'text', true),
    ('quarterly_updates', 'foundation_percent', 15, 'foundation', NULL, NULL, true),
    ('quarterly_updates', 'foundation_percent', 16, 'foundation %', NULL, NULL, true),
    ('quarterly_updates', 'foundation_percent', 17, 'foundation complete', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 18, 'plinth', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 19, 'plinth %', NULL, NULL, true),
    ('quarterly_updates', 'plinth_percent', 20, 'plinth complete', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 21, 'superstructure', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 22, 'superstructure %', NULL, NULL, true),
    ('quarterly_updates', 'superstructure_percent', 23, 'structure', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 24, 'mep', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 25, 'mep %', NULL, NULL, true),
    ('quarterly_updates', 'mep_percent', 26, 'mechanical electrical plumbing', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 27, 'finishing', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 28, 'finishing %', NULL, NULL, true),
    ('quarterly_updates', 'finishing_percent', 29, 'internal finishing', NULL, NULL, true),
    ('units', 'block', 1, 'block', 'block', 'text', true),
    ('units', 'block', 2, 'block name', 'block', 'text', true),
    ('units', 'block', 3, 'tower', 'block', 'text', true),
    ('units', 'block', 4, 'tower name', 'block', 'text', true),
    ('units', 'block', 5, 'wing', 'block', 'text', true),
    ('units', 'floor', 6, 'floor', 'floor', 'text', true),
    ('units', 'floor', 7, 'floor no', 'floor', 'text', true),
    ('units', 'unit_no', 8, 'flat/unit no', 'unit_no', 'text', true),
    ('units', 'unit_no', 9, 'unit no', 'unit_no', 'text', true),
    ('units', 'unit_no', 10, 'flat no', 'unit_no', 'text', true),
    ('units', 'unit_no', 11, 'plot no', 'unit_no', 'text', true),
    ('units', 'unit_no', 12, 'unit number', 'unit_no', 'text', true),
    ('units', 'unit_no', 13, 'flat number', 'unit_no', 'text', true),
    ('units', 'type', 14, 'type', 'type', 'text', true),
    ('units', 'type', 15, 'unit type', 'type', 'text', true),
    ('units', 'type', 16, 'flat type', 'type', 'text', true),
    ('units', 'carpet_area_sq_m', 17, 'carpet area (sq m)', 'carpet_area_sq_m', 'area', true),
    ('units', 'carpet_area_sq_m', 18, 'carpet area', 'carpet_area_sq_m', 'area', true),
    ('units', 'status', 19, 'status', 'status', 'text', true),
    ('units', 'status', 20, 'unit status', 'status', 'text', true);
-- END GENERATED

-- The variants as map_v1's C++ reads them:
-- {"sections": [{section, variant}], "labels": [{section, canonical_key, variant, v1_key, v1_type, position}]}.
CREATE FUNCTION realmap._label_variants() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'sections', coalesce((SELECT jsonb_agg(jsonb_build_object('section', s.logical_section, 'variant', s.variant)
                                               ORDER BY s.logical_section, s.variant)
                                FROM realmap.section_variants s), '[]'),
        'labels', coalesce((SELECT jsonb_agg(jsonb_build_object('section', l.section, 'canonical_key', l.canonical_key,
                                                                'variant', l.variant, 'v1_key', l.v1_key,
                                                                'v1_type', l.v1_type, 'position', l.position)
                                             ORDER BY l.section, l.position, l.canonical_key, l.variant)
                              FROM realmap.label_variants l), '[]'))
$$;
COMMENT ON FUNCTION realmap._label_variants() IS
'The label variant tables as the JSON realmap._map_v1 takes';

-- ------------------------------------------------------------------ the functions

CREATE FUNCTION realmap.extract_raw(html text, page_url text DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_extract_raw' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap.extract_raw(text, text) IS
'The detail page as the raw document (schema realmap.raw/1): named form fields, label sections, grids, documents, amenities, map iframes, inventory, as text; page_url resolves links. NULL html gives NULL; a page that is not a detail page raises 22P02';

CREATE FUNCTION realmap._map_v1(raw jsonb, variants jsonb, context jsonb DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_map_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._map_v1(jsonb, jsonb, jsonb) IS
'map_v1 with the label variants given as JSON (realmap._label_variants()); context: {"listing": <realmap.listings row>, "source_url", "run_id", "scraped_at", "page_content_hash"}';

CREATE FUNCTION realmap.map_v1(raw jsonb, context jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._map_v1(raw, realmap._label_variants(), context)
$$;
COMMENT ON FUNCTION realmap.map_v1(jsonb, jsonb) IS
'The raw document (realmap.extract_raw) as the V1 document load_project loads: named form fields first, label sections (realmap.label_variants) as fallback, values coerced by their V1 type; context (optional): {"listing": to_jsonb(<realmap.listings row>), "source_url", "run_id", "scraped_at", "page_content_hash"}. Problems of the page are in validation_messages; only a non-raw input raises 22023';

CREATE FUNCTION realmap.normalize_v1(v1 jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_normalize_v1' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION realmap.normalize_v1(jsonb) IS
'The original''s normalisation of a V1 document: district and status and type title-cased (known values mapped), registration number without whitespace and end punctuation, whitespace collapsed; a missing district stays missing (not "")';

CREATE FUNCTION realmap._validate_v1(v1 jsonb, checked_at text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_validate_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._validate_v1(jsonb, text) IS
'validate_v1 with checked_at as an ISO 8601 text (not NULL: the result depends on nothing else)';
CREATE FUNCTION realmap.validate_v1(v1 jsonb, checked_at timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._validate_v1(v1, to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
COMMENT ON FUNCTION realmap.validate_v1(jsonb, timestamptz) IS
'The QA of a V1 document: {status passed|warning|failed, flags[{flag_type, severity, message, field_name, expected_value, actual_value}], checked_at, validator_version, flag_count, error_count, warning_count, info_count, messages[] (the normaliser''s)}; a failed QA does not stop a load';

CREATE FUNCTION realmap._prepare_v1(raw jsonb, variants jsonb, context jsonb, checked_at text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'realmap_prepare_v1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION realmap._prepare_v1(jsonb, jsonb, jsonb, text) IS
'prepare_v1 with the label variants given as JSON (realmap._label_variants()) and checked_at as ISO 8601 text';
CREATE FUNCTION realmap.prepare_v1(raw jsonb, context jsonb DEFAULT NULL, checked_at timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT realmap._prepare_v1(raw, realmap._label_variants(), context,
                               to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
COMMENT ON FUNCTION realmap.prepare_v1(jsonb, jsonb, timestamptz) IS
'map_v1, normalize_v1 and validate_v1 in one call: the V1 document with qa set and the normaliser''s messages in validation_messages, ready for realmap.load_project';
