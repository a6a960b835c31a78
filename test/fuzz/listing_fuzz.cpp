// libFuzzer target: parse_listing_page on arbitrary bytes.  A realmap::Error is an
// answer (not a listing page, over a limit); anything else -- a crash, a leak,
// undefined behaviour, another exception, output that PostgreSQL could not store --
// is a finding.  Build and run: test/fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/listing/listing_json.hpp"
#include "core/listing/listing_page.hpp"

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
        realmap::listing::ListingPage page =
            realmap::listing::parse_listing_page(html, "https://rera.cgstate.gov.in/Approved_project_List.aspx");
        nlohmann::json out = realmap::listing::listing_page_json(page, true);
        (void)out.dump();  // throws on invalid UTF-8
        if (holds_nul(out)) std::abort();
        for (const auto &row : page.rows)
            if (row.latitude.has_value() != (row.position_issue == realmap::listing::PositionIssue::kNone))
                std::abort();
    } catch (const realmap::Error &) {
    }
    return 0;
}
