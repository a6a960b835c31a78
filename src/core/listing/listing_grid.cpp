#include "core/listing/listing_grid.hpp"

#include <array>
#include <charconv>

#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"
#include "core/html/js_string_literal.hpp"
#include "core/listing/portal_date.hpp"

namespace realmap::listing {

namespace {

enum Column {
    kSn, kProjectName, kRegistration, kAuthorisedName, kPromoterName, kProjectType, kDistrict,
    kTehsil, kApproved, kProposedEnd, kExtendedEnd, kWebsite, kCertificate, kDetails, kMap,
    kColumnCount
};

// Header text in comparison form (lower case, letters and digits only) per column,
// with the spellings other copies of the page used (original-pipeline.md 3.2).
Column column_of_header(const std::string &norm) {
    struct Alias { const char *text; Column col; };
    static const Alias aliases[] = {
        {"sn", kSn}, {"sno", kSn}, {"srno", kSn},
        {"projectname", kProjectName}, {"project", kProjectName},
        {"registrationnumber", kRegistration}, {"registrationno", kRegistration},
        {"regno", kRegistration}, {"regnumber", kRegistration},
        {"authorisedname", kAuthorisedName}, {"authorizedname", kAuthorisedName},
        {"promotername", kPromoterName}, {"promoter", kPromoterName},
        {"projecttype", kProjectType},
        {"district", kDistrict},
        {"tehsil", kTehsil}, {"tahsil", kTehsil},
        {"approveddate", kApproved},
        {"proposedenddate", kProposedEnd},
        {"extendedproposedenddate", kExtendedEnd}, {"extendedenddate", kExtendedEnd},
        {"website", kWebsite}, {"web", kWebsite},
        {"viewcertificate", kCertificate}, {"certificate", kCertificate},
        {"details", kDetails}, {"detail", kDetails}, {"view", kDetails}, {"viewdetails", kDetails},
        {"map", kMap},
    };
    for (const Alias &a : aliases)
        if (norm == a.text) return a.col;
    return kColumnCount;
}

std::string comparison_form(const std::string &text) {
    std::string out;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    }
    return out;
}

std::vector<html::Node> cells_of(html::Node tr) {
    std::vector<html::Node> cells;
    for (html::Node c : tr.element_children())
        if (c.is("td") || c.is("th")) cells.push_back(c);
    return cells;
}

std::optional<std::string> non_empty(std::string s) {
    if (s.empty()) return std::nullopt;
    return s;
}

void add_warning(GridRead &g, std::string w) {
    if (g.warnings.size() < 100) g.warnings.push_back(std::move(w));
}

// The registration cell: span#..._Label_Project_Name_<i> holds the number; the optional
// span#..._Span2_<i> " **" marks a completed project.
void read_registration(html::Node cell, GridRow &row) {
    std::string all = cell.text();
    row.completed = all.find("**") != std::string::npos;
    html::Node label;
    html::for_each_element(cell, [&](html::Node n) {
        if (n.is("span") && n.id().find("Label_Project_Name") != std::string_view::npos) {
            label = n;
            return false;
        }
        return true;
    });
    std::string reg = label ? label.text() : all;
    std::string cleaned;
    for (std::size_t i = 0; i < reg.size(); ++i) {
        if (reg[i] == '*') continue;
        cleaned.push_back(reg[i]);
    }
    row.registration_number = html::collapse_whitespace(cleaned);
}

std::optional<std::string> first_link_href(html::Node cell) {
    std::optional<std::string> href;
    html::for_each_element(cell, [&](html::Node n) {
        if (n.is("a")) {
            auto h = n.attr("href");
            if (h && !html::trim_ascii(*h).empty()) {
                href = std::string(html::trim_ascii(*h));
                return false;
            }
        }
        return true;
    });
    return href;
}

// The Details link: the first postback <a> of the cell that is not the Map link (the
// original's selector a[id*='lnk_View'] also matched lnk_View_map_<i>).
std::optional<std::string> details_target(html::Node cell) {
    std::optional<std::string> found;
    html::for_each_element(cell, [&](html::Node n) {
        if (!n.is("a") || n.id().find("lnk_View_map") != std::string_view::npos) return true;
        found = postback_target_of(n.attr_or("href"));
        if (!found) found = postback_target_of(n.attr_or("onclick"));
        return !found;
    });
    return found;
}

std::optional<std::string> date_cell(html::Node cell, const char *what, const GridRow &row,
                                     GridRead &g) {
    std::string text = cell.text();
    auto iso = portal_date_to_iso(text);
    if (!iso && !text.empty() && text != "-")
        add_warning(g, row.registration_number + ": " + what + " '" + text + "' is not a date");
    return iso;
}

}  // namespace

