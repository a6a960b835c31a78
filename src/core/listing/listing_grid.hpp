// The GridView table#ContentPlaceHolder1_gv_ProjectList of the listing page.  The
// server renders it without <thead>/<tbody> (first <tr> = 15 <th scope="col">);
// a browser-saved copy has DataTables' <thead>/<tbody>.  Columns are found by their
// header text, with the portal's fixed order as the fallback.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/html/html_node.hpp"

namespace realmap::listing {

struct GridRow {
    std::string registration_number;  // trimmed, "**" removed
    bool completed = false;
    std::optional<int> sn;
    std::optional<std::string> project_name, authorised_name, promoter_name, project_type,
        district, tehsil;
    std::optional<std::string> approved_on, proposed_end, extended_end;  // ISO
    std::optional<std::string> website;
    std::optional<std::string> postback_target;
    std::optional<std::string> certificate_postback_target;
    bool certificate_expired = false;
};

struct GridRead {
    bool found = false;
    bool no_records = false;
    std::vector<GridRow> rows;
    int rows_without_registration = 0;
    std::vector<std::string> warnings;
};

// Reads the grid below scope (the page), if there is one.
GridRead read_listing_grid(html::Node scope);

// The first argument of a "javascript:__doPostBack('<target>','')" link, if any.
std::optional<std::string> postback_target_of(std::string_view href);

}  // namespace realmap::listing
