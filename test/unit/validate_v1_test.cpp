// validate_v1 and normalize_v1 (core/v1): one test per rule of the original's two QA
// layers (original-pipeline.md §3.6), of what it claimed but never did, and of the
// normaliser (with its mistakes fixed).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/v1/v1_normalize.hpp"
#include "core/v1/v1_validate.hpp"

using nlohmann::json;
namespace v1 = realmap::v1;

namespace {

// A document that passes every check.
json good() {
    return {{"metadata", {{"schema_version", "1.0"}, {"state_code", "CG"}}},
            {"project_details",
             {{"registration_number", "PCGRERA200618000247"}, {"project_name", "AANYA ENCLAVE"},
              {"project_status", "Ongoing"}, {"district", "Bastar"}, {"pincode", "494001"},
              {"launch_date", "2018-06-20"}, {"expected_completion_date", "2022-04-30"},
              {"extended_completion_date", "2022-10-31"}, {"total_area_sq_m", 14316}, {"total_units", 126}}},
            {"promoter_details",
             json::array({{{"name", "M/S SWASTIK DEVELOPERS"}, {"email", "a@b.in"}, {"phone", "+91 94252 45678"},
                           {"pan", "ABCFS1234K"}}})},
            {"bank_details", json::array({{{"ifsc_code", "BARB0JAGDAL"}, {"account_number", "0321010000247"}}})},
            {"land_details", json::array({{{"land_area_sq_m", 15230.5}}})},
            {"unit_types", json::array({{{"name", "3 BHK"}, {"carpet_area_sq_m", 104}, {"price_in_inr", 5800000}}})},
            {"quarterly_updates",
             json::array({{{"kind", "progress"}, {"from_date", "2021-07-01"}, {"to_date", "2021-09-30"},
                           {"completion_percent", 100},
                           {"plots", json::array({{{"plot_group", "A"}, {"total_plots", 126}, {"booked", 94},
                                                   {"plot_area_sq_m", 14316}}})}}})},
            {"rera_locations", json::array({{{"source_type", "listing_map"}, {"latitude", 19.0799}, {"longitude", 82.0312}}})},
            {"validation_messages", json::array()}};
}

json qa_of(const json &doc) { return v1::validate_v1(doc, "2026-12-01T02:00:05Z"); }

// The flags of one type, field_name -> severity.
std::map<std::string, std::string> flags(const json &qa, const std::string &type) {
    std::map<std::string, std::string> out;
    for (const json &f : qa["flags"])
        if (f["flag_type"] == type) out[f["field_name"].get<std::string>()] = f["severity"].get<std::string>();
    return out;
}

std::string all_flags(const json &qa) { return qa["flags"].dump(1); }

}  // namespace

// ================================================================ validate_v1

TEST(ValidateV1, AGoodDocumentPassesAndTheResultHasTheOriginalsShape) {
    json qa = qa_of(good());
    EXPECT_EQ(qa["status"], "passed") << all_flags(qa);
    EXPECT_TRUE(qa["flags"].empty()) << all_flags(qa);
    for (const char *k : {"status", "flags", "checked_at", "validator_version", "flag_count", "error_count", "warning_count",
                          "info_count", "messages"})
        EXPECT_TRUE(qa.contains(k)) << k;
    EXPECT_EQ(qa["checked_at"], "2026-12-01T02:00:05Z");
    EXPECT_EQ(qa["validator_version"], "1.0.0");
    EXPECT_EQ(qa["flag_count"], 0);
    EXPECT_TRUE(qa["messages"].empty());
    // without checked_at: now, as ISO 8601 UTC
    std::string now = v1::validate_v1(good())["checked_at"];
    EXPECT_EQ(now.size(), 20u);
    EXPECT_EQ(now.back(), 'Z');
}

