// The portal's GridViews: table#ContentPlaceHolder1_<name>, first row = headers.
// Every row is kept as text, repeats and "0" placeholder rows included: the
// quarterly grids are the project's history (booked units and progress per quarter),
// and telling a typo from a real change is the mapper's business, not ours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/extract/extract_page_index.hpp"

namespace realmap::extract {

// {"<name>": {"position" (page order), "section", "heading", "headers": [...], "rows": [[...]],
//   "no_data": bool,
//   "links": [{"row", "column", "header", "href", "url", "text", "via"}],
//   "images": [{"row", "column", "header", "href", "url"}]}}
// The single "No Data Found" / "No Record Found" row is not a row: no_data says so.
nlohmann::json read_grids(const PageIndex &index, std::string_view page_url,
                          std::vector<std::string> &warnings);

// The latest quarter's amenity progress with its coordinates, from the grid
// Single_gv_ProjectList (else gv_Amenity, else the first table under an "Amenities
// Details" heading): [{"from_date", "to_date", "particulars", "progress",
// "latitude_text", "longitude_text", "latitude", "longitude" (numbers or null: ","
// read as "."; no plausibility check), "image", "image_url"}].
nlohmann::json read_amenities(const nlohmann::json &grids, const PageIndex &index,
                              std::string_view page_url);

// Certificates linked from the grids (quarterly CA/engineer/architect certificates,
// completion certificates), photos left out: [{"grid", "row", "column", "header", "href", "url"}].
nlohmann::json grid_documents(const nlohmann::json &grids);

// Whether a URL names an image file (.jpg, .jpeg, .png, .gif, .bmp, .webp).
bool is_image_url(std::string_view url);

}  // namespace realmap::extract
