#include "pg/json_text.hpp"

#include <string>

#include "core/error.hpp"
#include "pg/http_process_client.hpp"

namespace realmap::pg {

nlohmann::json parse_json_arg(const char *text, const char *what) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) throw realmap::Error("22023", std::string(what) + " is not valid JSON");
    return j;
}

char *dump_json(const nlohmann::json &j) {
    return palloc_copy(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace realmap::pg
