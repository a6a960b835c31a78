#include "core/geo/haversine.hpp"

#include <algorithm>
#include <cmath>

namespace realmap::geo {

namespace {
constexpr double kPi = 3.14159265358979323846;
// As Python's math.radians: x * (pi / 180).
double radians(double degrees) { return degrees * (kPi / 180.0); }
}  // namespace

double haversine_km(double lat1, double lon1, double lat2, double lon2) {
    double phi1 = radians(lat1), phi2 = radians(lat2);
    double dphi = phi2 - phi1, dlambda = radians(lon2 - lon1);
    double s1 = std::sin(dphi / 2.0), s2 = std::sin(dlambda / 2.0);
    double a = s1 * s1 + std::cos(phi1) * std::cos(phi2) * s2 * s2;
    // Rounding can push a a hair above 1 for antipodal points; asin would give NaN.
    return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace realmap::geo
