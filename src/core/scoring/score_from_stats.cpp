#include "core/scoring/score_from_stats.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/scoring/amenity_slices.hpp"
#include "core/scoring/onsite_amenity_score.hpp"
#include "core/scoring/python_round.hpp"
#include "core/scoring/score_buckets.hpp"

namespace realmap::scoring {

namespace {

using nlohmann::json;

// One scored input of a dimension, as the breakdown reports it.
struct ScoredInput {
    const char *dimension;
    const char *amenity_type;
    double target_km;
    const std::vector<CountBucket> &buckets;
};

const std::vector<ScoredInput> &scored_inputs() {
    static const std::vector<ScoredInput> inputs{
        {"daily_needs", "grocery_convenience", 1.0, daily_needs_buckets()},
        {"daily_needs", "supermarket", 3.0, daily_needs_buckets()},
        {"daily_needs", "pharmacy", 1.0, daily_needs_buckets()},
        {"social_infra", "school", 3.0, social_infra_buckets()},
        {"social_infra", "college_university", 5.0, social_infra_buckets()},
        {"social_infra", "hospital", 5.0, social_infra_buckets()},
        {"social_infra", "park_playground", 3.0, social_infra_buckets()},
        {"social_infra", "restaurant_cafe", 3.0, social_infra_buckets()},
        {"social_infra", "mall", 5.0, social_infra_buckets()},
        {"connectivity", "transit_stop", 3.0, social_infra_buckets()},
        {"connectivity", "transit_stop", 10.0, transit_10km_buckets()},
    };
    return inputs;
}

constexpr const char *kBankType = "bank_atm";

void note_missing(std::vector<std::string> &missing, const std::string &type) {
    if (std::find(missing.begin(), missing.end(), type) == missing.end()) missing.push_back(type);
}

// The bank rule (see the header): the minimum nearest distance over every bank slice.
std::optional<double> nearest_bank_km(const std::vector<AmenitySlice> &nearby) {
    std::optional<double> nearest;
    for (const AmenitySlice &s : nearby)
        if (s.amenity_type == kBankType && s.nearby_nearest_km && (!nearest || *s.nearby_nearest_km < *nearest))
            nearest = s.nearby_nearest_km;
    return nearest;
}

json optional_number(const std::optional<double> &value) { return value ? json(*value) : json(nullptr); }

}  // namespace

int daily_needs_from_bucket_scores(int grocery, int supermarket, int pharmacy) {
    // statistics.mean of ints: the correctly rounded double of the exact mean, which is
    // what dividing the exact integer sum gives.
    double mean = static_cast<double>(grocery + supermarket + pharmacy) / 3.0;
    return clamp_score(mean);
}

int social_infra_from_bucket_scores(int school, int college, int hospital, int park, int restaurant, int mall,
                                    bool school_and_hospital_absent) {
    double mean = static_cast<double>(school + college + hospital + park + restaurant + mall) / 6.0;
    if (school_and_hospital_absent) mean = std::min(mean, 70.0);
    return clamp_score(mean);
}

int connectivity_from_scores(int transit_3km, int transit_10km, int bank) {
    double avg_transit = static_cast<double>(transit_3km + transit_10km) / 2.0;
    double x = 0.7 * avg_transit + 0.3 * static_cast<double>(bank);
    return clamp_score(x);
}

int location_from_dimensions(int daily_needs, int social_infra, int connectivity) {
    // Python: 0.40 * d + 0.35 * s + 0.25 * c, evaluated left to right.
    double x = 0.40 * daily_needs + 0.35 * social_infra;
    x = x + 0.25 * connectivity;
    return clamp_score(x);
}

int overall_from_parts(int amenity, int location) {
    double x = 0.5 * amenity + 0.5 * location;
    return clamp_score(x);
}

json score_from_stats(const json &stats) { return score_from_stats(read_scoring_input(stats)); }

json score_from_stats(const json &slices, const json &onsite_amenities) {
    return score_from_stats(read_scoring_input(slices, onsite_amenities));
}

json score_from_stats(const ScoringInput &input) {
    std::vector<std::string> missing_inputs;
    json inputs = json::array();
    std::vector<int> bucket_scores;
    std::int64_t school_count = 0, hospital_count = 0;

    for (const ScoredInput &scored : scored_inputs()) {
        const AmenitySlice *slice = select_slice(input.nearby, scored.amenity_type, scored.target_km);
        std::int64_t count = slice ? slice->nearby_count : 0;
        if (!slice) note_missing(missing_inputs, scored.amenity_type);
        int score = bucket_score(count, scored.buckets);
        bucket_scores.push_back(score);
        if (std::string(scored.amenity_type) == "school") school_count = count;
        if (std::string(scored.amenity_type) == "hospital") hospital_count = count;
        inputs.push_back({{"dimension", scored.dimension},
                          {"amenity_type", scored.amenity_type},
                          {"target_radius_km", scored.target_km},
                          {"radius_km", slice ? json(*slice->radius_km) : json(nullptr)},
                          {"nearby_count", count},
                          {"score", score}});
    }

    std::optional<double> bank_km = nearest_bank_km(input.nearby);
    bool has_bank_slice = std::any_of(input.nearby.begin(), input.nearby.end(),
                                      [](const AmenitySlice &s) { return s.amenity_type == kBankType; });
    if (!has_bank_slice) note_missing(missing_inputs, kBankType);
    int bank = bank_distance_score(bank_km);

    json result;
    std::optional<int> location;
    if (!input.nearby.empty()) {
        const std::vector<int> &b = bucket_scores;
        int daily = daily_needs_from_bucket_scores(b[0], b[1], b[2]);
        int social = social_infra_from_bucket_scores(b[3], b[4], b[5], b[6], b[7], b[8],
                                                     school_count == 0 && hospital_count == 0);
        int connectivity = connectivity_from_scores(b[9], b[10], bank);
        location = location_from_dimensions(daily, social, connectivity);
        result["daily_needs_score"] = daily;
        result["social_infra_score"] = social;
        result["connectivity_score"] = connectivity;
        result["location_score"] = static_cast<double>(*location);
    } else {
        result["daily_needs_score"] = nullptr;
        result["social_infra_score"] = nullptr;
        result["connectivity_score"] = nullptr;
        result["location_score"] = nullptr;
    }

    std::optional<int> amenity;
    json onsite = nullptr;
    if (input.onsite_amenities) {
        OnsiteAmenityScore s = score_onsite_amenities(*input.onsite_amenities);
        amenity = s.score;
        onsite = {{"declared", input.onsite_amenities->size()}, {"kinds", s.kinds}, {"unrecognised", s.unrecognised}};
    }
    result["amenity_score"] = amenity ? json(static_cast<double>(*amenity)) : json(nullptr);

    if (amenity && location) {
        result["overall_score"] = static_cast<double>(overall_from_parts(*amenity, *location));
        result["score_status"] = "ok";
        result["score_status_reason"] = json::array();
    } else if (location) {
        result["overall_score"] = static_cast<double>(*location);
        result["score_status"] = "partial";
        result["score_status_reason"] = json::array({"missing_onsite_data"});
    } else if (amenity) {
        result["overall_score"] = static_cast<double>(*amenity);
        result["score_status"] = "partial";
        result["score_status_reason"] = json::array({"missing_nearby_data"});
    } else {
        result["overall_score"] = nullptr;
        result["score_status"] = "insufficient_data";
        result["score_status_reason"] = json::array({"missing_all_data"});
    }
    result["missing_inputs"] = missing_inputs;
    result["score_version"] = kScoreVersion;
    result["breakdown"] = {{"inputs", inputs},
                           {"bank", {{"nearest_km", optional_number(bank_km)}, {"score", bank}}},
                           {"onsite", onsite}};
    return result;
}

}  // namespace realmap::scoring
