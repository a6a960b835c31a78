// map_v1 (core/v1): one test per rule of the mapping -- matching, coercion by the V1
// type, dates, numbers, areas, pincode, tables, quarterly grids, locations, documents,
// units, the listing context -- on small hand-made raw documents, then on the
// simulator's fixture pages against their ground truth and on the hand-written page
// detail_PCGRERA200618000247.html against its hand-written V1.
//
// MapV1Accuracy.MapsFetchedPages is the driver of test/portal/check_v1_accuracy.py: with
// REALMAP_V1_PAGES_DIR (from `check_v1_accuracy.py --fetch`) and REALMAP_V1_OUT_DIR set it
// maps every page there and writes <registration>.json; otherwise it is skipped.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/extract/extract_raw.hpp"
#include "core/portal/listing_view.hpp"
#include "core/v1/v1_context.hpp"
#include "core/v1/v1_dates.hpp"
#include "core/v1/v1_grid.hpp"
#include "core/v1/v1_label_variants.hpp"
#include "core/v1/v1_map.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_prepare.hpp"
#include "core/v1/v1_text.hpp"

using nlohmann::json;
namespace v1 = realmap::v1;

namespace {

std::string slurp(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string fixture(const std::string &name) { return slurp(std::string(REALMAP_SOURCE_DIR) + "/test/fixtures/" + name); }

// The VALUES tuples of one seed INSERT of sql/src/35_processing.sql (string literals
// with '' escapes, NULL, integers, booleans).
std::vector<std::vector<json>> sql_tuples(const std::string &sql, const std::string &table) {
    std::vector<std::vector<json>> out;
    std::size_t at = sql.find("INSERT INTO " + table + " ");
    if (at == std::string::npos) return out;
    std::size_t i = sql.find("VALUES", at) + 6;
    while (i < sql.size()) {
        while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\n' || sql[i] == ',')) ++i;
        if (i >= sql.size() || sql[i] != '(') break;
        ++i;
        std::vector<json> row;
        while (i < sql.size()) {
            while (sql[i] == ' ') ++i;
            if (sql[i] == '\'') {
                std::string s;
                ++i;
                while (i < sql.size()) {
                    if (sql[i] == '\'' && i + 1 < sql.size() && sql[i + 1] == '\'') {
                        s.push_back('\'');
                        i += 2;
                    } else if (sql[i] == '\'') {
                        ++i;
                        break;
                    } else {
                        s.push_back(sql[i++]);
                    }
                }
                row.emplace_back(s);
            } else {
                std::size_t j = i;
                while (j < sql.size() && sql[j] != ',' && sql[j] != ')') ++j;
                std::string tok = sql.substr(i, j - i);
                i = j;
                if (tok == "NULL") row.emplace_back(nullptr);
                else if (tok == "true" || tok == "false") row.emplace_back(tok == "true");
                else row.emplace_back(std::stoll(tok));
            }
            while (sql[i] == ' ') ++i;
            if (sql[i] == ',') {
                ++i;
                continue;
            }
            ++i;  // ')'
            break;
        }
        out.push_back(row);
    }
    return out;
}

// The seeded label variants, as realmap._label_variants() gives them to _map_v1.
const json &seeded_variants_json() {
    static const json v = [] {
        std::string sql = slurp(std::string(REALMAP_SOURCE_DIR) + "/sql/src/35_processing.sql");
        json out = {{"sections", json::array()}, {"labels", json::array()}};
        for (auto &r : sql_tuples(sql, "realmap.section_variants"))
            out["sections"].push_back({{"section", r[0]}, {"variant", r[1]}});
        for (auto &r : sql_tuples(sql, "realmap.label_variants"))
            out["labels"].push_back({{"section", r[0]},
                                     {"canonical_key", r[1]},
                                     {"position", r[2]},
                                     {"variant", r[3]},
                                     {"v1_key", r[4]},
                                     {"v1_type", r[5]}});
        return out;
    }();
    return v;
}

const v1::LabelVariants &variants() {
    static const v1::LabelVariants lv = v1::label_variants_from_json(seeded_variants_json());
    return lv;
}

// ---------------------------------------------------------------- hand-made raw documents

json raw_doc() {
    return {{"schema", "realmap.raw/1"},   {"source_url", nullptr},         {"registration_number", "PCGRERA200618000247"},
            {"my_id", "MzM2"},             {"application_id", 336},          {"form_fields", json::object()},
            {"professionals", json::object()}, {"named_spans", json::object()}, {"sections", json::array()},
            {"grids", json::object()},     {"amenities", {{"rows", json::array()}}}, {"map_iframes", json::array()},
            {"inventory", nullptr},        {"documents", json::array()},     {"empty_document_links", json::array()},
            {"grid_documents", json::array()}, {"warnings", json::array()}};
}

json control(const std::string &value, const char *kind = "input") {
    return {{"value", value}, {"control", kind}, {"label", nullptr}, {"section", "Project Detail"}};
}

json field(const std::string &label, const std::string &value) {
    std::string caption = label;
    while (!caption.empty() && (caption.back() == ':' || caption.back() == ' ')) caption.pop_back();
    return {{"label", label}, {"caption", caption}, {"value", value}, {"value_type", "TEXT"}, {"value_from", "cell"}};
}

json section(const std::string &title, json fields, json tables = json::array()) {
    return {{"title", title}, {"heading", title}, {"fields", std::move(fields)}, {"tables", std::move(tables)}};
}

json grid(json headers, json rows, json links = json::array(), json images = json::array()) {
    return {{"position", 0}, {"section", "Quarterly Progress"}, {"heading", "Quarterly Progress"},
            {"headers", std::move(headers)}, {"rows", std::move(rows)}, {"no_data", false},
            {"links", std::move(links)}, {"images", std::move(images)}};
}

json map(const json &raw, const v1::MapContext &ctx = {}) { return v1::map_v1(raw, variants(), ctx); }

bool has_message(const json &v1doc, const std::string &needle) {
    for (const json &m : v1doc["validation_messages"])
        if (m.get<std::string>().find(needle) != std::string::npos) return true;
    return false;
}

std::string messages(const json &v1doc) { return v1doc["validation_messages"].dump(1); }

// The first difference between two documents ("" when equal); numbers within 1e-9
// (a centroid is a computed mean).
std::string json_diff(const json &expected, const json &actual, const std::string &path = "") {
    if (expected.is_number() && actual.is_number()) {
        double a = expected.get<double>(), b = actual.get<double>();
        if (std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a))) return "";
        return path + ": expected " + expected.dump() + ", got " + actual.dump();
    }
    if (expected.type() != actual.type())
        return path + ": expected " + expected.dump() + ", got " + actual.dump();
    if (expected.is_object()) {
        for (const auto &[k, v] : expected.items()) {
            if (!actual.contains(k)) return path + "." + k + ": missing (expected " + v.dump() + ")";
            std::string d = json_diff(v, actual[k], path + "." + k);
            if (!d.empty()) return d;
        }
        for (const auto &[k, v] : actual.items())
            if (!expected.contains(k)) return path + "." + k + ": not expected (got " + v.dump() + ")";
        return "";
    }
    if (expected.is_array()) {
        for (std::size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
            std::string d = json_diff(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
            if (!d.empty()) return d;
        }
        if (expected.size() != actual.size())
            return path + ": " + std::to_string(actual.size()) + " entries, expected " + std::to_string(expected.size()) +
                   "\n  got " + actual.dump();
        return "";
    }
    return expected == actual ? "" : path + ": expected " + expected.dump() + ", got " + actual.dump();
}

v1::MapContext listing_context(const json &listing) {
    return v1::map_context_from_json({{"listing", listing}, {"run_id", 41}, {"scraped_at", "2026-12-01T02:00:00Z"},
                                      {"source_url", "https://rera.cgstate.gov.in/x?MyID=MzM2"},
                                      {"page_content_hash", "ab12"}});
}

}  // namespace

// ================================================================ text, dates, numbers

TEST(MapV1Text, TheOriginalsNormalFormForMatching) {
    EXPECT_EQ(v1::match_norm("Project Details [ Registration No : X ] [ Project Web Address : Y ]"), "projectdetails");
    EXPECT_EQ(v1::match_norm("Bank Details(RERA designated account)"), "bankdetails");
    EXPECT_EQ(v1::match_norm("Completion (%)"), "completion");
    EXPECT_EQ(v1::match_norm("Zip Code:"), "zipcode");  // a trailing ':' vanishes
    EXPECT_EQ(v1::match_norm("Registration No :"), "registrationno");
    EXPECT_EQ(v1::match_norm("Details of Project / परियोजना विवरण"), "detailsofproject");  // Devanagari dropped
    EXPECT_EQ(v1::match_norm("परियोजना विवरण"), "");
    EXPECT_EQ(v1::match_norm("A/c No."), "acno");
    EXPECT_EQ(v1::match_norm("Total Area (Sq M"), "totalareasqm");  // no closing bracket: kept
    EXPECT_EQ(v1::match_norm("CA Certificate(For New Project (ANNEXURE-01) and FOR Ongoing Project (ANNEXURE-02))"),
              "cacertificateandforongoingproject");  // non-nested, as the original's regex
}

