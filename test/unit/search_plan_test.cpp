#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/portal/search_plan.hpp"

using namespace realmap::portal;

namespace {

SelectOptions portal_options() {
    return {{"District_Name", {{"0", "Select District"}, {"14", "Raipur"}, {"5", "Durg"}, {"3", "Bilaspur"}}},
            {"ApplicantType", {{"0", "Select Project Status"}, {"1", "New"}, {"2", "Ongoing"}}},
            {"DropDownList2",
             {{"0", "Select Project Type"}, {"1", " Group Housing Development"}, {"2", "Commercial Development"},
              {"5", "Commercial Plotted Development"}, {"4", "Plotted Development"}}}};
}

}  // namespace

TEST(SearchPlan, NoFiltersNoSearch) {
    SearchPlan p = plan_search(filters_from_params(nlohmann::json::object()), portal_options());
    EXPECT_FALSE(p.needs_search());
    EXPECT_TRUE(passes(p, "ANY", "New", "7"));
}

TEST(SearchPlan, OneNameEachGoesToThePortal) {
    auto f = filters_from_params(
        nlohmann::json::parse(R"({"districts": ["raipur"], "statuses": "Ongoing", "project_types": ["Group Housing"]})"));
    SearchPlan p = plan_search(f, portal_options());
    ASSERT_EQ(p.search_fields.size(), 3u);
    EXPECT_EQ(p.search_fields[0].first, "ctl00$ContentPlaceHolder1$District_Name");
    EXPECT_EQ(p.search_fields[0].second, "14");
    EXPECT_EQ(p.search_fields[1].second, "2");
    EXPECT_EQ(p.search_fields[2].second, "1");
    EXPECT_TRUE(passes(p, "RAIPUR", "Ongoing", "1"));
    EXPECT_FALSE(passes(p, "DURG", "Ongoing", "1"));
}

TEST(SearchPlan, SeveralNamesFilterHere) {
    auto f = filters_from_params(nlohmann::json::parse(R"({"districts": ["Raipur", "Durg"]})"));
    SearchPlan p = plan_search(f, portal_options());
    EXPECT_FALSE(p.needs_search());
    EXPECT_TRUE(passes(p, "DURG", "New", "4"));
    EXPECT_TRUE(passes(p, "Raipur", "New", "4"));
    EXPECT_FALSE(passes(p, "BILASPUR", "New", "4"));
}

TEST(SearchPlan, CommercialIsNotCommercialPlotted) {
    auto f = filters_from_params(nlohmann::json::parse(R"({"project_types": ["Commercial"]})"));
    SearchPlan p = plan_search(f, portal_options());
    ASSERT_EQ(p.search_fields.size(), 1u);
    EXPECT_EQ(p.search_fields[0].second, "2");
}

TEST(SearchPlan, UnknownNameListsTheValidOnes) {
    auto f = filters_from_params(nlohmann::json::parse(R"({"districts": ["Raipurr"]})"));
    try {
        plan_search(f, portal_options());
        FAIL() << "no error";
    } catch (const realmap::Error &e) {
        EXPECT_EQ(e.sqlstate(), "22023");
        EXPECT_STREQ(e.what(), "unknown district \"Raipurr\"");
        EXPECT_EQ(e.detail(), "Valid names: Raipur, Durg, Bilaspur.");
    }
}

TEST(SearchPlan, WrongParameterTypes) {
    EXPECT_THROW(filters_from_params(nlohmann::json::parse(R"({"districts": 5})")), realmap::Error);
    EXPECT_THROW(filters_from_params(nlohmann::json::parse(R"({"districts": [5]})")), realmap::Error);
    EXPECT_THROW(filters_from_params(nlohmann::json::parse(R"({"max_listings": -1})")), realmap::Error);
    EXPECT_THROW(filters_from_params(nlohmann::json::parse(R"({"max_listings": "10"})")), realmap::Error);
    EXPECT_EQ(filters_from_params(nlohmann::json::parse(R"({"max_listings": 10})")).max_listings, 10);
}

TEST(SearchPlan, NamesNormalise) {
    EXPECT_EQ(normalise_name("  Group   Housing Development "), "group housing development");
}
