// parse_listing_page on the real saved page, on simulator pages and on broken input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "fixture_file.hpp"
#include "core/error.hpp"
#include "core/listing/listing_json.hpp"
#include "core/listing/listing_map_init.hpp"
#include "core/listing/listing_page.hpp"
#include "core/listing/listing_position.hpp"
#include "core/listing/my_id.hpp"
#include "core/listing/portal_date.hpp"

using namespace realmap::listing;

namespace {

using realmap::test::fixture;

const std::string kPortal = "https://rera.cgstate.gov.in/Approved_project_List.aspx";

const ListingRow *find_row(const ListingPage &p, const std::string &reg) {
    for (const ListingRow &r : p.rows)
        if (r.registration_number == reg) return &r;
    return nullptr;
}

std::string sqlstate_of(const std::function<void()> &f, std::string *message = nullptr) {
    try {
        f();
    } catch (const realmap::Error &e) {
        if (message) *message = e.what();
        return e.sqlstate();
    }
    return "none";
}

}  // namespace

// ---------------------------------------------------------------- the real saved page

class ListingRealPage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        page_ = new ListingPage(parse_listing_page(fixture("cg_rera_approved_list.html"), kPortal));
    }
    static void TearDownTestSuite() {
        delete page_;
        page_ = nullptr;
    }
    static const ListingPage &page() { return *page_; }

private:
    static ListingPage *page_;
};
ListingPage *ListingRealPage::page_ = nullptr;

TEST_F(ListingRealPage, TenGridRowsAndAllMapEntriesMergeIntoOneRowEach) {
    const ListingPage &p = page();
    EXPECT_TRUE(p.has_grid);
    EXPECT_TRUE(p.has_map_init);
    EXPECT_EQ(p.table_rows, 10);
    EXPECT_EQ(p.map_entries, 1988);
    ASSERT_EQ(p.rows.size(), 1988u);
    EXPECT_EQ(p.duplicates, 0);
    EXPECT_EQ(p.rows_without_registration, 0);
    EXPECT_EQ(p.total_shown, 1988);  // "Showing 1 to 10 of 1,988 entries"
    EXPECT_FALSE(p.no_records);
    EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
    int both = 0, map_only = 0;
    for (const ListingRow &r : p.rows) {
        EXPECT_TRUE(r.in_map);
        both += r.in_table;
        map_only += !r.in_table;
    }
    EXPECT_EQ(both, 10);
    EXPECT_EQ(map_only, 1978);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(p.rows[i].in_table) << i;  // the grid shows the first 10
}

TEST_F(ListingRealPage, PlaceholderPositionsAreNotPositions) {
    // data/README.md: 132 projects have no position, 270 say 0|0, 3 are broken (a lone
    // 0 twice, a latitude repeated as longitude once).  cg_rera_projects.json keeps the
    // placeholders as numbers (0.0/0.0, 0.0/null, 21.18/21.19); here all 405 are
    // missing, each with its reason, and 1,583 rows keep a position.
    std::map<std::string, int> issues;
    for (const ListingRow &r : page().rows) {
        issues[position_issue_name(r.position_issue)]++;
        EXPECT_EQ(r.latitude.has_value(), r.position_issue == PositionIssue::kNone);
        EXPECT_EQ(r.longitude.has_value(), r.position_issue == PositionIssue::kNone);
    }
    EXPECT_EQ(issues["empty"], 132);
    EXPECT_EQ(issues["zero"], 270);
    EXPECT_EQ(issues["lone_zero"], 2);
    EXPECT_EQ(issues["lat_repeated"], 1);
    EXPECT_EQ(issues[""], 1583);
    EXPECT_EQ(issues.size(), 5u);

    const ListingRow *zero = find_row(page(), "PCGRERA250518000016");
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->position_raw, "0|0");
    EXPECT_EQ(zero->position_issue, PositionIssue::kZero);
    const ListingRow *lone = find_row(page(), "PCGRERA300618000425");
    ASSERT_TRUE(lone);
    EXPECT_EQ(lone->position_raw, "0");
    EXPECT_EQ(lone->position_issue, PositionIssue::kLoneZero);
}

