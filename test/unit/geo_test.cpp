// Geo core: haversine, the Chhattisgarh box, address normalisation and geocoding
// candidates, Nominatim requests and answers, and the choice of a project's position.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/geo/address_normalize.hpp"
#include "core/geo/cg_bbox.hpp"
#include "core/geo/geo_json.hpp"
#include "core/geo/geocode_candidates.hpp"
#include "core/geo/haversine.hpp"
#include "core/geo/location_choice.hpp"
#include "core/geo/nominatim_answer.hpp"
#include "core/geo/nominatim_query.hpp"

using nlohmann::json;
using namespace realmap::geo;

namespace {

struct Expected {
    const char *level;
    const char *query;
};

void expect_candidates(const AddressParts &parts, const std::vector<Expected> &expected) {
    std::vector<GeocodeCandidate> got = geocode_candidates(parts);
    ASSERT_EQ(got.size(), expected.size()) << parts.address;
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_STREQ(geocode_level_name(got[i].level), expected[i].level) << parts.address << " #" << i;
        EXPECT_EQ(got[i].query, expected[i].query) << parts.address << " #" << i;
    }
}

AddressParts parts(const std::string &address, const std::string &tehsil, const std::string &district) {
    AddressParts p;
    p.address = address;
    p.tehsil = tehsil;
    p.district = district;
    return p;
}

// The 12 real Nominatim answers (test/portal/data is a copy of the shared reference data).
const json &samples() {
    static const json loaded = [] {
        std::ifstream in(std::string(REALMAP_SOURCE_DIR) + "/test/portal/data/nominatim_samples.json");
        return json::parse(in);
    }();
    return loaded;
}

NominatimPlace sample_place(const std::string &query) {
    for (const json &s : samples())
        if (s["query"] == query) return *parse_nominatim_answer(json::array({s["response"]}));
    ADD_FAILURE() << "no sample " << query;
    return {};
}

LocationCandidate rera(LocationSource source, double lat, double lon) {
    LocationCandidate c;
    c.source = source;
    c.lat = lat;
    c.lon = lon;
    return c;
}

LocationCandidate geocode(double lat, double lon, Precision answer, GeocodeLevel level, std::string suspect = {}) {
    LocationCandidate c;
    c.source = LocationSource::Geocode;
    c.lat = lat;
    c.lon = lon;
    c.precision = answer;
    c.query_level = level;
    c.suspect = std::move(suspect);
    return c;
}

}  // namespace

// ------------------------------------------------------------------ haversine

TEST(GeoHaversine, KnownDistances) {
    EXPECT_DOUBLE_EQ(haversine_km(21.25, 81.63, 21.25, 81.63), 0.0);
    // one degree of a great circle: 6371 * pi / 180
    EXPECT_NEAR(haversine_km(0, 0, 1, 0), 111.19492664455873, 1e-9);
    EXPECT_NEAR(haversine_km(0, 0, 0, 1), 111.19492664455873, 1e-9);
    EXPECT_NEAR(haversine_km(0, 0, 0, 180), 20015.086796020572, 1e-6);  // half the circumference
    // Raipur to Jagdalpur and to the MUNGELI answer (Nominatim's positions)
    EXPECT_NEAR(haversine_km(21.2380912, 81.6336993, 19.0870758, 82.0235715), 242.61873236792908, 1e-9);
    EXPECT_NEAR(haversine_km(21.2380912, 81.6336993, 22.0681269, 81.6912056), 92.4869052503992, 1e-9);
    // 0.01° of longitude at 21.25° N is cos(21.25°) shorter than at the equator
    EXPECT_NEAR(haversine_km(21.25, 81.63, 21.25, 81.64), 1.036345466398264, 1e-9);
    EXPECT_DOUBLE_EQ(haversine_km(21.1, 81.2, 22.3, 82.4), haversine_km(22.3, 82.4, 21.1, 81.2));
}

// ------------------------------------------------------------------ bounding box