TEST(ValidateV1, CriticalFieldsAreErrorsAndFailTheProject) {
    for (const char *key : {"registration_number", "project_name", "district"}) {
        json doc = good();
        doc["project_details"][key] = " ";  // empty counts as missing
        json qa = qa_of(doc);
        EXPECT_EQ(qa["status"], "failed") << key;
        auto f = flags(qa, "missing_critical");
        std::string field = std::string(key) == "registration_number" ? "rera_registration_number" : key;
        EXPECT_EQ(f[field], "error") << all_flags(qa);
        EXPECT_EQ(qa["error_count"], 1);
        // a failed QA is a mark, not a veto: the flag says what, the status says failed
        EXPECT_EQ(qa["flags"][0]["flag_type"], "missing_critical");
    }
}

TEST(ValidateV1, ImportantFieldsAreWarnings) {
    json doc = good();
    doc["project_details"].erase("project_status");
    doc["project_details"].erase("launch_date");
    doc["promoter_details"] = json::array();
    json qa = qa_of(doc);
    EXPECT_EQ(qa["status"], "warning");
    auto f = flags(qa, "missing_critical");
    EXPECT_EQ(f["project_status"], "warning");
    EXPECT_EQ(f["approved_date"], "warning");
    EXPECT_EQ(f["promoter_name"], "warning");
    EXPECT_EQ(qa["warning_count"], 3);
    EXPECT_EQ(qa["error_count"], 0);
}

TEST(ValidateV1, PriceBoundsAsThePriceSanityConfig) {
    json doc = good();
    doc["unit_types"] = json::array({{{"price_in_inr", 50000}}, {{"price_in_inr", 2e10}}});
    json qa = qa_of(doc);
    EXPECT_EQ(flags(qa, "price_below_min")["min_price_total"], "warning");
    EXPECT_EQ(flags(qa, "price_above_max")["max_price_total"], "error");
    EXPECT_EQ(qa["status"], "failed");
    for (const json &f : qa["flags"])
        if (f["flag_type"] == "price_below_min") {
            EXPECT_EQ(f["actual_value"], 50000);
        }
}

TEST(ValidateV1, PricePerSquareFootAndAreaBoundsTheOriginalNeverRan) {
    json doc = good();
    // 1,00,000 for 104 m² (1,119 sq ft): 89/sq ft; 5 crore for 10 m² (108 sq ft): 464,515/sq ft
    doc["unit_types"] = json::array({{{"carpet_area_sq_m", 104}, {"price_in_inr", 100000}},
                                     {{"carpet_area_sq_m", 10}, {"price_in_inr", 50000000}},
                                     {{"super_built_up_area_sq_m", 20000}, {"price_in_inr", 5e9}}});
    json qa = qa_of(doc);
    auto f = flags(qa, "price_outlier");
    EXPECT_EQ(f["unit_types[0].price_in_inr"], "warning");
    EXPECT_EQ(f["unit_types[1].price_in_inr"], "error");
    auto b = flags(qa, "bounds_exceeded");
    EXPECT_EQ(b["unit_types[2].carpet_area_sq_m"], "warning");  // 215,278 sq ft
    EXPECT_EQ(b.count("unit_types[0].carpet_area_sq_m"), 0u);
}

TEST(ValidateV1, DateConsistency) {
    json doc = good();
    doc["project_details"]["expected_completion_date"] = "2017-01-01";  // before the approval
    doc["project_details"]["extended_completion_date"] = "2016-01-01";  // before the proposed end
    doc["quarterly_updates"][0]["to_date"] = "2021-06-30";             // ends before it starts
    json qa = qa_of(doc);
    auto f = flags(qa, "data_inconsistency");
    EXPECT_EQ(f["proposed_end_date"], "warning");
    EXPECT_EQ(f["extended_end_date"], "info");
    EXPECT_EQ(f["quarterly_updates[0].to_date"], "warning");
    EXPECT_EQ(qa["status"], "warning");
    // info alone does not make a warning
    json only_info = good();
    only_info["project_details"]["extended_completion_date"] = "2022-01-01";
    json qi = qa_of(only_info);
    EXPECT_EQ(qi["status"], "passed");
    EXPECT_EQ(qi["info_count"], 1);
    EXPECT_EQ(qi["flag_count"], 1);
}

