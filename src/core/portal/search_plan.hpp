// Which projects a run lists: the run's filter names mapped to the portal's option
// values.  The portal's search form takes one district, one status and one project
// type at a time; a filter with one name goes to the portal, a filter with several
// is applied to the full list here (so a run needs at most one Search, and so at
// most one CAPTCHA).  Pure C++.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace realmap::portal {

struct SelectOption {
    std::string value;
    std::string label;
};
// select name (District_Name, ApplicantType, DropDownList2, ...) -> its options
using SelectOptions = std::map<std::string, std::vector<SelectOption>>;

// The run parameters that choose projects: "districts", "statuses", "project_types"
// (a name or an array of names) and "max_listings".
struct ListingFilters {
    std::vector<std::string> districts;
    std::vector<std::string> statuses;
    std::vector<std::string> project_types;
    long max_listings = -1;  // < 0: all
};

// Reads the filters from a run's params; a value of the wrong type is an error
// (22023) naming the parameter.
ListingFilters filters_from_params(const nlohmann::json &params);

struct SearchPlan {
    // The Search postback's filter fields (empty: no Search, the plain list).
    std::vector<std::pair<std::string, std::string>> search_fields;
    // Filters applied to the rows the portal returns, as option values (empty: all).
    std::vector<std::string> district_labels;     // normalised district names
    std::vector<std::string> status_labels;       // normalised status names
    std::vector<std::string> development_types;   // DropDownList2 values
    bool needs_search() const { return !search_fields.empty(); }
};

// Maps names to option values.  An unknown name fails at once (22023) with the
// list of valid names.  Names compare case-insensitively with spaces collapsed; a
// project type may omit its trailing "Development" ("Group Housing").
SearchPlan plan_search(const ListingFilters &filters, const SelectOptions &options);

// Whether a listed project passes the filters applied here.
bool passes(const SearchPlan &plan, const std::string &district, const std::string &status,
            const std::string &development_type);

// The run parameter "mode": "full" (default) or "delta" (true).  Anything else is an
// error (22023) naming the valid modes.
bool delta_mode(const nlohmann::json &params);

// The comparison form of a name: lower case, spaces collapsed, trimmed.
std::string normalise_name(const std::string &name);

}  // namespace realmap::portal
