// Choosing a project's position from every source that offers one.
//
// Ranking rule (README: "Where a project is"):
//  1. A candidate with invalid coordinates (not finite, out of range) or outside the
//     Chhattisgarh box (cg_bbox.hpp; 0|0 is outside) is rejected, and the choice is
//     flagged "<source>_invalid_coordinates" / "<source>_outside_bbox".
//  2. Every other candidate gets an effective precision.  RERA's own positions (the
//     listing's map pin, the detail page's map iframe, the on-site amenity markers and
//     their centroid) and a manual pin are "site": they mark the project itself.  A
//     geocode gets the coarser of the answer's precision and what its query could
//     locate (precision_limit: a tehsil-level query locates a project in a tehsil,
//     whatever point the answer carries).
//  3. The finest effective precision wins.  Among equals: manual_pin, listing_map,
//     map_iframe, amenity_centroid, amenity, geocode_normalized; then input order.
//     A geocode marked suspect (implausible_answer_reason) ranks after all others.
// So a RERA pin inside the state always beats a geocode, and a house-level geocode beats
// a district-level one.  The original ranked every geocode (priority 30 + penalty)
// above the RERA sources it did not know (100), so a district centroid beat a surveyed
// pin.
//
// When amenity markers are given but no centroid, their centroid (of the accepted
// markers) is added as a candidate.  Flags on the choice besides rule 1:
//   "rera_positions_disagree"  the chosen RERA position is more than 2 km from another
//                              accepted RERA position (a pin or marker is wrong)
//   "geocode_suspect"          the chosen position is a suspect geocode
//   "coarse_position"          the chosen precision is tehsil or coarser: amenity counts
//                              around it say little about the project
//   "no_position"              nothing was accepted
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/geo/cg_bbox.hpp"
#include "core/geo/geo_precision.hpp"
#include "core/geo/geocode_candidates.hpp"

namespace realmap::geo {

enum class LocationSource { ManualPin, ListingPin, MapIframe, AmenityCentroid, AmenityMarker, Geocode };

// The project_locations.source_type values: "manual_pin", "listing_map", "map_iframe",
// "amenity_centroid", "amenity", "geocode_normalized".
const char *location_source_name(LocationSource source);
// The inverse; also "rera_pin" (the original's name for a listing pin) and "geocode".
std::optional<LocationSource> location_source_from_name(const std::string &name);

inline constexpr double kSiteDisagreementKm = 2.0;

struct LocationCandidate {
    LocationSource source = LocationSource::Geocode;
    double lat = 0.0;
    double lon = 0.0;
    Precision precision = Precision::Site;             // a geocode: the answer's precision
    GeocodeLevel query_level = GeocodeLevel::Address;  // a geocode: its query's level
    std::string suspect;                               // a geocode: why it may be wrong, "" if not
    std::string label;                                 // carried along (query, particulars)
};

struct RankedCandidate {
    LocationCandidate candidate;
    Precision effective = Precision::Unknown;
    bool accepted = false;
    std::string rejected_because;  // "invalid_coordinates", "outside_bbox"
};

struct LocationChoice {
    std::optional<RankedCandidate> chosen;
    std::vector<std::string> flags;
    std::vector<RankedCandidate> ranked;  // accepted in rank order, then the rejected in input order
};

LocationChoice choose_location(const std::vector<LocationCandidate> &candidates,
                               const BoundingBox &box = kChhattisgarhBox);

// The same for SQL: candidates [{source_type|source, latitude|lat, longitude|lon,
// precision?, query_level?, suspect?, label?}] → {found, latitude, longitude,
// source_type, precision, label (the chosen candidate's), flags[], candidates[]}.  Bad input: realmap::Error 22023.
nlohmann::json choose_location_json(const nlohmann::json &candidates);

}  // namespace realmap::geo
