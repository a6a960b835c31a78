// The portal's project list, Approved_project_List.aspx, parsed.
//
// The page carries the projects twice: the GridView table#ContentPlaceHolder1_gv_ProjectList
// (15 columns: names, dates, website, the postback links) and the Map tab's
// map_init('<JSON>', ...) payload (status, type code, address, position, the "More
// info" detail link).  The real saved page shows only the 10 rows DataTables left in
// its DOM but the payload holds all 1,988 projects; the simulator serves every row in
// both.  parse_listing_page merges the two by registration number.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace realmap::listing {

// Why a map position is not a position.  The portal writes placeholders where it has
// no coordinates; they must not reach the map as (0, 0) points in the Gulf of Guinea.
enum class PositionIssue {
    kNone,          // a usable "lat|lon" (plausibility against a region is geocoding's job)
    kNotInMap,      // the row has no map_init entry at all
    kEmpty,         // "" (132 projects on the real page)
    kZero,          // "0|0", or one side exactly 0 (270 on the real page)
    kLoneZero,      // "0" with no separator (2 on the real page)
    kLatRepeated,   // the longitude is (about) the latitude again: "21.184716|21.191267" (1)
    kUnparseable,   // anything else that is not two numbers separated by '|'
    kOutOfRange,    // two numbers, but |lat| > 90 or |lon| > 180
};

// "" for kNone, else "not_in_map", "empty", "zero", "lone_zero", "lat_repeated",
// "unparseable", "out_of_range".
const char *position_issue_name(PositionIssue issue);

struct ListingRow {
    // Registration number as shown, trimmed, without the "**" completed marker.
    std::string registration_number;
    bool completed = false;             // the grid's "**" marker (HiddenField2 = 1)

    std::optional<int> sn;              // the grid's serial number
    std::optional<std::string> project_name;     // grid, else map "Project name", else map title
    std::optional<std::string> promoter_name;    // grid, else map "Promoter name" without "(type)"
    std::optional<std::string> promoter_type;    // map: the "(Company)" suffix, without parentheses
    std::optional<std::string> authorised_name;  // grid only
    std::optional<std::string> project_type;     // grid, else map "Project Type"
    std::optional<std::string> district;         // map (title case), else grid (upper case)
    std::optional<std::string> tehsil;           // map "Tahsil", else grid

    // ISO 8601 dates (YYYY-MM-DD) from the grid ("16 Feb 2018"); none for "-" or "".
    std::optional<std::string> approved_on;
    std::optional<std::string> proposed_end;
    std::optional<std::string> extended_end;

    std::optional<std::string> website;          // the grid's globe link, as written
    // Absolute detail page URL from the map's "More info" link.  P3 projects link a
    // path that answers 404 (contractor_Reg_Only_View_Application_new.aspx.aspx): kept
    // as is, the caller falls back to postback_target.
    std::optional<std::string> detail_url;
    // __EVENTTARGET of the row's Details link,
    // e.g. "ctl00$ContentPlaceHolder1$gv_ProjectList$ctl02$lnk_View".
    std::optional<std::string> postback_target;
    std::optional<std::string> certificate_postback_target;  // "View Certificate" link
    bool certificate_expired = false;                        // "Expired" instead of a link
    std::optional<std::string> my_id;            // the MyID parameter, URL-decoded ("MQ==")
    std::optional<long long> application_id;     // MyID base64-decoded (1), if it is a number

    std::optional<std::string> project_status;    // map "Project Status" (New, Ongoing)
    std::optional<std::string> development_type;  // map "development_type" ("1".."7")
    std::optional<std::string> project_address;   // map "Project Address"

    std::optional<double> latitude;   // set only when position_issue is kNone
    std::optional<double> longitude;
    std::string position_raw;         // the map's "location" as written ("21.28|81.73")
    PositionIssue position_issue = PositionIssue::kNotInMap;

    bool in_table = false;  // the row came from the grid
    bool in_map = false;    // ... and/or from the map_init payload
};

struct SelectOption {
    std::string value;
    std::string label;  // whitespace collapsed and trimmed (" Group Housing Development")
    bool selected = false;
};

struct ListingPage {
    // One per project, in map_init order, grid rows merged in; grid rows without a map
    // entry follow in grid order.  A registration that appears twice stays twice
    // (the k-th grid row of a number pairs with its k-th map entry): nothing is dropped,
    // `duplicates` counts the repeats.
    std::vector<ListingRow> rows;
    int table_rows = 0;        // project rows in the grid
    int map_entries = 0;       // entries of the map_init payload
    int duplicates = 0;        // rows whose registration number came earlier already
    int rows_without_registration = 0;  // grid rows / map entries skipped: no number to key by

    bool has_grid = false;     // table#ContentPlaceHolder1_gv_ProjectList is there
    bool has_map_init = false; // a map_init('...') call is there
    bool no_records = false;   // the grid says "No Record Found"
    std::optional<long> total_shown;  // "Showing 1 to 10 of 1,988 entries" (DataTables DOM only)

    // name -> value of every input type=hidden of form#form1 (__VIEWSTATE, __EVENTVALIDATION,
    // __VIEWSTATEGENERATOR, __EVENTTARGET, __EVENTARGUMENT, __LASTFOCUS, and the grid's own).
    std::map<std::string, std::string> hidden_fields;
    // select options by the select's short name (District_Name, Tehsil_Name,
    // ApplicantType, DropDownList2, and every other select of the form).
    std::map<std::string, std::vector<SelectOption>> select_options;

    // A server-checked CAPTCHA: img#ContentPlaceHolder1_imgCaptcha (the real site draws a
    // client-side canvas instead, which needs no answer from us).
    bool captcha_required = false;
    std::string captcha_image_url;  // resolved against the page URL
    // span#ContentPlaceHolder1_lbl_captcha_msg, e.g. "Invalid Security Code.please try again".
    std::string captcha_message;

    // What was odd but not fatal (a broken date, a truncated payload), first 100.
    std::vector<std::string> warnings;
};

// Parses the listing page.  page_url resolves relative links (may be empty: links
// then stay relative).  Throws realmap::Error 22P02 "not a listing page: ..." when
// the page has neither the grid nor a map_init call; 54000/54001 for input over the
// HTML limits (html_document.hpp).  A truncated page yields what it holds.
ListingPage parse_listing_page(std::string_view html, std::string_view page_url);

}  // namespace realmap::listing
