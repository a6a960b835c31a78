#include "core/geo/location_choice.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "core/error.hpp"
#include "core/geo/haversine.hpp"

namespace realmap::geo {

namespace {

using nlohmann::json;

bool is_rera_site(LocationSource s) {
    return s == LocationSource::ListingPin || s == LocationSource::MapIframe ||
           s == LocationSource::AmenityCentroid || s == LocationSource::AmenityMarker;
}

Precision effective_precision(const LocationCandidate &c) {
    if (c.source != LocationSource::Geocode) return Precision::Site;
    return coarser(c.precision, precision_limit(c.query_level));
}

void add_flag(std::vector<std::string> &flags, const std::string &flag) {
    if (std::find(flags.begin(), flags.end(), flag) == flags.end()) flags.push_back(flag);
}

// A centroid of the accepted markers when none was given: the mean of their
// coordinates (markers lie within a site, far from the antimeridian).
void add_marker_centroid(std::vector<RankedCandidate> &evaluated, const BoundingBox &box) {
    bool has_centroid = false;
    double lat_sum = 0.0, lon_sum = 0.0;
    int markers = 0;
    for (const RankedCandidate &r : evaluated) {
        if (r.candidate.source == LocationSource::AmenityCentroid) has_centroid = true;
        if (r.candidate.source == LocationSource::AmenityMarker && r.accepted) {
            lat_sum += r.candidate.lat;
            lon_sum += r.candidate.lon;
            ++markers;
        }
    }
    if (has_centroid || markers < 2) return;
    RankedCandidate centroid;
    centroid.candidate.source = LocationSource::AmenityCentroid;
    centroid.candidate.lat = lat_sum / markers;
    centroid.candidate.lon = lon_sum / markers;
    centroid.candidate.label = "computed from " + std::to_string(markers) + " amenity markers";
    centroid.effective = Precision::Site;
    centroid.accepted = in_box(centroid.candidate.lat, centroid.candidate.lon, box);
    evaluated.push_back(centroid);
}

double number_field(const json &item, std::initializer_list<const char *> keys, const std::string &where) {
    for (const char *key : keys) {
        auto it = item.find(key);
        if (it == item.end() || it->is_null()) continue;
        if (!it->is_number()) throw Error("22023", "choose_location: " + where + ": " + key + " must be a number");
        return it->get<double>();
    }
    return std::nan("");  // missing: rejected as invalid coordinates
}

std::string text_field(const json &item, const char *key, const std::string &where) {
    auto it = item.find(key);
    if (it == item.end() || it->is_null()) return "";
    if (!it->is_string()) throw Error("22023", "choose_location: " + where + ": " + key + " must be a text");
    return it->get<std::string>();
}

json to_json(const RankedCandidate &r) {
    auto coordinate = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    return {{"source_type", location_source_name(r.candidate.source)},
            {"latitude", coordinate(r.candidate.lat)},
            {"longitude", coordinate(r.candidate.lon)},
            {"precision", precision_name(r.effective)},
            {"accepted", r.accepted},
            {"rejected_because", r.rejected_because.empty() ? json(nullptr) : json(r.rejected_because)},
            {"suspect", r.candidate.suspect.empty() ? json(nullptr) : json(r.candidate.suspect)},
            {"label", r.candidate.label}};
}

}  // namespace

const char *location_source_name(LocationSource source) {
    switch (source) {
    case LocationSource::ManualPin: return "manual_pin";
    case LocationSource::ListingPin: return "listing_map";
    case LocationSource::MapIframe: return "map_iframe";
    case LocationSource::AmenityCentroid: return "amenity_centroid";
    case LocationSource::AmenityMarker: return "amenity";
    case LocationSource::Geocode: return "geocode_normalized";
    }
    return "geocode_normalized";
}

std::optional<LocationSource> location_source_from_name(const std::string &name) {
    if (name == "manual_pin") return LocationSource::ManualPin;
    if (name == "listing_map" || name == "rera_pin") return LocationSource::ListingPin;
    if (name == "map_iframe") return LocationSource::MapIframe;
    if (name == "amenity_centroid") return LocationSource::AmenityCentroid;
    if (name == "amenity") return LocationSource::AmenityMarker;
    if (name == "geocode_normalized" || name == "geocode") return LocationSource::Geocode;
    return std::nullopt;
}

LocationChoice choose_location(const std::vector<LocationCandidate> &candidates, const BoundingBox &box) {
    LocationChoice choice;
    std::vector<RankedCandidate> evaluated;
    for (const LocationCandidate &c : candidates) {
        RankedCandidate r;
        r.candidate = c;
        r.effective = effective_precision(c);
        if (!valid_coordinates(c.lat, c.lon)) {
            r.rejected_because = "invalid_coordinates";
        } else if (!in_box(c.lat, c.lon, box)) {
            r.rejected_because = "outside_bbox";
        } else {
            r.accepted = true;
        }
        if (!r.accepted) add_flag(choice.flags, std::string(location_source_name(c.source)) + "_" + r.rejected_because);
        evaluated.push_back(std::move(r));
    }
    add_marker_centroid(evaluated, box);

    std::vector<RankedCandidate> accepted, rejected;
    for (RankedCandidate &r : evaluated) (r.accepted ? accepted : rejected).push_back(std::move(r));
    // stable_sort keeps the input order among equals (rule 3's last tie-break).
    std::stable_sort(accepted.begin(), accepted.end(), [](const RankedCandidate &a, const RankedCandidate &b) {
        bool a_suspect = !a.candidate.suspect.empty(), b_suspect = !b.candidate.suspect.empty();
        if (a_suspect != b_suspect) return b_suspect;
        if (a.effective != b.effective) return finer_than(a.effective, b.effective);
        return static_cast<int>(a.candidate.source) < static_cast<int>(b.candidate.source);
    });

    if (accepted.empty()) {
        add_flag(choice.flags, "no_position");
    } else {
        const RankedCandidate &best = accepted.front();
        choice.chosen = best;
        if (is_rera_site(best.candidate.source)) {
            for (const RankedCandidate &other : accepted)
                if (is_rera_site(other.candidate.source) &&
                    haversine_km(best.candidate.lat, best.candidate.lon, other.candidate.lat, other.candidate.lon) >
                        kSiteDisagreementKm)
                    add_flag(choice.flags, "rera_positions_disagree");
        }
        if (!best.candidate.suspect.empty()) add_flag(choice.flags, "geocode_suspect");
        if (!finer_than(best.effective, Precision::Tehsil)) add_flag(choice.flags, "coarse_position");
    }
    choice.ranked = std::move(accepted);
    for (RankedCandidate &r : rejected) choice.ranked.push_back(std::move(r));
    return choice;
}

json choose_location_json(const json &candidates) {
    if (!candidates.is_array())
        throw Error("22023", std::string("choose_location: expected a JSON array of candidate positions, got ") +
                                 candidates.type_name());
    std::vector<LocationCandidate> list;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const json &item = candidates[i];
        std::string where = "candidates[" + std::to_string(i) + "]";
        if (!item.is_object()) throw Error("22023", "choose_location: " + where + " must be an object");
        std::string source_name = text_field(item, "source_type", where);
        if (source_name.empty()) source_name = text_field(item, "source", where);
        std::optional<LocationSource> source = location_source_from_name(source_name);
        if (!source) throw Error("22023", "choose_location: " + where + ": unknown source_type \"" + source_name + "\"");
        LocationCandidate c;
        c.source = *source;
        c.lat = number_field(item, {"latitude", "lat"}, where);
        c.lon = number_field(item, {"longitude", "lon"}, where);
        std::string precision = text_field(item, "precision", where);
        c.precision = precision.empty() ? (c.source == LocationSource::Geocode ? Precision::Unknown : Precision::Site)
                                        : precision_from_name(precision);
        std::string level = text_field(item, "query_level", where);
        c.query_level = level.empty() ? GeocodeLevel::Address : geocode_level_from_name(level);
        c.suspect = text_field(item, "suspect", where);
        c.label = text_field(item, "label", where);
        list.push_back(std::move(c));
    }
    LocationChoice choice = choose_location(list);
    json out = {{"found", choice.chosen.has_value()}, {"flags", choice.flags}};
    if (choice.chosen) {
        out["latitude"] = choice.chosen->candidate.lat;
        out["longitude"] = choice.chosen->candidate.lon;
        out["source_type"] = location_source_name(choice.chosen->candidate.source);
        out["precision"] = precision_name(choice.chosen->effective);
        out["label"] = choice.chosen->candidate.label;
    } else {
        for (const char *key : {"latitude", "longitude", "source_type", "precision", "label"}) out[key] = nullptr;
    }
    json ranked = json::array();
    for (const RankedCandidate &r : choice.ranked) ranked.push_back(to_json(r));
    out["candidates"] = ranked;
    return out;
}

}  // namespace realmap::geo