TEST(ValidateV1, PositionsOutsideChhattisgarhAreFlagged) {
    json doc = good();
    doc["rera_locations"].push_back({{"source_type", "map_iframe"}, {"latitude", 28.61}, {"longitude", 77.21}});  // Delhi
    doc["rera_locations"].push_back({{"source_type", "amenity"}, {"latitude", 17.790535}, {"longitude", 84.368570}});  // the box's corner
    json qa = qa_of(doc);
    auto f = flags(qa, "bounds_exceeded");
    EXPECT_EQ(f.size(), 1u) << all_flags(qa);
    EXPECT_EQ(f["rera_locations[1].latitude"], "warning");
    EXPECT_EQ(qa["status"], "warning");
}

TEST(ValidateV1, FormatsOfNumbersCodesAndContacts) {
    json doc = good();
    doc["project_details"]["registration_number"] = "CG-REG-001";
    doc["project_details"]["pincode"] = "49200";
    doc["promoter_details"][0]["email"] = "not an address";
    doc["promoter_details"][0]["phone"] = "12345";
    doc["promoter_details"][0]["pan"] = "ABC123";
    doc["bank_details"][0]["ifsc_code"] = "BARB1JAGDAL";
    json qa = qa_of(doc);
    auto f = flags(qa, "invalid_format");
    for (const char *field : {"rera_registration_number", "pincode", "promoter_details[0].email", "promoter_details[0].phone",
                              "promoter_details[0].pan", "bank_details[0].ifsc_code"})
        EXPECT_EQ(f[field], "warning") << field << "\n" << all_flags(qa);
    // the portal's other registration forms and phone spellings are fine
    json ok = good();
    ok["project_details"]["registration_number"] = "P3CGRERA010722001456";
    ok["promoter_details"][0]["phone"] = "09425245678";
    EXPECT_TRUE(flags(qa_of(ok), "invalid_format").empty()) << all_flags(qa_of(ok));
}

TEST(ValidateV1, ValuesLoadProjectWouldRefuseAreErrors) {
    json doc = good();
    doc["unit_types"][0]["price_in_inr"] = "24,00,000";
    doc["project_details"]["launch_date"] = "20/06/2018";
    doc["project_details"]["total_units"] = 12.5;
    doc["project_details"]["completed"] = "yes";
    json qa = qa_of(doc);
    auto f = flags(qa, "invalid_format");
    EXPECT_EQ(f["unit_types[0].price_in_inr"], "error");
    EXPECT_EQ(f["project_details.launch_date"], "error");
    EXPECT_EQ(f["project_details.total_units"], "error");
    EXPECT_EQ(f["project_details.completed"], "error");
    EXPECT_EQ(qa["status"], "failed");
}

TEST(ValidateV1, QuarterlyPlotsPercentagesAndATypoInOneQuarter) {
    json doc = good();
    json q = doc["quarterly_updates"][0];
    json &plots = doc["quarterly_updates"];
    plots = json::array();
    for (int i = 0; i < 4; ++i) {
        json e = q;
        e["from_date"] = "202" + std::to_string(i) + "-01-01";
        e["to_date"] = "202" + std::to_string(i) + "-03-31";
        e["plots"][0]["plot_area_sq_m"] = i == 2 ? 154040 : 14316;  // real data has typos
        plots.push_back(e);
    }
    plots[1]["completion_percent"] = 120;
    plots[3]["plots"][0]["booked"] = 130;
    plots[3]["amenity_progress"] = json::array({{{"particulars", "GYM"}, {"progress_percent", -5}}});
    json qa = qa_of(doc);
    auto d = flags(qa, "data_inconsistency");
    EXPECT_EQ(d["quarterly_updates[2].plots[0].plot_area_sq_m"], "info");
    EXPECT_EQ(d["quarterly_updates[3].plots[0].booked"], "warning");
    auto b = flags(qa, "bounds_exceeded");
    EXPECT_EQ(b["quarterly_updates[1].completion_percent"], "warning");
    EXPECT_EQ(b["quarterly_updates[3].amenity_progress[0].progress_percent"], "warning");
    for (const json &f : qa["flags"])
        if (f["field_name"] == "quarterly_updates[2].plots[0].plot_area_sq_m") {
            EXPECT_EQ(f["expected_value"], 14316);
            EXPECT_EQ(f["actual_value"], 154040);
            EXPECT_EQ(f["message"], "Plot area 154040 differs from the 14316 the other quarters report for this plot group");
        }
}

