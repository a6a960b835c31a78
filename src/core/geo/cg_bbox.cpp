#include "core/geo/cg_bbox.hpp"

#include <cmath>

namespace realmap::geo {

bool valid_coordinates(double lat, double lon) {
    return std::isfinite(lat) && std::isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
           lon <= 180.0;
}

bool in_box(double lat, double lon, const BoundingBox &box) {
    return valid_coordinates(lat, lon) && lat >= box.min_lat && lat <= box.max_lat && lon >= box.min_lon &&
           lon <= box.max_lon;
}

}  // namespace realmap::geo