TEST_F(ListingRealPage, FirstRowCarriesGridAndMapFields) {
    const ListingRow &r = page().rows[0];
    EXPECT_EQ(r.registration_number, "PCGRERA160218000001");
    EXPECT_FALSE(r.completed);
    EXPECT_EQ(r.sn, 1);
    EXPECT_EQ(r.project_name, "SPARSH LIFE CITY");
    EXPECT_EQ(r.authorised_name, "VIVEK AGRAWAL");
    EXPECT_EQ(r.promoter_name, "MAA BAMLESHWARI REALITIES PVT LTD");
    EXPECT_EQ(r.promoter_type, "Company");
    EXPECT_EQ(r.project_type, "Plotted Development");
    EXPECT_EQ(r.district, "Raipur");  // the map's spelling; the grid says RAIPUR
    EXPECT_EQ(r.tehsil, "Raipur");
    EXPECT_EQ(r.approved_on, "2018-02-16");
    EXPECT_EQ(r.proposed_end, "2020-04-30");
    EXPECT_EQ(r.extended_end, "2022-01-30");
    EXPECT_EQ(r.website, "http://sparshlifecity.com/");
    EXPECT_EQ(r.postback_target, "ctl00$ContentPlaceHolder1$gv_ProjectList$ctl02$lnk_View");
    EXPECT_TRUE(r.certificate_expired);
    EXPECT_EQ(r.detail_url,
              "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==");
    EXPECT_EQ(r.my_id, "MQ==");
    EXPECT_EQ(r.application_id, 1);
    EXPECT_EQ(r.project_status, "New");
    EXPECT_EQ(r.development_type, "4");
    EXPECT_EQ(r.project_address, "District Raipur Tehsil Raipur Villege Sakari Patwari Halka 75");
    ASSERT_TRUE(r.latitude && r.longitude);
    EXPECT_DOUBLE_EQ(*r.latitude, 21.2855194444444);
    EXPECT_DOUBLE_EQ(*r.longitude, 81.7395166666667);
    EXPECT_EQ(r.position_issue, PositionIssue::kNone);
}

TEST_F(ListingRealPage, CompletedMarkerIsAFlagNotPartOfTheNumber) {
    const ListingPage &p = page();
    std::set<std::string> completed;
    for (int i = 0; i < 10; ++i) {
        const ListingRow &r = p.rows[i];
        EXPECT_EQ(r.registration_number.find('*'), std::string::npos);
        EXPECT_EQ(r.registration_number.rfind("PCGRERA", 0), 0u) << r.registration_number;
        if (r.completed) completed.insert(r.registration_number);
        EXPECT_EQ(r.postback_target, "ctl00$ContentPlaceHolder1$gv_ProjectList$ctl" +
                                         std::string(i + 2 < 10 ? "0" : "") + std::to_string(i + 2) +
                                         "$lnk_View");
    }
    EXPECT_EQ(completed, (std::set<std::string>{"PCGRERA240218000002", "PCGRERA080318000004",
                                                "PCGRERA150318000005", "PCGRERA150318000006",
                                                "PCGRERA050518000010"}));
    const ListingRow *r5 = find_row(p, "PCGRERA150318000005");
    ASSERT_TRUE(r5);
    EXPECT_FALSE(r5->extended_end);  // "-"
    EXPECT_EQ(r5->approved_on, "2018-03-15");
}

TEST_F(ListingRealPage, MapOnlyRowsHaveNoGridFields) {
    const ListingRow &r = page().rows.back();
    EXPECT_FALSE(r.in_table);
    EXPECT_EQ(r.registration_number, "PCGRERA171125001991");
    EXPECT_EQ(r.project_name, "7 WONDER CITY NEW");
    EXPECT_EQ(r.promoter_name, "MARUTI INFRAACITY PVT LTD");
    EXPECT_FALSE(r.approved_on);
    EXPECT_FALSE(r.postback_target);
    EXPECT_FALSE(r.authorised_name);
    EXPECT_FALSE(r.sn);
    EXPECT_EQ(r.position_issue, PositionIssue::kEmpty);
}