TEST(GeoBoundingBox, EdgesAreInside) {
    const BoundingBox &b = kChhattisgarhBox;
    EXPECT_TRUE(in_box(b.min_lat, b.min_lon));
    EXPECT_TRUE(in_box(b.max_lat, b.max_lon));
    EXPECT_TRUE(in_box(b.min_lat, b.max_lon));
    EXPECT_TRUE(in_box(b.max_lat, b.min_lon));
    EXPECT_FALSE(in_box(b.min_lat - 1e-6, 82.0));
    EXPECT_FALSE(in_box(b.max_lat + 1e-6, 82.0));
    EXPECT_FALSE(in_box(21.0, b.min_lon - 1e-6));
    EXPECT_FALSE(in_box(21.0, b.max_lon + 1e-6));
    EXPECT_TRUE(in_box(21.2855194444444, 81.7395166666667));  // SPARSH LIFE CITY's listing pin
    EXPECT_FALSE(in_box(0.0, 0.0));                            // the portal's 270 "0|0" pins
    EXPECT_FALSE(in_box(21.184716, 21.191267));                // a real listing pin: latitude repeated
    EXPECT_FALSE(in_box(std::nan(""), 81.0));
    EXPECT_FALSE(valid_coordinates(91.0, 81.0));
    EXPECT_FALSE(valid_coordinates(21.0, 181.0));
    // the state's far west: outside the portal's box, inside the state's extent
    EXPECT_FALSE(in_box(20.5, 80.3));
    EXPECT_TRUE(in_box(20.5, 80.3, kChhattisgarhStateBox));
}

// ------------------------------------------------------------------ normalisation and candidates

TEST(GeoAddress, ComponentsAndMarkers) {
    EXPECT_EQ(clean_component("  VIP\xC2\xA0 ESTATE,, SHANKAR\tNAGAR ; "), "VIP ESTATE SHANKAR NAGAR");
    EXPECT_EQ(strip_tehsil_marker("Tahsil Arang"), "Arang");
    EXPECT_EQ(strip_tehsil_marker("Tah. Arang"), "Arang");
    EXPECT_EQ(strip_tehsil_marker("Arang Tehsil"), "Arang");
    EXPECT_EQ(strip_tehsil_marker("Arang"), "Arang");
    EXPECT_EQ(strip_district_marker("Dist. Raipur"), "Raipur");
    EXPECT_EQ(strip_district_marker("DISTRICT RAIPUR"), "RAIPUR");
    EXPECT_EQ(strip_district_marker("Raipur District"), "Raipur");
    EXPECT_EQ(strip_district_marker("Janjgir-Champa"), "Janjgir-Champa");
    EXPECT_EQ(address_key("Janjgir-Champa"), address_key("JANJGIR CHAMPA"));
}

TEST(GeoAddress, NormalizedAddressOfARealListing) {
    NormalizedAddress n = normalize_address(
        parts("VILLAGE   MARKEL P H NO  024  TAHSIL   DIVISION   JAGDALPUR BASTAR  C G   494001", "Jagdalpur", "Bastar"));
    EXPECT_EQ(n.address_line, "");
    EXPECT_EQ(n.locality, "Markel");
    EXPECT_EQ(n.tehsil, "Jagdalpur");
    EXPECT_EQ(n.district, "Bastar");
    EXPECT_EQ(n.state, "Chhattisgarh");
    EXPECT_EQ(n.pincode, "494001");
    EXPECT_EQ(n.full, "Markel, Jagdalpur, Bastar, Chhattisgarh, 494001, India");
    EXPECT_FALSE(n.low_confidence);

    NormalizedAddress empty = normalize_address(AddressParts{});
    EXPECT_TRUE(empty.low_confidence);
    EXPECT_EQ(empty.full, "Chhattisgarh, India");
    EXPECT_TRUE(geocode_candidates(empty).empty());
    EXPECT_TRUE(normalize_address(parts("SOME ROAD", "Arang", "")).low_confidence);
}

