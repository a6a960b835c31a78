// Great-circle distance, as the original computed it everywhere (utils/geo_utils.py,
// amenities/cache.py): haversine on a sphere of radius 6371.0 km.
#pragma once

namespace realmap::geo {

inline constexpr double kEarthRadiusKm = 6371.0;

// Kilometres between two points given in degrees.
double haversine_km(double lat1, double lon1, double lat2, double lon2);

}  // namespace realmap::geo
