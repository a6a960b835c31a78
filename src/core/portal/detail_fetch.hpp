// Fetching project detail pages, many at once: GET by the project's MyID, and the
// listing row's postback (a POST of the list's form) where there is no id or the id
// does not lead to a detail page.  Every page is checked to be the detail page of the
// registration asked for before anyone stores it.  Pure C++.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/portal/portal_session.hpp"
#include "net/http_client.hpp"

namespace realmap::portal {

struct DetailItem {
    std::string registration_number;
    std::string my_id;            // the MyID parameter as the portal's links carry it ("MQ=="); "" if none
    std::string postback_target;  // __EVENTTARGET of the row's View link; "" if none
};

struct DetailOutcome {
    bool ok = false;
    // the page (ok) ...
    std::string body;
    long status = 0;
    std::string method;  // "GET" or "POST"
    std::string url;
    std::string final_url;
    double elapsed_ms = 0;
    // ... or why there is none
    std::string sqlstate;
    std::string message;
    bool retryable = false;
    int64_t retry_after_ms = -1;
};

// One outcome per item, in order.  Never throws for a failed page (the outcome says
// what failed); throws only std::bad_alloc.
// detail_url: GET detail_url?MyID=...; postbacks go to the session's listing URL with
// the hidden fields of the list it last received.
std::vector<DetailOutcome> fetch_detail_pages(net::HttpClient &client, const SessionState &session,
                                              const std::string &detail_url, const std::vector<DetailItem> &items,
                                              const std::function<bool()> &interrupted);

// The registration number a detail page shows (span#ContentPlaceHolder1_lbl_reg_no),
// "" when the page has none (it is not a detail page).
std::string detail_page_registration(std::string_view html);

}  // namespace realmap::portal