TEST(GeoCandidates, DistrictAndTehsilMentionsAndAVillage) {
    // cg_rera_projects.json #0 (SPARSH LIFE CITY)
    expect_candidates(parts("District Raipur  Tehsil Raipur  Villege  Sakari  Patwari Halka  75", "Raipur", "Raipur"),
                      {{"locality", "Sakari, Raipur, Chhattisgarh, India"}, {"tehsil", "Raipur, Chhattisgarh, India"}});
    expect_candidates(parts("KHILORA  TAHSIL  ABHANPUR  DISTRICT   RAIPUR  C G", "Abhanpur", "Raipur"),
                      {{"address", "Khilora, Abhanpur, Raipur, Chhattisgarh, India"},
                       {"tehsil", "Abhanpur, Raipur, Chhattisgarh, India"},
                       {"district", "Raipur, Chhattisgarh, India"}});
    expect_candidates(parts("VILLAGE   MARKEL P H NO  024  TAHSIL   DIVISION   JAGDALPUR BASTAR  C G   494001",
                            "Jagdalpur", "Bastar"),
                      {{"locality", "Markel, Jagdalpur, Bastar, Chhattisgarh, India"},
                       {"tehsil", "Jagdalpur, Bastar, Chhattisgarh, India"},
                       {"district", "Bastar, Chhattisgarh, India"}});
    // "Tehsil and District <misspelt>", khasra and plot numbers
    expect_candidates(parts("Vyapar Vihar Commercial Zone 1  Part of KH  No  841  Plot n  B 69  B 70  Tehsil and "
                            "District BILASPU",
                            "Bilaspur", "Bilaspur"),
                      {{"address", "Vyapar Vihar Commercial Zone, Bilaspur, Chhattisgarh, India"},
                       {"tehsil", "Bilaspur, Chhattisgarh, India"}});
    // the suffix form "Katghora Tahsil": nothing specific is left
    expect_candidates(parts("WARD NO 51  KATGHORA TAHSIL  KATGHORA DIST  KORBA", "Katghora", "Korba"),
                      {{"tehsil", "Katghora, Korba, Chhattisgarh, India"}, {"district", "Korba, Chhattisgarh, India"}});
    // a misspelt tehsil after its marker
    expect_candidates(parts("VILLAGE  KATULBOD TEHSIL DUGR DIST DURG", "Durg", "Durg"),
                      {{"locality", "Katulbod, Durg, Chhattisgarh, India"}, {"tehsil", "Durg, Chhattisgarh, India"}});
}

TEST(GeoCandidates, PinStreetsLandmarksAndNayaRaipur) {
    expect_candidates(parts("dhamtari road  near uday petrol pump abhanpur dist  Raipur  c g  pin 493661", "Abhanpur",
                            "Raipur"),
                      {{"address", "Dhamtari Road Uday Petrol Pump, Abhanpur, Raipur, Chhattisgarh, 493661, India"},
                       {"tehsil", "Abhanpur, Raipur, Chhattisgarh, India"},
                       {"district", "Raipur, Chhattisgarh, India"}});
    // "Tahsil Road" is a street, not a tehsil mention
    expect_candidates(parts("TAHSIL ROAD ITI RAMPUR  KORBA  C G", "Korba", "Korba"),
                      {{"address", "Tahsil Road Iti Rampur, Korba, Chhattisgarh, India"},
                       {"tehsil", "Korba, Chhattisgarh, India"}});
    NormalizedAddress naya = normalize_address(
        parts("VILLAGE  KHAPRI  SECTOR 30  ARANG  NAYA RAIPUR CHHATTISGARH", "Arang", "Raipur"));
    EXPECT_EQ(naya.address_line, "Khapri Arang Naya Raipur");
    EXPECT_EQ(naya.locality, "Khapri");
}