TEST(MapV1Text, TitleCaseBlankValuesAndPlaceholders) {
    EXPECT_EQ(v1::title_case("janjgir-champa"), "Janjgir-Champa");
    EXPECT_EQ(v1::title_case("RAIPUR"), "Raipur");
    EXPECT_EQ(v1::title_case("o'brien nagar"), "O'Brien Nagar");  // as Python's str.title()
    EXPECT_EQ(v1::title_case("रायपुर raipur"), "रायपुर Raipur");
    for (const char *b : {"", " ", "-", "--", "NA", "n/a", "N.A.", "Nil", "None", "null", "Not Available"})
        EXPECT_TRUE(v1::is_blank_value(b)) << b;
    for (const char *v : {"0", "No", "Raipur", "N"}) EXPECT_FALSE(v1::is_blank_value(v)) << v;
    for (const char *p : {"0", "0.00", "0%", "", "-", " 0 "}) EXPECT_TRUE(v1::is_placeholder_cell(p)) << p;
    for (const char *p : {"10", "0.5", "01 Jul 2022", "A"}) EXPECT_FALSE(v1::is_placeholder_cell(p)) << p;
    EXPECT_EQ(v1::clean_text("  a\xC2\xA0\xC2\xA0 b \n c "), "a b c");  // &nbsp; collapsed
}

