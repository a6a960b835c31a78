#include "core/v1/v1_validate.hpp"

#include <chrono>
#include <ctime>
#include <set>

#include "core/error.hpp"
#include "core/v1/v1_qa_checks.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

// Layer (a): quality/validation.validate_v1_project's messages.
std::vector<std::string> normaliser_messages(const json &v1) {
    std::vector<std::string> out;
    const json pd = v1.value("project_details", json::object());
    auto blank = [&](const char *key) {
        auto it = pd.find(key);
        return it == pd.end() || it->is_null() || (it->is_string() && clean_text(it->get<std::string>()).empty());
    };
    if (blank("district")) out.push_back("Missing district in project details.");
    if (blank("project_status")) out.push_back("Missing project status in project details.");
    if (!blank("pincode")) {
        const json &p = pd["pincode"];
        std::string raw = p.is_string() ? p.get<std::string>() : p.dump(), digits;
        for (char c : raw)
            if (c >= '0' && c <= '9') digits.push_back(c);
        if (digits.size() != 6) out.push_back("Invalid pincode format (expected 6 digits).");
    }
    const json land = v1.value("land_details", json::array());
    if (land.is_array())
        for (std::size_t i = 0; i < land.size(); ++i) {
            if (!land[i].is_object()) continue;
            auto a = land[i].find("land_area_sq_m");
            if (a == land[i].end() || a->is_null()) continue;
            if (!a->is_number() || a->get<double>() <= 0)
                out.push_back("Land detail " + std::to_string(i + 1) + ": land_area_sq_m should be a positive number.");
        }
    if (auto a = pd.find("total_area_sq_m"); a != pd.end() && !a->is_null() && (!a->is_number() || a->get<double>() <= 0))
        out.push_back("Project total_area_sq_m should be a positive number.");
    return out;
}

}  // namespace

std::string utc_now_iso() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json validate_v1(const json &v1, const std::string &checked_at) {
    if (!v1.is_object()) throw Error("22023", "not a V1 document: expected a JSON object");
    QaFlags qa;
    check_required_fields(v1, qa);
    check_value_types(v1, qa);
    check_prices(v1, qa);
    check_dates(v1, qa);
    check_formats(v1, qa);
    check_quarters(v1, qa);
    check_positions(v1, qa);
    int errors = 0, warnings = 0, infos = 0;
    for (const json &f : qa.flags) {
        std::string s = f["severity"];
        (s == "error" ? errors : s == "warning" ? warnings : infos)++;
    }
    return {{"status", errors ? "failed" : warnings ? "warning" : "passed"},
            {"flags", qa.flags},
            {"checked_at", checked_at.empty() ? utc_now_iso() : checked_at},
            {"validator_version", kValidatorVersion},
            {"flag_count", qa.flags.size()},
            {"error_count", errors},
            {"warning_count", warnings},
            {"info_count", infos},
            {"messages", normaliser_messages(v1)}};
}

json validate_v1(const json &v1) { return validate_v1(v1, ""); }

json attach_qa(const json &v1_in, const json &qa_in) {
    if (!v1_in.is_object()) throw Error("22023", "not a V1 document: expected a JSON object");
    if (!qa_in.is_object()) throw Error("22023", "not a QA result: expected a JSON object");
    json v1 = v1_in, qa = qa_in;
    json messages = v1.value("validation_messages", json::array());
    if (!messages.is_array()) messages = json::array();
    std::set<std::string> have;
    for (const json &m : messages)
        if (m.is_string()) have.insert(m.get<std::string>());
    if (auto m = qa.find("messages"); m != qa.end()) {
        if (m->is_array())
            for (const json &s : *m)
                if (s.is_string() && have.insert(s.get<std::string>()).second) messages.push_back(s);
        qa.erase(m);
    }
    v1["validation_messages"] = std::move(messages);
    v1["qa"] = std::move(qa);
    return v1;
}

}  // namespace realmap::v1
