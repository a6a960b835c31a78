// quarterly_updates: one entry per reported period, the project's history, from the
// portal's quarterly grids -- grid_status (status, completion, completion certificates),
// grid_brief_plot / Single_grid_brief_plot (booked units per plot group), gv_ProjectList /
// Single_gv_ProjectList (amenity progress), grid_docs (quarterly certificates) and
// grid_documents_amount_withdrawl (kind "withdrawal") -- merged with the label
// section's Quarterly Updates rows (quarter, year, status, completion, remarks).
//
// The portal's mess is handled the same way every time, and reported: "0" placeholder
// rows are left out; a row repeating a period (and plot group / amenity) is left out,
// the first kept; rows whose period is not a pair of dates are left out.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "core/v1/v1_dates.hpp"
#include "core/v1/v1_grid.hpp"
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

const json *grid_named(const json &raw, const char *name) {
    auto grids = raw.find("grids");
    if (grids == raw.end() || !grids->is_object()) return nullptr;
    auto g = grids->find(name);
    if (g == grids->end() || !g->is_object()) return nullptr;
    return &*g;
}

std::vector<std::string> headers_of(const json &grid) { return cells_of(grid.value("headers", json::array())); }

using RowFn = std::function<void(std::size_t index, const std::vector<std::string> &row, const std::string &from,
                                 const std::string &to)>;

// Every row of a periodic grid that is not a placeholder, whose From/To are dates and
// that does not repeat an earlier row's (period, identity cells).  skip_col: a column
// left out when telling a repeat from a conflicting row (the serial number).
void for_each_period_row(MapState &state, const json &grid, const char *name, int from_col, int to_col,
                         const std::vector<int> &identity, int skip_col, const RowFn &fn) {
    int placeholders = 0, repeats = 0;
    std::vector<std::string> repeated_periods;
    std::map<std::string, std::string> seen;  // key -> content
    const json rows = grid.value("rows", json::array());
    if (!rows.is_array()) return;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::vector<std::string> row = cells_of(rows[i]);
        if (row.empty()) continue;
        if (is_placeholder_row(row)) {
            ++placeholders;
            continue;
        }
        std::string from_text = cell(row, from_col), to_text = cell(row, to_col);
        auto from = parse_date_iso(from_text), to = parse_date_iso(to_text);
        if (!from || !to) {
            state.note(std::string(name) + " row " + std::to_string(i + 1) + ": period \"" + from_text + "\" to \"" +
                       to_text + "\" is not a pair of dates; left out");
            continue;
        }
        std::string key = *from + "|" + *to;
        for (int c : identity) key += "|" + lower_ascii(cell(row, c));
        std::string content;
        for (std::size_t c = 0; c < row.size(); ++c)
            if (static_cast<int>(c) != skip_col) content += clean_text(row[c]) + "\x1f";
        auto [it, fresh] = seen.emplace(key, content);
        if (!fresh) {
            if (it->second == content) {
                ++repeats;
                if (repeated_periods.size() < 4) repeated_periods.push_back(from_text + " to " + to_text);
            } else {
                state.note(std::string(name) + " row " + std::to_string(i + 1) + " repeats the period " + from_text +
                           " to " + to_text + " with other values; left out (the first row is kept)");
            }
            continue;
        }
        fn(i, row, *from, *to);
    }
    if (placeholders)
        state.note(std::string(name) + ": " + std::to_string(placeholders) +
                   " placeholder row(s) (every cell 0) left out");
    if (repeats) {
        std::string list;
        for (const std::string &p : repeated_periods) list += (list.empty() ? "" : ", ") + p;
        state.note(std::string(name) + ": " + std::to_string(repeats) +
                   " repeated row(s) left out (the first kept): " + list + (repeats > 4 ? ", ..." : ""));
    }
}

std::string normalize_quarter(const std::string &text) {
    std::string t = lower_ascii(clean_text(text));
    int q = 0;
    for (char c : t)
        if (c >= '1' && c <= '4') {
            if (q) return clean_text(text);  // "Q1-Q2": as written
            q = c - '0';
        } else if (c >= '5' && c <= '9') {
            return clean_text(text);
        }
    if (t == "i") q = 1;
    if (t == "ii") q = 2;
    if (t == "iii") q = 3;
    if (t == "iv") q = 4;
    if (!q) return clean_text(text);
    return "Q" + std::to_string(q);
}