TEST(MapV1Dates, EveryFormTheyAreWrittenIn) {
    EXPECT_EQ(v1::parse_date_iso("16/02/2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16-02-2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("2018-02-16"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16.02.2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("2018/02/16"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16 Feb 2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16-Feb-2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16 February, 2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("1st Sept 2018"), "2018-09-01");
    EXPECT_EQ(v1::parse_date_iso("Feb 16, 2018"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("6/2/2018"), "2018-02-06");
    EXPECT_EQ(v1::parse_date_iso("30-04-2022 00:00:00"), "2022-04-30");
    EXPECT_EQ(v1::parse_date_iso("approved on 01.07.2022 by the authority"), "2022-07-01");
}

TEST(MapV1Dates, TwoDigitYearsAsTheOriginal) {
    EXPECT_EQ(v1::parse_date_iso("16/02/18"), "2018-02-16");
    EXPECT_EQ(v1::parse_date_iso("16/02/50"), "2050-02-16");
    EXPECT_EQ(v1::parse_date_iso("16/02/51"), "1951-02-16");
    EXPECT_EQ(v1::parse_date_iso("16/02/99"), "1999-02-16");
    EXPECT_EQ(v1::parse_date_iso("16 Feb 18"), "2018-02-16");
}

TEST(MapV1Dates, ImpossibleDatesAreNoDates) {
    EXPECT_EQ(v1::parse_date_iso("31/02/2020"), std::nullopt);
    EXPECT_EQ(v1::parse_date_iso("29/02/2019"), std::nullopt);
    EXPECT_EQ(v1::parse_date_iso("29/02/2020"), "2020-02-29");
    EXPECT_EQ(v1::parse_date_iso("12/25/2020"), "2020-12-25");  // mm/dd/yyyy, the original's last try
    EXPECT_EQ(v1::parse_date_iso("25-13-2020"), std::nullopt);
    EXPECT_EQ(v1::parse_date_iso("NA"), std::nullopt);
    EXPECT_EQ(v1::parse_date_iso("12/1, 345"), std::nullopt);  // a khasra number
    EXPECT_EQ(v1::parse_date_iso("2020"), std::nullopt);
    EXPECT_EQ(v1::parse_date_iso("123/02/2020"), std::nullopt);
    EXPECT_TRUE(v1::parse_iso_date("2024-02-29"));
    EXPECT_FALSE(v1::parse_iso_date("2023-02-29"));
    EXPECT_FALSE(v1::parse_iso_date("2023-2-28"));
    auto e = v1::quarter_end(2022, 3);
    EXPECT_EQ(v1::iso_date(e), "2022-09-30");
    EXPECT_EQ(v1::iso_date(v1::quarter_start(2022, 4)), "2022-10-01");
    EXPECT_EQ(v1::quarter_of_month(12), 4);
}

TEST(MapV1Numbers, IndianDigitGroupingAndUnits) {
    EXPECT_EQ(v1::parse_number("1,25,000.50"), 125000.5);
    EXPECT_EQ(v1::parse_number("125,000.50"), 125000.5);
    EXPECT_EQ(v1::parse_number("5,800,000"), 5800000.0);
    EXPECT_EQ(v1::parse_number("Rs. 58,00,000/-"), 5800000.0);
    EXPECT_EQ(v1::parse_number("₹ 1,00,00,000"), 10000000.0);
    EXPECT_EQ(v1::parse_number("20%"), 20.0);
    EXPECT_EQ(v1::parse_number("58 Lakh", true), 5800000.0);
    EXPECT_EQ(v1::parse_number("58 Lakh", false), 58.0);
    EXPECT_EQ(v1::parse_number("1.2 Cr", true), 12000000.0);
    EXPECT_EQ(v1::parse_number("2.75 crores", true), 27500000.0);
    EXPECT_EQ(v1::parse_number("-12.5"), -12.5);
    EXPECT_EQ(v1::parse_number("no number"), std::nullopt);
    EXPECT_EQ(v1::parse_integer("1,234"), 1234);
    EXPECT_EQ(v1::parse_integer("60 units"), 60);
    EXPECT_EQ(v1::parse_integer("1.5"), std::nullopt);
    EXPECT_EQ(v1::parse_integer("12.0"), 12);
}

TEST(MapV1Numbers, AreasInHectaresAndSquareMetres) {
    // exact: the decimal point is moved, 1.1823 * 10000 would be 11823.000000000002
    EXPECT_EQ(v1::parse_area_sq_m("1.2500 Hectare"), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("1.1823 Hect."), 11823.0);
    EXPECT_EQ(v1::parse_area_sq_m("1.2398 Ha"), 12398.0);
    EXPECT_EQ(v1::parse_area_sq_m("0.35 hectares"), 3500.0);
    EXPECT_EQ(v1::parse_area_sq_m("12.34567 Ha"), 123456.7);
    EXPECT_EQ(v1::parse_area_sq_m("12,500.00"), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("12500 Sq.Mt."), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("12500.00 sq m"), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("12500 sqm"), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("12500 m2"), 12500.0);
    EXPECT_EQ(v1::parse_area_sq_m("1.2500 Ha (approx)"), 12500.0);
    EXPECT_NEAR(*v1::parse_area_sq_m("1 Acre"), 4046.8564, 1e-4);
    EXPECT_NEAR(*v1::parse_area_sq_m("1000 sq ft"), 92.9030, 1e-4);
    std::string note;
    EXPECT_EQ(v1::parse_area_sq_m("12 bighas", &note), 12.0);
    EXPECT_NE(note.find("not recognised"), std::string::npos);
    EXPECT_EQ(v1::parse_area_sq_m("NA"), std::nullopt);
}

TEST(MapV1Numbers, PincodeInAnAddress) {
    EXPECT_EQ(v1::pincode_in("PRATAPGANJ, BESIDE SAI TRADERS, JAGDALPUR 494001"), "494001");
    EXPECT_EQ(v1::pincode_in("RAIPUR-492001 (C.G.)"), "492001");
    EXPECT_EQ(v1::pincode_in("Plot 12, 4920011 Road"), std::nullopt);       // seven digits
    EXPECT_EQ(v1::pincode_in("PCGRERA200618000247"), std::nullopt);         // inside a word
    EXPECT_EQ(v1::pincode_in("रायपुर 492001 छ.ग."), "492001");
    EXPECT_EQ(v1::pincode_in("no pin"), std::nullopt);
}

// ================================================================ the label variants

TEST(MapV1Variants, TheSeedIsTheOriginalsTablePlusRealmapsAdditions) {
    const v1::LabelVariants &lv = variants();
    EXPECT_TRUE(lv.warnings().empty()) << lv.warnings().front();
    EXPECT_EQ(lv.title_count(), 68u);
    EXPECT_EQ(lv.label_count(), 346u);
    // every variant of the original's file is in the seed, under its section and key
    json original = json::parse(slurp(std::string(REALMAP_SOURCE_DIR) + "/test/portal/data/logical_sections_and_keys.json"));
    for (const json &s : original["sections"]) {
        std::string name = s["logical_section"];
        for (const json &t : s["section_title_variants"]) EXPECT_EQ(lv.section_of_title(t.get<std::string>()), name) << t;
        for (const auto &[key, vs] : s["keys"].items())
            for (const json &v : vs) {
                const v1::KeySpec *k = lv.key_for_label(name, v.get<std::string>());
                ASSERT_NE(k, nullptr) << name << "." << key << " " << v;
                EXPECT_EQ(k->canonical_key, key) << v;
            }
    }
    // the V1 types of the keys the original coerced by name
    EXPECT_EQ(lv.key("bank_details", "account_number")->type, v1::V1Type::Text);
    EXPECT_EQ(lv.key("land_details", "khasra_numbers")->type, v1::V1Type::Text);
    EXPECT_EQ(lv.key("quarterly_updates", "year")->type, v1::V1Type::Text);
    EXPECT_EQ(lv.key("project_details", "total_units")->type, v1::V1Type::Integer);
    EXPECT_EQ(lv.key("project_details", "total_area_sq_m")->type, v1::V1Type::Area);
    EXPECT_EQ(lv.key("unit_types", "price_in_inr")->type, v1::V1Type::Number);
    EXPECT_EQ(lv.key("project_details", "launch_date")->type, v1::V1Type::Date);
    EXPECT_EQ(lv.key("project_details", "project_website")->v1_key, "project_website_url");
    EXPECT_EQ(lv.key("project_details", "project_phases")->v1_key, "");  // raw_data only
    EXPECT_FALSE(lv.key("project_details", "project_phases")->type.has_value());
}

TEST(MapV1Variants, TitlesAndLabelsMatchWithTrailingColonsBracketsAndHindi) {
    const v1::LabelVariants &lv = variants();
    EXPECT_EQ(lv.section_of_title("Project Details [ Registration No : PCGRERA1 ] [ Project Web Address : NA ]"),
              "project_details");
    EXPECT_EQ(lv.section_of_title("Bank Details(RERA designated account)"), "bank_details");
    EXPECT_EQ(lv.section_of_title("Promoter Information / प्रमोटर विवरण"), "promoter_details");
    EXPECT_EQ(lv.section_of_title("Acts &amp; Rules"), std::nullopt);  // entities are the extractor's to decode
    EXPECT_EQ(lv.section_of_title("Acts & Rules"), "documents");
    EXPECT_EQ(lv.section_of_title("Brief Details Apartment/Flat"), "units");
    EXPECT_EQ(lv.section_of_title("Project Detail"), std::nullopt);  // the live form's heading
    EXPECT_EQ(lv.key_for_label("project_details", "Zip Code:")->canonical_key, "pincode");
    EXPECT_EQ(lv.key_for_label("bank_details", "A/C No.")->canonical_key, "account_number");
    EXPECT_EQ(lv.key_for_label("quarterly_updates", "Completion (%)")->canonical_key, "completion_percent");
    EXPECT_EQ(lv.key_for_label("project_details", "Total Area (Sq M)")->canonical_key, "total_area_sq_m");
    EXPECT_EQ(lv.key_for_label("project_details", "Unknown Label"), nullptr);
    EXPECT_EQ(lv.key_for_label("no_such_section", "District"), nullptr);
}

TEST(MapV1Variants, FromJsonRejectsWhatIsNotAVariantTable) {
    auto state = [](const json &j) {
        try {
            v1::label_variants_from_json(j);
        } catch (const realmap::Error &e) {
            return e.sqlstate();
        }
        return std::string("none");
    };
    EXPECT_EQ(state(json::array()), "22023");
    EXPECT_EQ(state({{"sections", "x"}}), "22023");
    EXPECT_EQ(state({{"labels", json::array({{{"section", "a"}, {"canonical_key", "b"}, {"variant", "c"},
                                                {"v1_key", "c"}, {"v1_type", "float"}}})}}),
              "22023");
    EXPECT_EQ(state({{"labels", json::array({{{"section", "a"}, {"canonical_key", "b"}, {"variant", "c"},
                                                {"v1_key", "c"}}})}}),
              "22023");  // a key without a type
    EXPECT_EQ(state({{"labels", json::array({{{"section", "a"}, {"variant", "c"}}})}}), "22023");
    EXPECT_EQ(state(json::object()), "none");
    // ambiguities are warnings, the first row wins
    v1::LabelVariants lv = v1::label_variants_from_json(
        {{"sections", json::array({{{"section", "s1"}, {"variant", "Tower Details"}},
                                   {{"section", "s2"}, {"variant", "tower-details"}},
                                   {{"section", "s2"}, {"variant", "!!"}}})},
         {"labels", json::array({{{"section", "s1"}, {"canonical_key", "a"}, {"variant", "Name"}, {"position", 2}},
                                 {{"section", "s1"}, {"canonical_key", "b"}, {"variant", "name:"}, {"position", 1}}})}});
    EXPECT_EQ(lv.section_of_title("TOWER DETAILS"), "s1");
    EXPECT_EQ(lv.key_for_label("s1", "Name")->canonical_key, "b");  // position 1 came first
    EXPECT_EQ(lv.warnings().size(), 3u);
}

TEST(MapV1Variants, TableHeadersByExactMatchThenTheOriginalsSubstringRule) {
    const auto &keys = variants().keys("unit_types");
    // "Super Built-up Area" comes first: the substring rule alone would give it to built_up_area_sq_m
    std::vector<std::string> headers = {"Super Built-up Area (Sq M)", "Built-up Area (Sq M)", "Unit Type", "Rate per unit (Rs)"};
    auto ks = v1::header_keys(keys, headers);
    ASSERT_EQ(ks.size(), 4u);
    EXPECT_EQ(ks[0]->canonical_key, "super_built_up_area_sq_m");
    EXPECT_EQ(ks[1]->canonical_key, "built_up_area_sq_m");
    EXPECT_EQ(ks[2]->canonical_key, "name");
    EXPECT_EQ(ks[3]->canonical_key, "price_in_inr");  // "rate" is a substring of the header
    auto none = v1::header_keys(keys, {"Remarks"});
    EXPECT_EQ(none[0], nullptr);
}

// ================================================================ the raw document

TEST(MapV1Raw, OnlyAnInputThatIsNotARawDocumentThrows) {
    auto state = [](const json &raw) {
        try {
            map(raw);
        } catch (const realmap::Error &e) {
            return e.sqlstate();
        }
        return std::string("none");
    };
    EXPECT_EQ(state(json::array()), "22023");
    EXPECT_EQ(state("text"), "22023");
    EXPECT_EQ(state(json::object()), "22023");  // neither schema nor sections nor form_fields
    EXPECT_EQ(state({{"schema", "realmap.listing/1"}}), "22023");
    json r = raw_doc();
    r["sections"] = "not a list";
    EXPECT_EQ(state(r), "22023");
    r = raw_doc();
    r["form_fields"] = json::array();
    EXPECT_EQ(state(r), "22023");
    EXPECT_EQ(state(raw_doc()), "none");
    EXPECT_EQ(state({{"sections", json::array()}}), "none");  // a raw document without a schema
}

TEST(MapV1Raw, AMessyDocumentNeverThrows) {
    // every member of a real raw document replaced, one at a time, by values of other
    // types: map_v1 and prepare_v1 must answer (with messages), never throw
    json base = realmap::extract::extract_raw(fixture("detail_zero_rows.html"), "");
    std::vector<json::json_pointer> pointers;
    std::function<void(const json &, const json::json_pointer &, int)> walk = [&](const json &j,
                                                                                   const json::json_pointer &p, int depth) {
        if (!p.empty()) pointers.push_back(p);
        if (depth == 5) return;
        if (j.is_object())
            for (const auto &[k, v] : j.items()) walk(v, p / k, depth + 1);
        else if (j.is_array())
            for (std::size_t i = 0; i < j.size() && i < 2; ++i) walk(j[i], p / i, depth + 1);
    };
    walk(base, json::json_pointer(), 0);
    const json replacements[] = {nullptr, 7, "x", json::array({1, "a"}), json::object({{"k", 1}})};
    int runs = 0;
    for (std::size_t n = 0; n < pointers.size(); n += 3)
        for (const json &rep : replacements) {
            json raw = base;
            raw[pointers[n]] = rep;
            try {
                json doc = v1::prepare_v1(raw, variants(), {}, "2026-01-01T00:00:00Z");
                EXPECT_TRUE(doc.is_object());
            } catch (const realmap::Error &e) {
                EXPECT_EQ(e.sqlstate(), "22023") << pointers[n].to_string();
                EXPECT_EQ(pointers[n].to_string().find('/', 1), std::string::npos)
                    << "only a top-level member of the wrong type may be refused: " << pointers[n].to_string();
            } catch (const std::exception &e) {
                ADD_FAILURE() << pointers[n].to_string() << " = " << rep.dump() << ": " << e.what();
            }
            ++runs;
        }
    EXPECT_GT(runs, 300);
}

// ================================================================ named form fields first

TEST(MapV1Form, NamedFieldsFirstThenTheLabelSectionThenTheListing) {
    json r = raw_doc();
    r["form_fields"] = {{"txt_proj_name", control("AANYA ENCLAVE")},
                        {"DropDownList5", control("Plotted Development", "select")},
                        {"ApplicantType", control("Ongoing", "select")},
                        {"District_Name", control("Bastar", "select")},
                        {"Tehsil_Name", control("Jagdalpur", "select")},
                        {"AadharNumber", control("DHARAMPURA, EDUCATION HUB, JAGDALPUR BASTAR (C.G.)", "textarea")},
                        {"txtenddate", control("30-04-2022")},
                        {"txtecoc", control("57037000")},
                        {"txtecol", control("2,99,22,000")},
                        {"txt_p_name", control("M/S SWASTIK DEVELOPERS")},
                        {"DropDownList1", control("Partnership Firm", "select")},
                        {"txt_p_registeredaddress", control("PRATAPGANJ, JAGDALPUR 494001", "textarea")},
                        {"txt_pemail", control("swastik@example.com")},
                        {"txt_pmobile", control("9876543210")},
                        {"TextBox2", control("0321010000247")},
                        {"TextBox3", control("RERA DESIGNATED ACCOUNT AANYA ENCLAVE")},
                        {"TextBox4", control("Bank of Baroda")},
                        {"TextBox5", control("JAGDALPUR")},
                        {"TextBox6", control("BARB0JAGDAL")}};
    r["sections"] = json::array({section("Project Details", json::array({field("Project Name", "Aanya Enclave Phase 2"),
                                                                          field("Approval Date:", "20/06/2018"),
                                                                          field("Locality", "Dharampura")}))});
    json listing = {{"registration_number", "** PCGRERA200618000247"}, {"project_name", "AANYA ENCLAVE (LISTING)"},
                    {"approved_on", "2018-06-20"}, {"extended_end", "2023-04-30"}, {"completed", true},
                    {"website", "http://aanya.example"}};
    json doc = map(r, listing_context(listing));
    const json &pd = doc["project_details"];
    EXPECT_EQ(pd["project_name"], "AANYA ENCLAVE");  // the form wins, the conflict is reported
    EXPECT_TRUE(has_message(doc, "project_details.project_name: form says \"AANYA ENCLAVE\", label section says "
                                 "\"Aanya Enclave Phase 2\""))
        << messages(doc);
    EXPECT_EQ(pd["project_type"], "Plotted Development");
    EXPECT_EQ(pd["project_status"], "Ongoing");
    EXPECT_EQ(pd["district"], "Bastar");
    EXPECT_EQ(pd["tehsil"], "Jagdalpur");
    EXPECT_EQ(pd["project_address"], "DHARAMPURA, EDUCATION HUB, JAGDALPUR BASTAR (C.G.)");
    EXPECT_EQ(pd["expected_completion_date"], "2022-04-30");
    EXPECT_EQ(pd["estimated_construction_cost_inr"], 57037000);
    EXPECT_EQ(pd["land_cost_inr"], 29922000);  // Indian grouping
    EXPECT_EQ(pd["launch_date"], "2018-06-20");  // the label section adds what the form lacks
    EXPECT_EQ(pd["village_or_locality"], "Dharampura");
    EXPECT_EQ(pd["extended_completion_date"], "2023-04-30");  // the listing adds what the page lacks
    EXPECT_EQ(pd["completed"], true);
    EXPECT_EQ(pd["project_website_url"], "http://aanya.example");
    EXPECT_EQ(pd["registration_number"], "PCGRERA200618000247");
    EXPECT_FALSE(pd.contains("pincode"));  // the project address has none (the promoter's is not the project's)
    ASSERT_EQ(doc["promoter_details"].size(), 1u);
    EXPECT_EQ(doc["promoter_details"][0],
              json({{"name", "M/S SWASTIK DEVELOPERS"}, {"organisation_type", "Partnership Firm"},
                    {"address", "PRATAPGANJ, JAGDALPUR 494001"}, {"email", "swastik@example.com"},
                    {"phone", "9876543210"}}));
    ASSERT_EQ(doc["bank_details"].size(), 1u);
    EXPECT_EQ(doc["bank_details"][0]["account_number"], "0321010000247");  // a string: the leading 0 stays
    EXPECT_EQ(doc["bank_details"][0]["account_name"], "RERA DESIGNATED ACCOUNT AANYA ENCLAVE");
    EXPECT_EQ(doc["bank_details"][0]["ifsc_code"], "BARB0JAGDAL");
    const json &md = doc["metadata"];
    EXPECT_EQ(md["run_id"], 41);
    EXPECT_EQ(md["scraped_at"], "2026-12-01T02:00:00Z");
    EXPECT_EQ(md["page_content_hash"], "ab12");
    EXPECT_EQ(md["source_url"], "https://rera.cgstate.gov.in/x?MyID=MzM2");
    EXPECT_EQ(md["my_id"], "MzM2");
    EXPECT_EQ(md["application_id"], 336);
    EXPECT_EQ(md["state_code"], "CG");
    EXPECT_EQ(md["schema_version"], "1.0");
    EXPECT_EQ(doc["raw_data"]["form_fields"]["TextBox2"], "0321010000247");
}

TEST(MapV1Form, TheLabelSectionsPromoterAndAccountAreTheFormsOnesConflictsReported) {
    json r = raw_doc();
    r["form_fields"] = {{"txt_p_name", control("M/S SWASTIK DEVELOPERS")}, {"TextBox2", control("0321010000247")}};
    r["sections"] = json::array(
        {section("Promoter Details", json::array({field("Firm Name", "SWASTIK DEVELOPERS"), field("PAN No", "ABCFS1234K")}),
                 json::array({{{"headers", {"Promoter Name", "Promoter Type"}},
                               {"rows", json::array({{"M/S SWASTIK DEVELOPERS", "Partnership Firm"},
                                                     {"RAJESH JAIN", "Individual"}})}}})),
         section("Bank Details", json::array({field("Account No", "0321010000248"), field("IFSC", "BARB0JAGDAL")}))});
    json doc = map(r);
    ASSERT_EQ(doc["promoter_details"].size(), 2u) << doc["promoter_details"].dump(1);
    EXPECT_EQ(doc["promoter_details"][0], json({{"name", "M/S SWASTIK DEVELOPERS"}, {"pan", "ABCFS1234K"},
                                                {"organisation_type", "Partnership Firm"}}));
    EXPECT_EQ(doc["promoter_details"][1], json({{"name", "RAJESH JAIN"}, {"organisation_type", "Individual"}}));
    EXPECT_TRUE(has_message(doc, "promoter_details[0].name: form says \"M/S SWASTIK DEVELOPERS\", label section says "
                                 "\"SWASTIK DEVELOPERS\""))
        << messages(doc);
    ASSERT_EQ(doc["bank_details"].size(), 1u);
    EXPECT_EQ(doc["bank_details"][0]["account_number"], "0321010000247");
    EXPECT_EQ(doc["bank_details"][0]["ifsc_code"], "BARB0JAGDAL");
    EXPECT_TRUE(has_message(doc, "bank_details[0].account_number: form says \"0321010000247\"")) << messages(doc);
}

TEST(MapV1Form, PlaceholderSelectsAreNoValuesAndUnselectedOnesAreReported) {
    json r = raw_doc();
    json placeholder = control("", "select");
    placeholder["placeholder"] = true;
    json first = control("Balod", "select");
    first["from_first_option"] = true;
    json other_state = control("Odisha", "select");
    r["form_fields"] = {{"District_Name", placeholder}, {"Tehsil_Name", first}, {"State_Name", other_state},
                        {"txt_proj_name", control("  NA  ")}, {"txt_unknown", control("kept raw")}};
    r["sections"] = json::array({section("Project Detail", json::array({[] {
                                             json f = field("Something New", "kept raw");
                                             f["control"] = "txt_unknown";
                                             return f;
                                         }()}))});
    json doc = map(r);
    EXPECT_FALSE(doc["project_details"].contains("district"));
    EXPECT_FALSE(doc["project_details"].contains("project_name"));  // "NA" is no value
    EXPECT_EQ(doc["project_details"]["tehsil"], "Balod");
    EXPECT_TRUE(has_message(doc, "form field Tehsil_Name has no selected option")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "the page's state is \"Odisha\"")) << messages(doc);
    EXPECT_EQ(doc["raw_data"]["unmapped_sections"]["Project Detail"]["Something New"], "kept raw");
}

// ================================================================ coercion by the V1 type

TEST(MapV1Coercion, ByTheSchemasTypeNeverByTheKeysName) {
    json r = raw_doc();
    r["sections"] = json::array(
        {section("Land Particulars", json::array({field("Khasra No:", "12/1, 345"), field("Land Area", "1.4316 Hectare"),
                                                  field("Status of Land", "Owned"), field("Patwari Halka", "07")})),
         section("Bank Details(RERA designated account)",
                 json::array({field("Bank Name", "Bank of Baroda"), field("A/C No.", "0321010000247"),
                              field("IFSC", "BARB0JAGDAL"), field("Branch", "JAGDALPUR")})),
         section("Quarterly Updates", json::array(),
                 json::array({{{"headers", {"Quarter", "Year", "Status", "Completion (%)", "Remarks"}},
                               {"rows", json::array({{"Q3", "2022", "Ongoing", "25%", "Roads laid"},
                                                     {"4", "2022", "Ongoing", "30.5", "कार्य प्रगति पर है"}})}}})),
         section("Project Details", json::array({field("Total Units", "1,260"), field("Total Area", "12,500.00 sq m")}))});
    json doc = map(r);
    ASSERT_EQ(doc["land_details"].size(), 1u);
    const json &land = doc["land_details"][0];
    EXPECT_EQ(land["khasra_numbers"], "12/1, 345");  // text: as written, not 121345
    EXPECT_EQ(land["land_area_sq_m"], 14316);        // area: hectares to m²
    EXPECT_EQ(land["land_status"], "Owned");
    EXPECT_EQ(land["patwari_halka"], "07");           // text, the leading 0 kept
    ASSERT_EQ(doc["bank_details"].size(), 1u);
    EXPECT_EQ(doc["bank_details"][0]["account_number"], "0321010000247");
    ASSERT_EQ(doc["quarterly_updates"].size(), 2u);
    EXPECT_EQ(doc["quarterly_updates"][0]["year"], "2022");  // text
    EXPECT_EQ(doc["quarterly_updates"][0]["completion_percent"], 25);
    EXPECT_EQ(doc["quarterly_updates"][1]["quarter"], "Q4");
    EXPECT_EQ(doc["quarterly_updates"][1]["completion_percent"], 30.5);
    EXPECT_EQ(doc["quarterly_updates"][1]["remarks"], "कार्य प्रगति पर है");  // Devanagari kept
    EXPECT_EQ(doc["project_details"]["total_units"], 1260);
    EXPECT_EQ(doc["project_details"]["total_area_sq_m"], 12500);
    EXPECT_TRUE(doc["validation_messages"].empty()) << messages(doc);
}

TEST(MapV1Coercion, UnreadableValuesAreLeftOutAndReported) {
    json r = raw_doc();
    r["sections"] = json::array({section("Project Details", json::array({field("Total Units", "about sixty"),
                                                                          field("Launch Date", "31/02/2020"),
                                                                          field("Total Area", "NA"),
                                                                          field("Phases", "3")}))});
    json doc = map(r);
    const json &pd = doc["project_details"];
    EXPECT_FALSE(pd.contains("total_units"));
    EXPECT_FALSE(pd.contains("launch_date"));
    EXPECT_FALSE(pd.contains("total_area_sq_m"));
    EXPECT_TRUE(has_message(doc, "project_details.total_units (label \"Total Units\"): \"about sixty\" is not a whole number"))
        << messages(doc);
    EXPECT_TRUE(has_message(doc, "\"31/02/2020\" is not a date")) << messages(doc);
    EXPECT_FALSE(has_message(doc, "\"NA\""));  // a blank value is just missing
    // untyped keys are kept in raw_data.sections, as written
    EXPECT_EQ(doc["raw_data"]["sections"]["project_details"]["project_phases"], "3");
    EXPECT_EQ(doc["raw_data"]["sections"]["project_details"]["total_units"], "about sixty");
}

TEST(MapV1Sections, UnmappedSectionsAndLabelsAreKeptAndTitleBracketsRead) {
    json r = raw_doc();
    r["registration_number"] = nullptr;
    r["sections"] = json::array(
        {section("Project Details [ Registration No : PCGRERA200618000247 ] [ Project Web Address : http://a.example ]",
                 json::array({field("Favourite Colour", "Blue"), field("Pin Code", "494005")})),
         section("Special Approvals", json::array({field("Fire NOC", "Not required")}),
                 json::array({{{"headers", {"A", "B"}}, {"rows", json::array({{"1", "2"}})}}})),
         section("Registration No :", json::array())});
    json doc = map(r);
    EXPECT_EQ(doc["project_details"]["registration_number"], "PCGRERA200618000247");
    EXPECT_EQ(doc["project_details"]["project_website_url"], "http://a.example");
    EXPECT_EQ(doc["project_details"]["pincode"], "494005");
    const json &un = doc["raw_data"]["unmapped_sections"];
    EXPECT_EQ(un["Special Approvals"]["Fire NOC"], "Not required");
    EXPECT_EQ(un["Project Details [ Registration No : PCGRERA200618000247 ] [ Project Web Address : http://a.example ]"]
                ["Favourite Colour"],
              "Blue");
    EXPECT_EQ(doc["raw_data"]["tables"]["Special Approvals"][0]["headers"], json({"A", "B"}));
}

TEST(MapV1Sections, TablesBecomeOneRecordPerRowPlaceholderRowsReported) {
    json r = raw_doc();
    r["sections"] = json::array(
        {section("Tower Details", json::array(),
                 json::array({{{"headers", {"Tower Name", "No of Floors", "No of Units", "Carpet Area (Sq M)"}},
                               {"rows", json::array({{"Tower A", "11", "60", "6,396.00"},
                                                     {"0", "0", "0", "0"},
                                                     {"", "", "", ""},
                                                     {"Tower B", "G+4", "20", "1.2 Ha"}})}}}))});
    json doc = map(r);
    ASSERT_EQ(doc["building_details"].size(), 2u);
    EXPECT_EQ(doc["building_details"][0],
              json({{"name", "Tower A"}, {"number_of_floors", 11}, {"number_of_units", 60}, {"carpet_area_sq_m", 6396}}));
    EXPECT_EQ(doc["building_details"][1]["carpet_area_sq_m"], 12000);
    EXPECT_EQ(doc["building_details"][1]["number_of_floors"], 4);  // "G+4": the first number
    EXPECT_TRUE(has_message(doc, "1 placeholder row(s) (every cell 0) left out")) << messages(doc);
}

// ================================================================ pincode and locality

TEST(MapV1Project, PincodeFromTheAddressWhenMissingLocalityKept) {
    json r = raw_doc();
    r["form_fields"] = {{"AadharNumber", control("SECTOR 5, NAVA RAIPUR 492101 (C.G.)", "textarea")}};
    json doc = map(r);
    EXPECT_EQ(doc["project_details"]["pincode"], "492101");
    // an explicit PIN wins over the address
    r["sections"] = json::array({section("General Information", json::array({field("PIN", "492001"),
                                                                              field("Mohalla", "Sector 5")}))});
    doc = map(r);
    EXPECT_EQ(doc["project_details"]["pincode"], "492001");
    EXPECT_EQ(doc["project_details"]["village_or_locality"], "Sector 5");
}

TEST(MapV1Project, TotalUnitsFromTheLatestPlotSummary) {
    json r = raw_doc();
    r["grids"]["Single_grid_brief_plot"] =
        grid({"From Date", "To Date", "Plot Group", "Plots Type", "Plot Area(Sq.Metre)", "Total Plots", "Total Plot Sold/Booked"},
             json::array({{"01 Jul 2021", "30 Sep 2021", "A", "Residential", "14316", "100", "94"},
                          {"01 Jul 2021", "30 Sep 2021", "B", "EWS", "1200", "26", "0"}}));
    r["sections"] = json::array({section("Project Details", json::array({field("Total Units", "125")}))});
    json doc = map(r);
    EXPECT_EQ(doc["project_details"]["total_units"], 126);
    EXPECT_TRUE(has_message(doc, "project_details.total_units: form says 126, label section says 125")) << messages(doc);
}

// ================================================================ quarterly history

namespace {
json status_grid(json rows, json links = json::array()) {
    return grid({"S.No.", "From Date", "To Date", "Project Status", "Completion(%)", "Completion Certificate by Architect",
                 "Completion Certificate by Competent Authority"},
                std::move(rows), std::move(links));
}
}  // namespace

TEST(MapV1Quarterly, PlaceholderAndRepeatedRowsAreLeftOutAndReported) {
    json r = raw_doc();
    r["grids"]["grid_status"] = status_grid(json::array({{"1", "20 Jun 2018", "30 Sep 2018", "Ongoing", "5", "NA", "NA"},
                                                         {"0", "0", "0", "0", "0", "0", "0"},
                                                         {"2", "01 Oct 2018", "31 Dec 2018", "Ongoing", "25", "NA", "NA"},
                                                         {"2", "01 Oct 2018", "31 Dec 2018", "Ongoing", "25", "NA", "NA"},
                                                         {"3", "01 Oct 2018", "31 Dec 2018", "Ongoing", "27", "NA", "NA"},
                                                         {"4", "someday", "31 Mar 2019", "Ongoing", "30", "NA", "NA"}}));
    json doc = map(r);
    const json &q = doc["quarterly_updates"];
    ASSERT_EQ(q.size(), 2u) << q.dump(1);
    EXPECT_EQ(q[0], json({{"kind", "progress"}, {"from_date", "2018-06-20"}, {"to_date", "2018-09-30"}, {"quarter", "Q3"},
                          {"year", "2018"}, {"status", "Ongoing"}, {"completion_percent", 5}}));
    EXPECT_EQ(q[1]["completion_percent"], 25);  // the first row of a period wins
    EXPECT_TRUE(has_message(doc, "grid_status: 1 placeholder row(s) (every cell 0) left out")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "grid_status: 1 repeated row(s) left out (the first kept): 01 Oct 2018 to 31 Dec 2018"))
        << messages(doc);
    EXPECT_TRUE(has_message(doc, "grid_status row 5 repeats the period 01 Oct 2018 to 31 Dec 2018 with other values"))
        << messages(doc);
    EXPECT_TRUE(has_message(doc, "grid_status row 6: period \"someday\" to \"31 Mar 2019\" is not a pair of dates"))
        << messages(doc);
    // deterministic: the same page gives the same document
    EXPECT_EQ(map(r), doc);
}

TEST(MapV1Quarterly, HistoryFromEveryGridMergedByPeriod) {
    json r = raw_doc();
    const std::string app = "../Content/ProjectDocuments/Application_336/";
    r["grids"]["grid_status"] = status_grid(
        json::array({{"1", "01 Apr 2021", "30 Jun 2021", "Ongoing", "90", "NA", "NA"},
                     {"2", "01 Jul 2021", "30 Sep 2021", "Completed", "100", "View", "View"}}),
        json::array({{{"row", 1}, {"column", 5}, {"href", app + "COM_CER_ARCHI_1.pdf"}},
                     {{"row", 1}, {"column", 6}, {"href", app + "COM_CER_CA_1.pdf"}},
                     {{"row", 0}, {"column", 5}, {"href", "javascript:void(0);"}}}));
    json plot_headers = {"From Date", "To Date", "Plot Group", "Plots Type", "Plot Area(Sq.Metre)", "Total Plots",
                         "Total Plot Sold/Booked"};
    r["grids"]["grid_brief_plot"] = grid(plot_headers, json::array({{"01 Apr 2021", "30 Jun 2021", "A", "Residential", "14316", "126", "90"},
                                                                    {"01 Jul 2021", "30 Sep 2021", "A", "Residential", "14080", "126", "94"},
                                                                    {"01 Apr 2021", "30 Jun 2021", "A", "Residential", "14316", "126", "90"}}));
    r["grids"]["Single_grid_brief_plot"] =
        grid(plot_headers, json::array({{"01 Jul 2021", "30 Sep 2021", "A", "Residential", "14316", "126", "94"}}));
    r["grids"]["gv_ProjectList"] = grid({"From Date", "To Date", "Particulars", "Progress Status(%)", "Image"},
                                        json::array({{"01 Apr 2021", "30 Jun 2021", "WATER SUPPLY", "80%", ""},
                                                     {"01 Jul 2021", "30 Sep 2021", "WATER SUPPLY", "100%", ""}}));
    r["grids"]["Single_gv_ProjectList"] = grid(
        {"From Date", "To Date", "Particulars", "Progress Status(%)", "Image"},
        json::array({{"01 Jul 2021", "30 Sep 2021", "WATER SUPPLY", "100", ""}}), json::array(),
        json::array({{{"row", 0}, {"column", 4}, {"href", app + "AminitiesPHOTO_1_x.jpg"}}}));
    r["grids"]["grid_docs"] = grid({"From Date", "To Date", "CA Certificate", "Engg Certificate", "Architect Certificate"},
                                   json::array({{"01 Apr 2021", "30 Jun 2021", "View", "NA", "View"},
                                                {"01 Jan 2021", "31 Mar 2021", "NA", "NA", "NA"}}),
                                   json::array({{{"row", 0}, {"column", 2}, {"href", app + "CA_QUARTER_1.pdf"}},
                                                {{"row", 0}, {"column", 3}, {"href", "javascript:void(0);"}},
                                                {{"row", 0}, {"column", 4}, {"href", app + "ARCH_QUARTER_1.pdf"}}}));
    r["grids"]["grid_documents_amount_withdrawl"] =
        grid({"From Date", "To Date", "CA Certificate", "Engg Certificate", "Architect Certificate"},
             json::array({{"01 Apr 2021", "30 Jun 2021", "View", "View", "View"}}),
             json::array({{{"row", 0}, {"column", 2}, {"href", app + "AMOUNT_CA_QUARTER_1.pdf"}},
                          {{"row", 0}, {"column", 3}, {"href", app + "AMOUNT_ENGG_QUARTER_1.pdf"}},
                          {{"row", 0}, {"column", 4}, {"href", app}}}));  // a folder: no file
    r["sections"] = json::array(
        {section("Quarterly Updates", json::array(),
                 json::array({{{"headers", {"Quarter", "Year", "Status", "Completion (%)", "Remarks"}},
                               {"rows", json::array({{"Q3", "2021", "Completed", "100", "Handed over"},
                                                     {"Q1", "2019", "Ongoing", "40", "Roads"}})}}}))});
    json doc = map(r);
    const json &q = doc["quarterly_updates"];
    ASSERT_EQ(q.size(), 4u) << q.dump(1);
    // chronological; the label row without a grid period comes by its calendar quarter
    EXPECT_EQ(q[0], json({{"kind", "progress"}, {"quarter", "Q1"}, {"year", "2019"}, {"status", "Ongoing"},
                          {"completion_percent", 40}, {"remarks", "Roads"}}));
    EXPECT_EQ(q[1]["from_date"], "2021-04-01");
    EXPECT_EQ(q[1]["plots"], json::array({{{"plot_group", "A"}, {"plots_type", "Residential"}, {"plot_area_sq_m", 14316},
                                           {"total_plots", 126}, {"booked", 90}}}));
    EXPECT_EQ(q[1]["amenity_progress"], json::array({{{"particulars", "WATER SUPPLY"}, {"progress_percent", 80}}}));
    EXPECT_EQ(q[1]["certificates"], json::array({{{"kind", "ca"}, {"url", app + "CA_QUARTER_1.pdf"}},
                                                 {{"kind", "architect"}, {"url", app + "ARCH_QUARTER_1.pdf"}}}));
    EXPECT_FALSE(q[1].contains("remarks"));
    const json &last = q[2];
    EXPECT_EQ(last["to_date"], "2021-09-30");
    EXPECT_EQ(last["status"], "Completed");
    EXPECT_EQ(last["remarks"], "Handed over");  // merged by calendar quarter
    EXPECT_EQ(last["plots"][0]["plot_area_sq_m"], 14316);  // the summary wins over grid_brief_plot's 14080
    EXPECT_EQ(last["amenity_progress"][0]["image_url"], app + "AminitiesPHOTO_1_x.jpg");
    EXPECT_EQ(last["certificates"], json::array({{{"kind", "completion_architect"}, {"url", app + "COM_CER_ARCHI_1.pdf"}},
                                                 {{"kind", "completion_authority"}, {"url", app + "COM_CER_CA_1.pdf"}}}));
    EXPECT_EQ(q[3], json({{"kind", "withdrawal"}, {"from_date", "2021-04-01"}, {"to_date", "2021-06-30"},
                          {"certificates", json::array({{{"kind", "ca"}, {"url", app + "AMOUNT_CA_QUARTER_1.pdf"}},
                                                        {{"kind", "engineer"}, {"url", app + "AMOUNT_ENGG_QUARTER_1.pdf"}}})}}));
    EXPECT_TRUE(has_message(doc, "grid_brief_plot: 1 repeated row(s) left out")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "grid_brief_plot: 1 row(s) disagree with Single_grid_brief_plot")) << messages(doc);
}

