// libFuzzer target: extract_raw on arbitrary bytes.  A realmap::Error is an answer
// (not a detail page, over a limit); anything else -- a crash, a leak, undefined
// behaviour, another exception, output that PostgreSQL could not store -- is a
// finding.  Build and run: test/fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/extract/extract_raw.hpp"

namespace {

// A NUL anywhere in a key or a string: jsonb and text columns refuse it.
bool holds_nul(const nlohmann::json &v) {
    if (v.is_string()) return v.get_ref<const std::string &>().find('\0') != std::string::npos;
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            if (it.key().find('\0') != std::string::npos || holds_nul(it.value())) return true;
    } else if (v.is_array()) {
        for (const auto &x : v)
            if (holds_nul(x)) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view html(reinterpret_cast<const char *>(data), size);
    try {
        nlohmann::json raw = realmap::extract::extract_raw(
            html, "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==");
        (void)raw.dump();  // throws on invalid UTF-8
        if (holds_nul(raw)) std::abort();
        if (!raw.contains("schema") || !raw["documents"].is_array()) std::abort();
    } catch (const realmap::Error &) {
    }
    return 0;
}
