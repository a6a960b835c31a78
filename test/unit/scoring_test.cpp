// score_from_stats and its parts: the original's formulas to the last rounding
// (original-pipeline.md §3.10), the bank-order fix and the on-site amenity score.
// Every expected number here is computed by hand (and was checked against CPython 3.11).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/scoring/amenity_slices.hpp"
#include "core/scoring/onsite_amenity_score.hpp"
#include "core/scoring/python_round.hpp"
#include "core/scoring/score_buckets.hpp"
#include "core/scoring/score_from_stats.hpp"
#include "core/scoring/value_score.hpp"

using nlohmann::json;
using namespace realmap::scoring;

namespace {

json slice(const std::string &type, double radius_km, json count, json nearest = nullptr) {
    return {{"amenity_type", type}, {"radius_km", radius_km}, {"nearby_count", count}, {"nearby_nearest_km", nearest}};
}

// Slices at exactly the radii the scores read, with the given counts.
struct Counts {
    int grocery1 = 0, supermarket3 = 0, pharmacy1 = 0;
    int school3 = 0, college5 = 0, hospital5 = 0, park3 = 0, restaurant3 = 0, mall5 = 0;
    int transit3 = 0, transit10 = 0;
    json bank_nearest_2km = nullptr;  // the bank_atm 2 km slice's nearest
};

json slices_for(const Counts &c) {
    json bank_count = c.bank_nearest_2km.is_null() ? 0 : 1;
    return json::array({
        slice("grocery_convenience", 1, c.grocery1), slice("supermarket", 3, c.supermarket3),
        slice("pharmacy", 1, c.pharmacy1), slice("school", 3, c.school3),
        slice("college_university", 5, c.college5), slice("hospital", 5, c.hospital5),
        slice("park_playground", 3, c.park3), slice("restaurant_cafe", 3, c.restaurant3),
        slice("mall", 5, c.mall5), slice("transit_stop", 3, c.transit3), slice("transit_stop", 10, c.transit10),
        slice("bank_atm", 2, bank_count, c.bank_nearest_2km),
    });
}

// The error a call raises: its SQLSTATE and message.
template <typename F>
std::pair<std::string, std::string> error_of(F &&call) {
    try {
        call();
    } catch (const realmap::Error &e) {
        return {e.sqlstate(), e.what()};
    }
    return {"none", ""};
}

}  // namespace

// ------------------------------------------------------------------ Python's round

TEST(ScoringPythonRound, IntegerTiesGoToEven) {
    EXPECT_EQ(python_round(0.5), 0.0);
    EXPECT_EQ(python_round(1.5), 2.0);
    EXPECT_EQ(python_round(2.5), 2.0);
    EXPECT_EQ(python_round(62.5), 62.0);
    EXPECT_EQ(python_round(63.5), 64.0);
    EXPECT_EQ(python_round(98.5), 98.0);
    EXPECT_EQ(python_round(99.5), 100.0);
    EXPECT_EQ(python_round(-2.5), -2.0);
    EXPECT_EQ(python_round(-3.5), -4.0);
}

TEST(ScoringPythonRound, RoundsTheBinaryValueNotTheDecimalOne) {
    // 0.35 * 90 is 31.499999999999996 in binary: below the tie, so 31 (decimal half-even: 32).
    EXPECT_EQ(python_round(0.35 * 90), 31.0);
    EXPECT_EQ(python_round(65.75), 66.0);
    EXPECT_EQ(python_round(53.333333333333336), 53.0);
    EXPECT_EQ(python_round(0.49999999999999994), 0.0);
}