// ================================================================ locations

TEST(MapV1Locations, AmenitiesCentroidIframeAndTheListingPin) {
    json r = raw_doc();
    auto row = [](const char *name, json lat, json lon, const char *lat_text, const char *lon_text) {
        return json({{"from_date", "01 Jul 2021"}, {"to_date", "30 Sep 2021"}, {"particulars", name}, {"progress", "60%"},
                     {"latitude", lat}, {"longitude", lon}, {"latitude_text", lat_text}, {"longitude_text", lon_text},
                     {"image", "../Content/ProjectDocuments/Application_336/AminitiesPHOTO_1_x.jpg"}, {"image_url", nullptr}});
    };
    r["amenities"]["rows"] = json::array({row("GYM", 19.08, 82.03, "19.08", "82.03"),
                                          row("SEWERAGE", 0.0, 0.0, "0", "0"),          // 0 is no position
                                          row("STREET LIGHTING", nullptr, nullptr, "", ""),  // empty neither
                                          row("BOUNDARY WALL", 19.1, 82.05, "19.1", "82.05"),
                                          row("PARK", 51.5, -0.1, "51.5", "-0.1"),       // outside India
                                          row("CLUB", nullptr, nullptr, "19,07", "82,04")});  // ',' read as '.'
    r["map_iframes"] = json::array({{{"src", "x"}, {"latitude", 0.0}, {"longitude", 0.0}},
                                    {{"src", "y"}, {"latitude", 19.0799}, {"longitude", 82.0312}}});
    json listing = {{"registration_number", "PCGRERA200618000247"}, {"latitude", 19.0799}, {"longitude", 82.0312}};
    json doc = map(r, listing_context(listing));
    const json &l = doc["rera_locations"];
    ASSERT_EQ(l.size(), 6u) << l.dump(1);
    EXPECT_EQ(l[0], json({{"source_type", "amenity"}, {"latitude", 19.08}, {"longitude", 82.03}, {"particulars", "GYM"},
                          {"image_url", "../Content/ProjectDocuments/Application_336/AminitiesPHOTO_1_x.jpg"},
                          {"from_date", "01 Jul 2021"}, {"to_date", "30 Sep 2021"}, {"progress_percent", 60}}));
    EXPECT_EQ(l[1]["particulars"], "BOUNDARY WALL");
    EXPECT_EQ(l[2]["particulars"], "CLUB");
    EXPECT_DOUBLE_EQ(l[2]["latitude"].get<double>(), 19.07);
    EXPECT_EQ(l[3]["source_type"], "amenity_centroid");
    EXPECT_NEAR(l[3]["latitude"].get<double>(), (19.08 + 19.1 + 19.07) / 3, 1e-12);
    EXPECT_EQ(l[3]["particulars"], "Computed centroid of amenity locations");
    EXPECT_EQ(l[4], json({{"source_type", "map_iframe"}, {"latitude", 19.0799}, {"longitude", 82.0312}}));
    EXPECT_EQ(l[5], json({{"source_type", "listing_map"}, {"latitude", 19.0799}, {"longitude", 82.0312}}));
    EXPECT_TRUE(has_message(doc, "2 amenity row(s) without a position")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "amenity \"PARK\" at 51.5, -0.1 is outside India")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "the map iframe's position 0.0, 0.0 is no position (coordinates 0)")) << messages(doc);
}