std::optional<std::string> postback_target_of(std::string_view href) {
    auto args = html::js_call_string_arguments(href, "__doPostBack");
    if (args.empty() || html::trim_ascii(args[0]).empty()) return std::nullopt;
    return std::string(html::trim_ascii(args[0]));
}

GridRead read_listing_grid(html::Node scope) {
    GridRead g;
    html::Node table = html::find_by_id(scope, "ContentPlaceHolder1_gv_ProjectList");
    if (!table || !table.is("table")) return g;
    g.found = true;

    // The portal's column order, used when the header row is missing.
    std::array<int, kColumnCount> where;
    for (int c = 0; c < kColumnCount; ++c) where[c] = c;
    bool header_seen = false;

    for (html::Node tr : html::find_all_by_tag(table, "tr")) {
        if (html::closest_ancestor(tr, "table") != table) continue;  // a nested table's row
        std::vector<html::Node> cells = cells_of(tr);
        if (cells.empty()) continue;
        bool all_th = true;
        for (html::Node c : cells) all_th = all_th && c.is("th");
        if (all_th) {
            if (header_seen) continue;
            header_seen = true;
            std::array<int, kColumnCount> found;
            found.fill(-1);
            int known = 0;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                Column col = column_of_header(comparison_form(cells[i].text()));
                if (col != kColumnCount && found[col] < 0) {
                    found[col] = static_cast<int>(i);
                    ++known;
                }
            }
            if (known >= 3) where = found;  // a real header; else keep the fixed order
            continue;
        }
        if (cells.size() == 1) {
            std::string t = html::ascii_lower(cells[0].text());
            if (t.find("no record") != std::string::npos || t.find("no data") != std::string::npos) {
                g.no_records = true;
                continue;
            }
        }
        auto cell = [&](Column c) -> html::Node {
            int i = where[c];
            return (i >= 0 && static_cast<std::size_t>(i) < cells.size()) ? cells[i] : html::Node();
        };
        auto text_of = [&](Column c) -> std::optional<std::string> {
            html::Node n = cell(c);
            return n ? non_empty(n.text()) : std::nullopt;
        };
        GridRow row;
        if (html::Node reg = cell(kRegistration)) read_registration(reg, row);
        if (row.registration_number.empty()) {
            ++g.rows_without_registration;
            add_warning(g, "grid row without a registration number skipped");
            continue;
        }
        if (auto sn = text_of(kSn)) {
            int v = 0;
            auto [end, ec] = std::from_chars(sn->data(), sn->data() + sn->size(), v);
            if (ec == std::errc() && end == sn->data() + sn->size()) row.sn = v;
        }
        row.project_name = text_of(kProjectName);
        row.authorised_name = text_of(kAuthorisedName);
        row.promoter_name = text_of(kPromoterName);
        row.project_type = text_of(kProjectType);
        row.district = text_of(kDistrict);
        row.tehsil = text_of(kTehsil);
        if (html::Node c = cell(kApproved)) row.approved_on = date_cell(c, "approved date", row, g);
        if (html::Node c = cell(kProposedEnd)) row.proposed_end = date_cell(c, "proposed end date", row, g);
        if (html::Node c = cell(kExtendedEnd)) row.extended_end = date_cell(c, "extended end date", row, g);
        if (html::Node c = cell(kWebsite)) {
            auto href = first_link_href(c);
            if (href && !html::istarts_with_ascii(*href, "javascript:") && *href != "#") row.website = href;
        }
        if (html::Node c = cell(kCertificate)) {
            row.certificate_expired = html::ifind_ascii(c.text(), "expired") != std::string::npos;
            row.certificate_postback_target = details_target(c);
        }
        if (html::Node c = cell(kDetails)) row.postback_target = details_target(c);
        g.rows.push_back(std::move(row));
    }
    return g;
}

}  // namespace realmap::listing