TEST(GeoCandidates, GivenLocalityAndPincode) {
    AddressParts p = parts("VIP ESTATE  SHANKAR NAGAR  RAIPUR  C G", "RAIPUR", "Raipur");
    p.locality = "Shankar Nagar";
    p.pincode = "492007";
    expect_candidates(p, {{"address", "Vip Estate Shankar Nagar, Raipur, Chhattisgarh, 492007, India"},
                          {"locality", "Shankar Nagar, Raipur, Chhattisgarh, India"},
                          {"tehsil", "Raipur, Chhattisgarh, India"}});
}

TEST(GeoCandidates, DevanagariIsDroppedBesideLatinAndKeptAlone) {
    // the detail page's form: "<address>, <district in Hindi> (छ.ग.)"
    expect_candidates(parts("SAKARI, रायपुर (छ.ग.)", "RAIPUR", "Raipur"),
                      {{"address", "Sakari, Raipur, Chhattisgarh, India"}, {"tehsil", "Raipur, Chhattisgarh, India"}});
    expect_candidates(parts("VILLAGE  BODRI  BILHA  BILASPUR  C G, बिलासपुर (छ.ग.)", "BILHA", "Bilaspur"),
                      {{"locality", "Bodri, Bilha, Bilaspur, Chhattisgarh, India"},
                       {"tehsil", "Bilha, Bilaspur, Chhattisgarh, India"},
                       {"district", "Bilaspur, Chhattisgarh, India"}});
    // an all-Hindi line stays (OSM carries name:hi), without the state's abbreviation
    expect_candidates(parts("सकरी, रायपुर (छ.ग.)", "Raipur", "Raipur"),
                      {{"address", "सकरी रायपुर, Raipur, Chhattisgarh, India"}, {"tehsil", "Raipur, Chhattisgarh, India"}});
}

TEST(GeoCandidates, RepeatsAreLeftOutSoMungeliIsTheTown) {
    // The original queried "MUNGELI, Mungeli, Chhattisgarh, India" and got a hospital.
    expect_candidates(parts("", "MUNGELI", "Mungeli"), {{"tehsil", "Mungeli, Chhattisgarh, India"}});
    // marker prefixes go: the query is exactly the real sample's
    expect_candidates(parts("", "Tahsil Arang", "Dist. Raipur"),
                      {{"tehsil", "Arang, Raipur, Chhattisgarh, India"}, {"district", "Raipur, Chhattisgarh, India"}});
    expect_candidates(parts("", "", "Raipur"), {{"district", "Raipur, Chhattisgarh, India"}});
}

TEST(GeoCandidates, JsonForSql) {
    json out = geocode_candidates_json({{"address", "KHILORA  TAHSIL  ABHANPUR  DISTRICT   RAIPUR  C G"},
                                        {"village_or_locality", nullptr},
                                        {"tehsil", "ABHANPUR"},
                                        {"district", "Raipur"},
                                        {"pincode", 493661}});
    EXPECT_EQ(out["normalized"]["full"], "Khilora, Abhanpur, Raipur, Chhattisgarh, 493661, India");
    EXPECT_EQ(out["normalized"]["low_confidence"], false);
    ASSERT_EQ(out["candidates"].size(), 3u);
    EXPECT_EQ(out["candidates"][0]["query"], "Khilora, Abhanpur, Raipur, Chhattisgarh, 493661, India");
    EXPECT_EQ(out["candidates"][0]["level"], "address");
    EXPECT_EQ(out["candidates"][2]["url_params"],
              (json{{"q", "Raipur, Chhattisgarh, India"}, {"format", "json"}, {"addressdetails", "1"},
                    {"limit", "1"}, {"countrycodes", "in"}}));
    EXPECT_THROW(geocode_candidates_json({{"district", 7}}), realmap::Error);
    EXPECT_THROW(geocode_candidates_json(json::array()), realmap::Error);
}