TEST(MapV1Locations, NoAmenityPositionNoCentroid) {
    json r = raw_doc();
    r["amenities"]["rows"] = json::array({{{"particulars", "GYM"}, {"progress", "10"}}});  // no coordinate columns
    json doc = map(r);
    EXPECT_TRUE(doc["rera_locations"].empty());
    EXPECT_TRUE(doc["validation_messages"].empty()) << messages(doc);
}

// ================================================================ documents and units

TEST(MapV1Documents, LinksWithAFileEmptyLinksAreNoDocumentsPreviews) {
    json r = raw_doc();
    const std::string app = "../Content/ProjectDocuments/Application_336/";
    r["documents"] = json::array(
        {{{"label", "Registration Certificate"}, {"caption", "Registration Certificate"}, {"section", "Project Specific"},
          {"href", app + "Reg_Certi_1.pdf"}, {"file_prefix", "Reg_Certi"}},
         {{"label", "Layout Plan:"}, {"caption", "Layout Plan"}, {"section", "Approval From Competent Authoroties"},
          {"href", app + "LAYOUT_1.pdf"}, {"file_prefix", "LAYOUT"}, {"preview_hint", "#btnPreview"}},
         {{"label", "Layout Plan"}, {"caption", "Layout Plan"}, {"section", "x"}, {"href", app + "LAYOUT_1.pdf"},
          {"file_prefix", "LAYOUT"}}});
    r["empty_document_links"] = json::array({{{"label", "Fee Calculation Sheet"}, {"section", "Project Specific"},
                                              {"href", app}}});
    json doc = map(r);
    ASSERT_EQ(doc["documents"].size(), 2u);
    EXPECT_EQ(doc["documents"][0], json({{"name", "Registration Certificate"}, {"document_type", "Reg_Certi"},
                                         {"url", app + "Reg_Certi_1.pdf"}, {"section", "Project Specific"}}));
    EXPECT_EQ(doc["documents"][1]["name"], "Layout Plan");
    EXPECT_TRUE(has_message(doc, "documents: 1 repeated link(s) left out")) << messages(doc);
    EXPECT_TRUE(has_message(doc, "documents: 1 document slot(s) link no file and are no documents: Fee Calculation Sheet"))
        << messages(doc);
    EXPECT_EQ(doc["previews"]["layoutplan"], json({{"field_key", "layoutplan"}, {"artifact_type", "unknown"},
                                                   {"files", {app + "LAYOUT_1.pdf"}}, {"notes", "#btnPreview"}}));
}

