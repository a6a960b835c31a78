#include "core/portal/listing_view.hpp"

#include <unordered_map>

#include "core/listing/listing_json.hpp"
#include "core/listing/listing_page.hpp"

namespace realmap::portal {

namespace {

// The parser's row with what realmap.listings adds: the row's place in the list
// (postbacks refer to it) and how often the portal repeated it.
nlohmann::json row_json(const listing::ListingRow &r) {
    nlohmann::json j = listing::listing_row_json(r);
    j["row_index"] = r.sn ? nlohmann::json(*r.sn - 1) : nlohmann::json();  // sn counts from 1
    j["duplicate_rows"] = 0;
    return j;
}

}  // namespace

ListingView view_listing_page(std::string_view html, std::string_view page_url) {
    listing::ListingPage page = listing::parse_listing_page(html, page_url);
    ListingView v;
    // the form's ASP.NET state (the grid's per-row hidden inputs are not needed by a
    // postback: the server reads its rows from __VIEWSTATE)
    for (const auto &f : page.hidden_fields)
        if (f.first.rfind("__", 0) == 0) v.hidden_fields.insert(f);
    for (const auto &s : page.select_options)
        for (const auto &o : s.second) v.options[s.first].push_back({o.value, o.label});
    v.captcha_image_url = page.captcha_required ? page.captcha_image_url : std::string();
    v.captcha_message = page.captcha_message;
    // one row per registration number: a repeated row is counted on the first
    std::unordered_map<std::string, std::size_t> first;
    for (const auto &r : page.rows) {
        auto it = first.find(r.registration_number);
        if (it != first.end()) {
            auto &kept = v.rows[it->second];
            kept["duplicate_rows"] = kept["duplicate_rows"].get<int>() + 1;
            v.duplicate_rows++;
            continue;
        }
        first.emplace(r.registration_number, v.rows.size());
        v.rows.push_back(row_json(r));
        if (!r.latitude) v.positions_missing++;
    }
    return v;
}

nlohmann::json listing_view_json(const ListingView &v, bool with_hidden_fields) {
    nlohmann::json opts = nlohmann::json::object();
    for (const auto &o : v.options) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto &x : o.second) list.push_back({{"value", x.value}, {"label", x.label}});
        opts[o.first] = list;
    }
    nlohmann::json j = {{"rows", v.rows},
                        {"options", opts},
                        {"captcha_image_url", v.captcha_image_url},
                        {"captcha_message", v.captcha_message},
                        {"positions_missing", v.positions_missing},
                        {"duplicate_rows", v.duplicate_rows}};
    if (with_hidden_fields) j["hidden_fields"] = v.hidden_fields;
    return j;
}

}  // namespace realmap::portal