TEST(GeoCandidates, PrecisionLimitOfEachLevel) {
    EXPECT_EQ(precision_limit(GeocodeLevel::Address), Precision::House);
    EXPECT_EQ(precision_limit(GeocodeLevel::Locality), Precision::Suburb);
    EXPECT_EQ(precision_limit(GeocodeLevel::Tehsil), Precision::Tehsil);
    EXPECT_EQ(precision_limit(GeocodeLevel::District), Precision::District);
    EXPECT_EQ(coarser(Precision::Village, Precision::Tehsil), Precision::Tehsil);
    EXPECT_EQ(coarser(Precision::District, Precision::Suburb), Precision::District);
    EXPECT_STREQ(precision_name(Precision::Poi), "poi");
    EXPECT_EQ(precision_from_name("town"), Precision::Town);
    EXPECT_EQ(precision_from_name("exact"), Precision::Unknown);
}

// ------------------------------------------------------------------ Nominatim

TEST(NominatimQuery, ParametersAndUrl) {
    auto params = nominatim_search_params("Arang, Raipur, Chhattisgarh, India");
    ASSERT_EQ(params.size(), 5u);
    EXPECT_EQ(params[0], std::make_pair(std::string("q"), std::string("Arang, Raipur, Chhattisgarh, India")));
    EXPECT_EQ(params[1].second, "json");
    EXPECT_EQ(params[2], std::make_pair(std::string("addressdetails"), std::string("1")));
    EXPECT_EQ(params[3], std::make_pair(std::string("limit"), std::string("1")));
    EXPECT_EQ(params[4], std::make_pair(std::string("countrycodes"), std::string("in")));
    EXPECT_EQ(nominatim_search_url("https://nominatim.openstreetmap.org/", "Arang, Raipur, Chhattisgarh, India"),
              "https://nominatim.openstreetmap.org/search?q=Arang%2C%20Raipur%2C%20Chhattisgarh%2C%20India"
              "&format=json&addressdetails=1&limit=1&countrycodes=in");
    EXPECT_EQ(percent_encode("सकरी"), "%E0%A4%B8%E0%A4%95%E0%A4%B0%E0%A5%80");
    EXPECT_EQ(percent_encode("a&b=c+d~e"), "a%26b%3Dc%2Bd~e");
}

TEST(NominatimAnswer, TheRealSamples) {
    ASSERT_EQ(samples().size(), 12u);
    NominatimPlace raipur = sample_place("Raipur, Chhattisgarh, India");
    EXPECT_DOUBLE_EQ(raipur.lat, 21.2380912);
    EXPECT_DOUBLE_EQ(raipur.lon, 81.6336993);
    EXPECT_EQ(raipur.precision, Precision::City);
    EXPECT_EQ(raipur.display_name, "Raipur, Raipur Tahsil, Raipur, Chhattisgarh, 493332, India");
    ASSERT_TRUE(raipur.importance.has_value());
    EXPECT_DOUBLE_EQ(*raipur.importance, 0.5491100123579217);
    EXPECT_EQ(raipur.district, "Raipur");
    EXPECT_EQ(raipur.place_rank, 16);

    EXPECT_EQ(sample_place("Arang, Raipur, Chhattisgarh, India").precision, Precision::Town);
    EXPECT_EQ(sample_place("Abhanpur, Raipur, Chhattisgarh, India").precision, Precision::Village);
    EXPECT_EQ(sample_place("Patan, Durg, Chhattisgarh, India").precision, Precision::Village);
    EXPECT_EQ(sample_place("Bilha, Bilaspur, Chhattisgarh, India").precision, Precision::Village);
    EXPECT_EQ(sample_place("Katghora, Korba, Chhattisgarh, India").precision, Precision::Town);
    EXPECT_EQ(sample_place("Jagdalpur, Bastar, Chhattisgarh, India").precision, Precision::City);
    EXPECT_EQ(sample_place("Janjgir, Janjgir-Champa, Chhattisgarh, India").precision, Precision::Town);
    for (const json &s : samples()) {
        NominatimPlace p = *parse_nominatim_answer(json::array({s["response"]}));
        EXPECT_TRUE(in_box(p.lat, p.lon)) << s["query"];
    }
}

