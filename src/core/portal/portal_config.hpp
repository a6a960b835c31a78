// The portal's addresses and the HTTP client's settings, read from a run's stored
// configuration (realmap.runs.config: the realmap.config keys as the run began).
// A missing key takes its default; a value of the wrong type is an error (22023)
// naming the key.  Pure C++.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"

namespace realmap::portal {

struct PortalConfig {
    std::string base_url;     // ends in "/"
    std::string listing_url;  // base_url + portal.listing_path
    std::string detail_url;   // base_url + portal.detail_path (append "?MyID=...")
    int fetch_batch_size = 64;
};

PortalConfig portal_config_from(const nlohmann::json &config);

// http.allowed_hosts, http.user_agent, http.max_concurrent_per_host,
// http.max_requests_per_second_per_host, http.connect_timeout_ms, http.timeout_ms,
// http.max_body_bytes.
net::HttpClientOptions http_options_from(const nlohmann::json &config);

// An outside service with a usage policy of its own (Nominatim, Overpass): where it
// is, how realmap introduces itself, and its limits, which its requests carry as
// their own HttpRequest::limit_group.
struct ServiceConfig {
    std::string url;         // Nominatim's base URL; Overpass's interpreter URL
    std::string user_agent;  // "": http.user_agent
    std::string email;       // Nominatim's email parameter; "": none
    std::string secret;      // the realmap.secrets entry sent with each request; "": none
    net::HostLimits limits;
    int query_timeout_s = 60;  // Overpass's [timeout:]
};

// geocode.base_url, geocode.user_agent, geocode.email, geocode.secret, geocode.max_concurrent (1),
// geocode.max_requests_per_second (1: the Nominatim usage policy).
ServiceConfig geocode_config_from(const nlohmann::json &config);
// amenities.overpass_url, amenities.secret, amenities.max_concurrent (2), amenities.max_requests_per_second
// (1), amenities.query_timeout_s (60).
ServiceConfig overpass_config_from(const nlohmann::json &config);

}  // namespace realmap::portal
