// Reading tables: header tables of the label sections (columns found through the label
// variants) and the portal's GridViews (fixed headers, found by name).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/v1/v1_label_variants.hpp"

namespace realmap::v1 {

// The key each header names (nullptr: none), as the original (§3.5 "Column lookup")
// with one improvement: a header equal to a variant (after match_norm) is taken by that
// key first; then, key by key in order, the first header not yet taken that contains
// one of the key's variants (lower case substring, the original's rule).  So
// "Super Built-up Area" is not taken by built_up_area_sq_m when it comes first.
std::vector<const KeySpec *> header_keys(const std::vector<KeySpec> &keys, const std::vector<std::string> &headers);

// The column of a GridView header: the first whose match_norm is one of `exact`, else the
// first whose lower case text contains one of `contains`; columns in `taken` are
// skipped, and the one found is added.  -1 when none.
int find_column(const std::vector<std::string> &headers, std::initializer_list<const char *> exact,
                std::initializer_list<const char *> contains, std::vector<bool> &taken);

std::vector<std::string> cells_of(const nlohmann::json &row);
std::string cell(const std::vector<std::string> &row, int column);  // "" when out of range

// Every cell a placeholder ("0", "", "-"): the portal's "0" rows.
bool is_placeholder_row(const std::vector<std::string> &row);

// The link (href as written) of a GridView cell that names a file, or "".  From
// grid.links, or grid.images when images is true.
std::string grid_link(const nlohmann::json &grid, std::size_t row, int column, bool images = false);

}  // namespace realmap::v1