TEST(ValidateV1, TheNormalisersMessagesExactlyAsTheOriginalWroteThem) {
    json doc = good();
    doc["project_details"].erase("district");
    doc["project_details"]["project_status"] = "";
    doc["project_details"]["pincode"] = "49-20-01";  // non-digits removed first: 6 digits, fine
    doc["land_details"] = json::array({{{"land_area_sq_m", 100}}, {{"land_area_sq_m", 0}}});
    doc["project_details"]["total_area_sq_m"] = -1;
    json qa = qa_of(doc);
    EXPECT_EQ(qa["messages"], json({"Missing district in project details.", "Missing project status in project details.",
                                    "Land detail 2: land_area_sq_m should be a positive number.",
                                    "Project total_area_sq_m should be a positive number."}));
    doc["project_details"]["pincode"] = "4920011";
    json m = qa_of(doc)["messages"];
    EXPECT_NE(std::find(m.begin(), m.end(), json("Invalid pincode format (expected 6 digits).")), m.end()) << m.dump();
}

TEST(ValidateV1, AttachQaPutsTheResultAndTheMessagesIntoTheDocument) {
    json doc = good();
    doc["project_details"].erase("district");
    doc["validation_messages"] = json::array({"grid_status: 1 placeholder row(s) (every cell 0) left out"});
    json qa = qa_of(doc);
    json out = v1::attach_qa(doc, qa);
    EXPECT_EQ(out["qa"]["status"], "failed");
    EXPECT_FALSE(out["qa"].contains("messages"));
    EXPECT_EQ(out["validation_messages"], json({"grid_status: 1 placeholder row(s) (every cell 0) left out",
                                                "Missing district in project details."}));
    // twice: each message once
    json again = v1::attach_qa(out, v1::validate_v1(out, "2026-12-01T02:00:05Z"));
    EXPECT_EQ(again["validation_messages"], out["validation_messages"]);
}

TEST(ValidateV1, NotADocumentIs22023) {
    for (const json &bad : {json::array(), json("x"), json(nullptr)}) {
        try {
            v1::validate_v1(bad);
            ADD_FAILURE() << bad.dump();
        } catch (const realmap::Error &e) {
            EXPECT_EQ(e.sqlstate(), "22023");
        }
    }
    // a document of odd shapes is flagged, not refused
    json odd = {{"project_details", "x"}, {"unit_types", 5}, {"rera_locations", json::array({1, "a"})}};
    json qa = qa_of(odd);
    EXPECT_EQ(qa["status"], "failed");
}

// ================================================================ normalize_v1

TEST(NormalizeV1, DistrictTitleCaseAndAMissingDistrictStaysMissing) {
    EXPECT_EQ(v1::normalize_district("  raipur "), "Raipur");
    EXPECT_EQ(v1::normalize_district("RAJNANDGAON"), "Rajnandgaon");
    EXPECT_EQ(v1::normalize_district("janjgir-champa"), "Janjgir-Champa");
    EXPECT_EQ(v1::normalize_district("GAURELA-PENDRA-MARWAHI"), "Gaurela-Pendra-Marwahi");
    EXPECT_EQ(v1::normalize_district("mohla-manpur-ambagarh  chowki"), "Mohla-Manpur-Ambagarh Chowki");
    json doc = good();
    doc["project_details"]["district"] = "   ";
    json n = v1::normalize_v1(doc);
    EXPECT_FALSE(n["project_details"].contains("district"));  // the original made it ""
    doc["project_details"].erase("district");
    EXPECT_FALSE(v1::normalize_v1(doc)["project_details"].contains("district"));
    doc["project_details"]["district"] = nullptr;
    EXPECT_TRUE(v1::normalize_v1(doc)["project_details"]["district"].is_null());
}

