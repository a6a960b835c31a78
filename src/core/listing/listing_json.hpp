// The parsed listing as JSON (for the SQL functions and for tests).  Missing values
// are null; keys are the ListingRow / ListingPage member names.
#pragma once

#include <nlohmann/json.hpp>

#include "core/listing/listing_page.hpp"

namespace realmap::listing {

// {"registration_number", "completed", "sn", "project_name", ..., "latitude",
//  "longitude", "position_raw", "position_issue" (null when fine), "in_table", "in_map"}
nlohmann::json listing_row_json(const ListingRow &row);

// {"rows": [...], "table_rows", "map_entries", "duplicates", "rows_without_registration",
//  "has_grid", "has_map_init", "no_records", "total_shown", "select_options":
//  {name: [{"value", "label", "selected"}]}, "captcha_required", "captcha_image_url",
//  "captcha_message", "warnings", and with with_hidden_fields "hidden_fields": {name: value}}
nlohmann::json listing_page_json(const ListingPage &page, bool with_hidden_fields);

}  // namespace realmap::listing
