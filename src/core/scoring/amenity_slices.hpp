// The input of score_from_stats: amenity slices (the rows of project_amenity_stats) and
// the project's own on-site amenities, read from JSON and checked.
//
// Accepted shapes:
//   [slice, ...]                                    the original's input
//   {"slices": [slice, ...], "onsite_amenities": [amenity, ...] | null}
// and score_from_stats(slices, onsite_amenities) with the two parts apart.
//
// A slice is {"amenity_type": text, "radius_km": number > 0 | null, "nearby_count":
// integer >= 0 | null, "nearby_nearest_km": number >= 0 | null}.  radius_km null marks an
// on-site row (the original's schema: radius NULL = onsite); such a row names an on-site
// amenity by its amenity_type unless "onsite_available" is false, and may list more in
// "onsite_details" (an array of amenities).  An amenity is a text (RERA's "Particulars",
// e.g. "CLUB HOUSE") or an object with "particulars" or "name".
//
// Bad input raises realmap::Error 22023 whose message names the slice and the field,
// e.g. `stats[2] ("school"): radius_km must be a positive number of kilometres, got -1`.
// Two slices with the same (amenity_type, radius_km) are rejected too: the table is
// unique on them, and the score would depend on which of the two is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace realmap::scoring {

struct AmenitySlice {
    std::string amenity_type;
    std::optional<double> radius_km;           // nullopt: an on-site row
    std::int64_t nearby_count = 0;             // null in the input counts as 0 (the original)
    std::optional<double> nearby_nearest_km;   // nullopt: nothing found within the radius
};

struct ScoringInput {
    std::vector<AmenitySlice> nearby;  // the slices with a radius, in input order
    // On-site amenities; nullopt when the input says nothing about them (the project's
    // RERA amenity table was not read), an empty list when it says "none".
    std::optional<std::vector<std::string>> onsite_amenities;
};

// Reads either accepted shape.
ScoringInput read_scoring_input(const nlohmann::json &stats);
// Reads the two parts given apart; onsite_amenities null means "unknown".
ScoringInput read_scoring_input(const nlohmann::json &slices, const nlohmann::json &onsite_amenities);

// The original's stat selection for a target radius: among the slices of `amenity_type`
// with radius <= target_km, the one with the largest radius; if there is none, the one
// with the smallest radius; nullptr when the type has no slice at all.
const AmenitySlice *select_slice(const std::vector<AmenitySlice> &nearby, const std::string &amenity_type,
                                 double target_km);

}  // namespace realmap::scoring
