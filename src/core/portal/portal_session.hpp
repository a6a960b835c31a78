// The portal's listing protocol: open a session (cookies, the ASP.NET hidden fields
// of the form), then read the project list, through the Search postback when the run
// filters, with the CAPTCHA where the portal checks one on the server.  Pure C++.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/portal/portal_config.hpp"
#include "core/portal/search_plan.hpp"
#include "net/http_client.hpp"

namespace realmap::portal {

// What a run keeps of its session between tasks (realmap.portal_sessions).
struct SessionState {
    std::string base_url;
    std::string listing_url;
    std::string cookies;                               // Netscape cookie file
    std::map<std::string, std::string> hidden_fields;  // of the page last received
    SelectOptions options;                             // the filter selects
    bool captcha_server = false;                       // a Search needs the CAPTCHA's answer
};

// The form fields of a postback from the page the session last received: its hidden
// fields with __EVENTTARGET = target (empty for a button) and __EVENTARGUMENT empty.
std::vector<std::pair<std::string, std::string>> postback_fields(const SessionState &s, const std::string &target);

nlohmann::json session_to_json(const SessionState &s);
SessionState session_from_json(const nlohmann::json &j);

// GET the listing page with a fresh cookie jar.  Throws TaskError for a failed
// request and Error (22P02) when the answer is not the listing page.
SessionState open_session(net::HttpClient &client, const PortalConfig &config,
                          const std::function<bool()> &interrupted);

struct ListingResult {
    bool needs_captcha = false;
    // needs_captcha: the challenge for a human
    std::string captcha_image_base64;
    std::string captcha_content_type;
    std::string captcha_image_url;
    // otherwise: the projects, as rows with realmap.listings' column names
    nlohmann::json rows = nlohmann::json::array();
    int portal_rows = 0;      // rows the portal's answer held (merged with its map)
    int filtered_out = 0;     // dropped by filters applied here
    int cut_by_max = 0;       // dropped by max_listings
    int positions_missing = 0;
    int duplicate_rows = 0;
    bool searched = false;    // the portal's Search was used
};

// Reads the list.  `session` is updated (cookies, hidden fields of the last page).
// captcha_answer: the human's answer to the challenge this session last received.
// A wrong answer is a retryable TaskError (the next attempt brings a new challenge).
ListingResult read_listing(net::HttpClient &client, SessionState &session, const SearchPlan &plan, long max_listings,
                           const std::optional<std::string> &captcha_answer, const std::function<bool()> &interrupted);

}  // namespace realmap::portal
