#include "core/portal/search_plan.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/html/html_text.hpp"

namespace realmap::portal {

namespace {

constexpr const char *kDistrictSelect = "District_Name";
constexpr const char *kStatusSelect = "ApplicantType";
constexpr const char *kTypeSelect = "DropDownList2";
constexpr const char *kFieldPrefix = "ctl00$ContentPlaceHolder1$";

std::vector<std::string> names_of(const nlohmann::json &params, const char *key) {
    std::vector<std::string> out;
    if (!params.contains(key) || params[key].is_null()) return out;
    const nlohmann::json &v = params[key];
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
    } else if (v.is_array()) {
        for (const auto &e : v) {
            if (!e.is_string())
                throw Error(sqlstate::kInvalidParameterValue,
                            std::string("run parameter \"") + key + "\" must be a name or an array of names, got " +
                                v.dump());
            out.push_back(e.get<std::string>());
        }
    } else {
        throw Error(sqlstate::kInvalidParameterValue,
                    std::string("run parameter \"") + key + "\" must be a name or an array of names, got " + v.dump());
    }
    return out;
}

std::string strip_development(const std::string &normalised) {
    const std::string suffix = " development";
    if (normalised.size() > suffix.size() &&
        normalised.compare(normalised.size() - suffix.size(), suffix.size(), suffix) == 0)
        return normalised.substr(0, normalised.size() - suffix.size());
    return normalised;
}

// The options of a select without its placeholder ("0": "Select District").
std::vector<SelectOption> real_options(const SelectOptions &options, const char *select) {
    std::vector<SelectOption> out;
    auto it = options.find(select);
    if (it == options.end()) return out;
    for (const auto &o : it->second)
        if (!o.value.empty() && o.value != "0") out.push_back(o);
    return out;
}

// Resolves each name to its option; throws with the valid names when one is unknown.
std::vector<SelectOption> resolve(const std::vector<std::string> &names, const SelectOptions &options,
                                  const char *select, const char *param, bool allow_no_development) {
    std::vector<SelectOption> known = real_options(options, select);
    std::vector<SelectOption> out;
    for (const std::string &name : names) {
        std::string want = normalise_name(name);
        const SelectOption *hit = nullptr;
        for (const auto &o : known) {
            std::string label = normalise_name(o.label);
            if (label == want || (allow_no_development && strip_development(label) == strip_development(want))) {
                hit = &o;
                break;
            }
        }
        if (hit == nullptr) {
            std::string valid;
            for (const auto &o : known) {
                if (!valid.empty()) valid += ", ";
                valid += normalise_name(o.label).empty() ? o.value : o.label.substr(o.label.find_first_not_of(' '));
            }
            if (known.empty()) valid = "(the portal's page offered none)";
            throw Error(sqlstate::kInvalidParameterValue,
                        std::string("unknown ") + param + " \"" + name + "\"", "Valid names: " + valid + ".",
                        std::string("Correct the run parameter \"") + param + "s\" (names are case-insensitive).");
        }
        if (std::none_of(out.begin(), out.end(), [&](const SelectOption &o) { return o.value == hit->value; }))
            out.push_back(*hit);
    }
    return out;
}

}  // namespace

std::string normalise_name(const std::string &name) {
    return html::ascii_lower(html::collapse_whitespace(name));
}

bool delta_mode(const nlohmann::json &params) {
    if (!params.is_object() || !params.contains("mode") || params["mode"].is_null()) return false;
    const auto &m = params["mode"];
    if (m == "delta") return true;
    if (m == "full") return false;
    throw Error(sqlstate::kInvalidParameterValue, "unknown run mode " + m.dump(), "Valid modes: full, delta.");
}

ListingFilters filters_from_params(const nlohmann::json &params) {
    ListingFilters f;
    if (!params.is_object()) return f;
    f.districts = names_of(params, "districts");
    f.statuses = names_of(params, "statuses");
    f.project_types = names_of(params, "project_types");
    if (params.contains("max_listings") && !params["max_listings"].is_null()) {
        const auto &m = params["max_listings"];
        if (!m.is_number_integer() || m.get<long>() < 0)
            throw Error(sqlstate::kInvalidParameterValue,
                        "run parameter \"max_listings\" must be a non-negative integer, got " + m.dump());
        f.max_listings = m.get<long>();
    }
    return f;
}

SearchPlan plan_search(const ListingFilters &filters, const SelectOptions &options) {
    SearchPlan plan;
    std::vector<SelectOption> districts = resolve(filters.districts, options, kDistrictSelect, "district", false);
    std::vector<SelectOption> statuses = resolve(filters.statuses, options, kStatusSelect, "status", false);
    std::vector<SelectOption> types = resolve(filters.project_types, options, kTypeSelect, "project_type", true);
    auto field = [](const char *select) { return std::string(kFieldPrefix) + select; };
    if (districts.size() == 1) plan.search_fields.emplace_back(field(kDistrictSelect), districts[0].value);
    if (statuses.size() == 1) plan.search_fields.emplace_back(field(kStatusSelect), statuses[0].value);
    if (types.size() == 1) plan.search_fields.emplace_back(field(kTypeSelect), types[0].value);
    // filters with several names apply here (one name went to the portal above; it
    // filters here too, which costs nothing and guards against a portal that ignored it)
    for (const auto &o : districts) plan.district_labels.push_back(normalise_name(o.label));
    for (const auto &o : statuses) plan.status_labels.push_back(normalise_name(o.label));
    for (const auto &o : types) plan.development_types.push_back(o.value);
    return plan;
}

bool passes(const SearchPlan &plan, const std::string &district, const std::string &status,
            const std::string &development_type) {
    auto in = [](const std::vector<std::string> &set, const std::string &v) {
        return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
    };
    return in(plan.district_labels, normalise_name(district)) && in(plan.status_labels, normalise_name(status)) &&
           in(plan.development_types, development_type);
}

}  // namespace realmap::portal
