// Amenities core: the one-per-project Overpass query, reading answers (errors are never
// "no POIs"), and the (category, radius) stats that feed the score.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amenities/amenity_categories.hpp"
#include "core/amenities/amenity_stats.hpp"
#include "core/amenities/overpass_answer.hpp"
#include "core/amenities/overpass_query.hpp"
#include "core/error.hpp"
#include "core/scoring/score_from_stats.hpp"

using nlohmann::json;
using namespace realmap::amenities;

namespace {

// The project of the fixture sits at 21.25, 81.63; POIs lie due north of it, where the
// haversine distance is 6371 km × Δlat in radians (0.001° = 0.1111949 km).
constexpr double kLat = 21.25, kLon = 81.63;

std::string fixture_answer() {
    auto node = [](int id, double lat, json tags) {
        return json{{"type", "node"}, {"id", id}, {"lat", lat}, {"lon", kLon}, {"tags", tags}};
    };
    json elements = json::array({
        node(101, 21.254, {{"amenity", "school"}, {"name", "Govt. Primary School"}}),           // 0.445 km
        {{"type", "way"}, {"id", 202}, {"center", {{"lat", 21.27}, {"lon", kLon}}},            // 2.224 km
         {"nodes", {1, 2, 3, 1}}, {"tags", {{"amenity", "school"}, {"name:hi", "विद्यालय"}}}},
        node(103, 21.29, {{"amenity", "school"}}),                                              // 4.448 km
        node(101, 21.254, {{"amenity", "school"}}),                                             // a repeat
        node(104, 21.259, {{"amenity", "bank"}, {"operator", "State Bank of India"}}),          // 1.001 km
        node(105, 21.2589, {{"amenity", "atm"}}),                                               // 0.990 km
        node(106, 21.255, {{"amenity", "pharmacy"}, {"shop", "supermarket"}}),                  // 0.556 km, two categories
        {{"type", "way"}, {"id", 207}, {"tags", {{"leisure", "park"}}}},                        // no center: skipped
        {{"type", "relation"}, {"id", 308}, {"center", {{"lat", 21.2545}, {"lon", kLon}}},      // 0.500 km
         {"tags", {{"leisure", "park"}}}},
        node(109, 21.34, {{"highway", "bus_stop"}}),                                            // 10.008 km
        node(110, 21.2949, {{"railway", "station"}}),                                           // 4.993 km
        node(111, 21.251, {{"amenity", "place_of_worship"}}),                                   // no category
    });
    return json{{"version", 0.6}, {"generator", "Overpass API 0.7.62.1 084b4234"},
                {"osm3s", {{"timestamp_osm_base", "2025-11-17T00:00:00Z"}}}, {"elements", elements}}
        .dump();
}

// The simulator's (and Overpass's) HTML error page.
std::string overpass_error_html(const std::string &message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
           "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
           "xml:lang=\"en\" lang=\"en\">\n<head>\n  <meta http-equiv=\"content-type\" content=\"text/html; "
           "charset=utf-8\"/>\n  <title>OSM3S Response</title>\n</head>\n<body>\n\n<p>The data included in this "
           "document is from www.openstreetmap.org. The data is made available under ODbL.</p>\n<p><strong "
           "style=\"color:#FF0000\">Error</strong>: " +
           message + " </p>\n\n</body>\n</html>\n";
}

OverpassError error_of(const std::string &body) {
    try {
        parse_overpass_answer(body);
    } catch (const OverpassError &e) {
        return e;
    }
    ADD_FAILURE() << "no error for: " << body.substr(0, 80);
    return OverpassError(OverpassErrorKind::Malformed, "none");
}

const AmenityStat &row(const std::vector<AmenityStat> &stats, const std::string &type, double radius) {
    for (const AmenityStat &s : stats)
        if (s.amenity_type == type && s.radius_km == radius) return s;
    ADD_FAILURE() << "no row " << type << "@" << radius;
    static AmenityStat none;
    return none;
}

}  // namespace

