#include "core/portal/portal_session.hpp"

#include "core/error.hpp"
#include "core/portal/listing_view.hpp"
#include "core/task_error.hpp"
#include "net/form.hpp"

namespace realmap::portal {

namespace {

constexpr const char *kSearchButton = "ctl00$ContentPlaceHolder1$Button1";
constexpr const char *kCaptchaField = "ctl00$ContentPlaceHolder1$cpatchaTextBox";

net::HttpResponse checked(net::HttpResponse r) {
    if (!r.ok()) throw http_task_error(r);
    return r;
}

ListingView fetch_list(net::HttpClient &client, SessionState &s, const net::HttpRequest &req,
                       const std::function<bool()> &interrupted) {
    net::HttpResponse r = checked(client.fetch(req, interrupted));
    ListingView v = view_listing_page(r.body, r.final_url.empty() ? req.url : r.final_url);
    s.cookies = client.export_cookies();
    s.hidden_fields = v.hidden_fields;
    if (!v.options.empty()) {
        // a re-rendered form keeps its options; keep what we knew where a select is missing
        for (auto &o : v.options) s.options[o.first] = o.second;
    }
    return v;
}

net::HttpRequest get_listing(const SessionState &s) {
    net::HttpRequest r;
    r.url = s.listing_url;
    return r;
}

net::HttpRequest search_request(const SessionState &s, const SearchPlan &plan, const std::string *answer) {
    std::vector<std::pair<std::string, std::string>> fields = postback_fields(s, "");
    for (const auto &f : plan.search_fields) fields.push_back(f);
    if (answer != nullptr) fields.emplace_back(kCaptchaField, *answer);
    fields.emplace_back(kSearchButton, "Search");
    return net::form_post(s.listing_url, fields);
}

std::string text_or_empty(const nlohmann::json &row, const char *key) {
    auto it = row.find(key);
    return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string base64(const std::string &in) {
    static const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        out += abc[(v >> 6) & 63];
        out += abc[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += abc[(v >> 18) & 63];
        out += abc[(v >> 12) & 63];
        out += i + 1 < in.size() ? abc[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> postback_fields(const SessionState &s, const std::string &target) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto &f : s.hidden_fields)
        if (f.first != "__EVENTTARGET" && f.first != "__EVENTARGUMENT") fields.emplace_back(f.first, f.second);
    fields.emplace_back("__EVENTTARGET", target);
    fields.emplace_back("__EVENTARGUMENT", "");
    return fields;
}

nlohmann::json session_to_json(const SessionState &s) {
    nlohmann::json opts = nlohmann::json::object();
    for (const auto &o : s.options) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto &v : o.second) list.push_back({v.value, v.label});
        opts[o.first] = list;
    }
    return {{"base_url", s.base_url},           {"listing_url", s.listing_url},
            {"cookies", s.cookies},             {"hidden_fields", s.hidden_fields},
            {"filter_options", opts},           {"captcha_server", s.captcha_server}};
}

SessionState session_from_json(const nlohmann::json &j) {
    SessionState s;
    s.base_url = j.value("base_url", "");
    s.listing_url = j.value("listing_url", "");
    s.cookies = j.value("cookies", "");
    if (j.contains("hidden_fields") && j["hidden_fields"].is_object())
        for (auto it = j["hidden_fields"].begin(); it != j["hidden_fields"].end(); ++it)
            if (it.value().is_string()) s.hidden_fields[it.key()] = it.value().get<std::string>();
    if (j.contains("filter_options") && j["filter_options"].is_object())
        for (auto it = j["filter_options"].begin(); it != j["filter_options"].end(); ++it)
            for (const auto &pair : it.value())
                if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
                    s.options[it.key()].push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
    s.captcha_server = j.value("captcha_server", false);
    return s;
}

SessionState open_session(net::HttpClient &client, const PortalConfig &config,
                          const std::function<bool()> &interrupted) {
    SessionState s;
    s.base_url = config.base_url;
    s.listing_url = config.listing_url;
    client.import_cookies("");
    ListingView v = fetch_list(client, s, get_listing(s), interrupted);
    s.captcha_server = !v.captcha_image_url.empty();
    return s;
}

ListingResult read_listing(net::HttpClient &client, SessionState &s, const SearchPlan &plan, long max_listings,
                           const std::optional<std::string> &captcha_answer,
                           const std::function<bool()> &interrupted) {
    ListingResult result;
    client.import_cookies(s.cookies);
    ListingView v;
    if (!plan.needs_search()) {
        v = fetch_list(client, s, get_listing(s), interrupted);
    } else if (s.captcha_server && !captcha_answer) {
        // a fresh challenge: the form it belongs to, then its image
        ListingView form = fetch_list(client, s, get_listing(s), interrupted);
        if (form.captcha_image_url.empty()) {
            s.captcha_server = false;  // the portal stopped asking
            v = fetch_list(client, s, search_request(s, plan, nullptr), interrupted);
        } else {
            net::HttpRequest img;
            img.url = form.captcha_image_url;
            net::HttpResponse r = checked(client.fetch(img, interrupted));
            s.cookies = client.export_cookies();
            result.needs_captcha = true;
            result.captcha_image_base64 = base64(r.body);
            result.captcha_content_type = r.content_type;
            result.captcha_image_url = form.captcha_image_url;
            return result;
        }
    } else {
        const std::string *answer = captcha_answer ? &*captcha_answer : nullptr;
        v = fetch_list(client, s, search_request(s, plan, answer), interrupted);
        if (!v.captcha_message.empty())
            throw TaskError("28000", "the portal rejected the CAPTCHA answer (\"" + v.captcha_message + "\")", true, -1,
                            {}, "The next attempt brings a new CAPTCHA to solve.");
        result.searched = true;
    }
    result.portal_rows = static_cast<int>(v.rows.size());
    result.positions_missing = 0;
    result.duplicate_rows = v.duplicate_rows;
    for (auto &row : v.rows) {
        if (!passes(plan, text_or_empty(row, "district"), text_or_empty(row, "project_status"),
                    text_or_empty(row, "development_type"))) {
            result.filtered_out++;
            continue;
        }
        if (max_listings >= 0 && static_cast<long>(result.rows.size()) >= max_listings) {
            result.cut_by_max++;
            continue;
        }
        if (!row.contains("latitude") || row["latitude"].is_null()) result.positions_missing++;
        result.rows.push_back(std::move(row));
    }
    return result;
}

}  // namespace realmap::portal
