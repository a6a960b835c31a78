// The "Inventory Status" grid: one span per unit, class bg_llg (available) or
// bg_lly (booked/sold), the unit number as its text, and a legend of empty spans
// followed by their meaning.
#pragma once

#include <nlohmann/json.hpp>

#include "core/extract/extract_page_index.hpp"

namespace realmap::extract {

// {"section", "items": [{"class", "text"}], "counts": {"bg_llg": n, "bg_lly": n},
//  "legend": {"bg_llg": "Available", "bg_lly": "Booked/Sold"}}, or null when the page
// has no such spans.
nlohmann::json read_inventory(const PageIndex &index);

}  // namespace realmap::extract
