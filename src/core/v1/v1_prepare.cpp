#include "core/v1/v1_prepare.hpp"

#include "core/v1/v1_map.hpp"
#include "core/v1/v1_normalize.hpp"
#include "core/v1/v1_validate.hpp"

namespace realmap::v1 {

nlohmann::json prepare_v1(const nlohmann::json &raw, const LabelVariants &variants, const MapContext &ctx,
                          const std::string &checked_at) {
    nlohmann::json v1 = normalize_v1(map_v1(raw, variants, ctx));
    return attach_qa(v1, validate_v1(v1, checked_at));
}

}  // namespace realmap::v1