class Periods {
public:
    json &get(const std::string &kind, const std::string &from, const std::string &to) {
        auto key = std::make_tuple(kind, from, to);
        auto it = index_.find(key);
        if (it != index_.end()) return entries_[it->second];
        index_[key] = entries_.size();
        json e = {{"kind", kind}, {"from_date", from}, {"to_date", to}};
        if (kind == "progress")
            if (auto d = parse_iso_date(to)) {
                e["quarter"] = "Q" + std::to_string(quarter_of_month(d->month));
                e["year"] = std::to_string(d->year);
            }
        entries_.push_back(std::move(e));
        return entries_.back();
    }
    bool has(const std::string &kind, const std::string &from, const std::string &to) const {
        return index_.count(std::make_tuple(kind, from, to)) != 0;
    }
    std::vector<json> &entries() { return entries_; }

private:
    std::vector<json> entries_;
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> index_;
};

void add_certificate(json &entry, const char *kind, const std::string &url) {
    if (url.empty()) return;
    json &certs = entry["certificates"];
    if (certs.is_null()) certs = json::array();
    for (const json &c : certs)
        if (c["url"] == url) return;
    certs.push_back({{"kind", kind}, {"url", url}});
}

void read_status(MapState &state, Periods &periods) {
    const json *g = grid_named(state.raw, "grid_status");
    if (!g) return;
    std::vector<std::string> h = headers_of(*g);
    std::vector<bool> taken;
    int serial = find_column(h, {"sno", "srno", "serialno", "slno"}, {"s.no", "sr.", "serial"}, taken);
    int from = find_column(h, {"fromdate"}, {"from"}, taken);
    int to = find_column(h, {"todate"}, {"to date", "upto"}, taken);
    int pct = find_column(h, {"completion", "completionpercent", "percentcompletion"}, {"completion(%", "completion %", "%"}, taken);
    int status = find_column(h, {"projectstatus", "status"}, {"status"}, taken);
    int arch = find_column(h, {}, {"architect"}, taken);
    int auth = find_column(h, {}, {"competent", "authority"}, taken);
    if (from < 0 || to < 0) {
        state.note("grid_status: no From Date / To Date columns; left out");
        return;
    }
    for_each_period_row(state, *g, "grid_status", from, to, {}, serial,
                        [&](std::size_t i, const std::vector<std::string> &row, const std::string &f, const std::string &t) {
                            json &e = periods.get("progress", f, t);
                            std::string path = "quarterly_updates (grid_status row " + std::to_string(i + 1) + ")";
                            put_first(e, "status", coerce_value(cell(row, status), V1Type::Text, path + ".status", state),
                                      path + ".status", "grid_status", "grid_status", state);
                            put_first(e, "completion_percent",
                                      coerce_value(cell(row, pct), V1Type::Number, path + ".completion_percent", state),
                                      path + ".completion_percent", "grid_status", "grid_status", state);
                            add_certificate(e, "completion_architect", grid_link(*g, i, arch));
                            add_certificate(e, "completion_authority", grid_link(*g, i, auth));
                        });
}