// ------------------------------------------------------------------ categories

TEST(AmenityCategories, TheOriginalsDefaultSet) {
    const auto &tags = default_amenity_tags();
    EXPECT_EQ(tags.size(), 25u);
    EXPECT_EQ(category_names(tags),
              (std::vector<std::string>{"school", "college_university", "hospital", "clinic", "pharmacy",
                                        "supermarket", "grocery_convenience", "mall", "bank_atm", "restaurant_cafe",
                                        "park_playground", "transit_stop"}));
    std::size_t slices = 0;
    for (const std::string &c : category_names(tags)) slices += category_radii_km(tags, c).size();
    EXPECT_EQ(slices, 35u);
    EXPECT_EQ(category_radii_km(tags, "transit_stop"), (std::vector<double>{1, 3, 5, 10}));
    EXPECT_EQ(category_radii_km(tags, "bank_atm"), (std::vector<double>{0.5, 1, 2}));
}

TEST(AmenityCategories, RowsFromJsonAndTheirErrors) {
    json rows = json::array({{{"category", "temple"}, {"key", "amenity"}, {"value", "place_of_worship"},
                              {"radii_km", {2, 1, 2}}},
                             {{"amenity_type", "temple"}, {"key", "building"}, {"value", "temple"}, {"radii_km", {3}}}});
    std::vector<AmenityTag> tags = amenity_tags_from_json(rows);
    ASSERT_EQ(tags.size(), 2u);
    EXPECT_EQ(category_radii_km(tags, "temple"), (std::vector<double>{1, 2, 3}));
    EXPECT_EQ(to_json(tags)[1]["category"], "temple");

    auto message_of = [](const json &bad) {
        try {
            amenity_tags_from_json(bad);
        } catch (const realmap::Error &e) {
            return std::string(e.sqlstate()) + " " + e.what();
        }
        return std::string("no error");
    };
    EXPECT_EQ(message_of(json::array({{{"category", "x"}, {"key", "amenity"}, {"value", "y"}, {"radii_km", {-1}}}})),
              "22023 amenity categories: row 0: radii_km must be numbers above 0 and at most 50 km, got -1");
    EXPECT_NE(message_of(json::array({{{"category", "x"}, {"value", "y"}, {"radii_km", {1}}}})).find("row 0: key"),
              std::string::npos);
    EXPECT_NE(message_of(json::array({{{"category", "x"}, {"key", "k"}, {"value", "y"}, {"radii_km", json::array()}}}))
                  .find("at least one radius"),
              std::string::npos);
    EXPECT_NE(message_of(json("x")).find("expected a JSON array"), std::string::npos);
}

// ------------------------------------------------------------------ the query

TEST(OverpassQuery, OneQueryForTheDefaultCategories) {
    std::string around = "," + std::string("21.2380912,81.6336993);");
    auto st = [&](const char *k, const char *v, int m) {
        return std::string("nwr[\"") + k + "\"=\"" + v + "\"](around:" + std::to_string(m) + around;
    };
    std::string expected = "[out:json][timeout:60];(" + st("amenity", "school", 5000) +
                           st("amenity", "college", 8000) + st("amenity", "university", 8000) +
                           st("amenity", "hospital", 5000) + st("amenity", "clinic", 3000) +
                           st("amenity", "doctors", 3000) + st("amenity", "pharmacy", 2000) +
                           st("shop", "supermarket", 3000) + st("shop", "convenience", 2000) +
                           st("shop", "grocery", 2000) + st("shop", "mall", 8000) + st("amenity", "bank", 2000) +
                           st("amenity", "atm", 2000) + st("amenity", "restaurant", 5000) +
                           st("amenity", "cafe", 5000) + st("amenity", "fast_food", 5000) +
                           st("leisure", "park", 5000) + st("leisure", "playground", 5000) +
                           st("public_transport", "station", 10000) + st("public_transport", "stop_position", 10000) +
                           st("railway", "station", 10000) + st("railway", "halt", 10000) +
                           st("highway", "bus_stop", 10000) + st("railway", "stop", 10000) +
                           st("railway", "tram_stop", 10000) + ");out center;";
    EXPECT_EQ(overpass_query(21.2380912, 81.6336993), expected);
}

