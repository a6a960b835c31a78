// project_details and professionals: the form's named fields, the Single_grid_brief_plot
// totals, the label section, then the listing row.
#include "core/v1/v1_grid.hpp"
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

struct NamedField {
    const char *field;
    const char *key;
    V1Type type;
};

// The project form of the live page (portal-detail-page.md).  State_Name is read by
// map_v1 (it must say Chhattisgarh).
const NamedField kProjectFields[] = {
    {"txt_proj_name", "project_name", V1Type::Text},
    {"DropDownList5", "project_type", V1Type::Text},
    {"ApplicantType", "project_status", V1Type::Text},
    {"District_Name", "district", V1Type::Text},
    {"Tehsil_Name", "tehsil", V1Type::Text},
    {"AadharNumber", "project_address", V1Type::Text},  // sic: the portal's name of the address field
    {"txtenddate", "expected_completion_date", V1Type::Date},
    {"txtecoc", "estimated_construction_cost_inr", V1Type::Number},
    {"txtecol", "land_cost_inr", V1Type::Number},
};

// Sum of "Total Plots" over the latest quarter's plot summary, when it has rows.
json total_units_from_plot_summary(MapState &state) {
    auto grids = state.raw.find("grids");
    if (grids == state.raw.end() || !grids->is_object()) return nullptr;
    auto g = grids->find("Single_grid_brief_plot");
    if (g == grids->end() || !g->is_object()) return nullptr;
    std::vector<std::string> headers = cells_of(g->value("headers", json::array()));
    std::vector<bool> taken;
    int total_col = find_column(headers, {"totalplots", "totalunits", "totalflats"}, {"total plots", "total units"}, taken);
    if (total_col < 0) return nullptr;
    long long sum = 0;
    bool any = false;
    for (const json &row_j : g->value("rows", json::array())) {
        std::vector<std::string> row = cells_of(row_j);
        if (is_placeholder_row(row)) continue;
        auto n = parse_integer(cell(row, total_col));
        if (!n) continue;
        sum += *n;
        any = true;
    }
    if (!any) return nullptr;
    return sum;
}

}  // namespace

std::optional<std::string> form_value(MapState &state, const char *field) {
    auto ff = state.raw.find("form_fields");
    if (ff == state.raw.end() || !ff->is_object()) return std::nullopt;
    auto f = ff->find(field);
    if (f == ff->end() || !f->is_object()) return std::nullopt;
    auto flag = [&](const char *key) {
        auto it = f->find(key);
        return it != f->end() && it->is_boolean() && it->get<bool>();
    };
    if (flag("placeholder")) return std::nullopt;
    std::string v = clean_text(str_of(*f, "value"));
    if (is_blank_value(v)) return std::nullopt;
    if (flag("from_first_option"))
        state.note(std::string("form field ") + field + " has no selected option; its first option \"" + v +
                   "\" was read");
    return v;
}

json map_project_details(MapState &state, const SectionReading &reading) {
    json pd = json::object();
    for (const NamedField &nf : kProjectFields) {
        auto v = form_value(state, nf.field);
        if (!v) continue;
        std::string path = std::string("project_details.") + nf.key;
        put_first(pd, nf.key, coerce_value(*v, nf.type, path + " (form field " + nf.field + ")", state), path, "form",
                  "form", state);
    }
    put_first(pd, "total_units", total_units_from_plot_summary(state), "project_details.total_units", "form",
              "form", state);

    std::string page_reg = clean_text(str_of(state.raw, "registration_number"));
    if (!page_reg.empty()) pd["registration_number"] = page_reg;

    auto label = reading.fields.find("project_details");
    if (label != reading.fields.end()) {
        for (const auto &[key, value] : label->second.items()) {
            std::string path = "project_details." + key;
            if (key == "registration_number" && pd.contains(key)) {
                // compared in map_v1 (normalised): the page's span wins
                continue;
            }
            put_first(pd, key, value, path, "form", "label section", state);
        }
    }

    if (!pd.contains("pincode") && pd.contains("project_address") && pd["project_address"].is_string())
        if (auto pin = pincode_in(pd["project_address"].get<std::string>())) pd["pincode"] = *pin;

    if (state.listing_applies && state.ctx.listing) {
        const ListingRow &l = *state.ctx.listing;
        auto fill = [&](const char *key, const std::optional<std::string> &v) {
            if (v && !v->empty() && (!pd.contains(key) || pd[key].is_null())) pd[key] = *v;
        };
        fill("project_name", l.project_name);
        fill("project_type", l.project_type);
        fill("project_status", l.project_status);
        fill("district", l.district);
        fill("tehsil", l.tehsil);
        fill("project_address", l.project_address);
        fill("project_website_url", l.website);
        fill("launch_date", l.approved_on);
        fill("expected_completion_date", l.proposed_end);
        fill("extended_completion_date", l.extended_end);
        if (l.completed) pd["completed"] = *l.completed;
        if (!pd.contains("pincode") && pd.contains("project_address") && pd["project_address"].is_string())
            if (auto pin = pincode_in(pd["project_address"].get<std::string>())) pd["pincode"] = *pin;
    }
    return pd;
}

json map_professionals(MapState &state) {
    json out = json::object();
    auto p = state.raw.find("professionals");
    if (p == state.raw.end() || !p->is_object()) return out;
    for (const auto &[k, v] : p->items()) {
        if (!v.is_string()) continue;
        std::string t = clean_text(v.get<std::string>());
        if (!is_blank_value(t)) out[k] = t;
    }
    return out;
}

}  // namespace realmap::v1