TEST_F(ListingRealPage, DetailLinksIncludingTheP3AndMissingOnes) {
    int contractor = 0, none = 0, promoter = 0;
    std::set<std::string> types;
    for (const ListingRow &r : page().rows) {
        if (!r.detail_url) {
            ++none;
            EXPECT_EQ(r.registration_number.rfind("P2CGRERA", 0), 0u) << r.registration_number;
            EXPECT_FALSE(r.my_id);
            continue;
        }
        EXPECT_EQ(r.detail_url->rfind("https://rera.cgstate.gov.in/", 0), 0u) << *r.detail_url;
        if (r.detail_url->find("contractor_Reg_Only_View_Application_new.aspx.aspx?MyID=") != std::string::npos)
            ++contractor;  // kept: the caller falls back to the postback
        else if (r.detail_url->find("/Promoter_Reg_Only_View_Application_new.aspx?MyID=") != std::string::npos)
            ++promoter;
        ASSERT_TRUE(r.my_id);
        EXPECT_TRUE(r.application_id) << *r.my_id;
        if (r.promoter_type) types.insert(*r.promoter_type);
    }
    EXPECT_EQ(contractor, 42);
    EXPECT_EQ(none, 3);
    EXPECT_EQ(promoter, 1943);
    EXPECT_EQ(types, (std::set<std::string>{"Company", "Government/Semi Government Agency", "Individual",
                                            "Partnership Firm", "Proprietorship Firm"}));
    const ListingRow *last = find_row(page(), "PCGRERA171125001991");
    ASSERT_TRUE(last);
    EXPECT_EQ(last->my_id, "MjQyOA==");
    EXPECT_EQ(last->application_id, 2428);
}

TEST_F(ListingRealPage, SelectOptionsOfTheFourFilters) {
    const auto &o = page().select_options;
    ASSERT_TRUE(o.count("District_Name"));
    ASSERT_TRUE(o.count("Tehsil_Name"));
    ASSERT_TRUE(o.count("ApplicantType"));
    ASSERT_TRUE(o.count("DropDownList2"));
    const auto &d = o.at("District_Name");
    ASSERT_EQ(d.size(), 34u);  // "Select District" + 33 districts
    EXPECT_EQ(d[0].value, "0");
    EXPECT_EQ(d[0].label, "Select District");
    EXPECT_TRUE(d[0].selected);
    std::map<std::string, std::string> by_label;
    for (const SelectOption &x : d) by_label[x.label] = x.value;
    EXPECT_EQ(by_label["Raipur"], "14");
    EXPECT_EQ(by_label["Balod"], "23");
    EXPECT_EQ(by_label["Bilaspur"], "3");
    EXPECT_EQ(by_label["Korba"], "9");
    ASSERT_EQ(o.at("Tehsil_Name").size(), 1u);
    EXPECT_EQ(o.at("Tehsil_Name")[0].label, "Select Tehsil");
    const auto &s = o.at("ApplicantType");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[1].value, "1");
    EXPECT_EQ(s[1].label, "New");
    EXPECT_EQ(s[2].label, "Ongoing");
    const auto &t = o.at("DropDownList2");
    ASSERT_EQ(t.size(), 8u);
    EXPECT_EQ(t[1].value, "1");
    EXPECT_EQ(t[1].label, "Group Housing Development");  // " Group Housing Development" trimmed
    EXPECT_EQ(t[7].value, "7");
    EXPECT_EQ(t[7].label, "Mixed Plotted Development");
}