TEST(MapV1Units, TheUnitListAndTheInventory) {
    json r = raw_doc();
    r["sections"] = json::array({section("Brief Details Apartment/Flat", json::array(),
                                         json::array({{{"headers", {"Block", "Floor", "Flat/Unit No", "Type", "Carpet Area"}},
                                                       {"rows", json::array({{"A", "0", "A-001", "2 BHK", "60.50"},
                                                                             {"A", "0", "A-001", "2 BHK", "60.50"},
                                                                             {"A", "G", "A-002", "2 BHK", "60.50"}})}}}))});
    r["inventory"] = {{"section", "Inventory Status"},
                      {"items", json::array({{{"class", "bg_lly"}, {"text", "A-001"}},
                                             {{"class", "bg_llg"}, {"text", "P-7"}},
                                             {{"class", "bg_llx"}, {"text", "P-8"}}})},
                      {"legend", {{"bg_llg", "Available"}, {"bg_lly", "Booked/Sold"}}}};
    json doc = map(r);
    const json &u = doc["units"];
    ASSERT_EQ(u.size(), 4u) << u.dump(1);
    EXPECT_EQ(u[0], json({{"block", "A"}, {"floor", "0"}, {"unit_no", "A-001"}, {"type", "2 BHK"},
                          {"carpet_area_sq_m", 60.5}, {"status", "Booked"}}));
    EXPECT_EQ(u[1]["floor"], "G");  // as written
    EXPECT_EQ(u[2], json({{"unit_no", "P-7"}, {"status", "Available"}}));
    EXPECT_EQ(u[3], json({{"unit_no", "P-8"}}));
    EXPECT_TRUE(has_message(doc, "units: 1 repeated unit row(s) left out")) << messages(doc);
    EXPECT_EQ(doc["raw_data"]["grids"]["Inventory Status"][0]["legend"]["bg_lly"], "Booked/Sold");
}