TEST(NominatimAnswer, TheWrongMungeliHospitalIsAPoiAndImplausible) {
    NominatimPlace p = sample_place("MUNGELI, Mungeli, Chhattisgarh, India");
    EXPECT_EQ(p.precision, Precision::Poi);
    EXPECT_EQ(p.osm_class, "amenity");
    EXPECT_EQ(p.osm_type, "hospital");
    EXPECT_EQ(p.place_rank, 30);
    EXPECT_EQ(p.district, "");  // the answer has no state_district
    EXPECT_EQ(implausible_answer_reason(p, GeocodeLevel::Tehsil, "Mungeli"),
              "matched a named feature (amenity=hospital), not the tehsil asked for");
    EXPECT_EQ(implausible_answer_reason(p, GeocodeLevel::Address), "");  // an address may name a hospital
    EXPECT_EQ(implausible_answer_reason(sample_place("Arang, Raipur, Chhattisgarh, India"), GeocodeLevel::Tehsil,
                                        "Raipur"),
              "");
    EXPECT_EQ(implausible_answer_reason(sample_place("Arang, Raipur, Chhattisgarh, India"), GeocodeLevel::Tehsil,
                                        "Durg"),
              "the answer lies in district Raipur, not Durg");
    EXPECT_EQ(implausible_answer_reason(sample_place("Janjgir, Janjgir-Champa, Chhattisgarh, India"),
                                        GeocodeLevel::Tehsil, "JANJGIR CHAMPA"),
              "");
}

TEST(NominatimAnswer, BodiesMissesAndErrors) {
    EXPECT_FALSE(parse_nominatim_answer(std::string("[]")).has_value());
    EXPECT_FALSE(parse_nominatim_answer(std::string("\xEF\xBB\xBF [ ]\n")).has_value());
    auto place = parse_nominatim_answer(std::string(
        R"([{"lat":"21.1","lon":"81.2","class":"boundary","type":"administrative","addresstype":"state_district",)"
        R"("place_rank":12,"display_name":"Raipur, Chhattisgarh, India","address":{"state_district":"Raipur"}}])"));
    ASSERT_TRUE(place.has_value());
    EXPECT_EQ(place->precision, Precision::District);
    EXPECT_TRUE(std::isnan(place->importance.value_or(std::nan(""))));

    auto code_of = [](const std::string &body) {
        try {
            parse_nominatim_answer(body);
        } catch (const realmap::Error &e) {
            return std::string(e.sqlstate()) + " " + e.what();
        }
        return std::string("no error");
    };
    EXPECT_EQ(code_of("<html><body>Bandwidth limit exceeded</body></html>").substr(0, 5), "08P01");
    EXPECT_NE(code_of(R"({"error":{"code":400,"message":"Parameter 'format' must be one of ..."}})").find("format"),
              std::string::npos);
    EXPECT_NE(code_of(R"([{"lon":"81.2"}])").find("no usable lat/lon"), std::string::npos);
    EXPECT_NE(code_of(R"([{"lat":"north","lon":"81.2"}])").find("no usable lat/lon"), std::string::npos);
    EXPECT_NE(code_of(R"({"lat":"21"})").find("expected a JSON array"), std::string::npos);
}

TEST(NominatimAnswer, PrecisionFromClassTypeAddresstypeAndRank) {
    EXPECT_EQ(nominatim_precision("place", "suburb", "suburb", 20), Precision::Suburb);
    EXPECT_EQ(nominatim_precision("place", "house", "place", 30), Precision::House);
    EXPECT_EQ(nominatim_precision("place", "hamlet", "hamlet", 20), Precision::Village);
    EXPECT_EQ(nominatim_precision("boundary", "administrative", "county", 12), Precision::Tehsil);
    EXPECT_EQ(nominatim_precision("boundary", "administrative", "state", 8), Precision::State);
    EXPECT_EQ(nominatim_precision("boundary", "administrative", "", 12), Precision::District);
    EXPECT_EQ(nominatim_precision("highway", "residential", "road", 26), Precision::Street);
    EXPECT_EQ(nominatim_precision("building", "yes", "building", 30), Precision::Building);
    EXPECT_EQ(nominatim_precision("shop", "mall", "shop", 30), Precision::Poi);
    EXPECT_EQ(nominatim_precision("landuse", "residential", "", 22), Precision::Suburb);  // by rank
    EXPECT_EQ(nominatim_precision("place", "unknownthing", "", 18), Precision::Town);
    EXPECT_EQ(nominatim_precision("", "", "", std::nullopt), Precision::Unknown);
}

