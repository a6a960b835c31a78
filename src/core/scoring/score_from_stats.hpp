// score_from_stats: the location and amenity scores of one project from its amenity
// slices (SQL: realmap.score_from_stats(stats jsonb)).  Input shapes: amenity_slices.hpp.
//
// The original's formulas (original-pipeline.md §3.10), reproduced to the last rounding
// (Python's round, ties to even, on the binary value: python_round.hpp):
//   slice for (type, T km): the type's slice with the largest radius <= T, else its
//       smallest; a type without slices counts 0 and is listed in missing_inputs
//   daily_needs  = clamp(mean(grocery_convenience@1, supermarket@3, pharmacy@1)),
//       each by daily_needs_buckets()
//   social_infra = clamp(mean(school@3, college_university@5, hospital@5,
//       park_playground@3, restaurant_cafe@3, mall@5)), each by social_infra_buckets(),
//       the mean capped at 70 when the school and hospital counts are both 0
//   connectivity = clamp(0.7 * mean(transit_stop@3 by social_infra_buckets(),
//       transit_stop@10 by transit_10km_buckets()) + 0.3 * bank)
//   location     = clamp(0.40 * daily_needs + 0.35 * social_infra + 0.25 * connectivity)
//   overall      = clamp(0.5 * amenity + 0.5 * location) when both exist ("ok"), else
//       whichever exists ("partial", reason missing_onsite_data / missing_nearby_data),
//       else null ("insufficient_data", reason missing_all_data)
//   clamp(x)     = int(max(0, min(100, round(x))))
//
// Deviations from the original, on purpose:
//  * Bank: the original scored the *first* bank_atm row in database order (in practice
//    the 0.5 km slice, so only 90 or 30 ever came out).  realmap scores the nearest bank
//    over ALL bank_atm slices: nearest_km = the minimum non-null nearby_nearest_km of the
//    type (the nearest within the widest radius), then bank_distance_score(): ≤ 1 km 90,
//    ≤ 2 km 70, else or none 30.  Independent of row order; the 70 band is reachable.
//  * amenity_score: the on-site score of onsite_amenity_score.hpp when the input
//    carries on-site amenities (the original only ever had a 0.0 placeholder, or null).
//  * With no nearby slice at all, daily_needs/social_infra/connectivity are null (the
//    original would have reported the floor values of zero counts).
//  * clinic slices (fetched by the original but never scored) are still not scored.
//
// Output: {daily_needs_score, social_infra_score, connectivity_score (integers or null),
// location_score, amenity_score, overall_score (numbers or null), score_status,
// score_status_reason (array of text), missing_inputs (array of amenity types),
// score_version "amenity_v2", breakdown {inputs[], bank{}, onsite{}}}.
#pragma once

#include <nlohmann/json.hpp>

#include "core/scoring/amenity_slices.hpp"

namespace realmap::scoring {

inline constexpr const char *kScoreVersion = "amenity_v2";

nlohmann::json score_from_stats(const nlohmann::json &stats);
nlohmann::json score_from_stats(const nlohmann::json &slices, const nlohmann::json &onsite_amenities);
nlohmann::json score_from_stats(const ScoringInput &input);

// The arithmetic of the dimensions, exactly as Python evaluates it (operand order kept:
// the binary rounding of each step decides ties such as 0.35 * 90 == 31.499999999999996).
int daily_needs_from_bucket_scores(int grocery, int supermarket, int pharmacy);
int social_infra_from_bucket_scores(int school, int college, int hospital, int park, int restaurant, int mall,
                                    bool school_and_hospital_absent);
int connectivity_from_scores(int transit_3km, int transit_10km, int bank);
int location_from_dimensions(int daily_needs, int social_infra, int connectivity);
int overall_from_parts(int amenity, int location);

}  // namespace realmap::scoring