TEST(ScoringPythonRound, NdigitsUsesTheExactDecimalExpansion) {
    EXPECT_EQ(python_round(2.675, 2), 2.67);    // 2.67499999999999982236431605997495353221893310546875
    EXPECT_EQ(python_round(1.005, 2), 1.0);     // 1.00499999999999989341858963598497211933135986328125
    EXPECT_EQ(python_round(0.285, 2), 0.28);
    EXPECT_EQ(python_round(1.115, 2), 1.11);
    EXPECT_EQ(python_round(5.015, 2), 5.01);
    EXPECT_EQ(python_round(8.345, 2), 8.35);    // 8.3450000000000006394884621840901672840118408203125
    EXPECT_EQ(python_round(0.125, 2), 0.12);    // an exact tie: to even
    EXPECT_EQ(python_round(0.375, 2), 0.38);    // an exact tie: to even
    EXPECT_EQ(python_round(-2.675, 2), -2.67);
    EXPECT_EQ(python_round(-0.125, 2), -0.12);
    EXPECT_EQ(python_round(123.456, 1), 123.5);
    EXPECT_EQ(python_round(123.456, 2), 123.46);
    EXPECT_EQ(python_round(2.675, 3), 2.675);
    EXPECT_EQ(python_round(1e-20, 2), 0.0);
    EXPECT_EQ(python_round(2.5, 0), 2.0);
    EXPECT_EQ(python_round(1e17, 2), 1e17);
    EXPECT_THROW(python_round(1.0, 16), std::invalid_argument);
    EXPECT_THROW(python_round(1.0, -1), std::invalid_argument);
}

TEST(ScoringPythonRound, ClampScoreIsIntOfClampedRound) {
    EXPECT_EQ(clamp_score(-3.0), 0);
    EXPECT_EQ(clamp_score(0.5), 0);
    EXPECT_EQ(clamp_score(1.5), 2);
    EXPECT_EQ(clamp_score(62.5), 62);
    EXPECT_EQ(clamp_score(99.5), 100);
    EXPECT_EQ(clamp_score(100.5), 100);  // round(100.5) == 100
    EXPECT_EQ(clamp_score(250.0), 100);
}

// ------------------------------------------------------------------ buckets, edge by edge

TEST(ScoringBuckets, DailyNeedsEdges) {
    const auto &b = daily_needs_buckets();
    EXPECT_EQ(bucket_score(0, b), 20);
    EXPECT_EQ(bucket_score(1, b), 60);
    EXPECT_EQ(bucket_score(2, b), 60);
    EXPECT_EQ(bucket_score(3, b), 80);
    EXPECT_EQ(bucket_score(4, b), 80);
    EXPECT_EQ(bucket_score(5, b), 100);
    EXPECT_EQ(bucket_score(6, b), 100);  // above every bound: the last bucket
    EXPECT_EQ(bucket_score(100000, b), 100);
}

TEST(ScoringBuckets, SocialInfraAndTransit3kmEdges) {
    const auto &b = social_infra_buckets();
    EXPECT_EQ(bucket_score(0, b), 20);
    EXPECT_EQ(bucket_score(1, b), 60);
    EXPECT_EQ(bucket_score(2, b), 60);
    EXPECT_EQ(bucket_score(3, b), 80);
    EXPECT_EQ(bucket_score(5, b), 80);
    EXPECT_EQ(bucket_score(6, b), 100);
    EXPECT_EQ(bucket_score(7, b), 100);
}

TEST(ScoringBuckets, Transit10kmEdges) {
    const auto &b = transit_10km_buckets();
    EXPECT_EQ(bucket_score(0, b), 20);
    EXPECT_EQ(bucket_score(1, b), 60);
    EXPECT_EQ(bucket_score(3, b), 60);
    EXPECT_EQ(bucket_score(4, b), 80);
    EXPECT_EQ(bucket_score(8, b), 80);
    EXPECT_EQ(bucket_score(9, b), 100);
    EXPECT_EQ(bucket_score(50, b), 100);
}

TEST(ScoringBuckets, BankDistanceBands) {
    EXPECT_EQ(bank_distance_score(0.0), 90);
    EXPECT_EQ(bank_distance_score(1.0), 90);
    EXPECT_EQ(bank_distance_score(1.0000001), 70);
    EXPECT_EQ(bank_distance_score(2.0), 70);
    EXPECT_EQ(bank_distance_score(2.0000001), 30);
    EXPECT_EQ(bank_distance_score(std::nullopt), 30);
}

// ------------------------------------------------------------------ dimensions and ties

