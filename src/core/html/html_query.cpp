#include "core/html/html_query.hpp"

#include "core/html/html_traverse.hpp"

namespace realmap::html {

Node find_by_id(Node scope, std::string_view id) {
    Node found;
    for_each_element(scope, [&](Node n) {
        if (n.id() == id && n.has_attr("id")) {
            found = n;
            return false;
        }
        return true;
    });
    return found;
}

std::vector<Node> find_all_by_tag(Node scope, std::string_view tag) {
    std::vector<Node> out;
    for_each_element(scope, [&](Node n) {
        if (n.is(tag)) out.push_back(n);
    });
    return out;
}

Node find_first_by_tag(Node scope, std::string_view tag) {
    Node found;
    for_each_element(scope, [&](Node n) {
        if (n.is(tag)) {
            found = n;
            return false;
        }
        return true;
    });
    return found;
}

std::vector<Node> find_all_by_attr(Node scope, std::string_view name,
                                   std::optional<std::string_view> value) {
    std::vector<Node> out;
    for_each_element(scope, [&](Node n) {
        auto v = n.attr(name);
        if (v && (!value || *v == *value)) out.push_back(n);
    });
    return out;
}

Node find_first_by_attr(Node scope, std::string_view name, std::string_view value) {
    Node found;
    for_each_element(scope, [&](Node n) {
        auto v = n.attr(name);
        if (v && *v == value) {
            found = n;
            return false;
        }
        return true;
    });
    return found;
}

std::vector<Node> find_all_by_id_suffix(Node scope, std::string_view suffix) {
    std::vector<Node> out;
    for_each_element(scope, [&](Node n) {
        std::string_view id = n.id();
        if (id.size() >= suffix.size() && id.substr(id.size() - suffix.size()) == suffix)
            out.push_back(n);
    });
    return out;
}

IdIndex::IdIndex(Node scope) {
    for_each_element(scope, [&](Node n) {
        auto id = n.attr("id");
        if (id && !id->empty()) by_id_.emplace(std::string(*id), n);  // first one wins
    });
}

Node IdIndex::find(std::string_view id) const {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? Node() : it->second;
}

}  // namespace realmap::html
