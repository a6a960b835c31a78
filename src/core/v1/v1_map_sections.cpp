// The label sections (raw.sections): titles and labels matched through the label
// variants, fields gathered into one record per logical section, tables read row by
// row, everything else kept in raw_data.unmapped_sections / raw_data.tables.
#include <set>
#include <utility>

#include "core/v1/v1_grid.hpp"
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

// Sections whose tables hold one record per row (the original's list sections, and
// realmap's unit list).  A project_details or documents table stays raw.
const std::set<std::string> kTableSections = {"promoter_details", "land_details", "building_details", "unit_types",
                                              "bank_details",     "quarterly_updates", "units"};

// The form controls map_v1 reads by name (v1_map_project.cpp, v1_map_parties.cpp).
const std::set<std::string> kNamedControls = {
    "txt_proj_name", "DropDownList5", "ApplicantType",     "State_Name",  "District_Name", "Tehsil_Name",
    "AadharNumber",  "txtenddate",    "txtecoc",           "txtecol",     "txt_p_name",    "DropDownList1",
    "txt_p_registeredaddress",        "txt_pemail",        "txt_pmobile", "TextBox2",      "TextBox3",
    "TextBox4",      "TextBox5",      "TextBox6"};

struct Field {
    std::string label, caption, value;
    std::string first_link;
};

// "[ Registration No : X ] [ Project Web Address : Y ]" in a title: label/value pairs.
std::vector<Field> title_fields(const std::string &title) {
    std::vector<Field> out;
    std::size_t i = 0;
    while ((i = title.find('[', i)) != std::string::npos) {
        std::size_t close = title.find(']', i + 1);
        if (close == std::string::npos) break;
        std::string inner = title.substr(i + 1, close - i - 1);
        std::size_t colon = inner.find(':');
        if (colon != std::string::npos) {
            Field f;
            f.caption = f.label = clean_text(inner.substr(0, colon));
            f.value = clean_text(inner.substr(colon + 1));
            if (!f.caption.empty()) out.push_back(f);
        }
        i = close + 1;
    }
    return out;
}

std::string plain_key(const std::string &section, const std::string &label) {
    return section + "\x1f" + clean_text(label);
}

void put_unmapped(SectionReading &r, const std::string &title, const std::string &label, const std::string &value) {
    std::string t = title.empty() ? "General" : title;
    std::string l = label.empty() ? "(no label)" : label;
    json &s = r.unmapped[t];
    if (!s.contains(l)) s[l] = value;
}

}  // namespace

std::vector<json> SectionReading::records(const std::string &section) const {
    std::vector<json> out;
    if (auto f = fields.find(section); f != fields.end() && !f->second.empty()) out.push_back(f->second);
    if (auto r = rows.find(section); r != rows.end()) out.insert(out.end(), r->second.begin(), r->second.end());
    return out;
}