TEST(ScoringDimensions, MeansOfBucketScores) {
    EXPECT_EQ(daily_needs_from_bucket_scores(80, 60, 20), 53);   // 160/3 = 53.33
    EXPECT_EQ(daily_needs_from_bucket_scores(100, 100, 80), 93);  // 93.33
    EXPECT_EQ(daily_needs_from_bucket_scores(80, 80, 100), 87);   // 86.67
    EXPECT_EQ(social_infra_from_bucket_scores(80, 20, 60, 100, 100, 20, false), 63);  // 380/6 = 63.33
    // the cap applies to the mean before rounding: 440/6 = 73.33 → 70
    EXPECT_EQ(social_infra_from_bucket_scores(20, 100, 20, 100, 100, 100, true), 70);
    EXPECT_EQ(social_infra_from_bucket_scores(20, 100, 20, 100, 100, 100, false), 73);
    // under the cap the cap changes nothing
    EXPECT_EQ(social_infra_from_bucket_scores(20, 20, 20, 60, 20, 20, true), 27);  // 160/6 = 26.67
}

TEST(ScoringDimensions, Connectivity) {
    EXPECT_EQ(connectivity_from_scores(80, 100, 90), 90);  // 0.7*90 + 0.3*90 = 89.99999999999999 → 90
    EXPECT_EQ(connectivity_from_scores(80, 100, 70), 84);  // 63 + 21
    EXPECT_EQ(connectivity_from_scores(80, 100, 30), 72);  // 63 + 9
    EXPECT_EQ(connectivity_from_scores(20, 20, 30), 23);   // 14 + 9
    EXPECT_EQ(connectivity_from_scores(60, 80, 70), 70);   // 49 + 21
    EXPECT_EQ(connectivity_from_scores(100, 100, 90), 97);  // 70 + 27
}

TEST(ScoringDimensions, LocationTiesFollowThePythonBinaryValue) {
    EXPECT_EQ(location_from_dimensions(53, 63, 90), 66);  // 65.75
    // exact binary ties: to even
    EXPECT_EQ(location_from_dimensions(20, 20, 70), 32);  // 32.5
    EXPECT_EQ(location_from_dimensions(20, 20, 90), 38);  // 37.5
    EXPECT_EQ(location_from_dimensions(20, 20, 58), 30);  // 29.5
    EXPECT_EQ(location_from_dimensions(20, 20, 62), 30);  // 30.5
    EXPECT_EQ(location_from_dimensions(20, 30, 72), 36);  // 36.5
    EXPECT_EQ(location_from_dimensions(20, 50, 72), 44);  // 43.5
    // decimal ties that are not binary ties: 0.35 * 90 = 31.499999999999996 → 31 (not 32)
    EXPECT_EQ(location_from_dimensions(0, 90, 0), 31);
    EXPECT_EQ(location_from_dimensions(1, 6, 4), 3);    // 3.4999999999999996 (not 4)
    EXPECT_EQ(location_from_dimensions(0, 85, 7), 31);  // 31.499999999999996 (not 32)
}

TEST(ScoringDimensions, OverallTies) {
    EXPECT_EQ(overall_from_parts(61, 66), 64);  // 63.5
    EXPECT_EQ(overall_from_parts(60, 65), 62);  // 62.5
    EXPECT_EQ(overall_from_parts(0, 1), 0);     // 0.5
    EXPECT_EQ(overall_from_parts(2, 1), 2);     // 1.5
    EXPECT_EQ(overall_from_parts(100, 99), 100);  // 99.5
    EXPECT_EQ(overall_from_parts(40, 66), 53);
}

// ------------------------------------------------------------------ score_from_stats

