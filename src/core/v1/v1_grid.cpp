#include "core/v1/v1_grid.hpp"

#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

std::vector<const KeySpec *> header_keys(const std::vector<KeySpec> &keys, const std::vector<std::string> &headers) {
    std::vector<const KeySpec *> out(headers.size(), nullptr);
    std::vector<bool> key_done(keys.size(), false);
    for (std::size_t k = 0; k < keys.size(); ++k)
        for (std::size_t h = 0; h < headers.size() && !key_done[k]; ++h) {
            if (out[h]) continue;
            std::string norm = match_norm(headers[h]);
            for (const std::string &n : keys[k].norms)
                if (!norm.empty() && n == norm) {
                    out[h] = &keys[k];
                    key_done[k] = true;
                    break;
                }
        }
    for (std::size_t k = 0; k < keys.size(); ++k) {
        if (key_done[k]) continue;
        for (std::size_t h = 0; h < headers.size() && !key_done[k]; ++h) {
            if (out[h]) continue;
            std::string lower = lower_ascii(clean_text(headers[h]));
            for (const std::string &v : keys[k].variants) {
                std::string lv = lower_ascii(clean_text(v));
                if (!lv.empty() && lower.find(lv) != std::string::npos) {
                    out[h] = &keys[k];
                    key_done[k] = true;
                    break;
                }
            }
        }
    }
    return out;
}

int find_column(const std::vector<std::string> &headers, std::initializer_list<const char *> exact,
                std::initializer_list<const char *> contains, std::vector<bool> &taken) {
    if (taken.size() < headers.size()) taken.resize(headers.size(), false);
    for (std::size_t h = 0; h < headers.size(); ++h) {
        if (taken[h]) continue;
        std::string norm = match_norm(headers[h]);
        for (const char *e : exact)
            if (norm == e) {
                taken[h] = true;
                return static_cast<int>(h);
            }
    }
    for (std::size_t h = 0; h < headers.size(); ++h) {
        if (taken[h]) continue;
        std::string lower = lower_ascii(clean_text(headers[h]));
        for (const char *c : contains)
            if (lower.find(c) != std::string::npos) {
                taken[h] = true;
                return static_cast<int>(h);
            }
    }
    return -1;
}

std::vector<std::string> cells_of(const json &row) {
    std::vector<std::string> out;
    if (!row.is_array()) return out;
    for (const json &c : row) out.push_back(c.is_string() ? c.get<std::string>() : (c.is_null() ? "" : c.dump()));
    return out;
}

std::string cell(const std::vector<std::string> &row, int column) {
    if (column < 0 || static_cast<std::size_t>(column) >= row.size()) return {};
    return clean_text(row[static_cast<std::size_t>(column)]);
}

bool is_placeholder_row(const std::vector<std::string> &row) {
    for (const std::string &c : row)
        if (!is_placeholder_cell(c)) return false;
    return true;
}

std::string grid_link(const json &grid, std::size_t row, int column, bool images) {
    if (column < 0 || !grid.is_object()) return {};
    auto it = grid.find(images ? "images" : "links");
    if (it == grid.end() || !it->is_array()) return {};
    for (const json &l : *it) {
        if (!l.is_object()) continue;
        auto r = l.find("row"), c = l.find("column");
        if (r == l.end() || c == l.end() || !r->is_number_integer() || !c->is_number_integer()) continue;
        if (r->get<long long>() != static_cast<long long>(row) || c->get<long long>() != column) continue;
        std::string href = clean_text(str_of(l, "href"));
        if (is_file_link(href)) return href;
    }
    return {};
}

}  // namespace realmap::v1