TEST(NormalizeV1, StatusAndTypeMaps) {
    EXPECT_EQ(v1::normalize_project_status("on-going"), "Ongoing");
    EXPECT_EQ(v1::normalize_project_status("ON GOING"), "Ongoing");
    EXPECT_EQ(v1::normalize_project_status("ongoing"), "Ongoing");
    EXPECT_EQ(v1::normalize_project_status("registration"), "Registered");
    EXPECT_EQ(v1::normalize_project_status("Registered"), "Registered");
    EXPECT_EQ(v1::normalize_project_status("completed"), "Completed");
    EXPECT_EQ(v1::normalize_project_status("new"), "New");
    EXPECT_EQ(v1::normalize_project_type("RESIDENTIAL"), "Residential");
    EXPECT_EQ(v1::normalize_project_type("commercial"), "Commercial");
    EXPECT_EQ(v1::normalize_project_type("mixed-use"), "Mixed Use");
    EXPECT_EQ(v1::normalize_project_type("Mixed use"), "Mixed Use");
    EXPECT_EQ(v1::normalize_project_type("residential & commercial"), "Residential and Commercial");
    EXPECT_EQ(v1::normalize_project_type("residential and commercial"), "Residential and Commercial");
    EXPECT_EQ(v1::normalize_project_type("plotted  development"), "Plotted Development");
}

TEST(NormalizeV1, RegistrationNumber) {
    EXPECT_EQ(v1::normalize_registration_number("** PCGRERA200618000247"), "PCGRERA200618000247");
    EXPECT_EQ(v1::normalize_registration_number(" pcgrera 2006 1800 0247 "), "PCGRERA200618000247");
    EXPECT_EQ(v1::normalize_registration_number("-CG--REG--001./"), "CG-REG-001");
    EXPECT_EQ(v1::normalize_registration_number("P3CGRERA\xC2\xA0" "010722001456"), "P3CGRERA010722001456");
}

TEST(NormalizeV1, WhitespaceEverywhereIdempotentAndOnlyObjects) {
    json doc = good();
    doc["project_details"]["project_name"] = "  AANYA \n  ENCLAVE ";
    doc["project_details"]["project_address"] = "DHARAMPURA,\xC2\xA0 JAGDALPUR";
    doc["project_details"]["tehsil"] = "";
    doc["promoter_details"][0]["name"] = " M/S  SWASTIK ";
    doc["professionals"] = {{"arch_name", "  AR.  X "}};
    doc["project_details"]["project_status"] = "on going";
    json n = v1::normalize_v1(doc);
    EXPECT_EQ(n["project_details"]["project_name"], "AANYA ENCLAVE");
    EXPECT_EQ(n["project_details"]["project_address"], "DHARAMPURA, JAGDALPUR");
    EXPECT_FALSE(n["project_details"].contains("tehsil"));
    EXPECT_EQ(n["promoter_details"][0]["name"], "M/S SWASTIK");
    EXPECT_EQ(n["professionals"]["arch_name"], "AR. X");
    EXPECT_EQ(n["project_details"]["project_status"], "Ongoing");
    EXPECT_EQ(n["project_details"]["total_units"], 126);  // numbers untouched
    EXPECT_EQ(v1::normalize_v1(n), n);
    try {
        v1::normalize_v1(json::array());
        ADD_FAILURE();
    } catch (const realmap::Error &e) {
        EXPECT_EQ(e.sqlstate(), "22023");
    }
}