TEST(ScoreFromStats, TheOriginalsWorkedExample) {
    // original-pipeline.md §3.10: daily 53, social 63, connectivity 90, location 66, overall 66, partial
    json stats = json::array({
        slice("grocery_convenience", 0.5, 1, 0.4), slice("grocery_convenience", 1, 3, 0.4),
        slice("grocery_convenience", 2, 6, 0.4), slice("supermarket", 1, 0), slice("supermarket", 3, 1, 2.5),
        slice("pharmacy", 0.5, 0), slice("pharmacy", 1, 0), slice("pharmacy", 2, 2, 1.6),
        slice("school", 1, 1, 0.9), slice("school", 3, 4, 0.9), slice("school", 5, 9, 0.9),
        slice("college_university", 3, 0), slice("college_university", 5, 0), slice("college_university", 8, 1, 7.2),
        slice("hospital", 1, 0), slice("hospital", 3, 1, 2.2), slice("hospital", 5, 2, 2.2),
        slice("park_playground", 1, 2, 0.3), slice("park_playground", 3, 7, 0.3), slice("park_playground", 5, 11, 0.3),
        slice("restaurant_cafe", 1, 5, 0.2), slice("restaurant_cafe", 3, 12, 0.2), slice("restaurant_cafe", 5, 20, 0.2),
        slice("mall", 3, 0), slice("mall", 5, 0), slice("mall", 8, 1, 6.1),
        slice("bank_atm", 0.5, 1, 0.3), slice("bank_atm", 1, 3, 0.3), slice("bank_atm", 2, 5, 0.3),
        slice("transit_stop", 1, 1, 0.7), slice("transit_stop", 3, 3, 0.7), slice("transit_stop", 5, 6, 0.7),
        slice("transit_stop", 10, 10, 0.7),
        slice("clinic", 1, 4, 0.5), slice("clinic", 3, 9, 0.5),
    });
    json r = score_from_stats(stats);
    EXPECT_EQ(r["daily_needs_score"], 53);
    EXPECT_EQ(r["social_infra_score"], 63);
    EXPECT_EQ(r["connectivity_score"], 90);
    EXPECT_EQ(r["location_score"], 66.0);
    EXPECT_TRUE(r["amenity_score"].is_null());
    EXPECT_EQ(r["overall_score"], 66.0);
    EXPECT_EQ(r["score_status"], "partial");
    EXPECT_EQ(r["score_status_reason"], json::array({"missing_onsite_data"}));
    EXPECT_EQ(r["missing_inputs"], json::array());
    EXPECT_EQ(r["score_version"], "amenity_v2");
    EXPECT_EQ(r["breakdown"]["bank"]["nearest_km"], 0.3);
    EXPECT_EQ(r["breakdown"]["bank"]["score"], 90);
    EXPECT_EQ(r["breakdown"]["inputs"][0]["radius_km"], 1.0);  // grocery read at 1 km
    EXPECT_EQ(r["breakdown"]["inputs"][0]["nearby_count"], 3);
}

TEST(ScoreFromStats, BucketEdgesEndToEnd) {
    Counts c;
    c.grocery1 = 2, c.supermarket3 = 3, c.pharmacy1 = 5;  // 60, 80, 100 → 80
    c.school3 = 2, c.college5 = 3, c.hospital5 = 5, c.park3 = 6, c.restaurant3 = 1, c.mall5 = 0;  // 60,80,80,100,60,20 → 66.67
    c.transit3 = 5, c.transit10 = 4;  // 80, 80
    c.bank_nearest_2km = 2.0;          // 70
    json r = score_from_stats(slices_for(c));
    EXPECT_EQ(r["daily_needs_score"], 80);
    EXPECT_EQ(r["social_infra_score"], 67);
    EXPECT_EQ(r["connectivity_score"], 77);  // 0.7*80 + 0.3*70 = 56 + 21
    EXPECT_EQ(r["location_score"], 75.0);    // 32 + 23.45 + 19.25 = 74.7
}

TEST(ScoreFromStats, EveryCountAtZeroIsTheFloor) {
    json r = score_from_stats(slices_for(Counts{}));
    EXPECT_EQ(r["daily_needs_score"], 20);
    EXPECT_EQ(r["social_infra_score"], 20);  // capped at 70 too, but 20 is below
    EXPECT_EQ(r["connectivity_score"], 23);  // 0.7*20 + 0.3*30
    EXPECT_EQ(r["location_score"], 21.0);    // 8 + 7 + 5.75 = 20.75
}