// ================================================================ the listing context

TEST(MapV1Listing, APageOfAnotherRegistrationDoesNotTakeTheListingsValues) {
    json r = raw_doc();  // the page says PCGRERA200618000247
    json listing = {{"registration_number", "P3CGRERA200618000999"}, {"completed", true}, {"latitude", 19.0},
                    {"longitude", 82.0}, {"extended_end", "2024-01-01"}, {"district", "RAIPUR"}};
    json doc = map(r, listing_context(listing));
    EXPECT_EQ(doc["project_details"]["registration_number"], "PCGRERA200618000247");
    EXPECT_FALSE(doc["project_details"].contains("completed"));
    EXPECT_FALSE(doc["project_details"].contains("district"));
    EXPECT_TRUE(doc["rera_locations"].empty());
    EXPECT_TRUE(has_message(doc, "the page belongs to registration PCGRERA200618000247, not to the listing's "
                                 "P3CGRERA200618000999; the listing's values are not used"))
        << messages(doc);
}

TEST(MapV1Listing, ThePagesOwnListingRowFillsGapsAndGivesTheNumberWhenThePageHasNone) {
    json r = raw_doc();
    r["registration_number"] = nullptr;
    json listing = {{"registration_number", "** pcgrera200618000247"}, {"district", "BASTAR"},
                    {"approved_on", "20 Jun 2018"}, {"latitude", 0.0}, {"longitude", 0.0}};
    json doc = map(r, listing_context(listing));
    EXPECT_EQ(doc["project_details"]["registration_number"], "PCGRERA200618000247");  // never the "**"
    EXPECT_EQ(doc["project_details"]["district"], "BASTAR");  // normalize_v1 title-cases it
    EXPECT_EQ(doc["project_details"]["launch_date"], "2018-06-20");
    EXPECT_TRUE(doc["rera_locations"].empty());  // 0|0 is no position
    EXPECT_TRUE(has_message(doc, "registration_number: not on the page; the listing's is used")) << messages(doc);
    // nothing at all: reported (load_project refuses such a document)
    json none = map(r);
    EXPECT_FALSE(none["project_details"].contains("registration_number"));
    EXPECT_TRUE(has_message(none, "neither the page nor the listing gives one"));
}