TEST(OverpassQuery, OptionsRadiiAndEscaping) {
    std::vector<AmenityTag> tags{{"a", "amenity", "school", {1}}, {"b", "amenity", "school", {3}},
                                 {"c", "name", "Shri \"Ram\" \\ School", {0.5}}};
    EXPECT_EQ(overpass_query(21.0, -81.5, tags, {25, false}),
              "[out:json][timeout:25];(nwr[\"amenity\"=\"school\"](around:3000,21.0000000,-81.5000000);"
              "nwr[\"name\"=\"Shri \\\"Ram\\\" \\\\ School\"](around:500,21.0000000,-81.5000000);)"
              ";out center;");
    EXPECT_EQ(overpass_query(21.0, 81.5, tags, {60, true}),
              "[out:json][timeout:60];(nwr[\"amenity\"=\"school\"](around:3000,21.0000000,81.5000000);"
              "nwr[\"name\"=\"Shri \\\"Ram\\\" \\\\ School\"](around:3000,21.0000000,81.5000000);)"
              ";out center;");
    EXPECT_EQ(around_metres(1.1), 1100);
    EXPECT_EQ(around_metres(0.5), 500);
    EXPECT_EQ(around_metres(1.0001), 1001);
    EXPECT_EQ(around_metres(0.0001), 1);
    EXPECT_EQ(overpass_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_THROW(overpass_query(95.0, 81.0), realmap::Error);
    EXPECT_THROW(overpass_query(21.0, 81.0, tags, {0, false}), realmap::Error);
    EXPECT_THROW(overpass_query(21.0, 81.0, {}, {}), realmap::Error);
}

// ------------------------------------------------------------------ answers

TEST(OverpassAnswer, NodesWaysWithCenterRelationsAndRepeats) {
    OverpassResult r = parse_overpass_answer(fixture_answer());
    ASSERT_EQ(r.pois.size(), 10u);  // 12 elements - 1 repeat - 1 way without center
    EXPECT_EQ(r.duplicate_elements, 1);
    EXPECT_EQ(r.skipped_elements, 1);
    EXPECT_EQ(r.pois[0].osm_type, "node");
    EXPECT_EQ(r.pois[0].osm_id, 101);
    EXPECT_EQ(r.pois[0].categories, std::vector<std::string>{"school"});
    EXPECT_EQ(r.pois[1].osm_type, "way");
    EXPECT_EQ(r.pois[1].lat, 21.27);  // the center
    EXPECT_EQ(r.pois[1].tags.at("name:hi"), "विद्यालय");
    EXPECT_EQ(r.pois[5].osm_id, 106);
    EXPECT_EQ(r.pois[5].categories, (std::vector<std::string>{"pharmacy", "supermarket"}));
    EXPECT_EQ(r.pois[6].osm_type, "relation");
    EXPECT_TRUE(r.pois[9].categories.empty());  // a place of worship: no category
    json j = to_json(r.pois);
    EXPECT_EQ(j[3]["provider_place_id"], "node/104");
    EXPECT_EQ(j[3]["name"], "State Bank of India");  // the operator when there is no name
    EXPECT_TRUE(j[2]["name"].is_null());
}

TEST(OverpassAnswer, AnEmptyResultIsZeroPois) {
    OverpassResult r = parse_overpass_answer(R"({"version":0.6,"generator":"Overpass API","elements":[]})");
    EXPECT_TRUE(r.pois.empty());
    EXPECT_FALSE(overpass_error_in(R"({"elements":[]})").is_error);
}

TEST(OverpassAnswer, ErrorBodiesAreErrorsNeverZeroPois) {
    OverpassError parse = error_of(overpass_error_html("line 1: parse error: unsupported statement near 'nwr[foo'"));
    EXPECT_EQ(parse.kind(), OverpassErrorKind::QueryError);
    EXPECT_FALSE(parse.retryable());
    EXPECT_EQ(parse.sqlstate(), "42601");
    EXPECT_EQ(parse.server_message(), "line 1: parse error: unsupported statement near 'nwr[foo'");

    OverpassError radius = error_of(overpass_error_html(
        "line 1: runtime error: around radius 30000 m exceeds this server's limit of 25000 m"));
    EXPECT_EQ(radius.kind(), OverpassErrorKind::RuntimeError);
    EXPECT_EQ(radius.sqlstate(), "38000");

    OverpassError limited = error_of(overpass_error_html(
        "runtime error: open64: 0 Success /osm3s_osm_base Dispatcher_Client::request_read_and_idx::rate_limited. "
        "Please check /api/status for the quota of your IP address."));
    EXPECT_EQ(limited.kind(), OverpassErrorKind::RateLimited);
    EXPECT_TRUE(limited.retryable());

    OverpassError html_timeout =
        error_of(overpass_error_html("runtime error: Query timed out in &quot;query&quot; at line 1 after 26 seconds."));
    EXPECT_EQ(html_timeout.kind(), OverpassErrorKind::Timeout);
    EXPECT_EQ(html_timeout.sqlstate(), "57014");
    EXPECT_EQ(html_timeout.server_message(), "runtime error: Query timed out in \"query\" at line 1 after 26 seconds.");

    OverpassError remark_timeout = error_of(
        R"({"version":0.6,"elements":[{"type":"node","id":1,"lat":21.25,"lon":81.63,"tags":{"amenity":"school"}}],)"
        R"("remark":"runtime error: Query timed out in \"query\" at line 1 after 25 seconds."})");
    EXPECT_EQ(remark_timeout.kind(), OverpassErrorKind::Timeout);  // partial elements are not a result

    OverpassError memory = error_of(
        R"({"version":0.6,"elements":[],"remark":"runtime error: Query run out of memory using about 2048 MB of RAM."})");
    EXPECT_EQ(memory.kind(), OverpassErrorKind::RuntimeError);
    EXPECT_NE(std::string(memory.what()).find("overpass: runtime_error: runtime error: Query run out of memory"),
              std::string::npos);

    OverpassError truncated = error_of(fixture_answer().substr(0, 200));
    EXPECT_EQ(truncated.kind(), OverpassErrorKind::Malformed);
    EXPECT_TRUE(truncated.retryable());
    EXPECT_EQ(truncated.sqlstate(), "08P01");
    EXPECT_EQ(error_of("").kind(), OverpassErrorKind::Malformed);
    EXPECT_EQ(error_of("<html><body><h1>504 Gateway Time-out</h1></body></html>").kind(), OverpassErrorKind::Malformed);
    EXPECT_EQ(error_of(R"({"version":0.6})").kind(), OverpassErrorKind::Malformed);
}