TEST(ScoreFromStats, LocationTieThroughTheWholePipeline) {
    Counts c;                      // daily 20, social 20
    c.transit3 = 1, c.transit10 = 4;  // 60, 80 → 70
    c.bank_nearest_2km = 1.5;      // 70 (reachable only with the bank fix)
    json r = score_from_stats(slices_for(c));
    EXPECT_EQ(r["connectivity_score"], 70);
    EXPECT_EQ(r["location_score"], 32.0);  // 8 + 7 + 17.5 = 32.5 → 32 (even)

    c.transit3 = 3, c.transit10 = 9;  // 80, 100 → 90
    c.bank_nearest_2km = 0.2;         // 90
    r = score_from_stats(slices_for(c));
    EXPECT_EQ(r["connectivity_score"], 90);
    EXPECT_EQ(r["location_score"], 38.0);  // 8 + 7 + 22.5 = 37.5 → 38 (even)
}

TEST(ScoreFromStats, SocialCapNeedsBothSchoolAndHospitalAbsent) {
    Counts c;
    c.college5 = 6, c.park3 = 6, c.restaurant3 = 6, c.mall5 = 6;  // 20,100,20,100,100,100 = 73.33
    EXPECT_EQ(score_from_stats(slices_for(c))["social_infra_score"], 70);
    c.hospital5 = 1;  // 20,100,60,100,100,100 = 80
    EXPECT_EQ(score_from_stats(slices_for(c))["social_infra_score"], 80);
    c.hospital5 = 0, c.school3 = 1;  // 60,100,20,100,100,100 = 80
    EXPECT_EQ(score_from_stats(slices_for(c))["social_infra_score"], 80);
}

TEST(ScoreFromStats, SliceSelectionForATargetRadius) {
    using realmap::scoring::AmenitySlice;
    std::vector<AmenitySlice> nearby{{"x", 0.5, 1, 0.1}, {"x", 1.0, 2, 0.1}, {"x", 2.0, 3, 0.1},
                                     {"y", 3.0, 4, 0.1}, {"y", 8.0, 5, 0.1}};
    EXPECT_EQ(select_slice(nearby, "x", 1.0)->nearby_count, 2);  // exactly the target
    EXPECT_EQ(select_slice(nearby, "x", 1.5)->nearby_count, 2);  // the largest below
    EXPECT_EQ(select_slice(nearby, "x", 0.4)->nearby_count, 1);  // none below: the smallest
    EXPECT_EQ(select_slice(nearby, "y", 5.0)->nearby_count, 4);
    EXPECT_EQ(select_slice(nearby, "y", 10.0)->nearby_count, 5);
    EXPECT_EQ(select_slice(nearby, "z", 1.0), nullptr);

    // End to end: grocery only at 2 km (count 5) is read for the 1 km target.
    json r = score_from_stats(json::array({slice("grocery_convenience", 2, 5, 0.1)}));
    EXPECT_EQ(r["breakdown"]["inputs"][0]["radius_km"], 2.0);
    EXPECT_EQ(r["breakdown"]["inputs"][0]["score"], 100);
    EXPECT_EQ(r["daily_needs_score"], 47);  // (100 + 20 + 20) / 3 = 46.67
    EXPECT_EQ(r["missing_inputs"],
              json::array({"supermarket", "pharmacy", "school", "college_university", "hospital", "park_playground",
                           "restaurant_cafe", "mall", "transit_stop", "bank_atm"}));
    EXPECT_EQ(r["score_status"], "partial");
}

TEST(ScoreFromStats, BankScoreDoesNotDependOnRowOrder) {
    // The original read the first bank_atm row: in this order the 0.5 km slice (nothing
    // within 0.5 km → 30), in the reverse order the 2 km one (0.8 → 90).  realmap: the
    // nearest over all bank slices, 0.8 km → 90 in both orders.
    json a = json::array({slice("bank_atm", 0.5, 0), slice("bank_atm", 1, 1, 0.8), slice("bank_atm", 2, 4, 0.8),
                          slice("transit_stop", 3, 3, 0.4), slice("transit_stop", 10, 9, 0.4)});
    json b = json::array({a[4], a[3], a[2], a[1], a[0]});
    json ra = score_from_stats(a), rb = score_from_stats(b);
    EXPECT_EQ(ra["breakdown"]["bank"]["score"], 90);
    EXPECT_EQ(rb["breakdown"]["bank"]["score"], 90);
    EXPECT_EQ(ra["connectivity_score"], 90);
    EXPECT_EQ(ra, rb);

    // the 70 band: a bank between 1 and 2 km
    json c = json::array({slice("bank_atm", 2, 1, 1.4), slice("bank_atm", 0.5, 0), slice("bank_atm", 1, 0)});
    EXPECT_EQ(score_from_stats(c)["breakdown"]["bank"]["score"], 70);
    EXPECT_EQ(score_from_stats(json::array({c[2], c[0], c[1]}))["breakdown"]["bank"]["score"], 70);
    // no bank within any slice
    EXPECT_EQ(score_from_stats(json::array({slice("bank_atm", 2, 0)}))["breakdown"]["bank"]["score"], 30);
}

