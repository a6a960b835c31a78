#include "core/scoring/amenity_slices.hpp"

#include <cmath>
#include <set>
#include <utility>

#include "core/error.hpp"

namespace realmap::scoring {

namespace {

using nlohmann::json;

[[noreturn]] void bad_input(const std::string &message) {
    throw Error(sqlstate::kInvalidParameterValue, "score_from_stats: " + message);
}

std::string shown(const json &value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

// "stats[2] (\"school\")": which slice a message is about.
std::string slice_name(std::size_t index, const json &slice) {
    std::string name = "stats[" + std::to_string(index) + "]";
    if (slice.is_object()) {
        auto it = slice.find("amenity_type");
        if (it != slice.end() && it->is_string()) name += " (" + it->dump() + ")";
    }
    return name;
}

std::optional<double> read_distance(const json &slice, const char *field, const std::string &where,
                                    bool zero_allowed) {
    auto it = slice.find(field);
    if (it == slice.end() || it->is_null()) return std::nullopt;
    if (!it->is_number())
        bad_input(where + ": " + field + " must be a number of kilometres or null, got " + shown(*it));
    double value = it->get<double>();
    bool ok = std::isfinite(value) && (zero_allowed ? value >= 0.0 : value > 0.0);
    if (!ok)
        bad_input(where + ": " + field + " must be a " + (zero_allowed ? "non-negative" : "positive") +
                  " number of kilometres, got " + shown(*it));
    return value;
}

std::int64_t read_count(const json &slice, const std::string &where) {
    auto it = slice.find("nearby_count");
    if (it == slice.end() || it->is_null()) return 0;
    if (it->is_number_unsigned()) return static_cast<std::int64_t>(it->get<std::uint64_t>());
    if (it->is_number_integer()) {
        std::int64_t count = it->get<std::int64_t>();
        if (count >= 0) return count;
    } else if (it->is_number_float()) {
        // jsonb may spell a whole count as 4.0; a fraction of a POI is not a count.
        double value = it->get<double>();
        if (std::isfinite(value) && value >= 0.0 && value == std::floor(value) && value < 9.0e18)
            return static_cast<std::int64_t>(value);
    }
    bad_input(where + ": nearby_count must be a non-negative whole number or null, got " + shown(*it));
}

std::string read_amenity_name(const json &item, const std::string &where) {
    if (item.is_string()) return item.get<std::string>();
    if (item.is_object()) {
        for (const char *key : {"particulars", "name"}) {
            auto it = item.find(key);
            if (it != item.end() && it->is_string()) return it->get<std::string>();
        }
    }
    bad_input(where + " must be a text or an object with \"particulars\" or \"name\", got " + shown(item));
}

void read_amenity_list(const json &list, const std::string &where, std::vector<std::string> &out) {
    if (!list.is_array()) bad_input(where + " must be an array of amenities, got " + shown(list));
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(read_amenity_name(list[i], where + "[" + std::to_string(i) + "]"));
}

void read_slices(const json &slices, ScoringInput &input) {
    if (!slices.is_array())
        bad_input("expected a JSON array of amenity slices, or an object with \"slices\", got " +
                  std::string(slices.type_name()));
    std::set<std::pair<std::string, double>> seen;
    for (std::size_t i = 0; i < slices.size(); ++i) {
        const json &slice = slices[i];
        std::string where = slice_name(i, slice);
        if (!slice.is_object()) bad_input(where + " must be an object, got " + shown(slice));
        auto type = slice.find("amenity_type");
        if (type == slice.end() || !type->is_string() || type->get<std::string>().empty())
            bad_input(where + ": amenity_type must be a non-empty text, got " +
                      (type == slice.end() ? std::string("nothing") : shown(*type)));

        AmenitySlice s;
        s.amenity_type = type->get<std::string>();
        s.radius_km = read_distance(slice, "radius_km", where, false);
        if (!s.radius_km) {
            // An on-site row: it names an amenity the project has (unless it says it has
            // not), and may carry the list of the project's amenities.
            if (!input.onsite_amenities) input.onsite_amenities.emplace();
            auto available = slice.find("onsite_available");
            if (available != slice.end() && !available->is_null() && !available->is_boolean())
                bad_input(where + ": onsite_available must be true, false or null, got " + shown(*available));
            if (available == slice.end() || available->is_null() || available->get<bool>())
                input.onsite_amenities->push_back(s.amenity_type);
            auto details = slice.find("onsite_details");
            if (details != slice.end() && !details->is_null())
                read_amenity_list(*details, where + ": onsite_details", *input.onsite_amenities);
            continue;
        }
        s.nearby_count = read_count(slice, where);
        s.nearby_nearest_km = read_distance(slice, "nearby_nearest_km", where, true);
        // The table is unique on (amenity_type, radius_km); two answers for one slice
        // would make the score depend on which one is read.
        if (!seen.emplace(s.amenity_type, *s.radius_km).second)
            bad_input(where + ": radius_km " + shown(slice["radius_km"]) + " repeats an earlier slice of the same amenity_type");
        input.nearby.push_back(std::move(s));
    }
}

}  // namespace

ScoringInput read_scoring_input(const json &stats) {
    if (stats.is_object()) {
        auto slices = stats.find("slices");
        if (slices == stats.end())
            bad_input("expected a JSON array of amenity slices, or an object with \"slices\"; the object has no \"slices\"");
        auto onsite = stats.find("onsite_amenities");
        return read_scoring_input(*slices, onsite == stats.end() ? json() : *onsite);
    }
    return read_scoring_input(stats, json());
}

ScoringInput read_scoring_input(const json &slices, const json &onsite_amenities) {
    ScoringInput input;
    read_slices(slices, input);
    if (!onsite_amenities.is_null()) {
        if (!input.onsite_amenities) input.onsite_amenities.emplace();
        read_amenity_list(onsite_amenities, "onsite_amenities", *input.onsite_amenities);
    }
    return input;
}

const AmenitySlice *select_slice(const std::vector<AmenitySlice> &nearby, const std::string &amenity_type,
                                 double target_km) {
    const AmenitySlice *largest_within = nullptr;
    const AmenitySlice *smallest = nullptr;
    for (const AmenitySlice &s : nearby) {
        if (s.amenity_type != amenity_type) continue;
        if (!smallest || *s.radius_km < *smallest->radius_km) smallest = &s;
        if (*s.radius_km <= target_km && (!largest_within || *s.radius_km > *largest_within->radius_km))
            largest_within = &s;
    }
    return largest_within ? largest_within : smallest;
}

}  // namespace realmap::scoring
