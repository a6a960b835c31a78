#include "core/v1/v1_qa_checks.hpp"

#include <cmath>
#include <map>
#include <optional>
#include <regex>

#include "core/geo/cg_bbox.hpp"
#include "core/v1/v1_dates.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

constexpr double kSqFtPerSqM = 10.76391041671;

const json &member(const json &obj, const char *key) {
    static const json null_json;
    if (!obj.is_object()) return null_json;
    auto it = obj.find(key);
    return it == obj.end() ? null_json : *it;
}

const json &list(const json &v1, const char *key) {
    static const json empty = json::array();
    const json &l = member(v1, key);
    return l.is_array() ? l : empty;
}

std::string text(const json &obj, const char *key) {
    const json &v = member(obj, key);
    if (v.is_string()) return clean_text(v.get<std::string>());
    if (v.is_number()) return v.dump();
    return {};
}

std::optional<double> number(const json &obj, const char *key) {
    const json &v = member(obj, key);
    if (!v.is_number()) return std::nullopt;
    return v.get<double>();
}

std::string at(const char *list_name, std::size_t i, const char *key) {
    return std::string(list_name) + "[" + std::to_string(i) + "]." + key;
}

// A number as JSON and as text: integral values without a fraction (14316, not 14316.0).
json num(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9.0e15) return static_cast<long long>(v);
    return v;
}
std::string num_text(double v) { return num(v).dump(); }

bool matches(const std::string &s, const char *pattern) { return std::regex_match(s, std::regex(pattern)); }

}  // namespace

void QaFlags::add(const char *flag_type, const char *severity, std::string message, std::string field_name,
                  json expected, json actual) {
    flags.push_back({{"flag_type", flag_type},
                     {"severity", severity},
                     {"message", std::move(message)},
                     {"field_name", std::move(field_name)},
                     {"expected_value", std::move(expected)},
                     {"actual_value", std::move(actual)}});
}

void check_required_fields(const json &v1, QaFlags &qa) {
    const json &pd = member(v1, "project_details");
    struct Req {
        const char *field, *key, *severity;
    };
    for (const Req &r : {Req{"rera_registration_number", "registration_number", "error"},
                         Req{"project_name", "project_name", "error"}, Req{"district", "district", "error"},
                         Req{"project_status", "project_status", "warning"},
                         Req{"approved_date", "launch_date", "warning"}})
        if (text(pd, r.key).empty())
            qa.add("missing_critical", r.severity,
                   std::string(r.severity[0] == 'e' ? "Critical" : "Important") + " field " + r.field + " is missing",
                   r.field);
    const json &promoters = list(v1, "promoter_details");
    if (promoters.empty() || text(promoters[0], "name").empty())
        qa.add("missing_critical", "warning", "Important field promoter_name is missing", "promoter_name");
    if (text(member(v1, "metadata"), "state_code").empty())
        qa.add("missing_critical", "error", "metadata.state_code is missing", "metadata.state_code");
}

void check_value_types(const json &v1, QaFlags &qa) {
    enum Kind { Num, Int, Date };
    auto check = [&](const json &obj, const char *key, Kind kind, const std::string &path) {
        const json &v = member(obj, key);
        if (v.is_null()) return;
        bool ok = false;
        if (kind == Num) ok = v.is_number();
        if (kind == Int) ok = v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
        if (kind == Date) ok = v.is_string() && parse_iso_date(v.get<std::string>()).has_value();
        if (!ok)
            qa.add("invalid_format", "error",
                   path + " must be " + (kind == Date ? "an ISO date" : kind == Int ? "an integer" : "a JSON number") +
                       " (load_project refuses the document)",
                   path, kind == Date ? "YYYY-MM-DD" : kind == Int ? "integer" : "number", v);
    };
    const json &pd = member(v1, "project_details");
    check(pd, "total_units", Int, "project_details.total_units");
    for (const char *k : {"total_area_sq_m", "estimated_construction_cost_inr", "land_cost_inr"})
        check(pd, k, Num, std::string("project_details.") + k);
    for (const char *k : {"launch_date", "expected_completion_date", "extended_completion_date"})
        check(pd, k, Date, std::string("project_details.") + k);
    const json &completed = member(pd, "completed");
    if (!completed.is_null() && !completed.is_boolean())
        qa.add("invalid_format", "error", "project_details.completed must be true or false", "project_details.completed",
               "boolean", completed);
    struct ListKey {
        const char *list, *key;
        Kind kind;
    };
    for (const ListKey &lk :
         {ListKey{"land_details", "land_area_sq_m", Num}, ListKey{"building_details", "number_of_floors", Int},
          ListKey{"building_details", "number_of_units", Int}, ListKey{"building_details", "carpet_area_sq_m", Num},
          ListKey{"unit_types", "carpet_area_sq_m", Num}, ListKey{"unit_types", "built_up_area_sq_m", Num},
          ListKey{"unit_types", "super_built_up_area_sq_m", Num}, ListKey{"unit_types", "balcony_area_sq_m", Num},
          ListKey{"unit_types", "common_area_sq_m", Num}, ListKey{"unit_types", "terrace_area_sq_m", Num},
          ListKey{"unit_types", "price_in_inr", Num}, ListKey{"documents", "uploaded_on", Date},
          ListKey{"quarterly_updates", "from_date", Date}, ListKey{"quarterly_updates", "to_date", Date},
          ListKey{"quarterly_updates", "completion_percent", Num}, ListKey{"units", "carpet_area_sq_m", Num},
          ListKey{"rera_locations", "latitude", Num}, ListKey{"rera_locations", "longitude", Num},
          ListKey{"rera_locations", "progress_percent", Num}}) {
        const json &l = list(v1, lk.list);
        for (std::size_t i = 0; i < l.size(); ++i) check(l[i], lk.key, lk.kind, at(lk.list, i, lk.key));
    }
}

