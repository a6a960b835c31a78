// The original's scoring tables (original-pipeline.md §3.10): count buckets per
// dimension and the bank-distance bands, kept as data so that tests and the README can
// point at one place.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace realmap::scoring {

// A count bucket: counts up to and including `upper` score `score`.
struct CountBucket {
    std::int64_t upper;
    int score;
};

// The first bucket whose upper bound is >= count gives the score; a count above every
// bound scores the last bucket (the original's score(count, buckets)).
int bucket_score(std::int64_t count, const std::vector<CountBucket> &buckets);

// Daily needs (grocery@1, supermarket@3, pharmacy@1): 0 → 20, 1–2 → 60, 3–4 → 80, ≥5 → 100.
const std::vector<CountBucket> &daily_needs_buckets();
// Social infrastructure and transit@3: 0 → 20, 1–2 → 60, 3–5 → 80, ≥6 → 100.
const std::vector<CountBucket> &social_infra_buckets();
// Transit@10: 0 → 20, 1–3 → 60, 4–8 → 80, ≥9 → 100.
const std::vector<CountBucket> &transit_10km_buckets();

// The bank band for the distance to the nearest bank/ATM: ≤ 1.0 km → 90, ≤ 2.0 km → 70,
// farther or unknown (none found) → 30.
int bank_distance_score(std::optional<double> nearest_km);

}  // namespace realmap::scoring
