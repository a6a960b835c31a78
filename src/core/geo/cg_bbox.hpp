// Where a position may be: the Chhattisgarh bounding box.
//
// The box is the one the portal itself uses (original-pipeline.md §4.1: the listing
// page's JavaScript draws map markers only inside lat 17.790535–24.076559, lon
// 80.456686–84.368570).  Every one of the 1,988 real listing positions is classified
// the same by this box and by the state's extent (lat 17.78–24.10, lon 80.24–84.40),
// 1,583 inside.  The portal's box cuts a sliver of the state's far west (lon 80.24–80.46,
// Mohla-Manpur / Rajnandgaon border), where no project lies today; callers can pass
// kChhattisgarhStateBox where that matters.  Edges are inside.
#pragma once

namespace realmap::geo {

struct BoundingBox {
    double min_lat, max_lat, min_lon, max_lon;
};

inline constexpr BoundingBox kChhattisgarhBox{17.790535, 24.076559, 80.456686, 84.368570};
inline constexpr BoundingBox kChhattisgarhStateBox{17.78, 24.10, 80.24, 84.40};

// Finite latitude in [-90, 90] and longitude in [-180, 180].
bool valid_coordinates(double lat, double lon);

// Inside the box, edges included; false for invalid coordinates.
bool in_box(double lat, double lon, const BoundingBox &box = kChhattisgarhBox);

}  // namespace realmap::geo
