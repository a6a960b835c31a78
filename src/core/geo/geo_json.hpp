// JSON faces of the geocoding helpers, for the SQL layer (one call per project).
#pragma once

#include <nlohmann/json.hpp>

#include "core/geo/address_normalize.hpp"

namespace realmap::geo {

// {"address", "locality" | "village_or_locality", "tehsil", "district", "pincode",
// "state"}: texts or null; other keys are ignored.  realmap::Error 22023 when a present
// value is not a text (a number is accepted for pincode).
AddressParts address_parts_from_json(const nlohmann::json &parts);

// {address_line, locality, tehsil, district, state, pincode, country, full, low_confidence}
nlohmann::json to_json(const NormalizedAddress &address);

// {"normalized": to_json(normalize_address(parts)), "candidates": [{"query", "level",
// "url_params": {q, format, addressdetails, limit, countrycodes}}, ...]}
nlohmann::json geocode_candidates_json(const nlohmann::json &parts);

}  // namespace realmap::geo
