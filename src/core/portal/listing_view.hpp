// The listing page as the portal stages and realmap.parse_listing_page see it: the
// parser's result (core/listing) in the shape of realmap.listings.  Pure C++.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/portal/search_plan.hpp"

namespace realmap::portal {

struct ListingView {
    std::map<std::string, std::string> hidden_fields;  // every hidden input of the form
    SelectOptions options;                             // District_Name, ApplicantType, DropDownList2, ...
    std::string captcha_image_url;                     // "" unless the server checks a CAPTCHA
    std::string captcha_message;                       // the portal's complaint about an answer
    // one object per project, keys = realmap.listings columns (registration_number,
    // completed, project_name, ..., latitude, longitude, position_raw, position_issue)
    nlohmann::json rows = nlohmann::json::array();
    int positions_missing = 0;
    int duplicate_rows = 0;
};

// Throws Error (22P02) when the page is not the listing page.
ListingView view_listing_page(std::string_view html, std::string_view page_url);

// The view as JSON: {"rows": [...], "hidden_fields": {...}, "options": {...},
// "captcha_image_url": ..., "captcha_message": ...} (realmap._parse_listing_json).
nlohmann::json listing_view_json(const ListingView &view, bool with_hidden_fields);

}  // namespace realmap::portal
