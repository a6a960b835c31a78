// prepare_v1: what the DAG does with a raw document before load_project, in one call:
// map_v1, normalize_v1, validate_v1, attach_qa.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/v1/v1_context.hpp"
#include "core/v1/v1_label_variants.hpp"

namespace realmap::v1 {

// checked_at: ISO 8601 ("" = now).
nlohmann::json prepare_v1(const nlohmann::json &raw, const LabelVariants &variants, const MapContext &ctx,
                          const std::string &checked_at);

}  // namespace realmap::v1
