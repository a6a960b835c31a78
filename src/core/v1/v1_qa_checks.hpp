// The checks of validate_v1 (internal to core/v1), one function per concern.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace realmap::v1 {

struct QaFlags {
    std::vector<nlohmann::json> flags;
    void add(const char *flag_type, const char *severity, std::string message, std::string field_name,
             nlohmann::json expected = nullptr, nlohmann::json actual = nullptr);
};

void check_required_fields(const nlohmann::json &v1, QaFlags &qa);
void check_value_types(const nlohmann::json &v1, QaFlags &qa);
void check_prices(const nlohmann::json &v1, QaFlags &qa);
void check_dates(const nlohmann::json &v1, QaFlags &qa);
void check_formats(const nlohmann::json &v1, QaFlags &qa);
void check_quarters(const nlohmann::json &v1, QaFlags &qa);
void check_positions(const nlohmann::json &v1, QaFlags &qa);

}  // namespace realmap::v1
