// Amenity stats: per (category, radius), how many of the category's POIs lie within the
// radius of the project and how far the nearest is (haversine, 6371 km, ≤ radius
// counts).  The rows are exactly the scoring input's slices:
//   {"amenity_type", "radius_km", "nearby_count", "nearby_nearest_km"}
//
// Every (category, radius) gets a row, in category order then ascending radius, also
// when nothing is found (count 0): the original did the same, and "0 found" is a fact
// the score needs, now that an Overpass error can no longer pass for it.
// nearby_nearest_km is the distance to the nearest POI *within the radius*, null when
// the count is 0 (as the original), rounded to 3 decimals (metres; the
// NUMERIC(6,3) column) with Python's round.  A POI is counted once per category
// however often it appears (dedup by osm_type/osm_id), and in every category it matches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amenities/amenity_categories.hpp"
#include "core/amenities/overpass_answer.hpp"

namespace realmap::amenities {

struct AmenityStat {
    std::string amenity_type;
    double radius_km = 0.0;
    std::int64_t nearby_count = 0;
    std::optional<double> nearby_nearest_km;
};

// The stat of one slice from the distances (km) of a category's POIs to the project.
AmenityStat slice_stat(const std::string &amenity_type, double radius_km, const std::vector<double> &distances_km);

std::vector<AmenityStat> amenity_stats(double lat, double lon, const std::vector<Poi> &pois,
                                       const std::vector<AmenityTag> &tags);
std::vector<AmenityStat> amenity_stats(double lat, double lon, const std::vector<Poi> &pois);  // default tags

nlohmann::json to_json(const std::vector<AmenityStat> &stats);

}  // namespace realmap::amenities