TEST(MapV1Listing, ContextFromJson) {
    v1::MapContext ctx = v1::map_context_from_json(
        {{"listing", {{"registration_number", "PCGRERA1"}, {"approved_on", "16 Feb 2018"}, {"proposed_end", "2020-04-30"},
                      {"extended_end", "-"}, {"latitude", "21.25"}, {"longitude", 81.6}, {"completed", false},
                      {"row_hash", "x"}}},
         {"run_id", 7}});
    ASSERT_TRUE(ctx.listing);
    EXPECT_EQ(ctx.listing->approved_on, "2018-02-16");
    EXPECT_EQ(ctx.listing->proposed_end, "2020-04-30");
    EXPECT_EQ(ctx.listing->extended_end, std::nullopt);
    EXPECT_EQ(ctx.listing->latitude, 21.25);
    EXPECT_EQ(ctx.run_id, 7);
    EXPECT_FALSE(v1::map_context_from_json(nullptr).listing);
    auto state = [](const json &j) {
        try {
            v1::map_context_from_json(j);
        } catch (const realmap::Error &e) {
            return e.sqlstate();
        }
        return std::string("none");
    };
    EXPECT_EQ(state(json::array()), "22023");
    EXPECT_EQ(state({{"run_id", "x"}}), "22023");
    EXPECT_EQ(state({{"listing", {{"approved_on", "someday"}}}}), "22023");
    EXPECT_EQ(state({{"listing", {{"latitude", "north"}}}}), "22023");
    EXPECT_EQ(state({{"listing", {{"completed", "yes"}}}}), "22023");
    EXPECT_EQ(state({{"scraped_at", "yesterday"}}), "22023");
    EXPECT_EQ(state({{"scraped_at", "2026-12-01T02:00:00.123456+00:00"}}), "none");  // as to_jsonb(timestamptz) writes it
}

// ================================================================ the simulator's pages

class MapV1Truth : public ::testing::TestWithParam<const char *> {};

TEST_P(MapV1Truth, AgreesWithTheSimulatorsGroundTruth) {
    const std::string name = GetParam();
    json raw = realmap::extract::extract_raw(fixture(name + ".html"), "");
    json truth = json::parse(fixture(name + ".truth.json"));
    json doc = v1::prepare_v1(raw, variants(), {}, "2026-01-01T00:00:00Z");
    const json &t = truth["v1"];
    auto near = [](const json &a, const json &b) {
        if (a.is_number() && b.is_number()) return std::fabs(a.get<double>() - b.get<double>()) < 1e-6;
        return a == b;
    };
    auto expect_record = [&](const json &expected, const json &actual, const std::string &where) {
        for (const auto &[k, v] : expected.items()) {
            json a = actual.contains(k) ? actual[k] : json();
            EXPECT_TRUE(near(v, a)) << where << "." << k << ": expected " << v.dump() << ", got " << a.dump();
        }
    };
    expect_record(t["project_details"], doc["project_details"], "project_details");
    for (const char *list : {"promoter_details", "land_details", "building_details", "unit_types", "bank_details",
                             "documents"}) {
        ASSERT_EQ(doc[list].size(), t[list].size()) << list;
        for (std::size_t i = 0; i < t[list].size(); ++i) expect_record(t[list][i], doc[list][i], list);
    }
    std::vector<json> progress;
    for (const json &q : doc["quarterly_updates"])
        if (q["kind"] == "progress" && (q.contains("status") || q.contains("remarks"))) progress.push_back(q);
    ASSERT_EQ(progress.size(), t["quarterly_updates"].size());
    for (std::size_t i = 0; i < progress.size(); ++i) expect_record(t["quarterly_updates"][i], progress[i], "quarterly_updates");
    ASSERT_EQ(doc["rera_locations"].size(), t["rera_locations"].size());
    for (std::size_t i = 0; i < t["rera_locations"].size(); ++i)
        expect_record(t["rera_locations"][i], doc["rera_locations"][i], "rera_locations");
    EXPECT_EQ(doc["professionals"], truth["extras"]["professionals"]);
    EXPECT_EQ(doc["project_details"]["estimated_construction_cost_inr"], truth["extras"]["estimated_construction_cost_inr"]);
    // the normalised document still says what the page says
    EXPECT_EQ(doc["project_details"]["district"], t["project_details"]["district"]);
    EXPECT_TRUE(doc["qa"]["status"] == "passed" || doc["qa"]["status"] == "warning") << doc["qa"].dump(1);
}

INSTANTIATE_TEST_SUITE_P(MapV1Fixtures, MapV1Truth,
                         ::testing::Values("detail_plain", "detail_label_sections", "detail_preview_links",
                                           "detail_zero_rows"));

// ================================================================ the hand-written page

TEST(MapV1HandWritten, ThePageOfPortalDetailPageMdGivesItsHandWrittenV1) {
    const std::string url = "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2";
    json raw = realmap::extract::extract_raw(fixture("detail_PCGRERA200618000247.html"), url);
    json listing = {{"registration_number", "** PCGRERA200618000247"}, {"completed", true},
                    {"approved_on", "2018-06-20"}, {"proposed_end", "2022-04-30"}, {"extended_end", "2022-10-31"},
                    {"latitude", 19.0799}, {"longitude", 82.0312}, {"website", nullptr}};
    v1::MapContext ctx = v1::map_context_from_json({{"listing", listing},
                                                   {"source_url", url},
                                                   {"run_id", 41},
                                                   {"scraped_at", "2026-12-01T02:00:00Z"},
                                                   {"page_content_hash", "0000aaaa"}});
    json doc = v1::prepare_v1(raw, variants(), ctx, "2026-12-01T02:00:05Z");
    json expected = json::parse(fixture("detail_PCGRERA200618000247.v1.json"));
    // every field the page carries, exactly as written by hand (parser_version follows the build)
    expected["metadata"]["parser_version"] = doc["metadata"]["parser_version"];
    EXPECT_EQ(json_diff(expected, doc), "");
    for (const auto &[key, value] : expected.items()) EXPECT_EQ(json_diff(value, doc[key], key), "");
    // the document is the same each time
    EXPECT_EQ(v1::prepare_v1(raw, variants(), ctx, "2026-12-01T02:00:05Z"), doc);
}

// ================================================================ the accuracy driver

TEST(MapV1Accuracy, MapsFetchedPages) {
    const char *pages_env = std::getenv("REALMAP_V1_PAGES_DIR");
    const char *out_env = std::getenv("REALMAP_V1_OUT_DIR");
    if (!pages_env || !out_env) GTEST_SKIP() << "set REALMAP_V1_PAGES_DIR and REALMAP_V1_OUT_DIR (see test/portal/check_v1_accuracy.py)";
    namespace fs = std::filesystem;
    fs::path pages = pages_env, out = out_env;
    fs::create_directories(out);
    auto view = realmap::portal::view_listing_page(slurp((pages / "listing.html").string()),
                                                   "https://rera.cgstate.gov.in/Approved_project_List.aspx");
    std::map<std::string, json> rows;
    for (const json &r : view.rows) rows[r["registration_number"].get<std::string>()] = r;
    int mapped = 0, written = 0, foreign = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (const auto &e : fs::directory_iterator(pages / "pages")) {
        if (e.path().extension() != ".html") continue;
        std::string reg = e.path().stem().string();
        std::string url = slurp(fs::path(e.path()).replace_extension(".url").string());
        while (!url.empty() && url.back() == '\n') url.pop_back();
        json ctx = {{"source_url", url}, {"run_id", 1}, {"scraped_at", "2026-12-01T02:00:00Z"}};
        EXPECT_TRUE(rows.count(reg)) << "no listing row for " << reg;
        if (rows.count(reg)) ctx["listing"] = rows[reg];
        json doc = v1::prepare_v1(realmap::extract::extract_raw(slurp(e.path().string()), url), variants(),
                                  v1::map_context_from_json(ctx), "2026-12-01T02:00:05Z");
        ++mapped;
        std::string got = doc["project_details"].value("registration_number", "");
        if (got != reg) {  // a MyID listed for two registrations: the page is the other one's
            ++foreign;
            EXPECT_TRUE(has_message(doc, "the listing's values are not used")) << reg;
            continue;
        }
        std::ofstream(out / (got + ".json")) << doc.dump(1);
        ++written;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << mapped << " pages mapped (" << s << " s), " << written << " documents written to " << out.string() << ", "
              << foreign << " listed registrations met another registration's page\n";
    EXPECT_GT(mapped, 0);
}