// ------------------------------------------------------------------ choosing the position

TEST(GeoLocationChoice, APreciseReraPinBeatsADistrictGeocode) {
    LocationChoice c = choose_location({geocode(21.2380912, 81.6336993, Precision::City, GeocodeLevel::District),
                                        rera(LocationSource::ListingPin, 21.2855194444444, 81.7395166666667)});
    ASSERT_TRUE(c.chosen.has_value());
    EXPECT_EQ(c.chosen->candidate.source, LocationSource::ListingPin);
    EXPECT_EQ(c.chosen->effective, Precision::Site);
    EXPECT_TRUE(c.flags.empty());
    ASSERT_EQ(c.ranked.size(), 2u);
    EXPECT_EQ(c.ranked[1].effective, Precision::District);  // a city answer to a district query
}

TEST(GeoLocationChoice, GeocodesRankByWhatTheirQueryCouldLocate) {
    // A tehsil query answered by the Abhanpur village node locates the tehsil only; a
    // locality query answered by a suburb beats it although "village" is finer than "tehsil".
    LocationChoice c = choose_location({geocode(21.0546328, 81.7484644, Precision::Village, GeocodeLevel::Tehsil),
                                        geocode(21.0600000, 81.7500000, Precision::Suburb, GeocodeLevel::Locality)});
    EXPECT_EQ(c.chosen->candidate.lat, 21.06);
    EXPECT_EQ(c.chosen->effective, Precision::Suburb);
    EXPECT_EQ(c.ranked[1].effective, Precision::Tehsil);
    EXPECT_TRUE(c.flags.empty());

    // equal precision: input order
    LocationChoice tie = choose_location({geocode(21.1, 81.1, Precision::Town, GeocodeLevel::Address),
                                          geocode(21.2, 81.2, Precision::Town, GeocodeLevel::Address)});
    EXPECT_EQ(tie.chosen->candidate.lat, 21.1);
}

TEST(GeoLocationChoice, PinsOutsideTheBoxAreRejectedWithAFlag) {
    LocationChoice c = choose_location({rera(LocationSource::ListingPin, 0.0, 0.0),
                                        rera(LocationSource::MapIframe, 21.184716, 21.191267),
                                        rera(LocationSource::AmenityMarker, std::nan(""), 81.0),
                                        geocode(21.1986343, 81.9659898, Precision::Town, GeocodeLevel::Tehsil)});
    ASSERT_TRUE(c.chosen.has_value());
    EXPECT_EQ(c.chosen->candidate.source, LocationSource::Geocode);
    EXPECT_EQ(c.chosen->effective, Precision::Tehsil);
    EXPECT_EQ(c.flags, (std::vector<std::string>{"listing_map_outside_bbox", "map_iframe_outside_bbox",
                                                 "amenity_invalid_coordinates", "coarse_position"}));
    ASSERT_EQ(c.ranked.size(), 4u);
    EXPECT_TRUE(c.ranked[0].accepted);
    EXPECT_EQ(c.ranked[1].rejected_because, "outside_bbox");
    EXPECT_EQ(c.ranked[3].rejected_because, "invalid_coordinates");
}