void check_prices(const json &v1, QaFlags &qa) {
    const json &units = list(v1, "unit_types");
    std::optional<double> lo, hi;
    for (std::size_t i = 0; i < units.size(); ++i) {
        auto price = number(units[i], "price_in_inr");
        if (!price) continue;
        lo = lo ? std::min(*lo, *price) : *price;
        hi = hi ? std::max(*hi, *price) : *price;
        std::optional<double> area = number(units[i], "carpet_area_sq_m");
        if (!area) area = number(units[i], "built_up_area_sq_m");
        if (!area) area = number(units[i], "super_built_up_area_sq_m");
        if (!area || *area <= 0) continue;
        double sqft = *area * kSqFtPerSqM;
        double psf = *price / sqft;
        std::string field = at("unit_types", i, "price_in_inr");
        if (psf < 500)
            qa.add("price_outlier", "warning", "Price per sq ft " + num_text(std::round(psf * 100) / 100) +
                                                   " is below 500", field, ">= 500", num(std::round(psf * 100) / 100));
        else if (psf > 100000)
            qa.add("price_outlier", "error", "Price per sq ft " + num_text(std::round(psf * 100) / 100) +
                                                 " is above 100,000", field, "<= 100000", num(std::round(psf * 100) / 100));
        if (sqft < 100 || sqft > 100000)
            qa.add("bounds_exceeded", "warning", "Unit area " + num_text(std::round(sqft)) +
                                                     " sq ft is outside 100..100,000 sq ft",
                   at("unit_types", i, "carpet_area_sq_m"), "100..100000 sq ft", num(std::round(sqft)));
    }
    if (lo && *lo < 100000)
        qa.add("price_below_min", "warning", "Minimum total price " + num_text(*lo) + " is below 100,000",
               "min_price_total", ">= 100000", num(*lo));
    if (hi && *hi > 1e10)
        qa.add("price_above_max", "error", "Maximum total price " + num_text(*hi) + " is above 10,000,000,000",
               "max_price_total", "<= 10000000000", num(*hi));
}

void check_dates(const json &v1, QaFlags &qa) {
    const json &pd = member(v1, "project_details");
    auto iso = [&](const char *key) -> std::string {
        std::string t = text(pd, key);
        return parse_iso_date(t) ? t : std::string();
    };
    std::string approved = iso("launch_date"), proposed = iso("expected_completion_date"),
                extended = iso("extended_completion_date");
    if (!approved.empty() && !proposed.empty() && proposed < approved)
        qa.add("data_inconsistency", "warning", "Proposed end date " + proposed + " is before the approval " + approved,
               "proposed_end_date", ">= " + approved, proposed);
    if (!proposed.empty() && !extended.empty() && extended < proposed)
        qa.add("data_inconsistency", "info", "Extended end date " + extended + " is before the proposed end " + proposed,
               "extended_end_date", ">= " + proposed, extended);
    const json &q = list(v1, "quarterly_updates");
    for (std::size_t i = 0; i < q.size(); ++i) {
        std::string f = text(q[i], "from_date"), t = text(q[i], "to_date");
        if (parse_iso_date(f) && parse_iso_date(t) && t < f)
            qa.add("data_inconsistency", "warning", "Quarter ends (" + t + ") before it starts (" + f + ")",
                   at("quarterly_updates", i, "to_date"), ">= " + f, t);
    }
}

