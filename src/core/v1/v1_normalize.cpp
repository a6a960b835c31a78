#include "core/v1/v1_normalize.hpp"

#include "core/error.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

std::string normalize_district(std::string_view district) {
    // known districts (raipur, bilaspur, durg, korba, dhamtari, rajnandgaon) and the
    // rest are both title case: one rule
    return title_case(clean_text(district));
}

std::string normalize_project_status(std::string_view status) {
    std::string s = clean_text(status), l = lower_ascii(s);
    if (l == "ongoing" || l == "on-going" || l == "on going") return "Ongoing";
    if (l == "registered" || l == "registration") return "Registered";
    if (l == "completed") return "Completed";
    return title_case(s);
}

std::string normalize_project_type(std::string_view type) {
    std::string s = clean_text(type), l = lower_ascii(s);
    if (l == "residential") return "Residential";
    if (l == "commercial") return "Commercial";
    if (l == "mixed use" || l == "mixed-use") return "Mixed Use";
    if (l == "residential and commercial" || l == "residential & commercial") return "Residential and Commercial";
    return title_case(s);
}

std::string normalize_registration_number(std::string_view reg) {
    std::string s;
    for (char c : reg) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f' || u == '\v') continue;
        if (c == '-' && !s.empty() && s.back() == '-') continue;
        s.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    // U+00A0 (C2 A0) is whitespace too
    for (std::size_t i; (i = s.find("\xC2\xA0")) != std::string::npos;) s.erase(i, 2);
    auto strip = [](char c) { return c == '-' || c == '.' || c == '/' || c == '*'; };
    std::size_t b = 0, e = s.size();
    while (b < e && strip(s[b])) ++b;
    while (e > b && strip(s[e - 1])) --e;
    return s.substr(b, e - b);
}

namespace {

// Collapses whitespace in every string member of obj; removes the empty ones.
void clean_strings(json &obj) {
    if (!obj.is_object()) return;
    for (auto it = obj.begin(); it != obj.end();) {
        if (it->is_string()) {
            std::string c = clean_text(it->get<std::string>());
            if (c.empty()) {
                it = obj.erase(it);
                continue;
            }
            *it = c;
        }
        ++it;
    }
}

void normalize_field(json &pd, const char *key, std::string (*fn)(std::string_view)) {
    auto it = pd.find(key);
    if (it == pd.end() || !it->is_string()) return;
    std::string v = fn(it->get<std::string>());
    if (v.empty()) pd.erase(it);
    else *it = v;
}

}  // namespace

json normalize_v1(const json &v1_in) {
    if (!v1_in.is_object()) throw Error("22023", "not a V1 document: expected a JSON object");
    json v1 = v1_in;
    if (auto pd = v1.find("project_details"); pd != v1.end() && pd->is_object()) {
        clean_strings(*pd);
        normalize_field(*pd, "district", normalize_district);
        normalize_field(*pd, "project_status", normalize_project_status);
        normalize_field(*pd, "project_type", normalize_project_type);
        normalize_field(*pd, "registration_number", normalize_registration_number);
    }
    if (auto p = v1.find("professionals"); p != v1.end()) clean_strings(*p);
    for (const char *list : {"promoter_details", "land_details", "building_details", "unit_types", "bank_details",
                             "documents", "quarterly_updates", "units", "rera_locations"}) {
        auto l = v1.find(list);
        if (l == v1.end() || !l->is_array()) continue;
        for (json &e : *l) clean_strings(e);
    }
    return v1;
}

}  // namespace realmap::v1
