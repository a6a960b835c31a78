#include "core/extract/extract_sections.hpp"

#include <map>

#include "core/extract/extract_controls.hpp"
#include "core/extract/extract_value_type.hpp"
#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"

namespace realmap::extract {

namespace {

bool is_cell(html::Node n) { return n.is("td") || n.is("th"); }

struct Shown {
    std::string value;
    std::string control;  // the control's short name when the value is a control's
    bool shows_something = false;
};

// What an element shows: the value of the first control in it, else its text.
Shown shown_by(html::Node el) {
    Shown s;
    if (html::Node c = first_valued_control(el)) {
        s.value = control_value(c)->value;
        std::string_view name = c.attr_or("name");
        std::string_view prefix = kControlPrefix;
        if (name.substr(0, prefix.size()) == prefix) s.control = std::string(name.substr(prefix.size()));
        s.shows_something = true;
        return s;
    }
    s.value = el.text();
    s.shows_something = !s.value.empty();
    return s;
}

std::string strip_trailing_colon(std::string s) {
    while (!s.empty() && (s.back() == ':' || s.back() == ' ')) s.pop_back();
    return s;
}

void read_value(html::Node label, std::string_view page_url, LabelField &f) {
    // 1. a table cell: the next cell of the row
    html::Node parent = label.parent();
    if (is_cell(parent)) {
        html::Node cell = parent.next_element_sibling();
        while (cell && !is_cell(cell)) cell = cell.next_element_sibling();
        if (cell) {
            Shown s = shown_by(cell);
            f.value = s.value;
            f.control = s.control;
            f.value_from = "cell";
            f.value_node = cell;
            f.links = links_in(cell, page_url);
            return;
        }
    }
    // 2. the following siblings, up to the next label
    for (html::Node s = label.next_sibling(); s; s = s.next_sibling()) {
        if (s.is_text()) {
            std::string t = html::collapse_whitespace(s.own_text());
            if (t.empty()) continue;
            f.value = t;
            f.value_from = "sibling";
            return;
        }
        if (!s.is_element()) continue;
        if (s.is("label")) break;
        Shown shown = shown_by(s);
        std::vector<PageLink> links = links_in(s, page_url);
        if (!shown.shows_something && links.empty()) continue;
        f.value = shown.value;
        f.control = shown.control;
        f.value_from = "sibling";
        f.value_node = s;
        f.links = std::move(links);
        return;
    }
    // 3. the parent's text without the label's
    if (parent && !parent.is("body") && !parent.is("form")) {
        std::string all = parent.text();
        std::string own = label.text();
        std::size_t at = own.empty() ? std::string::npos : all.find(own);
        if (at != std::string::npos) all.erase(at, own.size());
        all = html::collapse_whitespace(all);
        if (!all.empty()) {
            f.value = all;
            f.value_from = "parent";
            return;
        }
    }
    f.value_from = "none";
}

}  // namespace

std::vector<std::vector<html::Node>> table_rows(html::Node table) {
    std::vector<std::vector<html::Node>> rows;
    for (html::Node tr : html::find_all_by_tag(table, "tr")) {
        if (html::closest_ancestor(tr, "table") != table) continue;
        std::vector<html::Node> cells;
        for (html::Node c : tr.element_children())
            if (is_cell(c)) cells.push_back(c);
        if (!cells.empty()) rows.push_back(std::move(cells));
    }
    return rows;
}

std::vector<LabelField> read_label_fields(const PageIndex &index, std::string_view page_url) {
    std::vector<LabelField> out;
    out.reserve(index.labels.size());
    for (const Placed &p : index.labels) {
        LabelField f;
        f.section = p.section;
        f.heading = p.heading;
        f.label = p.node.text();
        f.caption = strip_trailing_colon(f.label);
        if (f.caption.empty() && f.label.empty()) continue;  // an empty <label></label>
        read_value(p.node, page_url, f);
        out.push_back(std::move(f));
    }
    return out;
}

nlohmann::json read_header_tables(const PageIndex &index, std::string_view page_url) {
    nlohmann::json out = nlohmann::json::array();
    for (const Placed &p : index.tables) {
        if (p.node.id().substr(0, std::string_view(kIdPrefix).size()) == kIdPrefix) continue;  // a grid
        auto rows = table_rows(p.node);
        if (rows.empty()) continue;
        bool header_row = true;
        for (html::Node c : rows[0]) header_row = header_row && c.is("th");
        if (!header_row) continue;
        nlohmann::json headers = nlohmann::json::array();
        for (html::Node c : rows[0]) headers.push_back(c.text());
        nlohmann::json data = nlohmann::json::array(), links = nlohmann::json::array();
        for (std::size_t r = 1; r < rows.size(); ++r) {
            nlohmann::json cells = nlohmann::json::array();
            bool blank = true;
            for (std::size_t c = 0; c < rows[r].size(); ++c) {
                std::string t = rows[r][c].text();
                blank = blank && t.empty();
                cells.push_back(t);
                for (const PageLink &l : links_in(rows[r][c], page_url)) {
                    nlohmann::json lj = link_json(l);
                    lj["row"] = data.size();
                    lj["column"] = c;
                    links.push_back(std::move(lj));
                }
            }
            if (!blank) data.push_back(std::move(cells));
        }
        nlohmann::json t = {{"section", p.section}, {"heading", p.heading}, {"headers", std::move(headers)},
                            {"rows", std::move(data)}};
        if (!links.empty()) t["links"] = std::move(links);
        out.push_back(std::move(t));
    }
    return out;
}

nlohmann::json sections_json(const std::vector<LabelField> &fields, const nlohmann::json &tables) {
    nlohmann::json out = nlohmann::json::array();
    std::map<std::string, std::size_t> by_title;
    auto section = [&](const std::string &title, const std::string &heading) -> nlohmann::json & {
        auto it = by_title.find(title);
        if (it == by_title.end()) {
            it = by_title.emplace(title, out.size()).first;
            out.push_back({{"title", title}, {"heading", heading},
                           {"fields", nlohmann::json::array()}, {"tables", nlohmann::json::array()}});
        }
        return out[it->second];
    };
    for (const LabelField &f : fields) {
        nlohmann::json j = {{"label", f.label}, {"caption", f.caption}, {"value", f.value},
                            {"value_type", guess_value_type(f.value, !f.links.empty())},
                            {"value_from", f.value_from}};
        if (!f.control.empty()) j["control"] = f.control;
        if (!f.links.empty()) {
            nlohmann::json links = nlohmann::json::array();
            for (const PageLink &l : f.links) {
                links.push_back(link_json(l));
                if (l.preview && !j.contains("preview_hint")) j["preview_hint"] = l.preview_hint;
            }
            j["links"] = std::move(links);
        }
        section(f.section, f.heading)["fields"].push_back(std::move(j));
    }
    for (const nlohmann::json &t : tables) {
        nlohmann::json copy = t;
        std::string title = copy["section"].get<std::string>();
        std::string heading = copy["heading"].get<std::string>();
        copy.erase("section");
        copy.erase("heading");
        section(title, heading)["tables"].push_back(std::move(copy));
    }
    return out;
}

}  // namespace realmap::extract