TEST(GeoLocationChoice, ASuspectGeocodeRanksLast) {
    NominatimPlace hospital = sample_place("MUNGELI, Mungeli, Chhattisgarh, India");
    std::string why = implausible_answer_reason(hospital, GeocodeLevel::Tehsil, "Mungeli");
    LocationChoice c = choose_location({geocode(hospital.lat, hospital.lon, hospital.precision, GeocodeLevel::Tehsil, why),
                                        geocode(22.06, 81.68, Precision::City, GeocodeLevel::District)});
    EXPECT_EQ(c.chosen->candidate.lat, 22.06);
    EXPECT_EQ(c.ranked[1].effective, Precision::Tehsil);  // poi capped by its tehsil-level query

    LocationChoice alone = choose_location({geocode(hospital.lat, hospital.lon, hospital.precision,
                                                    GeocodeLevel::Tehsil, why)});
    EXPECT_EQ(alone.flags, (std::vector<std::string>{"geocode_suspect", "coarse_position"}));
}

TEST(GeoLocationChoice, AmenityMarkersGiveACentroidAndDisagreementIsFlagged) {
    LocationChoice c = choose_location({rera(LocationSource::AmenityMarker, 21.2840, 81.6980),
                                        rera(LocationSource::AmenityMarker, 21.2860, 81.7000),
                                        rera(LocationSource::AmenityMarker, 0.0, 0.0)});
    ASSERT_TRUE(c.chosen.has_value());
    EXPECT_EQ(c.chosen->candidate.source, LocationSource::AmenityCentroid);
    EXPECT_NEAR(c.chosen->candidate.lat, 21.2850, 1e-12);
    EXPECT_NEAR(c.chosen->candidate.lon, 81.6990, 1e-12);
    EXPECT_EQ(c.chosen->candidate.label, "computed from 2 amenity markers");
    EXPECT_EQ(c.flags, std::vector<std::string>{"amenity_outside_bbox"});

    // the listing pin wins over the markers; 5.5 km away from them is flagged
    LocationChoice d = choose_location({rera(LocationSource::AmenityMarker, 21.2840, 81.6980),
                                        rera(LocationSource::AmenityMarker, 21.2860, 81.7000),
                                        rera(LocationSource::ListingPin, 21.2350, 81.6990)});
    EXPECT_EQ(d.chosen->candidate.source, LocationSource::ListingPin);
    EXPECT_EQ(d.flags, std::vector<std::string>{"rera_positions_disagree"});
}

TEST(GeoLocationChoice, ManualPinFirstAndNothingAtAll) {
    LocationChoice c = choose_location({rera(LocationSource::ListingPin, 21.28, 81.73),
                                        rera(LocationSource::ManualPin, 21.30, 81.70)});
    EXPECT_EQ(c.chosen->candidate.source, LocationSource::ManualPin);
    LocationChoice none = choose_location({});
    EXPECT_FALSE(none.chosen.has_value());
    EXPECT_EQ(none.flags, std::vector<std::string>{"no_position"});
}

TEST(GeoLocationChoice, JsonForSql) {
    json out = choose_location_json(json::array({
        {{"source_type", "geocode_normalized"}, {"latitude", 21.2380912}, {"longitude", 81.6336993},
         {"precision", "city"}, {"query_level", "tehsil"}, {"label", "Raipur, Chhattisgarh, India"}},
        {{"source_type", "listing_map"}, {"lat", 0.0}, {"lon", 0.0}},
    }));
    EXPECT_EQ(out["found"], true);
    EXPECT_EQ(out["source_type"], "geocode_normalized");
    EXPECT_EQ(out["precision"], "tehsil");
    EXPECT_EQ(out["latitude"], 21.2380912);
    EXPECT_EQ(out["flags"], json::array({"listing_map_outside_bbox", "coarse_position"}));
    EXPECT_EQ(out["candidates"][1]["rejected_because"], "outside_bbox");
    try {
        choose_location_json(json::array({{{"source_type", "satellite"}, {"lat", 21.0}, {"lon", 81.0}}}));
        FAIL() << "an unknown source must raise";
    } catch (const realmap::Error &e) {
        EXPECT_STREQ(e.sqlstate().c_str(), "22023");
        EXPECT_NE(std::string(e.what()).find("candidates[0]: unknown source_type \"satellite\""), std::string::npos);
    }
}
