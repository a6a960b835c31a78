#include "core/geo/nominatim_answer.hpp"

#include <charconv>
#include <cmath>
#include <initializer_list>

#include "core/error.hpp"
#include "core/geo/address_normalize.hpp"

namespace realmap::geo {

namespace {

using nlohmann::json;

constexpr const char *kProtocolViolation = "08P01";

[[noreturn]] void bad_answer(const std::string &message) {
    throw Error(kProtocolViolation, "nominatim: " + message);
}

bool in(const std::string &word, std::initializer_list<const char *> words) {
    for (const char *w : words)
        if (word == w) return true;
    return false;
}

Precision from_place_word(const std::string &w) {
    if (in(w, {"house", "house_number"})) return Precision::House;
    if (w == "building") return Precision::Building;
    if (in(w, {"road", "street", "square"})) return Precision::Street;
    if (in(w, {"city_block", "suburb", "neighbourhood", "quarter", "borough", "residential"})) return Precision::Suburb;
    if (in(w, {"hamlet", "isolated_dwelling", "farm", "locality", "village"})) return Precision::Village;
    if (w == "town") return Precision::Town;
    if (in(w, {"city", "municipality"})) return Precision::City;
    if (w == "county") return Precision::Tehsil;
    if (in(w, {"state_district", "district"})) return Precision::District;
    if (in(w, {"state", "province", "region"})) return Precision::State;
    if (w == "country") return Precision::Country;
    return Precision::Unknown;
}

Precision from_place_rank(int rank) {
    if (rank <= 4) return Precision::Country;
    if (rank <= 9) return Precision::State;
    if (rank <= 12) return Precision::District;
    if (rank <= 16) return Precision::City;
    if (rank <= 18) return Precision::Town;
    if (rank <= 19) return Precision::Village;
    if (rank <= 25) return Precision::Suburb;
    if (rank <= 27) return Precision::Street;
    return Precision::House;
}

bool is_feature_class(const std::string &c) {
    return in(c, {"amenity", "shop", "tourism", "leisure", "office", "healthcare", "craft", "historic", "man_made",
                  "emergency", "railway", "aeroway", "public_transport", "natural", "waterway"});
}

std::string text_field(const json &object, const char *key) {
    auto it = object.find(key);
    return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// Nominatim writes coordinates as strings ("21.2380912"); numbers are accepted too.
std::optional<double> coordinate(const json &element, const char *key) {
    auto it = element.find(key);
    if (it == element.end()) return std::nullopt;
    if (it->is_number()) return it->get<double>();
    if (!it->is_string()) return std::nullopt;
    const std::string &s = it->get_ref<const std::string &>();
    double value = 0.0;
    auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

}  // namespace

Precision nominatim_precision(const std::string &osm_class, const std::string &type, const std::string &addresstype,
                              std::optional<int> place_rank) {
    auto by_rank = [&] { return place_rank ? from_place_rank(*place_rank) : Precision::Unknown; };
    if (osm_class == "place") {
        Precision p = from_place_word(type);
        if (p != Precision::Unknown) return p;
    } else if (osm_class == "boundary") {
        Precision p = from_place_word(addresstype);
        return p != Precision::Unknown ? p : by_rank();
    } else if (osm_class == "highway") {
        return Precision::Street;
    } else if (osm_class == "building") {
        return Precision::Building;
    } else if (is_feature_class(osm_class)) {
        return Precision::Poi;
    }
    Precision p = from_place_word(addresstype);
    return p != Precision::Unknown ? p : by_rank();
}

std::optional<NominatimPlace> parse_nominatim_answer(const std::string &body) {
    std::size_t start = body.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a BOM
    json answer = json::parse(body.begin() + static_cast<std::ptrdiff_t>(start), body.end(), nullptr, false);
    if (answer.is_discarded()) {
        std::string head = body.substr(start, 80);
        bad_answer("the answer is not JSON: " + json(head).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    return parse_nominatim_answer(answer);
}

std::optional<NominatimPlace> parse_nominatim_answer(const json &answer) {
    if (answer.is_object() && answer.contains("error")) {
        const json &error = answer["error"];
        std::string message = error.is_string() ? error.get<std::string>()
                              : error.is_object() ? text_field(error, "message") : error.dump();
        bad_answer("the service reported an error: " + message);
    }
    if (!answer.is_array()) bad_answer(std::string("expected a JSON array of places, got ") + answer.type_name());
    if (answer.empty()) return std::nullopt;
    const json &element = answer[0];
    if (!element.is_object()) bad_answer("answer[0] is not an object");

    NominatimPlace place;
    std::optional<double> lat = coordinate(element, "lat"), lon = coordinate(element, "lon");
    if (!lat || !lon) bad_answer("answer[0] has no usable lat/lon");
    place.lat = *lat;
    place.lon = *lon;
    place.display_name = text_field(element, "display_name");
    if (auto it = element.find("importance"); it != element.end() && it->is_number())
        place.importance = it->get<double>();
    place.osm_class = text_field(element, "class");
    if (place.osm_class.empty()) place.osm_class = text_field(element, "category");  // format=jsonv2
    place.osm_type = text_field(element, "type");
    place.addresstype = text_field(element, "addresstype");
    if (auto it = element.find("place_rank"); it != element.end() && it->is_number_integer())
        place.place_rank = it->get<int>();
    if (auto it = element.find("address"); it != element.end() && it->is_object()) {
        place.district = text_field(*it, "state_district");
        if (place.district.empty()) place.district = text_field(*it, "district");
        place.state = text_field(*it, "state");
    }
    place.precision = nominatim_precision(place.osm_class, place.osm_type, place.addresstype, place.place_rank);
    return place;
}

std::string implausible_answer_reason(const NominatimPlace &place, GeocodeLevel level,
                                      const std::string &expected_district) {
    if (place.precision == Precision::Poi && level != GeocodeLevel::Address)
        return "matched a named feature (" + place.osm_class + "=" + place.osm_type + "), not the " +
               geocode_level_name(level) + " asked for";
    if (place.precision == Precision::State || place.precision == Precision::Country)
        return std::string("the answer is only ") + precision_name(place.precision) + "-level";
    std::string want = address_key(strip_district_marker(expected_district));
    std::string got = address_key(place.district);
    if (!want.empty() && !got.empty() && got.find(want) == std::string::npos && want.find(got) == std::string::npos)
        return "the answer lies in district " + place.district + ", not " + expected_district;
    return "";
}

json to_json(const NominatimPlace &place) {
    return {{"lat", place.lat},
            {"lon", place.lon},
            {"precision", precision_name(place.precision)},
            {"display_name", place.display_name},
            {"importance", place.importance ? json(*place.importance) : json(nullptr)},
            {"class", place.osm_class},
            {"type", place.osm_type},
            {"addresstype", place.addresstype},
            {"place_rank", place.place_rank ? json(*place.place_rank) : json(nullptr)},
            {"district", place.district},
            {"state", place.state}};
}

}  // namespace realmap::geo
