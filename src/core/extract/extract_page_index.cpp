#include "core/extract/extract_page_index.hpp"

#include <string_view>

#include "core/html/html_traverse.hpp"

namespace realmap::extract {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

PageIndex index_detail_page(html::Node document) {
    PageIndex idx;
    std::string section = "General", heading;
    html::for_each_element(document, [&](html::Node n) {
        if (n.is_heading() || n.is("strong")) {
            std::string t = n.text();
            if (!t.empty()) {
                section = t;
                if (n.is_heading()) heading = t;
                idx.headings.push_back({n, section, heading});
            }
            return;
        }
        auto place = [&](std::vector<Placed> &list) { list.push_back({n, section, heading}); };
        if (n.is("label")) {
            place(idx.labels);
        } else if (n.is("table")) {
            place(idx.tables);
        } else if (n.is("iframe")) {
            place(idx.iframes);
        } else if (n.is("form")) {
            if (!idx.form || n.id() == "form1") idx.form = n;
        } else if (n.is("input") || n.is("select") || n.is("textarea")) {
            if (starts_with(n.attr_or("name"), kControlPrefix)) place(idx.controls);
        } else if (n.is("span") && starts_with(n.id(), std::string(kIdPrefix) + "lbl_")) {
            place(idx.id_spans);
        }
        if (n.has_class_prefix("bg_ll")) place(idx.inventory);
    });
    return idx;
}

}  // namespace realmap::extract