TEST_F(ListingRealPage, HiddenStateFieldsAndNoServerCaptcha) {
    const auto &h = page().hidden_fields;
    for (const char *name : {"__EVENTTARGET", "__EVENTARGUMENT", "__LASTFOCUS", "__VIEWSTATE",
                             "__VIEWSTATEGENERATOR", "__EVENTVALIDATION"})
        EXPECT_TRUE(h.count(name)) << name;
    EXPECT_EQ(h.at("__VIEWSTATEGENERATOR"), "A318EF20");
    EXPECT_GT(h.at("__VIEWSTATE").size(), 1000u);
    EXPECT_GT(h.at("__EVENTVALIDATION").size(), 100u);
    EXPECT_EQ(h.at("__EVENTTARGET"), "");
    EXPECT_EQ(h.at("ctl00$ContentPlaceHolder1$gv_ProjectList$ctl02$HiddenField3"), "12/31/2020 11:59:59 PM");
    EXPECT_FALSE(page().captcha_required);  // the real CAPTCHA is a client-side canvas
    EXPECT_EQ(page().captcha_message, "");
}

TEST_F(ListingRealPage, JsonHasEveryRowField) {
    nlohmann::json j = listing_page_json(page(), false);
    ASSERT_EQ(j["rows"].size(), 1988u);
    EXPECT_FALSE(j.contains("hidden_fields"));
    const nlohmann::json &r = j["rows"][0];
    EXPECT_EQ(r["registration_number"], "PCGRERA160218000001");
    EXPECT_EQ(r["approved_on"], "2018-02-16");
    EXPECT_TRUE(r["position_issue"].is_null());
    EXPECT_EQ(j["rows"][1987]["position_issue"], "empty");
    EXPECT_TRUE(j["rows"][1987]["latitude"].is_null());
    EXPECT_TRUE(listing_page_json(page(), true)["hidden_fields"].contains("__VIEWSTATE"));
}

// ---------------------------------------------------------------- simulator pages

TEST(ListingSimPage, FilteredPageHasEveryRowInTheGridAndTheMap) {
    // Raipur, New, Group Housing, as the simulator answers the Search postback
    const std::string url = "http://127.0.0.1:8080/Approved_project_List.aspx";
    ListingPage p = parse_listing_page(fixture("sim_listing_raipur.html"), url);
    EXPECT_EQ(p.table_rows, 126);
    EXPECT_EQ(p.map_entries, 126);
    ASSERT_EQ(p.rows.size(), 126u);
    EXPECT_EQ(p.duplicates, 0);
    EXPECT_FALSE(p.total_shown);  // the server-side page has no DataTables info line
    int completed = 0, empty = 0, contractor = 0, no_link = 0, websites = 0;
    for (std::size_t i = 0; i < p.rows.size(); ++i) {
        const ListingRow &r = p.rows[i];
        EXPECT_TRUE(r.in_table && r.in_map) << r.registration_number;
        EXPECT_EQ(r.sn, static_cast<int>(i) + 1);
        char ctl[32];
        std::snprintf(ctl, sizeof ctl, "ctl%02d", static_cast<int>(i) + 2);
        EXPECT_EQ(r.postback_target, std::string("ctl00$ContentPlaceHolder1$gv_ProjectList$") + ctl + "$lnk_View");
        EXPECT_EQ(r.district, "Raipur");
        EXPECT_EQ(r.project_status, "New");
        EXPECT_EQ(r.development_type, "1");
        EXPECT_TRUE(r.approved_on) << r.registration_number;
        EXPECT_TRUE(r.proposed_end) << r.registration_number;
        completed += r.completed;
        empty += r.position_issue == PositionIssue::kEmpty;
        websites += r.website.has_value();
        if (!r.detail_url) {
            ++no_link;
        } else {
            EXPECT_EQ(r.detail_url->rfind("http://127.0.0.1:8080/", 0), 0u);
            contractor += r.detail_url->find("contractor_") != std::string::npos;
        }
    }
    EXPECT_EQ(completed, 39);
    EXPECT_EQ(empty, 9);
    EXPECT_EQ(contractor, 10);
    EXPECT_EQ(no_link, 2);
    EXPECT_EQ(websites, 78);
    EXPECT_TRUE(p.hidden_fields.count("__VIEWSTATE"));
    EXPECT_EQ(p.hidden_fields.at("__VIEWSTATEGENERATOR"), "A318EF20");
    // the filters the page was searched with come back selected
    auto selected = [&](const std::string &select) {
        for (const SelectOption &o : p.select_options.at(select))
            if (o.selected) return o.value;
        return std::string("-");
    };
    EXPECT_EQ(selected("District_Name"), "14");
    EXPECT_EQ(selected("ApplicantType"), "1");
    EXPECT_EQ(selected("DropDownList2"), "1");
    EXPECT_GT(p.select_options.at("Tehsil_Name").size(), 1u);  // Raipur's tehsils
}