TEST(ScoreFromStats, OnsiteAmenitiesMakeTheScoreOk) {
    Counts c;
    c.transit3 = 1, c.transit10 = 4;
    c.bank_nearest_2km = 1.5;  // location 32 (above)
    // 8 + 8 + 8 + 6 + 6 + 5 = 41; overall 0.5*41 + 0.5*32 = 36.5 → 36 (even)
    json onsite = json::array({"INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "SEWERAGE", "STORM WATER DRAINS",
                               "STREET LIGHTING", "BOUNDARY WALL"});
    json r = score_from_stats({{"slices", slices_for(c)}, {"onsite_amenities", onsite}});
    EXPECT_EQ(r["amenity_score"], 41.0);
    EXPECT_EQ(r["location_score"], 32.0);
    EXPECT_EQ(r["overall_score"], 36.0);
    EXPECT_EQ(r["score_status"], "ok");
    EXPECT_EQ(r["score_status_reason"], json::array());
    // the same through the second argument
    EXPECT_EQ(score_from_stats(slices_for(c), onsite), r);

    // location 38 (above): 0.5*41 + 0.5*38 = 39.5 → 40 (even)
    c.transit3 = 3, c.transit10 = 9, c.bank_nearest_2km = 0.2;
    EXPECT_EQ(score_from_stats(slices_for(c), onsite)["overall_score"], 40.0);
}

TEST(ScoreFromStats, OnsiteRowsOfThePlainArray) {
    // The original's schema: radius_km NULL is an on-site row, named by amenity_type.
    json stats = slices_for(Counts{});
    stats.push_back({{"amenity_type", "SWIMMING POOL"}, {"radius_km", nullptr}, {"onsite_available", true}});
    stats.push_back({{"amenity_type", "GYM"}, {"radius_km", nullptr}, {"onsite_available", false}});
    stats.push_back({{"amenity_type", "onsite"}, {"radius_km", nullptr}, {"onsite_available", false},
                     {"onsite_details", json::array({"Club House", json{{"particulars", "Fire safety"}}})}});
    json r = score_from_stats(stats);
    EXPECT_EQ(r["amenity_score"], 16.0);  // pool 5 + club house 6 + fire 5; the gym is declared absent
    EXPECT_EQ(r["breakdown"]["onsite"]["kinds"], json::array({"fire_safety", "club_house", "swimming_pool"}));
    EXPECT_EQ(r["location_score"], 21.0);
    EXPECT_EQ(r["overall_score"], 18.0);  // 0.5*16 + 0.5*21 = 18.5 → 18 (even)
    EXPECT_EQ(r["score_status"], "ok");
}

TEST(ScoreFromStats, StatusWhenPartsAreMissing) {
    json only_onsite = score_from_stats({{"slices", json::array()}, {"onsite_amenities", json::array({"GYM"})}});
    EXPECT_EQ(only_onsite["amenity_score"], 4.0);
    EXPECT_EQ(only_onsite["overall_score"], 4.0);
    EXPECT_TRUE(only_onsite["location_score"].is_null());
    EXPECT_TRUE(only_onsite["daily_needs_score"].is_null());
    EXPECT_EQ(only_onsite["score_status"], "partial");
    EXPECT_EQ(only_onsite["score_status_reason"], json::array({"missing_nearby_data"}));

    json nothing = score_from_stats(json::array());
    EXPECT_TRUE(nothing["overall_score"].is_null());
    EXPECT_TRUE(nothing["connectivity_score"].is_null());
    EXPECT_EQ(nothing["score_status"], "insufficient_data");
    EXPECT_EQ(nothing["score_status_reason"], json::array({"missing_all_data"}));

    // "declares none" is data: amenity 0, overall = clamp(0.5*0 + 0.5*21) = 10.5 → 10
    json none_declared = score_from_stats(slices_for(Counts{}), json::array());
    EXPECT_EQ(none_declared["amenity_score"], 0.0);
    EXPECT_EQ(none_declared["overall_score"], 10.0);
    EXPECT_EQ(none_declared["score_status"], "ok");
    // null means unknown
    EXPECT_EQ(score_from_stats({{"slices", slices_for(Counts{})}, {"onsite_amenities", nullptr}})["score_status"],
              "partial");
}

