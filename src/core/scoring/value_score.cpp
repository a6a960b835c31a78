#include "core/scoring/value_score.hpp"

#include <algorithm>

#include "core/scoring/python_round.hpp"

namespace realmap::scoring {

std::optional<double> value_score(std::optional<double> overall_score, std::optional<double> price_inr,
                                  std::optional<double> median_price_inr) {
    if (!overall_score || !price_inr) return std::nullopt;
    double median = (median_price_inr && *median_price_inr > 0.0) ? *median_price_inr : kDefaultMedianPriceInr;
    double quality = std::max(0.0, std::min(100.0, *overall_score)) / 100.0;
    double price_factor = 1.0 - std::min(std::max(*price_inr / median, 0.0), 2.0) / 2.0;
    return python_round(100.0 * (0.60 * quality + 0.40 * price_factor), 2);
}

std::string value_bucket(std::optional<double> value) {
    if (!value) return "unknown";
    if (*value >= 70.0) return "excellent";
    if (*value >= 55.0) return "good";
    if (*value >= 40.0) return "fair";
    return "poor";
}

}  // namespace realmap::scoring
