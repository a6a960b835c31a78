#include "core/amenities/amenity_stats.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/geo/haversine.hpp"
#include "core/scoring/python_round.hpp"

namespace realmap::amenities {

AmenityStat slice_stat(const std::string &amenity_type, double radius_km, const std::vector<double> &distances_km) {
    AmenityStat stat;
    stat.amenity_type = amenity_type;
    stat.radius_km = radius_km;
    for (double d : distances_km) {
        if (!(d <= radius_km)) continue;
        ++stat.nearby_count;
        if (!stat.nearby_nearest_km || d < *stat.nearby_nearest_km) stat.nearby_nearest_km = d;
    }
    if (stat.nearby_nearest_km) stat.nearby_nearest_km = scoring::python_round(*stat.nearby_nearest_km, 3);
    return stat;
}

std::vector<AmenityStat> amenity_stats(double lat, double lon, const std::vector<Poi> &pois,
                                       const std::vector<AmenityTag> &tags) {
    validate_amenity_tags(tags);
    std::vector<AmenityStat> stats;
    for (const std::string &category : category_names(tags)) {
        std::vector<double> distances;
        std::set<std::pair<std::string, std::int64_t>> seen;
        for (const Poi &poi : pois) {
            if (std::find(poi.categories.begin(), poi.categories.end(), category) == poi.categories.end()) continue;
            if (!seen.emplace(poi.osm_type, poi.osm_id).second) continue;
            distances.push_back(geo::haversine_km(lat, lon, poi.lat, poi.lon));
        }
        for (double radius : category_radii_km(tags, category))
            stats.push_back(slice_stat(category, radius, distances));
    }
    return stats;
}

std::vector<AmenityStat> amenity_stats(double lat, double lon, const std::vector<Poi> &pois) {
    return amenity_stats(lat, lon, pois, default_amenity_tags());
}

nlohmann::json to_json(const std::vector<AmenityStat> &stats) {
    nlohmann::json rows = nlohmann::json::array();
    for (const AmenityStat &s : stats)
        rows.push_back({{"amenity_type", s.amenity_type},
                        {"radius_km", s.radius_km},
                        {"nearby_count", s.nearby_count},
                        {"nearby_nearest_km", s.nearby_nearest_km ? nlohmann::json(*s.nearby_nearest_km)
                                                                  : nlohmann::json(nullptr)}});
    return rows;
}

}  // namespace realmap::amenities