TEST(ListingSimPage, ServerCaptchaPageAsksForTheAnswerAgain) {
    ListingPage p = parse_listing_page(fixture("sim_listing_captcha.html"),
                                       "http://127.0.0.1:8080/Approved_project_List.aspx");
    EXPECT_TRUE(p.captcha_required);
    EXPECT_EQ(p.captcha_image_url, "http://127.0.0.1:8080/CaptchaImage.ashx?v=2");
    EXPECT_EQ(p.captcha_message, "Invalid Security Code.please try again");
    EXPECT_TRUE(p.has_map_init);
    EXPECT_FALSE(p.has_grid);  // the rejected search renders no grid
    EXPECT_TRUE(p.rows.empty());
    EXPECT_TRUE(p.hidden_fields.count("__EVENTVALIDATION"));
}

TEST(ListingSimPage, NoRecordFoundGrid) {
    ListingPage p = parse_listing_page(fixture("sim_listing_norecord.html"), kPortal);
    EXPECT_TRUE(p.has_grid);
    EXPECT_TRUE(p.no_records);
    EXPECT_TRUE(p.rows.empty());
    EXPECT_EQ(p.map_entries, 0);
    EXPECT_FALSE(p.captcha_required);
}

// ---------------------------------------------------------------- broken input

TEST(ListingMalformed, NotAListingPageIsA22P02) {
    std::string message;
    EXPECT_EQ(sqlstate_of([] { parse_listing_page(fixture("sim_runtime_error.html"), kPortal); }, &message),
              "22P02");
    EXPECT_NE(message.find("not a listing page"), std::string::npos) << message;
    EXPECT_NE(message.find("Runtime Error"), std::string::npos) << message;
    EXPECT_EQ(sqlstate_of([] { parse_listing_page("", kPortal); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { parse_listing_page("just some text, no html", kPortal); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { parse_listing_page("<table id=other><tr><td>x</table>", ""); }), "22P02");
}

TEST(ListingMalformed, TruncatedPagesYieldWhatTheyHold) {
    const std::string real = fixture("cg_rera_approved_list.html");
    // cut inside the grid: the rows before the cut, no map payload
    std::size_t grid_cut = real.find("PCGRERA150318000005");
    ASSERT_NE(grid_cut, std::string::npos);
    ListingPage a = parse_listing_page(std::string_view(real).substr(0, grid_cut), kPortal);
    EXPECT_TRUE(a.has_grid);
    EXPECT_FALSE(a.has_map_init);
    EXPECT_EQ(a.table_rows, 4);  // the 5th row has no number yet
    EXPECT_EQ(a.rows_without_registration, 1);
    ASSERT_EQ(a.rows.size(), 4u);
    EXPECT_EQ(a.rows[3].registration_number, "PCGRERA080318000004");
    EXPECT_EQ(a.rows[0].position_issue, PositionIssue::kNotInMap);
    EXPECT_TRUE(a.hidden_fields.count("__VIEWSTATE"));

    // cut inside the map payload: the complete entries before the cut
    std::size_t map_cut = real.find("PCGRERA171125001990");
    ASSERT_NE(map_cut, std::string::npos);
    ListingPage b = parse_listing_page(std::string_view(real).substr(0, map_cut), kPortal);
    EXPECT_TRUE(b.has_map_init);
    EXPECT_EQ(b.map_entries, 1986);
    EXPECT_EQ(b.rows.size(), 1986u);
    ASSERT_FALSE(b.warnings.empty());
    EXPECT_NE(b.warnings.front().find("cut short"), std::string::npos) << b.warnings.front();

    // every cut point in a small page parses or is refused cleanly, never crashes
    const std::string small = fixture("sim_listing_norecord.html");
    for (std::size_t cut = 0; cut < small.size(); cut += 997) {
        try {
            parse_listing_page(std::string_view(small).substr(0, cut), kPortal);
        } catch (const realmap::Error &e) {
            EXPECT_EQ(e.sqlstate(), "22P02");
        }
    }
}

namespace {

// A page in the server's GridView form with reordered columns, a repeated
// registration, JavaScript escapes in the payload and every kind of placeholder.
std::string synthetic_page() {
    return R"PAGE(<html><head><title>x</title></head><body><form id="form1" action="./Approved_project_List.aspx">
<input type="hidden" name="__VIEWSTATE" value="VS" /><input type="hidden" name="__EVENTVALIDATION" value="EV" />
<table id="ContentPlaceHolder1_gv_ProjectList">
<tr><th scope="col">Registration Number</th><th scope="col">SN</th><th scope="col">ProjectName</th>
<th scope="col">Approved Date</th><th scope="col">Details</th></tr>
<tr><td><span id="x_Span2_0"> **</span><span id="ContentPlaceHolder1_gv_ProjectList_Label_Project_Name_0">PCGRERA010118000001</span>
<td>1<td>O&#39;BRIEN &amp; SONS<td>31 Feb 2018<td><a id="ContentPlaceHolder1_gv_ProjectList_lnk_View_0" href="javascript:__doPostBack(&#39;T0&#39;,&#39;&#39;)">v</a>
<tr><td><span id="ContentPlaceHolder1_gv_ProjectList_Label_Project_Name_1">PCGRERA010118000001</span><td>2<td>AGAIN<td>01 Jan 2018<td>
 <a id="ContentPlaceHolder1_gv_ProjectList_lnk_View_map_1" href="javascript:__doPostBack(&#39;M1&#39;,&#39;&#39;)">m</a>
<tr><td>  PCGRERA020218000002  <td>3<td>GRID ONLY<td>-<td>
<tr><td><span></span><td>4<td>NO NUMBER<td><td>
</table>
<script type="text/javascript">
//<![CDATA[
function map_init(markers1, la, lo, zo) { var x = 1; }
map_init('[{"title":"A\'s","location":"21.5|81.5","description":"Promoter name : O\'BRIEN \u0026 SONS (INDIA)(Company)<br/>CG-RERA Registration No : PCGRERA010118000001<br/>Project Status : New<br/>Project Address : \u0930\u093e\u092f\u092a\u0941\u0930 \\\\ ROAD \/ 1<br/><a href=Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ%3d%3d>More info</a>","development_type":"1"},{"title":"B","location":"0|81.5","description":"CG-RERA Registration No : PCGRERA010118000001<br/>Project name : SECOND","development_type":2},{"title":"C","location":"abc","description":"CG-RERA Registration No : PCGRERA030318000003"},{"title":"D","location":"95|81","description":"Project name : NO REG"}]','21.26','81.54','8');
//]]>
</script></form></body></html>)PAGE";
}

}  // namespace

TEST(ListingSynthetic, RepeatedRegistrationsAreKeptAndCounted) {
    ListingPage p = parse_listing_page(synthetic_page(), kPortal);
    EXPECT_EQ(p.table_rows, 3);
    EXPECT_EQ(p.map_entries, 4);
    EXPECT_EQ(p.rows_without_registration, 2);  // one grid row, one map entry
    ASSERT_EQ(p.rows.size(), 4u);               // 3 map entries with numbers + 1 grid-only row
    EXPECT_EQ(p.duplicates, 1);
    // the k-th grid row of a number pairs with its k-th map entry
    EXPECT_EQ(p.rows[0].registration_number, "PCGRERA010118000001");
    EXPECT_EQ(p.rows[0].sn, 1);
    EXPECT_EQ(p.rows[1].registration_number, "PCGRERA010118000001");
    EXPECT_EQ(p.rows[1].sn, 2);
    EXPECT_EQ(p.rows[1].project_name, "AGAIN");  // the grid's name wins over the map's
    EXPECT_EQ(p.rows[2].registration_number, "PCGRERA030318000003");
    EXPECT_FALSE(p.rows[2].in_table);
    EXPECT_EQ(p.rows[3].registration_number, "PCGRERA020218000002");
    EXPECT_FALSE(p.rows[3].in_map);
    EXPECT_EQ(p.rows[3].position_issue, PositionIssue::kNotInMap);
}

TEST(ListingSynthetic, ColumnsByHeaderEscapesAndMarkers) {
    ListingPage p = parse_listing_page(synthetic_page(), kPortal);
    ASSERT_EQ(p.rows.size(), 4u);
    const ListingRow &a = p.rows[0];
    EXPECT_TRUE(a.completed);
    EXPECT_EQ(a.project_name, "O'BRIEN & SONS");
    EXPECT_FALSE(a.approved_on);  // 31 Feb is no date ...
    ASSERT_FALSE(p.warnings.empty());  // ... and says so
    EXPECT_NE(p.warnings[0].find("31 Feb 2018"), std::string::npos) << p.warnings[0];
    EXPECT_EQ(a.postback_target, "T0");
    EXPECT_EQ(a.promoter_name, "O'BRIEN & SONS (INDIA)");  // \u0026 decoded; only the last group split
    EXPECT_EQ(a.promoter_type, "Company");
    EXPECT_EQ(a.project_address, "\xE0\xA4\xB0\xE0\xA4\xBE\xE0\xA4\xAF\xE0\xA4\xAA\xE0\xA5\x81\xE0\xA4\xB0 \\ ROAD / 1");
    EXPECT_EQ(a.my_id, "MQ==");  // %3d decoded
    EXPECT_EQ(a.application_id, 1);
    EXPECT_EQ(a.detail_url,
              "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ%3d%3d");
    EXPECT_EQ(a.position_issue, PositionIssue::kNone);
    const ListingRow &b = p.rows[1];
    EXPECT_FALSE(b.completed);
    EXPECT_EQ(b.approved_on, "2018-01-01");
    EXPECT_FALSE(b.postback_target);  // only the map link: that is not the Details link
    EXPECT_EQ(b.development_type, "2");  // a number in the JSON
    EXPECT_EQ(b.position_issue, PositionIssue::kZero);
    EXPECT_EQ(p.rows[2].position_issue, PositionIssue::kUnparseable);
    EXPECT_EQ(p.rows[3].registration_number, "PCGRERA020218000002");  // no span: the cell text
    EXPECT_EQ(p.hidden_fields.at("__VIEWSTATE"), "VS");
}

TEST(ListingMapInit, ServerThatDidNotEscapeBackslashesStillParses) {
    // JSON escapes inside a literal whose backslashes were not doubled: JavaScript would
    // turn \" into " and break the JSON; the text as written is valid JSON.
    MapInitPayload p = read_map_init_script(
        R"(map_init('[{"title":"say \"hi\"","location":"1|2","description":"CG-RERA Registration No : R1"}]','1','2','8');)");
    ASSERT_TRUE(p.found);
    ASSERT_EQ(p.entries.size(), 1u);
    EXPECT_EQ(p.entries[0].title, "say \"hi\"");
    EXPECT_EQ(*p.entries[0].field("cg-rera registration no"), "R1");
    EXPECT_FALSE(read_map_init_script("map_init(markers, 1)").found);
    MapInitPayload broken = read_map_init_script("map_init('{not json','1')");
    EXPECT_TRUE(broken.found);
    EXPECT_TRUE(broken.entries.empty());
    EXPECT_FALSE(broken.warnings.empty());
}

