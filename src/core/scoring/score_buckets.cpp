#include "core/scoring/score_buckets.hpp"

namespace realmap::scoring {

int bucket_score(std::int64_t count, const std::vector<CountBucket> &buckets) {
    for (const CountBucket &b : buckets)
        if (count <= b.upper) return b.score;
    return buckets.empty() ? 0 : buckets.back().score;
}

const std::vector<CountBucket> &daily_needs_buckets() {
    static const std::vector<CountBucket> buckets{{0, 20}, {2, 60}, {4, 80}, {5, 100}};
    return buckets;
}

const std::vector<CountBucket> &social_infra_buckets() {
    static const std::vector<CountBucket> buckets{{0, 20}, {2, 60}, {5, 80}, {6, 100}};
    return buckets;
}

const std::vector<CountBucket> &transit_10km_buckets() {
    static const std::vector<CountBucket> buckets{{0, 20}, {3, 60}, {8, 80}, {9, 100}};
    return buckets;
}

int bank_distance_score(std::optional<double> nearest_km) {
    if (!nearest_km) return 30;
    if (*nearest_km <= 1.0) return 90;
    if (*nearest_km <= 2.0) return 70;
    return 30;
}

}  // namespace realmap::scoring