// ------------------------------------------------------------------ stats

TEST(AmenityStats, RadiusEdgesAreInclusive) {
    AmenityStat s = slice_stat("school", 1.0, {1.0, 1.0000000001, 0.75, 3.0});
    EXPECT_EQ(s.nearby_count, 2);
    EXPECT_EQ(s.nearby_nearest_km, 0.75);
    AmenityStat edge = slice_stat("school", 1.0, {1.0});
    EXPECT_EQ(edge.nearby_count, 1);
    EXPECT_EQ(edge.nearby_nearest_km, 1.0);
    AmenityStat none = slice_stat("school", 0.5, {0.5000001});
    EXPECT_EQ(none.nearby_count, 0);
    EXPECT_FALSE(none.nearby_nearest_km.has_value());
    EXPECT_EQ(slice_stat("x", 2, {1.2345}).nearby_nearest_km, 1.234);  // metres, Python's round (binary 1.23449...)
}

TEST(AmenityStats, StatsAgainstHandComputedDistances) {
    std::vector<AmenityStat> stats = amenity_stats(kLat, kLon, parse_overpass_answer(fixture_answer()).pois);
    ASSERT_EQ(stats.size(), 35u);
    EXPECT_EQ(stats[0].amenity_type, "school");
    EXPECT_EQ(stats[0].radius_km, 1.0);
    // schools at 0.445, 2.224 (the way's center) and 4.448 km; the repeat counts once
    EXPECT_EQ(row(stats, "school", 1).nearby_count, 1);
    EXPECT_EQ(row(stats, "school", 1).nearby_nearest_km, 0.445);
    EXPECT_EQ(row(stats, "school", 3).nearby_count, 2);
    EXPECT_EQ(row(stats, "school", 5).nearby_count, 3);
    EXPECT_EQ(row(stats, "school", 5).nearby_nearest_km, 0.445);
    // bank at 1.001 km, ATM at 0.990 km
    EXPECT_EQ(row(stats, "bank_atm", 0.5).nearby_count, 0);
    EXPECT_FALSE(row(stats, "bank_atm", 0.5).nearby_nearest_km.has_value());
    EXPECT_EQ(row(stats, "bank_atm", 1).nearby_count, 1);
    EXPECT_EQ(row(stats, "bank_atm", 1).nearby_nearest_km, 0.99);
    EXPECT_EQ(row(stats, "bank_atm", 2).nearby_count, 2);
    // one POI, two categories, 0.556 km
    EXPECT_EQ(row(stats, "pharmacy", 0.5).nearby_count, 0);
    EXPECT_EQ(row(stats, "pharmacy", 1).nearby_nearest_km, 0.556);
    EXPECT_EQ(row(stats, "supermarket", 1).nearby_nearest_km, 0.556);
    // the relation's center at 0.5004 km: inside 1 km, rounded to 0.5
    EXPECT_EQ(row(stats, "park_playground", 1).nearby_count, 1);
    EXPECT_EQ(row(stats, "park_playground", 1).nearby_nearest_km, 0.5);
    // the station at 4.993 km; the bus stop at 10.008 km is beyond every radius
    EXPECT_EQ(row(stats, "transit_stop", 3).nearby_count, 0);
    EXPECT_EQ(row(stats, "transit_stop", 5).nearby_count, 1);
    EXPECT_EQ(row(stats, "transit_stop", 10).nearby_count, 1);
    EXPECT_EQ(row(stats, "transit_stop", 10).nearby_nearest_km, 4.993);
    EXPECT_EQ(row(stats, "hospital", 5).nearby_count, 0);
}

TEST(AmenityStats, RowsAreTheScoringInput) {
    std::vector<AmenityStat> stats = amenity_stats(kLat, kLon, parse_overpass_answer(fixture_answer()).pois);
    json rows = to_json(stats);
    EXPECT_EQ(rows[0], (json{{"amenity_type", "school"}, {"radius_km", 1.0}, {"nearby_count", 1},
                             {"nearby_nearest_km", 0.445}}));
    EXPECT_TRUE(rows[6]["nearby_nearest_km"].is_null());  // hospital@1: nothing
    json score = realmap::scoring::score_from_stats(rows);
    EXPECT_EQ(score["daily_needs_score"], 47);     // grocery 0 → 20, supermarket 1 → 60, pharmacy 1 → 60
    EXPECT_EQ(score["social_infra_score"], 33);    // school 2 → 60, park 1 → 60, four zeros → 20
    EXPECT_EQ(score["connectivity_score"], 55);    // transit 0 → 20, 1 → 60; ATM at 0.99 km → 90
    EXPECT_EQ(score["location_score"], 44.0);      // 18.8 + 11.55 + 13.75 = 44.1
    EXPECT_EQ(score["missing_inputs"], json::array());
}