TEST(ListingMapInit, DescriptionLinesAndLink) {
    MapEntry e;
    parse_map_description("Promoter name : A &amp; B(Company)<br/>Project name : X<BR>Tahsil :  Arang  "
                          "<br /><a href='contractor_Reg_Only_View_Application_new.aspx.aspx?MyID=Mw=='>More info</a>",
                          e);
    EXPECT_EQ(*e.field("promoter name"), "A & B(Company)");
    EXPECT_EQ(*e.field("project name"), "X");
    EXPECT_EQ(*e.field("tahsil"), "Arang");
    EXPECT_EQ(e.detail_href, "contractor_Reg_Only_View_Application_new.aspx.aspx?MyID=Mw==");
    EXPECT_EQ(e.fields.size(), 3u);
}

// ---------------------------------------------------------------- small readers

TEST(ListingPosition, ClassifiesThePortalsPlaceholders) {
    auto issue = [](const char *s) { return position_issue_name(classify_position(s).issue); };
    EXPECT_STREQ(issue("21.2855194444444|81.7395166666667"), "");
    EXPECT_STREQ(issue(" 21.28 | 81.73 "), "");
    EXPECT_STREQ(issue(""), "empty");
    EXPECT_STREQ(issue("   "), "empty");
    EXPECT_STREQ(issue("0|0"), "zero");
    EXPECT_STREQ(issue("0.0|81.5"), "zero");
    EXPECT_STREQ(issue("0"), "lone_zero");
    EXPECT_STREQ(issue("21.184716|21.191267"), "lat_repeated");
    EXPECT_STREQ(issue("21.5|21.5"), "lat_repeated");
    EXPECT_STREQ(issue("21.5"), "unparseable");
    EXPECT_STREQ(issue("21,5|81,5"), "unparseable");
    EXPECT_STREQ(issue("nan|inf"), "unparseable");
    EXPECT_STREQ(issue("1|2|3"), "unparseable");
    EXPECT_STREQ(issue("|81.5"), "unparseable");
    EXPECT_STREQ(issue("95|81"), "out_of_range");
    EXPECT_STREQ(issue("45.0|190"), "out_of_range");
    MapPosition p = classify_position("-33.9|151.2");  // no region check here
    ASSERT_TRUE(p.latitude && p.longitude);
    EXPECT_DOUBLE_EQ(*p.latitude, -33.9);
    EXPECT_DOUBLE_EQ(*p.longitude, 151.2);
    EXPECT_FALSE(classify_position("0|0").latitude);
    EXPECT_EQ(parse_decimal("+81.5"), 81.5);
    EXPECT_FALSE(parse_decimal("0x10"));
}

