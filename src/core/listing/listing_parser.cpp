// parse_listing_page: the grid and the map payload read separately, then merged by
// registration number.
#include <algorithm>
#include <deque>
#include <unordered_map>

#include "core/error.hpp"
#include "core/html/html_document.hpp"
#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/url_resolve.hpp"
#include "core/listing/listing_form.hpp"
#include "core/listing/listing_grid.hpp"
#include "core/listing/listing_map_init.hpp"
#include "core/listing/listing_page.hpp"
#include "core/listing/listing_position.hpp"
#include "core/listing/my_id.hpp"

namespace realmap::listing {

namespace {

std::optional<std::string> non_empty(const std::string *s) {
    if (s == nullptr || s->empty()) return std::nullopt;
    return *s;
}

// "MAA BAMLESHWARI REALITIES PVT LTD(Company)" -> name and type.  The portal appends
// the promoter's type of firm in parentheses to every map entry; only a final,
// balanced group is taken, so "X (INDIA) LTD(Company)" keeps "(INDIA)".
void split_promoter(const std::string &text, std::optional<std::string> &name,
                    std::optional<std::string> &type) {
    std::string_view s = html::trim_ascii(text);
    if (s.empty()) return;
    if (s.back() == ')') {
        int depth = 0;
        for (std::size_t i = s.size(); i-- > 0;) {
            if (s[i] == ')') ++depth;
            else if (s[i] == '(' && --depth == 0) {
                if (i == 0) break;
                std::string inside = html::collapse_whitespace(s.substr(i + 1, s.size() - i - 2));
                std::string before = html::collapse_whitespace(s.substr(0, i));
                if (!inside.empty() && !before.empty()) {
                    name = before;
                    type = inside;
                    return;
                }
                break;
            }
        }
    }
    name = html::collapse_whitespace(s);
}

void apply_map_entry(const MapEntry &e, std::string_view page_url, ListingRow &row) {
    row.in_map = true;
    std::optional<std::string> map_promoter, map_type;
    if (const std::string *p = e.field("promoter name")) split_promoter(*p, map_promoter, map_type);
    row.promoter_type = map_type;
    if (!row.promoter_name) row.promoter_name = map_promoter;
    if (!row.project_name) row.project_name = non_empty(e.field("project name"));
    if (!row.project_name && !e.title.empty()) row.project_name = e.title;
    if (!row.project_type) row.project_type = non_empty(e.field("project type"));
    // The map spells places in title case ("Raipur"), the grid in upper case; the map
    // wins so that every row reads alike (on the real page only 10 are in the grid).
    if (auto d = non_empty(e.field("district"))) row.district = d;
    if (auto t = non_empty(e.field("tahsil"))) row.tehsil = t;
    else if (auto t2 = non_empty(e.field("tehsil"))) row.tehsil = t2;
    row.project_status = non_empty(e.field("project status"));
    row.project_address = non_empty(e.field("project address"));
    row.development_type = non_empty(&e.development_type);
    if (e.detail_href) {
        row.detail_url = html::resolve_url(page_url, *e.detail_href);
        bool found = false;
        std::string my_id = html::query_parameter(*e.detail_href, "MyID", &found);
        if (found && !my_id.empty()) {
            row.my_id = my_id;
            row.application_id = application_id_from_my_id(my_id);
        }
    }
    row.position_raw = e.location;
    MapPosition pos = classify_position(e.location);
    row.position_issue = pos.issue;
    row.latitude = pos.latitude;
    row.longitude = pos.longitude;
}

ListingRow row_from_grid(GridRow &&g) {
    ListingRow r;
    r.registration_number = std::move(g.registration_number);
    r.completed = g.completed;
    r.sn = g.sn;
    r.project_name = std::move(g.project_name);
    r.authorised_name = std::move(g.authorised_name);
    r.promoter_name = std::move(g.promoter_name);
    r.project_type = std::move(g.project_type);
    r.district = std::move(g.district);
    r.tehsil = std::move(g.tehsil);
    r.approved_on = std::move(g.approved_on);
    r.proposed_end = std::move(g.proposed_end);
    r.extended_end = std::move(g.extended_end);
    r.website = std::move(g.website);
    r.postback_target = std::move(g.postback_target);
    r.certificate_postback_target = std::move(g.certificate_postback_target);
    r.certificate_expired = g.certificate_expired;
    r.in_table = true;
    return r;
}

void add_warnings(ListingPage &page, std::vector<std::string> &&more) {
    for (std::string &w : more)
        if (page.warnings.size() < 100) page.warnings.push_back(std::move(w));
}

std::string page_title(html::Node document) {
    html::Node title = html::find_first_by_tag(document, "title");
    std::string t = title ? title.text() : std::string();
    if (t.empty()) {
        html::Node h = html::find_first_by_tag(document, "h1");
        if (!h) h = html::find_first_by_tag(document, "h2");
        if (h) t = h.text();
    }
    return html::truncate_utf8(t, 120);
}

}  // namespace

ListingPage parse_listing_page(std::string_view html_text, std::string_view page_url) {
    html::Document doc(html_text);
    html::Node document = doc.document();

    GridRead grid = read_listing_grid(document);
    MapInitPayload map = read_map_init(document);
    if (!grid.found && !map.found) {
        std::string title = page_title(document);
        throw Error("22P02",
                    "not a listing page: no table#ContentPlaceHolder1_gv_ProjectList and no "
                    "map_init(...) payload" +
                        (title.empty() ? std::string() : " (page title: \"" + title + "\")"));
    }

    ListingPage page;
    page.has_grid = grid.found;
    page.has_map_init = map.found;
    page.no_records = grid.no_records;
    page.table_rows = static_cast<int>(grid.rows.size());
    page.map_entries = static_cast<int>(map.entries.size());
    page.rows_without_registration = grid.rows_without_registration;
    add_warnings(page, std::move(grid.warnings));
    add_warnings(page, std::move(map.warnings));
    read_listing_form(document, page_url, page);

    // grid rows waiting for their map entry, by registration number, in grid order
    std::unordered_map<std::string, std::deque<std::size_t>> pending;
    for (std::size_t i = 0; i < grid.rows.size(); ++i) pending[grid.rows[i].registration_number].push_back(i);
    std::vector<bool> used(grid.rows.size(), false);

    page.rows.reserve(std::max(grid.rows.size(), map.entries.size()));
    for (const MapEntry &e : map.entries) {
        const std::string *reg_field = e.field("cg-rera registration no");
        std::string reg = reg_field ? html::collapse_whitespace(*reg_field) : std::string();
        if (reg.empty()) {
            ++page.rows_without_registration;
            if (page.warnings.size() < 100)
                page.warnings.push_back("map_init entry \"" + e.title + "\" without a registration number skipped");
            continue;
        }
        ListingRow row;
        auto it = pending.find(reg);
        if (it != pending.end() && !it->second.empty()) {
            std::size_t gi = it->second.front();
            it->second.pop_front();
            used[gi] = true;
            row = row_from_grid(std::move(grid.rows[gi]));
        } else {
            row.registration_number = reg;
        }
        apply_map_entry(e, page_url, row);
        page.rows.push_back(std::move(row));
    }
    for (std::size_t i = 0; i < grid.rows.size(); ++i)
        if (!used[i]) page.rows.push_back(row_from_grid(std::move(grid.rows[i])));

    std::unordered_map<std::string, int> seen;
    for (const ListingRow &r : page.rows)
        if (seen[r.registration_number]++ > 0) ++page.duplicates;
    return page;
}

}  // namespace realmap::listing
