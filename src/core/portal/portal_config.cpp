#include "core/portal/portal_config.hpp"

#include "core/amenities/overpass_query.hpp"
#include "core/error.hpp"
#include "core/geo/nominatim_query.hpp"

namespace realmap::portal {

namespace {

[[noreturn]] void wrong_type(const char *key, const char *want, const nlohmann::json &got) {
    throw Error(sqlstate::kInvalidParameterValue,
                std::string("configuration key \"") + key + "\" must be " + want + ", got " + got.dump(),
                {}, "Fix it with UPDATE realmap.config SET value = ... WHERE key = '" + std::string(key) + "'.");
}

std::string text_of(const nlohmann::json &config, const char *key, const std::string &fallback) {
    if (!config.contains(key) || config[key].is_null()) return fallback;
    if (!config[key].is_string() || config[key].get<std::string>().empty()) wrong_type(key, "a non-empty string", config[key]);
    return config[key].get<std::string>();
}

double number_of(const nlohmann::json &config, const char *key, double fallback, double min, double max) {
    if (!config.contains(key) || config[key].is_null()) return fallback;
    const auto &v = config[key];
    if (!v.is_number() || v.get<double>() < min || v.get<double>() > max)
        wrong_type(key, ("a number from " + std::to_string(static_cast<long long>(min)) + " to " +
                         std::to_string(static_cast<long long>(max)))
                            .c_str(),
                   v);
    return v.get<double>();
}

}  // namespace

PortalConfig portal_config_from(const nlohmann::json &config) {
    PortalConfig p;
    p.base_url = text_of(config, "portal.base_url", "https://rera.cgstate.gov.in/");
    if (p.base_url.back() != '/') p.base_url += '/';
    p.listing_url = p.base_url + text_of(config, "portal.listing_path", "Approved_project_List.aspx");
    p.detail_url = p.base_url + text_of(config, "portal.detail_path", "Promoter_Reg_Only_View_Application_new.aspx");
    p.fetch_batch_size = static_cast<int>(number_of(config, "fetch.batch_size", 64, 1, 1000));
    return p;
}

net::HttpClientOptions http_options_from(const nlohmann::json &config) {
    net::HttpClientOptions o;
    if (config.contains("http.allowed_hosts") && !config["http.allowed_hosts"].is_null()) {
        const auto &hosts = config["http.allowed_hosts"];
        if (!hosts.is_array()) wrong_type("http.allowed_hosts", "an array of host names", hosts);
        for (const auto &h : hosts) {
            if (!h.is_string()) wrong_type("http.allowed_hosts", "an array of host names", hosts);
            o.allowed_hosts.push_back(h.get<std::string>());
        }
    }
    o.user_agent = text_of(config, "http.user_agent", "");
    o.max_concurrent_per_host = static_cast<int>(number_of(config, "http.max_concurrent_per_host", 4, 1, 1024));
    o.max_requests_per_second_per_host = number_of(config, "http.max_requests_per_second_per_host", 2, 0, 100000);
    o.connect_timeout_ms = static_cast<long>(number_of(config, "http.connect_timeout_ms", 10000, 1, 3600000));
    o.total_timeout_ms = static_cast<long>(number_of(config, "http.timeout_ms", 60000, 1, 3600000));
    o.max_body_bytes = static_cast<std::size_t>(number_of(config, "http.max_body_bytes", 32 << 20, 1024, 1 << 30));
    return o;
}

namespace {
// An optional text: null or absent is "", anything else must be a non-empty string.
std::string optional_text_of(const nlohmann::json &config, const char *key) { return text_of(config, key, ""); }
}  // namespace

ServiceConfig geocode_config_from(const nlohmann::json &config) {
    ServiceConfig s;
    s.url = text_of(config, "geocode.base_url", geo::kNominatimBaseUrl);
    while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
    s.user_agent = optional_text_of(config, "geocode.user_agent");
    s.email = optional_text_of(config, "geocode.email");
    s.secret = optional_text_of(config, "geocode.secret");
    s.limits.max_concurrent = static_cast<int>(number_of(config, "geocode.max_concurrent", 1, 1, 64));
    s.limits.max_per_second = number_of(config, "geocode.max_requests_per_second", 1, 0, 100000);
    return s;
}

ServiceConfig overpass_config_from(const nlohmann::json &config) {
    ServiceConfig s;
    s.url = text_of(config, "amenities.overpass_url", amenities::kOverpassUrl);
    s.user_agent = optional_text_of(config, "amenities.user_agent");
    s.secret = optional_text_of(config, "amenities.secret");
    s.limits.max_concurrent = static_cast<int>(number_of(config, "amenities.max_concurrent", 2, 1, 64));
    s.limits.max_per_second = number_of(config, "amenities.max_requests_per_second", 1, 0, 100000);
    s.query_timeout_s = static_cast<int>(number_of(config, "amenities.query_timeout_s", 60, 1, 3600));
    return s;
}

}  // namespace realmap::portal
