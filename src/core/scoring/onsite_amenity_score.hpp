// The on-site amenity score: what the project itself provides, from the amenities its
// RERA page declares (the "Particulars" of the Amenities Details grid, e.g. "INTERNAL
// ROADS AND FOOTPATHS", "COMMUNITY BUILDINGS/ CLUB HOUSE").  The original never
// produced on-site data, so its amenity_score was always NULL and every project
// "partial"; realmap scores what RERA already publishes.
//
// Formula: each declared amenity is classified into one or more of 19 kinds by phrase
// (whole words, case and punctuation ignored); the score is the sum of the weights of
// the kinds declared at least once.  The weights add up to 100, so a project that
// declares every kind scores 100 and one that declares none scores 0:
//
//   essential development works (42): internal_roads 8, water_supply 8, sewerage 8,
//       storm_water_drainage 6, street_lighting 6, electrical 6
//   safety (15): boundary_wall 5, security 5, fire_safety 5
//   environment (18): landscaping 5, rain_water_harvesting 5, solid_waste 4, energy 4
//   lifestyle (25): club_house 6, swimming_pool 5, gym 4, park_playground 4,
//       place_of_worship 3, parking 3
//
// A kind counts once however often it is listed (RERA lists the same works every
// quarter), and construction progress is not weighed: the score says what the project
// provides once built, not how far it is.  Unrecognised particulars score nothing and
// are reported, so the phrase table can grow from real data.
#pragma once

#include <string>
#include <vector>

namespace realmap::scoring {

struct OnsiteAmenityKind {
    const char *name;
    int weight;
    std::vector<const char *> phrases;  // lower-case words, matched as whole words
};

// The 19 kinds above, in that order.
const std::vector<OnsiteAmenityKind> &onsite_amenity_kinds();

// The kinds one declared amenity belongs to ("Water supply and sewerage" is two), in
// table order; empty when it is not recognised.
std::vector<std::string> classify_onsite_amenity(const std::string &particulars);

struct OnsiteAmenityScore {
    int score = 0;                          // 0..100
    std::vector<std::string> kinds;         // declared kinds, in table order
    std::vector<std::string> unrecognised;  // declared texts of no kind, first occurrence order
};

OnsiteAmenityScore score_onsite_amenities(const std::vector<std::string> &particulars);

}  // namespace realmap::scoring