TEST(ScoreFromStats, CountsGivenAsWholeFloatsAndNullsAreAccepted) {
    json stats = json::array({slice("grocery_convenience", 1, 4.0), slice("supermarket", 3, nullptr),
                              slice("pharmacy", 1, 1)});
    json r = score_from_stats(stats);
    EXPECT_EQ(r["daily_needs_score"], 53);  // 80, 20, 60
}

// ------------------------------------------------------------------ bad input

TEST(ScoringInput, BadInputNamesTheSliceAndTheField) {
    auto [code, message] = error_of([] { score_from_stats(json("not an array")); });
    EXPECT_EQ(code, "22023");
    EXPECT_NE(message.find("expected a JSON array"), std::string::npos) << message;

    std::tie(code, message) = error_of([] {
        score_from_stats(json::array({slice("pharmacy", 1, 0), slice("school", -1, 2)}));
    });
    EXPECT_EQ(code, "22023");
    EXPECT_NE(message.find("stats[1] (\"school\")"), std::string::npos) << message;
    EXPECT_NE(message.find("radius_km"), std::string::npos) << message;
    EXPECT_NE(message.find("-1"), std::string::npos) << message;

    std::tie(code, message) = error_of([] { score_from_stats(json::array({slice("school", 3, "4")})); });
    EXPECT_EQ(code, "22023");
    EXPECT_NE(message.find("stats[0] (\"school\"): nearby_count"), std::string::npos) << message;

    std::tie(code, message) = error_of([] { score_from_stats(json::array({slice("school", 3, -2)})); });
    EXPECT_NE(message.find("nearby_count"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array({slice("school", 3, 2.5)})); });
    EXPECT_NE(message.find("nearby_count"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array({slice("school", 3, 1, -0.1)})); });
    EXPECT_NE(message.find("nearby_nearest_km"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array({slice("school", 0, 1)})); });
    EXPECT_NE(message.find("radius_km must be a positive"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array({{{"radius_km", 1}}})); });
    EXPECT_NE(message.find("stats[0]: amenity_type"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array({json::array()})); });
    EXPECT_NE(message.find("stats[0] must be an object"), std::string::npos) << message;
    std::tie(code, message) = error_of([] {
        score_from_stats(json::array({slice("school", 3, 1), slice("school", 3, 2)}));
    });
    EXPECT_NE(message.find("stats[1] (\"school\")"), std::string::npos) << message;
    EXPECT_NE(message.find("repeats"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json{{"onsite_amenities", json::array()}}); });
    EXPECT_NE(message.find("no \"slices\""), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array(), json("GYM")); });
    EXPECT_NE(message.find("onsite_amenities must be an array"), std::string::npos) << message;
    std::tie(code, message) = error_of([] { score_from_stats(json::array(), json::array({"GYM", 7})); });
    EXPECT_NE(message.find("onsite_amenities[1]"), std::string::npos) << message;
    EXPECT_EQ(code, "22023");
}

// ------------------------------------------------------------------ on-site amenities