TEST(ListingDate, PortalSpellingsBecomeIso) {
    EXPECT_EQ(portal_date_to_iso("16 Feb 2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("\n   30 Apr 2020\n  "), "2020-04-30");
    EXPECT_EQ(portal_date_to_iso("1 sep 2021"), "2021-09-01");
    EXPECT_EQ(portal_date_to_iso("16 February 2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("16-Feb-2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("16/02/2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("16-02-2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("16.02.2018"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("2018-02-16"), "2018-02-16");
    EXPECT_EQ(portal_date_to_iso("29 Feb 2020"), "2020-02-29");
    EXPECT_FALSE(portal_date_to_iso("29 Feb 2019"));
    EXPECT_FALSE(portal_date_to_iso("31 Apr 2020"));
    EXPECT_FALSE(portal_date_to_iso("-"));
    EXPECT_FALSE(portal_date_to_iso(""));
    EXPECT_FALSE(portal_date_to_iso("NA"));
    EXPECT_FALSE(portal_date_to_iso("16 Fab 2018"));
    EXPECT_FALSE(portal_date_to_iso("16 Feb 18"));
    EXPECT_FALSE(portal_date_to_iso("2018-02-16 extra"));
    EXPECT_FALSE(portal_date_to_iso("12/31/2020 11:59:59 PM"));
}

TEST(ListingMyId, Base64OfTheApplicationId) {
    EXPECT_EQ(application_id_from_my_id("MQ=="), 1);
    EXPECT_EQ(application_id_from_my_id("MzM2"), 336);
    EXPECT_EQ(application_id_from_my_id("MjQ0Mg=="), 2442);
    EXPECT_FALSE(application_id_from_my_id(""));
    EXPECT_FALSE(application_id_from_my_id("bad!"));
    EXPECT_FALSE(application_id_from_my_id("YWJj"));  // "abc": not a number
}
