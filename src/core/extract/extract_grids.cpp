#include "core/extract/extract_grids.hpp"

#include <algorithm>

#include "core/extract/extract_links.hpp"
#include "core/extract/extract_sections.hpp"
#include "core/html/html_text.hpp"
#include "core/listing/listing_position.hpp"

namespace realmap::extract {

namespace {

using nlohmann::json;

std::string comparison_form(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    }
    return out;
}

bool is_no_data_row(const std::vector<html::Node> &cells) {
    if (cells.size() != 1) return false;
    std::string t = html::ascii_lower(cells[0].text());
    return t.find("no data") != std::string::npos || t.find("no record") != std::string::npos;
}

json grid_json(const Placed &p, std::string_view page_url) {
    auto rows = table_rows(p.node);
    json headers = json::array(), data = json::array(), links = json::array(), images = json::array();
    bool no_data = false;
    if (!rows.empty())
        for (html::Node c : rows[0]) headers.push_back(c.text());
    for (std::size_t r = 1; r < rows.size(); ++r) {
        if (is_no_data_row(rows[r])) {
            no_data = true;
            continue;
        }
        json cells = json::array();
        std::size_t row_index = data.size();
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
            cells.push_back(rows[r][c].text());
            std::string header = c < headers.size() ? headers[c].get<std::string>() : std::string();
            for (const PageLink &l : links_in(rows[r][c], page_url)) {
                json j = link_json(l);
                j["row"] = row_index;
                j["column"] = c;
                j["header"] = header;
                links.push_back(std::move(j));
            }
            for (const PageLink &l : images_in(rows[r][c], page_url))
                images.push_back({{"row", row_index}, {"column", c}, {"header", header},
                                  {"href", l.href}, {"url", l.url}});
        }
        data.push_back(std::move(cells));
    }
    return {{"section", p.section}, {"heading", p.heading}, {"headers", std::move(headers)},
            {"rows", std::move(data)}, {"no_data", no_data}, {"links", std::move(links)},
            {"images", std::move(images)}};
}

// The index of the first header whose comparison form contains one of `needles`.
int column_of(const json &headers, std::initializer_list<const char *> needles) {
    for (std::size_t i = 0; i < headers.size(); ++i) {
        std::string h = comparison_form(headers[i].get<std::string>());
        for (const char *n : needles)
            if (h.find(n) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
}

std::optional<double> coordinate(std::string text) {
    std::replace(text.begin(), text.end(), ',', '.');
    return listing::parse_decimal(text);
}

}  // namespace

bool is_image_url(std::string_view url) {
    std::string name = html::ascii_lower(link_file_name(url));
    for (const char *ext : {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}) {
        std::string_view e = ext;
        if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
    }
    return false;
}

json read_grids(const PageIndex &index, std::string_view page_url, std::vector<std::string> &warnings) {
    json grids = json::object();
    const std::string prefix = kIdPrefix;
    for (const Placed &p : index.tables) {
        std::string_view id = p.node.id();
        if (id.size() <= prefix.size() || id.substr(0, prefix.size()) != prefix) continue;
        std::string name(id.substr(prefix.size()));
        if (grids.contains(name)) {
            if (warnings.size() < 100) warnings.push_back("a second table#" + std::string(id) + " was ignored");
            continue;
        }
        grids[name] = grid_json(p, page_url);
        grids[name]["position"] = grids.size() - 1;  // page order (the object sorts by name)
    }
    return grids;
}

json read_amenities(const json &grids, const PageIndex &index, std::string_view page_url) {
    json grid;
    std::string source;
    for (const char *name : {"Single_gv_ProjectList", "gv_Amenity"}) {
        if (grids.contains(name)) {
            grid = grids[name];
            source = name;
            break;
        }
    }
    if (grid.is_null()) {
        for (const Placed &p : index.tables) {
            if (html::ifind_ascii(p.section, "Amenities Details") == std::string::npos) continue;
            grid = grid_json(p, page_url);
            source = "table under \"" + p.section + "\"";
            break;
        }
    }
    json rows = json::array();
    if (grid.is_null()) return {{"source", nullptr}, {"rows", rows}};
    const json &h = grid["headers"];
    int from = column_of(h, {"fromdate"}), to = column_of(h, {"todate"});
    int what = column_of(h, {"particular", "amenity", "name", "description"});
    int progress = column_of(h, {"progress", "status"});
    int lat = column_of(h, {"latitude", "lat"});
    int lon = column_of(h, {"longitude", "long", "lon"});
    int image = column_of(h, {"image", "photo", "img"});
    const json &data = grid["rows"];
    for (std::size_t r = 0; r < data.size(); ++r) {
        const json &cells = data[r];
        auto cell = [&](int c) -> json {
            return (c >= 0 && static_cast<std::size_t>(c) < cells.size()) ? cells[c] : json(nullptr);
        };
        json row = {{"from_date", cell(from)}, {"to_date", cell(to)}, {"particulars", cell(what)},
                    {"progress", cell(progress)}, {"latitude_text", cell(lat)}, {"longitude_text", cell(lon)},
                    {"latitude", nullptr}, {"longitude", nullptr}, {"image", nullptr}, {"image_url", nullptr}};
        if (row["latitude_text"].is_string())
            if (auto v = coordinate(row["latitude_text"].get<std::string>())) row["latitude"] = *v;
        if (row["longitude_text"].is_string())
            if (auto v = coordinate(row["longitude_text"].get<std::string>())) row["longitude"] = *v;
        for (const json &img : grid["images"]) {
            if (img["row"] == r && (image < 0 || img["column"] == image)) {
                row["image"] = img["href"];
                row["image_url"] = img["url"];
                break;
            }
        }
        rows.push_back(std::move(row));
    }
    return {{"source", source}, {"rows", std::move(rows)}};
}

json grid_documents(const json &grids) {
    std::vector<std::pair<std::size_t, std::string>> order;
    for (const auto &[name, grid] : grids.items()) order.emplace_back(grid.value("position", std::size_t(0)), name);
    std::sort(order.begin(), order.end());
    json out = json::array();
    for (const auto &[position, name] : order) {
        (void)position;
        for (const json &l : grids[name]["links"]) {
            if (is_image_url(l["url"].get<std::string>())) continue;
            out.push_back({{"grid", name}, {"row", l["row"]}, {"column", l["column"]},
                           {"header", l["header"]}, {"href", l["href"]}, {"url", l["url"]}});
        }
    }
    return out;
}

}  // namespace realmap::extract