// summary: Single_grid_brief_plot, the latest quarter's summary, read first; the
// all-quarter grid_brief_plot then adds what the summary does not have (and a row of it
// that disagrees with the summary is reported: the summary is kept).
void read_plots(MapState &state, Periods &periods, const char *name, bool summary) {
    const json *g = grid_named(state.raw, name);
    if (!g) return;
    std::vector<std::string> h = headers_of(*g);
    std::vector<bool> taken;
    int from = find_column(h, {"fromdate"}, {"from"}, taken);
    int to = find_column(h, {"todate"}, {"to date", "upto"}, taken);
    int booked = find_column(h, {"totalplotsoldbooked", "totalplotssoldbooked", "booked", "sold", "soldbooked",
                                 "totalunitsoldbooked"},
                             {"booked", "sold"}, taken);
    int group = find_column(h, {"plotgroup", "group", "block", "blockname", "towername"}, {"group"}, taken);
    int type = find_column(h, {"plotstype", "plottype", "type", "unittype"}, {"type"}, taken);
    int area = find_column(h, {"plotarea", "area"}, {"area"}, taken);
    int total = find_column(h, {"totalplots", "totalunits", "totalflats"}, {"total plots", "total units", "total"}, taken);
    if (from < 0 || to < 0) {
        state.note(std::string(name) + ": no From Date / To Date columns; left out");
        return;
    }
    int disagreements = 0;
    for_each_period_row(
        state, *g, name, from, to, {group, type}, -1,
        [&](std::size_t i, const std::vector<std::string> &row, const std::string &f, const std::string &t) {
            std::string path = std::string("quarterly_updates (") + name + " row " + std::to_string(i + 1) + ")";
            json p = json::object();
            auto put = [&](const char *key, int col, V1Type type) {
                json v = coerce_value(cell(row, col), type, path + "." + key, state);
                if (!v.is_null()) p[key] = v;
            };
            put("plot_group", group, V1Type::Text);
            put("plots_type", type, V1Type::Text);
            put("plot_area_sq_m", area, V1Type::Area);
            put("total_plots", total, V1Type::Integer);
            put("booked", booked, V1Type::Integer);
            if (p.empty()) return;
            json &e = periods.get("progress", f, t);
            json &plots = e["plots"];
            if (plots.is_null()) plots = json::array();
            for (const json &q : plots)
                if (q.value("plot_group", json()) == p.value("plot_group", json()) &&
                    q.value("plots_type", json()) == p.value("plots_type", json())) {
                    if (!summary && q != p) ++disagreements;
                    return;
                }
            plots.push_back(std::move(p));
        });
    if (disagreements)
        state.note(std::string(name) + ": " + std::to_string(disagreements) +
                   " row(s) disagree with Single_grid_brief_plot for the latest quarter; the summary is kept");
}

// summary: Single_gv_ProjectList (the latest quarter, with photos), read first; then
// gv_ProjectList (every quarter) adds the rest.
void read_amenities(MapState &state, Periods &periods, const char *name, bool summary) {
    const json *g = grid_named(state.raw, name);
    if (!g) return;
    std::vector<std::string> h = headers_of(*g);
    std::vector<bool> taken;
    int from = find_column(h, {"fromdate"}, {"from"}, taken);
    int to = find_column(h, {"todate"}, {"to date", "upto"}, taken);
    int particulars = find_column(h, {"particulars", "particular", "amenity", "amenities", "name"},
                                  {"particular", "amenit"}, taken);
    int progress = find_column(h, {"progressstatus", "progress"}, {"progress", "status"}, taken);
    int image = find_column(h, {"image", "photo"}, {"image", "photo", "img"}, taken);
    if (from < 0 || to < 0) {
        state.note(std::string(name) + ": no From Date / To Date columns; left out");
        return;
    }
    int disagreements = 0;
    for_each_period_row(
        state, *g, name, from, to, {particulars}, -1,
        [&](std::size_t i, const std::vector<std::string> &row, const std::string &f, const std::string &t) {
            std::string path = std::string("quarterly_updates (") + name + " row " + std::to_string(i + 1) + ")";
            json a = json::object();
            json part = coerce_value(cell(row, particulars), V1Type::Text, path + ".particulars", state);
            if (!part.is_null()) a["particulars"] = part;
            json pct = coerce_value(cell(row, progress), V1Type::Number, path + ".progress_percent", state);
            if (!pct.is_null()) a["progress_percent"] = pct;
            std::string img = grid_link(*g, i, image, true);
            if (img.empty()) img = grid_link(*g, i, image, false);
            if (!img.empty()) a["image_url"] = img;
            if (a.empty()) return;
            json &e = periods.get("progress", f, t);
            json &list = e["amenity_progress"];
            if (list.is_null()) list = json::array();
            for (json &q : list)
                if (q.value("particulars", json()) == a.value("particulars", json())) {
                    if (!q.contains("image_url") && a.contains("image_url")) q["image_url"] = a["image_url"];
                    if (!summary && q.value("progress_percent", json()) != a.value("progress_percent", json()))
                        ++disagreements;
                    return;
                }
            list.push_back(std::move(a));
        });
    if (disagreements)
        state.note(std::string(name) + ": " + std::to_string(disagreements) +
                   " row(s) disagree with Single_gv_ProjectList for the latest quarter; the summary is kept");
}

