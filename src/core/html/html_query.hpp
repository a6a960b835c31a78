// Element lookups: by id, by tag, by attribute.  Each walks the subtree once; for
// many id lookups on one page build an IdIndex instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/html/html_node.hpp"

namespace realmap::html {

// First element below scope (document order) whose id is exactly `id`.
Node find_by_id(Node scope, std::string_view id);

// Every element below scope named `tag` (case-insensitive), in document order.
std::vector<Node> find_all_by_tag(Node scope, std::string_view tag);
Node find_first_by_tag(Node scope, std::string_view tag);

// Every element below scope that has attribute `name`; with `value`, only those
// whose value equals it exactly.
std::vector<Node> find_all_by_attr(Node scope, std::string_view name,
                                   std::optional<std::string_view> value = std::nullopt);
Node find_first_by_attr(Node scope, std::string_view name, std::string_view value);

// Elements below scope whose id ends with `suffix` (the portal's ASP.NET ids carry
// prefixes such as ContentPlaceHolder1_ that change with the master page).
std::vector<Node> find_all_by_id_suffix(Node scope, std::string_view suffix);

// id -> first element with that id, built in one walk.
class IdIndex {
public:
    explicit IdIndex(Node scope);
    Node find(std::string_view id) const;

private:
    std::unordered_map<std::string, Node> by_id_;
};

}  // namespace realmap::html
