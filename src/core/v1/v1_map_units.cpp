// units: the unit list table ("Brief Details Apartment/Flat": block, floor, unit no,
// type, carpet area) and the inventory grid (bg_llg = available, bg_lly = booked/sold
// spans whose text is the unit number).  An inventory item naming a listed unit gives
// it its status; the others are units of their own (block and floor unknown).
#include <map>
#include <set>

#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

std::string text_of(const json &rec, const char *key) {
    auto it = rec.find(key);
    if (it == rec.end() || it->is_null()) return {};
    return it->is_string() ? clean_text(it->get<std::string>()) : it->dump();
}

json status_of_class(const std::string &cls) {
    if (cls == "bg_lly") return "Booked";
    if (cls == "bg_llg") return "Available";
    return nullptr;
}

}  // namespace

json map_units(MapState &state, const SectionReading &reading) {
    json out = json::array();
    std::set<std::string> keys;
    int duplicates = 0;
    std::multimap<std::string, std::size_t> by_unit_no;
    for (const json &rec : reading.records("units")) {
        if (text_of(rec, "unit_no").empty()) continue;
        std::string key = lower_ascii(text_of(rec, "block")) + "\x1f" + lower_ascii(text_of(rec, "floor")) + "\x1f" +
                          lower_ascii(text_of(rec, "unit_no"));
        if (!keys.insert(key).second) {
            ++duplicates;
            continue;
        }
        by_unit_no.emplace(lower_ascii(text_of(rec, "unit_no")), out.size());
        out.push_back(rec);
    }
    if (duplicates) state.note("units: " + std::to_string(duplicates) + " repeated unit row(s) left out (the first kept)");

    auto inv = state.raw.find("inventory");
    if (inv == state.raw.end() || !inv->is_object()) return out;
    int inv_duplicates = 0;
    std::set<std::string> seen;
    for (const json &item : inv->value("items", json::array())) {
        if (!item.is_object()) continue;
        std::string no = clean_text(str_of(item, "text"));
        if (no.empty()) continue;
        json status = status_of_class(str_of(item, "class"));
        std::string key = lower_ascii(no);
        if (!seen.insert(key).second) {
            ++inv_duplicates;
            continue;
        }
        auto range = by_unit_no.equal_range(key);
        if (range.first != range.second && std::next(range.first) == range.second) {
            json &u = out[range.first->second];
            if (!status.is_null()) u["status"] = status;
            continue;
        }
        json u = {{"unit_no", no}};
        if (!status.is_null()) u["status"] = status;
        out.push_back(std::move(u));
    }
    if (inv_duplicates)
        state.note("units: " + std::to_string(inv_duplicates) + " repeated inventory item(s) left out (the first kept)");
    return out;
}

}  // namespace realmap::v1
