// The value score: quality for the price, against a median price (original-pipeline.md
// §3.10; the original computed it in its API at request time, realmap in the run's
// finalize step against the run's median):
//   quality      = max(0, min(100, overall)) / 100
//   price_factor = 1 - min(max(price / median, 0), 2) / 2
//   value        = round(100 * (0.60 * quality + 0.40 * price_factor), 2)   (Python round)
// The median falls back to 5,000,000 INR when it is missing or <= 0.  Buckets: >= 70
// "excellent", >= 55 "good", >= 40 "fair", else "poor"; no value: "unknown".
#pragma once

#include <optional>
#include <string>

namespace realmap::scoring {

inline constexpr double kDefaultMedianPriceInr = 5'000'000.0;

// nullopt when overall or price is missing (as the original).
std::optional<double> value_score(std::optional<double> overall_score, std::optional<double> price_inr,
                                  std::optional<double> median_price_inr = std::nullopt);

std::string value_bucket(std::optional<double> value);

}  // namespace realmap::scoring