SectionReading read_label_sections(MapState &state) {
    SectionReading r;
    const json &raw = state.raw;
    const std::string page_reg = clean_text(str_of(raw, "registration_number"));

    // labelled document slots: read by map_documents, not as fields
    std::set<std::string> document_slots;
    for (const char *list : {"documents", "empty_document_links"}) {
        auto it = raw.find(list);
        if (it == raw.end() || !it->is_array()) continue;
        for (const json &d : *it) {
            document_slots.insert(plain_key(str_of(d, "section"), str_of(d, "label")));
            document_slots.insert(plain_key(str_of(d, "section"), str_of(d, "caption")));
        }
    }

    std::map<std::string, json> field_records;  // logical section -> its fields' record
    std::vector<std::string> field_order;
    auto sections_it = raw.find("sections");
    if (sections_it == raw.end() || !sections_it->is_array()) return r;
    for (const json &s : *sections_it) {
        if (!s.is_object()) continue;
        const std::string title = clean_text(str_of(s, "title"));
        const std::string heading = clean_text(str_of(s, "heading"));
        std::optional<std::string> logical = state.variants.section_of_title(title);
        if (!logical && !heading.empty() && heading != title) logical = state.variants.section_of_title(heading);

        std::vector<Field> fields;
        if (auto f = s.find("fields"); f != s.end() && f->is_array()) {
            for (const json &fj : *f) {
                if (!fj.is_object()) continue;
                Field x;
                x.label = clean_text(str_of(fj, "label"));
                x.caption = clean_text(str_of(fj, "caption"));
                if (x.caption.empty()) x.caption = x.label;
                x.value = clean_text(str_of(fj, "value"));
                std::string control = str_of(fj, "control");
                if (!control.empty()) {
                    if (!kNamedControls.count(control)) put_unmapped(r, title, x.caption.empty() ? control : x.caption, x.value);
                    continue;  // the form's named controls are read by name
                }
                if (document_slots.count(plain_key(str_of(s, "title"), str_of(fj, "label"))) ||
                    document_slots.count(plain_key(title, x.label)) || document_slots.count(plain_key(title, x.caption)))
                    continue;
                if (auto links = fj.find("links"); links != fj.end() && links->is_array() && !links->empty())
                    x.first_link = clean_text(str_of((*links)[0], "href"));
                fields.push_back(std::move(x));
            }
        }
        if (logical)
            for (Field &f : title_fields(str_of(s, "title"))) fields.push_back(std::move(f));

        for (const Field &f : fields) {
            std::string value = f.value;
            if (is_blank_value(value) && !f.first_link.empty()) value = f.first_link;
            if (!logical) {
                // the page's own "Registration No :" line belongs to lbl_reg_no
                const KeySpec *k = state.variants.key_for_label("project_details", f.caption);
                if (k && k->canonical_key == "registration_number" && !page_reg.empty() && value == page_reg) continue;
                if (!value.empty()) put_unmapped(r, title, f.caption, value);
                continue;
            }
            const KeySpec *key = state.variants.key_for_label(*logical, f.caption);
            if (!key) {
                if (!value.empty()) put_unmapped(r, title, f.caption, value);
                continue;
            }
            if (value.empty()) continue;
            json &raw_section = r.raw_sections[*logical];
            if (!raw_section.contains(key->canonical_key)) raw_section[key->canonical_key] = value;
            if (key->v1_key.empty() || !key->type) continue;
            if (!field_records.count(*logical)) {
                field_records[*logical] = json::object();
                field_order.push_back(*logical);
            }
            std::string path = *logical + "." + key->v1_key;
            json v = coerce_value(value, *key->type, path + " (label \"" + f.caption + "\")", state);
            put_first(field_records[*logical], key->v1_key, v, path, "first label", "another label", state);
        }

        // header tables
        auto tables_it = s.find("tables");
        if (tables_it == s.end() || !tables_it->is_array()) continue;
        for (const json &t : *tables_it) {
            if (!t.is_object()) continue;
            std::vector<std::string> headers = cells_of(t.value("headers", json::array()));
            const json &rows = t.contains("rows") && t["rows"].is_array() ? t["rows"] : json::array();
            bool mapped = logical && kTableSections.count(*logical);
            std::vector<const KeySpec *> keys;
            if (mapped) keys = header_keys(state.variants.keys(*logical), headers);
            bool all_headers_mapped = mapped;
            for (const KeySpec *k : keys)
                if (!k || k->v1_key.empty()) all_headers_mapped = false;
            if (!all_headers_mapped)
                r.raw_tables[title.empty() ? "General" : title].push_back(
                    {{"headers", headers}, {"rows", rows}});
            if (!mapped) continue;
            int placeholders = 0;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                std::vector<std::string> row = cells_of(rows[i]);
                bool blank = true;
                for (const std::string &c : row) blank = blank && clean_text(c).empty();
                if (blank) continue;
                if (is_placeholder_row(row)) {
                    ++placeholders;
                    continue;
                }
                json rec = json::object();
                for (std::size_t c = 0; c < keys.size() && c < row.size(); ++c) {
                    const KeySpec *k = keys[c];
                    if (!k || k->v1_key.empty() || !k->type) continue;
                    std::string path = *logical + " table \"" + title + "\" row " + std::to_string(i + 1) + "." + k->v1_key;
                    json v = coerce_value(row[c], *k->type, path, state);
                    if (!v.is_null() && !rec.contains(k->v1_key)) rec[k->v1_key] = v;
                }
                if (!rec.empty()) r.rows[*logical].push_back(std::move(rec));
            }
            if (placeholders)
                state.note(*logical + " table \"" + title + "\": " + std::to_string(placeholders) +
                           " placeholder row(s) (every cell 0) left out");
        }
    }
    for (const std::string &logical : field_order)
        if (!field_records[logical].empty()) r.fields[logical] = std::move(field_records[logical]);
    return r;
}

}  // namespace realmap::v1