void read_certificates(MapState &state, Periods &periods, const char *name, const char *kind) {
    const json *g = grid_named(state.raw, name);
    if (!g) return;
    std::vector<std::string> h = headers_of(*g);
    std::vector<bool> taken;
    int from = find_column(h, {"fromdate"}, {"from"}, taken);
    int to = find_column(h, {"todate"}, {"to date", "upto"}, taken);
    int ca = find_column(h, {"cacertificate", "ca"}, {"ca cert", "chartered"}, taken);
    int eng = find_column(h, {"enggcertificate", "engineercertificate"}, {"engg", "engineer"}, taken);
    int arch = find_column(h, {"architectcertificate"}, {"arch"}, taken);
    if (from < 0 || to < 0) {
        state.note(std::string(name) + ": no From Date / To Date columns; left out");
        return;
    }
    for_each_period_row(state, *g, name, from, to, {}, -1,
                        [&](std::size_t i, const std::vector<std::string> &, const std::string &f, const std::string &t) {
                            std::string u_ca = grid_link(*g, i, ca), u_eng = grid_link(*g, i, eng),
                                        u_arch = grid_link(*g, i, arch);
                            if (std::string(kind) == "progress" && u_ca.empty() && u_eng.empty() && u_arch.empty())
                                return;  // a row of "NA" adds nothing to the period
                            json &e = periods.get(kind, f, t);
                            add_certificate(e, "ca", u_ca);
                            add_certificate(e, "engineer", u_eng);
                            add_certificate(e, "architect", u_arch);
                        });
}

// The label section's rows, merged into the grids' periods by calendar quarter.
void merge_label_rows(MapState &state, Periods &periods, const std::vector<json> &records) {
    for (std::size_t r = 0; r < records.size(); ++r) {
        json rec = records[r];
        if (rec.contains("quarter") && rec["quarter"].is_string())
            rec["quarter"] = normalize_quarter(rec["quarter"].get<std::string>());
        std::string q = str_of(rec, "quarter");
        std::string y = rec.contains("year") && rec["year"].is_string() ? clean_text(rec["year"].get<std::string>()) : "";
        json *target = nullptr;
        if (!q.empty() && !y.empty())
            for (json &e : periods.entries())
                if (e["kind"] == "progress" && str_of(e, "quarter") == q && clean_text(str_of(e, "year")) == y) {
                    target = &e;
                    break;
                }
        if (!target) {
            json e = json::object();
            e["kind"] = "progress";
            for (const auto &[k, v] : rec.items()) e[k] = v;
            periods.entries().push_back(std::move(e));
            continue;
        }
        std::string path = "quarterly_updates (" + q + " " + y + ")";
        for (const auto &[k, v] : rec.items())
            put_first(*target, k, v, path + "." + k, "grid_status", "Quarterly Updates table", state);
    }
}

std::string sort_key(const json &e) {
    if (e.contains("to_date") && e["to_date"].is_string()) return e["to_date"].get<std::string>();
    std::string q = e.contains("quarter") && e["quarter"].is_string() ? e["quarter"].get<std::string>() : "";
    std::string y = e.contains("year") && e["year"].is_string() ? e["year"].get<std::string>() : "";
    if (q.size() == 2 && q[0] == 'Q' && q[1] >= '1' && q[1] <= '4' && y.size() == 4) {
        auto year = parse_integer(y);
        if (year) return iso_date(quarter_end(static_cast<int>(*year), q[1] - '0'));
    }
    return "~";  // unknown: after the dated ones, in page order
}

}  // namespace

json map_quarterly(MapState &state, const SectionReading &reading) {
    Periods periods;
    read_status(state, periods);
    read_plots(state, periods, "Single_grid_brief_plot", true);
    read_plots(state, periods, "grid_brief_plot", false);
    read_amenities(state, periods, "Single_gv_ProjectList", true);
    read_amenities(state, periods, "gv_ProjectList", false);
    read_certificates(state, periods, "grid_docs", "progress");
    read_certificates(state, periods, "grid_documents_amount_withdrawl", "withdrawal");
    merge_label_rows(state, periods, reading.records("quarterly_updates"));

    std::vector<json> &entries = periods.entries();
    std::stable_sort(entries.begin(), entries.end(), [](const json &a, const json &b) {
        bool aw = a["kind"] == "withdrawal", bw = b["kind"] == "withdrawal";
        if (aw != bw) return bw;
        return sort_key(a) < sort_key(b);
    });
    json out = json::array();
    for (json &e : entries) out.push_back(std::move(e));
    return out;
}

}  // namespace realmap::v1
