// extract_raw: the parts read one by one (page index, controls, labels, grids,
// locations, inventory, documents) and assembled into the raw document.
#include "core/extract/extract_raw.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/extract/extract_controls.hpp"
#include "core/extract/extract_documents.hpp"
#include "core/extract/extract_grids.hpp"
#include "core/extract/extract_inventory.hpp"
#include "core/extract/extract_locations.hpp"
#include "core/extract/extract_page_index.hpp"
#include "core/extract/extract_sections.hpp"
#include "core/html/html_document.hpp"
#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/url_resolve.hpp"
#include "core/listing/my_id.hpp"

namespace realmap::extract {

namespace {

using nlohmann::json;

const char *const kProfessionals[] = {"stat_ca_name",    "stat_ca_mem_no", "quarter_ca_name",
                                      "quarter_ca_mem_no", "engineer_name",  "engineer_lic_no",
                                      "arch_name",       "arch_lic_no"};

std::string page_title(html::Node document) {
    html::Node t = html::find_first_by_tag(document, "title");
    return html::truncate_utf8(t ? t.text() : std::string(), 120);
}

bool is_detail_heading(const std::string &t) {
    return html::istarts_with_ascii(t, "Project Detail") || html::istarts_with_ascii(t, "Promoter Detail");
}

// The reason the page is not a detail page, or "" when it is one.
std::string not_a_detail_page(const PageIndex &idx, html::Node reg_span) {
    if (reg_span) return {};
    for (const Placed &h : idx.headings)
        if (is_detail_heading(h.section)) return {};
    return "no span#ContentPlaceHolder1_lbl_reg_no and no \"Project Detail\" heading";
}

json form_fields_json(const PageIndex &idx, const std::vector<LabelField> &fields,
                      std::vector<std::string> &warnings) {
    json out = json::object();
    const std::string prefix = kControlPrefix;
    for (const Placed &p : idx.controls) {
        std::string name(p.node.attr_or("name").substr(prefix.size()));
        if (name.empty()) continue;
        auto v = control_value(p.node);
        if (!v) continue;  // hidden, button, unchecked box
        if (out.contains(name)) {
            if (warnings.size() < 100) warnings.push_back("a second control named " + name + " was ignored");
            continue;
        }
        json f = {{"value", v->value}, {"control", v->control}, {"label", nullptr}, {"section", p.section}};
        if (v->control == "select") {
            f["option_value"] = v->option_value ? json(*v->option_value) : json(nullptr);
            f["placeholder"] = v->placeholder;
            f["from_first_option"] = v->from_first_option;
        }
        for (const LabelField &lf : fields)
            if (lf.control == name) {
                f["label"] = lf.caption;
                break;
            }
        out[name] = std::move(f);
    }
    return out;
}

void named_spans_json(const PageIndex &idx, json &named, json &professionals) {
    for (const Placed &p : idx.id_spans) {
        std::string key(p.node.id().substr(std::string(kIdPrefix).size()));  // "lbl_stat_ca_name"
        if (named.contains(key)) continue;
        std::string text = p.node.text();
        named[key] = text;
        std::string bare = key.substr(4);
        for (const char *prof : kProfessionals)
            if (bare == prof) professionals[bare] = text;
    }
}

std::optional<std::string> my_id_of(const PageIndex &idx, std::string_view page_url) {
    bool found = false;
    if (idx.form) {
        std::string v = html::query_parameter(idx.form.attr_or("action"), "MyID", &found);
        if (found && !v.empty()) return v;
    }
    std::string v = html::query_parameter(page_url, "MyID", &found);
    if (found && !v.empty()) return v;
    return std::nullopt;
}

}  // namespace

json extract_raw(std::string_view html_text, std::string_view page_url) {
    html::Document doc(html_text);
    html::Node document = doc.document();
    PageIndex idx = index_detail_page(document);

    html::Node reg_span;
    for (const Placed &p : idx.id_spans)
        if (p.node.id() == std::string(kIdPrefix) + "lbl_reg_no") {
            reg_span = p.node;
            break;
        }
    std::string title = page_title(document);
    if (std::string why = not_a_detail_page(idx, reg_span); !why.empty())
        throw Error("22P02", "not a detail page: " + why +
                                 (title.empty() ? std::string() : " (page title: \"" + title + "\")"));

    std::vector<std::string> warnings;
    json raw = json::object();
    raw["schema"] = "realmap.raw/1";
    raw["source_url"] = page_url.empty() ? json(nullptr) : json(std::string(page_url));
    raw["page_title"] = title;
    std::string reg = reg_span ? reg_span.text() : "";
    raw["registration_number"] = reg.empty() ? json(nullptr) : json(reg);
    if (reg.empty()) warnings.push_back("the page shows no registration number");
    auto my_id = my_id_of(idx, page_url);
    raw["my_id"] = my_id ? json(*my_id) : json(nullptr);
    auto app_id = my_id ? listing::application_id_from_my_id(*my_id) : std::nullopt;
    raw["application_id"] = app_id ? json(*app_id) : json(nullptr);

    std::vector<LabelField> fields = read_label_fields(idx, page_url);
    raw["form_fields"] = form_fields_json(idx, fields, warnings);
    json named = json::object(), professionals = json::object();
    named_spans_json(idx, named, professionals);
    raw["professionals"] = std::move(professionals);
    raw["named_spans"] = std::move(named);

    raw["sections"] = sections_json(fields, read_header_tables(idx, page_url));
    json grids = read_grids(idx, page_url, warnings);
    raw["amenities"] = read_amenities(grids, idx, page_url);
    raw["grid_documents"] = grid_documents(grids);
    raw["grids"] = std::move(grids);
    raw["map_iframes"] = read_map_iframes(idx);
    raw["inventory"] = read_inventory(idx);

    DocumentLinks docs = read_documents(fields);
    raw["documents"] = std::move(docs.documents);
    raw["empty_document_links"] = std::move(docs.empty);
    raw["warnings"] = std::move(warnings);
    return raw;
}

}  // namespace realmap::extract
