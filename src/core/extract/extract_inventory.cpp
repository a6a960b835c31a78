#include "core/extract/extract_inventory.hpp"

#include <string>

#include "core/html/html_text.hpp"

namespace realmap::extract {

namespace {

// The first class of the element that starts with "bg_ll".
std::string inventory_class(html::Node n) {
    std::string cls = html::collapse_whitespace(n.attr_or("class"));
    std::size_t i = 0;
    while (i < cls.size()) {
        std::size_t j = cls.find(' ', i);
        if (j == std::string::npos) j = cls.size();
        std::string c = cls.substr(i, j - i);
        if (c.rfind("bg_ll", 0) == 0) return c;
        i = j + 1;
    }
    return {};
}

}  // namespace

nlohmann::json read_inventory(const PageIndex &index) {
    if (index.inventory.empty()) return nullptr;
    nlohmann::json items = nlohmann::json::array(), counts = nlohmann::json::object(),
                   legend = nlohmann::json::object();
    std::string section;
    for (const Placed &p : index.inventory) {
        std::string cls = inventory_class(p.node);
        if (cls.empty()) continue;
        std::string text = p.node.text();
        if (text.empty()) {
            // a legend swatch: its meaning is the text that follows it
            html::Node next = p.node.next_sibling();
            std::string meaning = next && next.is_text() ? html::collapse_whitespace(next.own_text()) : "";
            if (!meaning.empty() && !legend.contains(cls)) legend[cls] = meaning;
            continue;
        }
        if (section.empty()) section = p.section;
        items.push_back({{"class", cls}, {"text", text}});
        counts[cls] = counts.value(cls, 0) + 1;
    }
    if (items.empty() && legend.empty()) return nullptr;
    return {{"section", section}, {"items", std::move(items)}, {"counts", std::move(counts)},
            {"legend", std::move(legend)}};
}

}  // namespace realmap::extract