void check_formats(const json &v1, QaFlags &qa) {
    const json &pd = member(v1, "project_details");
    std::string reg = text(pd, "registration_number");
    if (!reg.empty() && !matches(reg, "P[0-9]?CGRERA[0-9]{12}"))
        qa.add("invalid_format", "warning", "Registration number " + reg + " is not P[n]CGRERA + 12 digits",
               "rera_registration_number", "P[0-9]?CGRERA[0-9]{12}", reg);
    std::string pin = text(pd, "pincode");
    if (!pin.empty() && !matches(pin, "[1-9][0-9]{5}"))
        qa.add("invalid_format", "warning", "PIN code " + pin + " is not 6 digits", "pincode", "6 digits", pin);
    const json &promoters = list(v1, "promoter_details");
    for (std::size_t i = 0; i < promoters.size(); ++i) {
        std::string email = text(promoters[i], "email"), phone = text(promoters[i], "phone"),
                    pan = text(promoters[i], "pan");
        if (!email.empty() && !matches(email, "[^@\\s]+@[^@\\s]+\\.[^@\\s]+"))
            qa.add("invalid_format", "warning", "E-mail " + email + " is not an address", at("promoter_details", i, "email"),
                   "name@domain", email);
        std::string digits;
        for (char c : phone)
            if (c >= '0' && c <= '9') digits.push_back(c);
        if (digits.size() == 12 && digits.rfind("91", 0) == 0) digits = digits.substr(2);
        if (digits.size() == 11 && digits[0] == '0') digits = digits.substr(1);
        if (!phone.empty() && !matches(digits, "[6-9][0-9]{9}"))
            qa.add("invalid_format", "warning", "Mobile number " + phone + " is not 10 digits", at("promoter_details", i, "phone"),
                   "10 digits starting 6-9", phone);
        if (!pan.empty() && !matches(upper_ascii(pan), "[A-Z]{5}[0-9]{4}[A-Z]"))
            qa.add("invalid_format", "warning", "PAN " + pan + " is not 5 letters, 4 digits, 1 letter",
                   at("promoter_details", i, "pan"), "AAAAA9999A", pan);
    }
    const json &banks = list(v1, "bank_details");
    for (std::size_t i = 0; i < banks.size(); ++i) {
        std::string ifsc = text(banks[i], "ifsc_code");
        if (!ifsc.empty() && !matches(upper_ascii(ifsc), "[A-Z]{4}0[A-Z0-9]{6}"))
            qa.add("invalid_format", "warning", "IFSC " + ifsc + " is not 4 letters, 0, 6 letters or digits",
                   at("bank_details", i, "ifsc_code"), "AAAA0XXXXXX", ifsc);
    }
}

void check_quarters(const json &v1, QaFlags &qa) {
    const json &q = list(v1, "quarterly_updates");
    // (plot group, type) -> area -> quarters reporting it
    std::map<std::string, std::map<double, std::vector<std::string>>> areas;
    for (std::size_t i = 0; i < q.size(); ++i) {
        auto pct = number(q[i], "completion_percent");
        if (pct && (*pct < 0 || *pct > 100))
            qa.add("bounds_exceeded", "warning", "Completion " + num_text(*pct) + "% is outside 0..100",
                   at("quarterly_updates", i, "completion_percent"), "0..100", num(*pct));
        const json &plots = member(q[i], "plots");
        if (plots.is_array())
            for (std::size_t j = 0; j < plots.size(); ++j) {
                auto total = number(plots[j], "total_plots"), booked = number(plots[j], "booked");
                std::string field = at("quarterly_updates", i, "plots") + "[" + std::to_string(j) + "]";
                if (total && booked && *booked > *total)
                    qa.add("data_inconsistency", "warning",
                           "Booked " + num_text(*booked) + " of " + num_text(*total) + " plots", field + ".booked",
                           "<= " + num_text(*total), num(*booked));
                if (auto area = number(plots[j], "plot_area_sq_m"))
                    areas[text(plots[j], "plot_group") + "\x1f" + text(plots[j], "plots_type")][*area].push_back(
                        field + ".plot_area_sq_m");
            }
        const json &am = member(q[i], "amenity_progress");
        if (am.is_array())
            for (std::size_t j = 0; j < am.size(); ++j)
                if (auto p = number(am[j], "progress_percent"); p && (*p < 0 || *p > 100))
                    qa.add("bounds_exceeded", "warning", "Amenity progress " + num_text(*p) + "% is outside 0..100",
                           at("quarterly_updates", i, "amenity_progress") + "[" + std::to_string(j) + "].progress_percent",
                           "0..100", num(*p));
    }
    // a plot group whose area changes in a few quarters only: most likely a typo
    for (const auto &[group, by_area] : areas) {
        if (by_area.size() < 2) continue;
        double usual = 0;
        std::size_t most = 0;
        for (const auto &[a, fields] : by_area)
            if (fields.size() > most) most = fields.size(), usual = a;
        for (const auto &[a, fields] : by_area)
            if (a != usual)
                for (const std::string &f : fields)
                    qa.add("data_inconsistency", "info",
                           "Plot area " + num_text(a) + " differs from the " + num_text(usual) +
                               " the other quarters report for this plot group",
                           f, num(usual), num(a));
    }
}

void check_positions(const json &v1, QaFlags &qa) {
    const json &l = list(v1, "rera_locations");
    for (std::size_t i = 0; i < l.size(); ++i) {
        auto lat = number(l[i], "latitude"), lon = number(l[i], "longitude");
        if (!lat || !lon) continue;
        if (!geo::in_box(*lat, *lon, geo::kChhattisgarhBox))
            qa.add("bounds_exceeded", "warning",
                   "Position " + num_text(*lat) + ", " + num_text(*lon) + " (" + text(l[i], "source_type") +
                       ") is outside Chhattisgarh",
                   at("rera_locations", i, "latitude"), "lat 17.790535..24.076559, lon 80.456686..84.368570",
                   json::array({*lat, *lon}));
    }
}

}  // namespace realmap::v1