TEST(ScoringOnsite, ThePortalsAmenityNamesAreRecognised) {
    // The 20 amenity values of the real listing page's advance-search checkboxes.
    std::vector<std::pair<std::string, std::string>> cases{
        {"Internal Roads and Footpaths", "internal_roads"},
        {"Landscaping and tree planting", "landscaping"},
        {"Treatment and disposal of sewerage and sullage water", "sewerage"},
        {"Energy Maanagement", "energy"},
        {"Boundary Wall", "boundary_wall"},
        {"GYM", "gym"},
        {"Water Supply", "water_supply"},
        {"Street Lighting", "street_lighting"},
        {"solid waste management and disposal", "solid_waste"},
        {"Fire Protection and fire safety requirements", "fire_safety"},
        {"Security Service", "security"},
        {"PLACE OF WORSHIP", "place_of_worship"},
        {"Sewerage", "sewerage"},
        {"Electric meter room,Sub station,recieving statiom", "electrical"},
        {"water conservation rain water harvesting", "rain_water_harvesting"},
        {"Community Buildings/ Club House", "club_house"},
        {"CLUB HOUSE", "club_house"},
        {"SWIMMING POOL", "swimming_pool"},
        {"Storm Water Drains", "storm_water_drainage"},
        {"Open Parking", "parking"},
    };
    for (const auto &[text, kind] : cases)
        EXPECT_EQ(classify_onsite_amenity(text), std::vector<std::string>{kind}) << text;
    EXPECT_EQ(classify_onsite_amenity("Water supply & Sewerage"), (std::vector<std::string>{"water_supply", "sewerage"}));
    EXPECT_TRUE(classify_onsite_amenity("Helipad").empty());
    EXPECT_TRUE(classify_onsite_amenity("कार्य प्रगति पर है").empty());
}

TEST(ScoringOnsite, WeightsAddUpTo100AndKindsCountOnce) {
    int total = 0;
    for (const auto &kind : onsite_amenity_kinds()) total += kind.weight;
    EXPECT_EQ(total, 100);
    EXPECT_EQ(onsite_amenity_kinds().size(), 19u);

    OnsiteAmenityScore s = score_onsite_amenities({"GYM", "gym", "Gymnasium", "Helipad", "HELIPAD", "Open Parking"});
    EXPECT_EQ(s.score, 7);  // gym 4 + parking 3
    EXPECT_EQ(s.kinds, (std::vector<std::string>{"gym", "parking"}));
    EXPECT_EQ(s.unrecognised, std::vector<std::string>{"Helipad"});
    EXPECT_EQ(score_onsite_amenities({}).score, 0);

    std::vector<std::string> every;
    for (const auto &kind : onsite_amenity_kinds()) every.push_back(kind.phrases.front());
    EXPECT_EQ(score_onsite_amenities(every).score, 100);
}

// ------------------------------------------------------------------ value score

TEST(ScoringValue, FormulaRoundingAndBuckets) {
    EXPECT_EQ(value_score(66.0, 5'000'000.0), 59.6);   // 59.60000000000001
    EXPECT_EQ(value_score(100.0, 0.0), 100.0);
    EXPECT_EQ(value_score(0.0, 20'000'000.0), 0.0);    // price factor floors at 0 beyond 2 × median
    EXPECT_EQ(value_score(50.0, 2'500'000.0), 60.0);
    EXPECT_EQ(value_score(150.0, 0.0), 100.0);         // overall clamped to 100
    // half-cent decimals decided by the binary value: 79.595 is 79.594999... → 79.59,
    // 79.575 is 79.575000...01 → 79.58
    EXPECT_EQ(value_score(66.0, 1'250.0), 79.59);
    EXPECT_EQ(value_score(66.0, 6'250.0), 79.58);
    EXPECT_EQ(value_score(66.0, 5'000'000.0, 0.0), 59.6);  // median <= 0: the default
    EXPECT_EQ(value_score(66.0, 2'000'000.0, 2'000'000.0), 59.6);
    EXPECT_FALSE(value_score(std::nullopt, 1.0).has_value());
    EXPECT_FALSE(value_score(50.0, std::nullopt).has_value());
    EXPECT_EQ(value_bucket(70.0), "excellent");
    EXPECT_EQ(value_bucket(69.99), "good");
    EXPECT_EQ(value_bucket(55.0), "good");
    EXPECT_EQ(value_bucket(40.0), "fair");
    EXPECT_EQ(value_bucket(39.99), "poor");
    EXPECT_EQ(value_bucket(std::nullopt), "unknown");
}
