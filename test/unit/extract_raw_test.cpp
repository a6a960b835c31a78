// extract_raw on simulator detail pages (checked against the simulator's ground truth,
// saved next to each page as <name>.truth.json), on synthetic pages and on broken input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fixture_file.hpp"
#include "core/error.hpp"
#include "core/extract/extract_links.hpp"
#include "core/extract/extract_locations.hpp"
#include "core/extract/extract_raw.hpp"
#include "core/extract/extract_value_type.hpp"

using nlohmann::json;
using realmap::extract::extract_raw;

namespace {

using realmap::test::fixture;

const std::string kPage = "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=x";

std::string sqlstate_of(const std::function<void()> &f, std::string *message = nullptr) {
    try {
        f();
    } catch (const realmap::Error &e) {
        if (message) *message = e.what();
        return e.sqlstate();
    }
    return "none";
}

bool in_india(const json &lat, const json &lon) {
    if (!lat.is_number() || !lon.is_number()) return false;
    double la = lat.get<double>(), lo = lon.get<double>();
    return la >= 6 && la <= 36 && lo >= 68 && lo <= 98;
}

double percent(const std::string &s) {
    std::string digits;
    for (char c : s)
        if ((c >= '0' && c <= '9') || c == '.') digits.push_back(c);
    return std::stod(digits);
}

// "01 Jul 2022" -> "2022-07-01"
std::string iso(const std::string &d) {
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int m = 0;
    for (int i = 0; i < 12; ++i)
        if (d.substr(3, 3) == months[i]) m = i + 1;
    return d.substr(7, 4) + "-" + (m < 10 ? "0" : "") + std::to_string(m) + "-" + d.substr(0, 2);
}

const json &grid_or_null(const json &raw, const char *name) {
    static const json null_json;
    return raw["grids"].contains(name) ? raw["grids"][name] : null_json;
}

int column(const json &grid, const std::string &header) {
    const json &h = grid["headers"];
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i] == header) return static_cast<int>(i);
    ADD_FAILURE() << "no column " << header;
    return 0;
}

}  // namespace

// ---------------------------------------------------------------- against the ground truth

class ExtractRawTruth : public ::testing::TestWithParam<const char *> {};

TEST_P(ExtractRawTruth, AgreesWithTheSimulatorsGroundTruth) {
    const std::string name = GetParam();
    json raw = extract_raw(fixture(name + ".html"), kPage);
    json truth = json::parse(fixture(name + ".truth.json"));
    const json &v1 = truth["v1"], &extras = truth["extras"];

    EXPECT_EQ(raw["schema"], "realmap.raw/1");
    EXPECT_EQ(raw["registration_number"], truth["registration_number"]);
    EXPECT_EQ(raw["my_id"], truth["my_id"]);
    EXPECT_EQ(raw["application_id"], truth["application_id"]);
    EXPECT_TRUE(raw["warnings"].empty()) << raw["warnings"].dump();

    // every named control, as the page shows it
    for (const auto &[field, value] : truth["form_fields"].items()) {
        ASSERT_TRUE(raw["form_fields"].contains(field)) << field;
        EXPECT_EQ(raw["form_fields"][field]["value"], value) << field;
    }
    EXPECT_EQ(raw["form_fields"].size(), truth["form_fields"].size());
    EXPECT_EQ(raw["professionals"], extras["professionals"]);

    // labelled document links with a file, in page order
    ASSERT_EQ(raw["documents"].size(), v1["documents"].size());
    for (std::size_t i = 0; i < v1["documents"].size(); ++i) {
        EXPECT_EQ(raw["documents"][i]["label"], v1["documents"][i]["name"]);
        EXPECT_EQ(raw["documents"][i]["href"], v1["documents"][i]["url"]);
        EXPECT_EQ(raw["documents"][i]["file_prefix"], v1["documents"][i]["document_type"]);
        std::string url = raw["documents"][i]["url"];
        EXPECT_EQ(url.rfind("https://rera.cgstate.gov.in/Content/ProjectDocuments/", 0), 0u) << url;
    }
    for (const json &e : raw["empty_document_links"]) {
        std::string href = e["href"];
        EXPECT_TRUE(href.empty() || href.back() == '/' || href.rfind("javascript:", 0) == 0) << href;
    }

    // certificates in the grids (a repeated quarter row repeats its links: count once)
    std::vector<std::string> grid_docs;
    for (const json &d : raw["grid_documents"])
        if (std::find(grid_docs.begin(), grid_docs.end(), d["href"]) == grid_docs.end())
            grid_docs.push_back(d["href"]);
    EXPECT_EQ(json(grid_docs), extras["grid_documents"]);

    // inventory
    if (extras["inventory"].is_null()) {
        EXPECT_TRUE(raw["inventory"].is_null() || raw["inventory"]["items"].empty());
    } else {
        EXPECT_EQ(raw["inventory"]["counts"].value("bg_llg", 0), extras["inventory"]["available"]);
        EXPECT_EQ(raw["inventory"]["counts"].value("bg_lly", 0), extras["inventory"]["booked"]);
    }

    // amenity rows: progress for all, coordinates where the truth has a location
    const json &am = raw["amenities"]["rows"];
    ASSERT_EQ(am.size(), extras["amenity_progress"].size());
    for (std::size_t i = 0; i < am.size(); ++i) {
        EXPECT_EQ(am[i]["particulars"], extras["amenity_progress"][i]["particulars"]);
        EXPECT_DOUBLE_EQ(percent(am[i]["progress"]), extras["amenity_progress"][i]["progress_percent"].get<double>());
    }
    std::vector<json> mine_located, truth_located, truth_iframes;
    for (const json &a : am)
        if (in_india(a["latitude"], a["longitude"])) mine_located.push_back(a);
    for (const json &l : v1["rera_locations"]) {
        if (l["source_type"] == "amenity") truth_located.push_back(l);
        if (l["source_type"] == "map_iframe") truth_iframes.push_back(l);
    }
    ASSERT_EQ(mine_located.size(), truth_located.size());
    for (std::size_t i = 0; i < mine_located.size(); ++i) {
        EXPECT_NEAR(mine_located[i]["latitude"].get<double>(), truth_located[i]["latitude"].get<double>(), 1e-6);
        EXPECT_NEAR(mine_located[i]["longitude"].get<double>(), truth_located[i]["longitude"].get<double>(), 1e-6);
        EXPECT_EQ(mine_located[i]["image"], truth_located[i]["image_url"]);
        EXPECT_EQ(mine_located[i]["from_date"], truth_located[i]["from_date"]);
    }
    std::vector<json> iframes;
    for (const json &f : raw["map_iframes"])
        if (in_india(f["latitude"], f["longitude"])) iframes.push_back(f);
    ASSERT_EQ(iframes.size(), truth_iframes.size());
    for (std::size_t i = 0; i < iframes.size(); ++i) {
        EXPECT_NEAR(iframes[i]["latitude"].get<double>(), truth_iframes[i]["latitude"].get<double>(), 1e-9);
        EXPECT_NEAR(iframes[i]["longitude"].get<double>(), truth_iframes[i]["longitude"].get<double>(), 1e-9);
    }

    // the latest quarter's plot summary, and every distinct quarter of grid_status
    const json &plots = grid_or_null(raw, "Single_grid_brief_plot");
    if (!plots.is_null()) {
        ASSERT_EQ(plots["rows"].size(), extras["plot_summary"].size());
        for (std::size_t i = 0; i < plots["rows"].size(); ++i) {
            const json &row = plots["rows"][i];
            EXPECT_EQ(row[column(plots, "Plot Group")], extras["plot_summary"][i]["plot_group"]);
            EXPECT_EQ(std::stoi(row[column(plots, "Total Plots")].get<std::string>()),
                      extras["plot_summary"][i]["total_plots"]);
            EXPECT_EQ(std::stoi(row[column(plots, "Total Plot Sold/Booked")].get<std::string>()),
                      extras["plot_summary"][i]["booked"]);
        }
    }
    const json &status = grid_or_null(raw, "grid_status");
    if (!status.is_null()) {
        std::vector<json> quarters;
        std::set<std::pair<std::string, std::string>> seen;
        for (const json &row : status["rows"]) {
            bool zero = std::all_of(row.begin(), row.end(), [](const json &c) { return c == "0"; });
            if (zero) continue;
            auto key = std::make_pair(row[column(status, "From Date")].get<std::string>(),
                                      row[column(status, "To Date")].get<std::string>());
            if (!seen.insert(key).second) continue;
            quarters.push_back({{"from_date", iso(key.first)}, {"to_date", iso(key.second)},
                                {"project_status", row[column(status, "Project Status")]},
                                {"completion_percent", std::stod(row[column(status, "Completion(%)")].get<std::string>())}});
        }
        EXPECT_EQ(json(quarters), extras["quarters"]);
    } else {
        EXPECT_TRUE(extras["quarters"].empty());
    }
    for (const json &missing : truth["mess"]["missing"]) {
        std::string m = missing;
        if (m.rfind("grid", 0) == 0 || m.rfind("gv_", 0) == 0) {
            EXPECT_FALSE(raw["grids"].contains(m)) << m;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(ExtractRawFixtures, ExtractRawTruth,
                         ::testing::Values("detail_plain", "detail_label_sections", "detail_preview_links",
                                           "detail_zero_rows"));

// ---------------------------------------------------------------- the shape, on fixtures

TEST(ExtractRaw, EveryTopLevelKeyIsThere) {
    json raw = extract_raw(fixture("detail_plain.html"), "");
    for (const char *key : {"schema", "source_url", "page_title", "registration_number", "my_id", "application_id",
                            "form_fields", "professionals", "named_spans", "sections", "grids", "amenities",
                            "map_iframes", "inventory", "documents", "empty_document_links", "grid_documents",
                            "warnings"})
        EXPECT_TRUE(raw.contains(key)) << key;
    EXPECT_TRUE(raw["source_url"].is_null());
    EXPECT_EQ(raw["page_title"], "Real Estate Regulatory Authority");
    EXPECT_EQ(raw["my_id"], "MQ==");  // from the form action (%3d decoded)
    EXPECT_EQ(raw["named_spans"]["lbl_reg_no"], "PCGRERA160218000001");
    // without a page URL, links stay as written
    ASSERT_FALSE(raw["documents"].empty());
    EXPECT_EQ(raw["documents"][0]["url"], raw["documents"][0]["href"]);
    const json &f = raw["form_fields"]["DropDownList5"];
    EXPECT_EQ(f["control"], "select");
    EXPECT_EQ(f["label"], "Project Type");
    EXPECT_EQ(f["section"], "Project Detail");
    EXPECT_EQ(f["option_value"], "4");
    EXPECT_EQ(f["placeholder"], false);
    EXPECT_EQ(raw["form_fields"]["AadharNumber"]["control"], "textarea");
}

TEST(ExtractRaw, LabelSectionsKeepLabelsVerbatimUnderTheirTitles) {
    json raw = extract_raw(fixture("detail_label_sections.html"), kPage);
    const json *project = nullptr, *land = nullptr, *blocks = nullptr, *updates = nullptr;
    for (const json &s : raw["sections"]) {
        if (s["title"] == "Details of Project") project = &s;
        if (s["title"] == "Land Particulars") land = &s;
        if (s["title"] == "Block Details") blocks = &s;
        if (s["title"] == "Quarterly Updates") updates = &s;
    }
    ASSERT_TRUE(project && land && blocks && updates);
    auto field = [](const json &s, const std::string &caption) -> json {
        for (const json &f : s["fields"])
            if (f["caption"] == caption) return f;
        return nullptr;
    };
    json status = field(*project, "Project Status");
    ASSERT_FALSE(status.is_null());
    EXPECT_EQ(status["label"], "Project Status:");  // verbatim, colon and all
    EXPECT_EQ(status["value"], "Ongoing");
    EXPECT_EQ(status["value_from"], "cell");
    EXPECT_EQ(field(*project, "Total Area")["value"], "1.1823 Hect.");
    EXPECT_EQ(field(*project, "Zip Code")["value_type"], "NUMBER");
    EXPECT_EQ(field(*land, "Survey Numbers")["value"], "415, 511");
    EXPECT_EQ((*land)["heading"], "Promoter Information");  // a <strong> title under the last <h4>
    ASSERT_EQ((*blocks)["tables"].size(), 1u);
    EXPECT_EQ((*blocks)["tables"][0]["headers"],
              json({"Tower Name", "No of Floors", "No of Units", "Carpet Area (Sq M)"}));
    EXPECT_EQ((*blocks)["tables"][0]["rows"][0], json({"Block-A", "11", "60", "6396.00"}));
    EXPECT_EQ((*updates)["tables"][0]["rows"].size(), 13u);
    EXPECT_EQ((*updates)["tables"][0]["rows"][12][4], "Finishing work in progress");  // &nbsp; collapsed

    // the form's own labels name their controls
    const json &first = raw["sections"][0];
    EXPECT_EQ(first["title"], "Project Detail");
    EXPECT_EQ(field(first, "Project Name")["control"], "txt_proj_name");
    EXPECT_EQ(field(first, "Registration No")["value"], "PCGRERA010722001456");
    EXPECT_EQ(field(first, "Registration No")["value_from"], "sibling");

    EXPECT_EQ(raw["inventory"]["legend"]["bg_llg"], "Available");
    EXPECT_EQ(raw["inventory"]["legend"]["bg_lly"], "Booked/Sold");
    EXPECT_EQ(raw["inventory"]["section"], "Inventory Status");
    EXPECT_EQ(raw["inventory"]["items"][0], json({{"class", "bg_lly"}, {"text", "A-1"}}));
    ASSERT_EQ(raw["map_iframes"].size(), 1u);
    EXPECT_EQ(raw["map_iframes"][0]["latitude_text"], "22.077805");
    EXPECT_EQ(raw["map_iframes"][0]["longitude_text"], "82.1945659722222");
    // amenity coordinates are read, not judged: the 0/0 row stays
    const json &rows = raw["amenities"]["rows"];
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[1]["latitude_text"], "0");
    EXPECT_EQ(rows[1]["latitude"], 0.0);
    EXPECT_EQ(rows[2]["image"], nullptr);
}

TEST(ExtractRaw, QuarterlyGridsKeepEveryRow) {
    json raw = extract_raw(fixture("detail_zero_rows.html"), kPage);
    json truth = json::parse(fixture("detail_zero_rows.truth.json"));
    const json &status = raw["grids"]["grid_status"];
    // raw keeps the "0" placeholder row the mapper will drop
    int zero_rows = 0;
    for (const json &row : status["rows"])
        zero_rows += std::all_of(row.begin(), row.end(), [](const json &c) { return c == "0"; });
    EXPECT_EQ(zero_rows, 1);
    EXPECT_EQ(status["rows"].size(), truth["extras"]["quarters"].size() + 1);
    EXPECT_EQ(status["headers"][0], "S.No.");
    EXPECT_EQ(status["section"], "Quarterly Progress");
    // every quarter's booked plots: the history per group
    const json &history = raw["grids"]["grid_brief_plot"];
    EXPECT_GT(history["rows"].size(), raw["grids"]["Single_grid_brief_plot"]["rows"].size());
    EXPECT_FALSE(raw["grids"].contains("grid_docs"));  // missing on this page
    EXPECT_LT(raw["grids"]["grid_status"]["position"], raw["grids"]["gv_ProjectList"]["position"]);
}

TEST(ExtractRaw, DocumentsPreviewsAndEmptySlots) {
    json raw = extract_raw(fixture("detail_preview_links.html"), kPage);
    int onclick = 0;
    for (const json &d : raw["documents"]) {
        EXPECT_EQ(d["link_text"], "Preview");
        ASSERT_TRUE(d.contains("preview_hint")) << d.dump();
        if (d["via"] == "onclick") {
            ++onclick;
            EXPECT_EQ(d["preview_hint"], d["href"]);  // the OpenModel('...') URL
        }
        EXPECT_EQ(d["heading"].get<std::string>().rfind("Documents", 0), 0u);  // "Documents / दस्तावेज़"
    }
    EXPECT_EQ(onclick, 2);
    ASSERT_EQ(raw["empty_document_links"].size(), 1u);
    EXPECT_EQ(raw["empty_document_links"][0]["label"], "Engineer Certificate");
    EXPECT_EQ(raw["empty_document_links"][0]["href"], "../Content/ProjectDocuments/Application_1150/");
    bool completion = false;
    for (const json &d : raw["grid_documents"])
        completion = completion || d["href"].get<std::string>().find("COM_CER_ARCHI_") != std::string::npos;
    EXPECT_TRUE(completion);
    EXPECT_TRUE(raw["form_fields"].count("TextBox2") == 0);  // the bank section is missing here
}

// ---------------------------------------------------------------- synthetic pages

namespace {

std::string synthetic_detail() {
    return R"PAGE(<html><head><title>T</title></head><body>
<form id="form1" action="./Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2">
<input type="hidden" name="ctl00$ContentPlaceHolder1$hid" value="secret">
<h3>Project Detail</h3>
<label>Registration No :</label> <span id="ContentPlaceHolder1_lbl_reg_no">PCGRERA200618000247</span>
<table>
<tr><td><label>Type</label></td><td><select name="ctl00$ContentPlaceHolder1$DropDownList5"><option value="0" selected>--Select--</option><option value="4">Plotted</option></select></td></tr>
<tr><td><label>State</label></td><td><select name="ctl00$ContentPlaceHolder1$State_Name"><option value="22">Chhattisgarh<option value="1">Other</select></td></tr>
<tr><td><label>Address</label></td><td><textarea name="ctl00$ContentPlaceHolder1$AadharNumber">
 DHARAMPURA &amp; HUB,&#10; JAGDALPUR</textarea></td></tr>
<tr><td><label>Agree</label></td><td><input type="checkbox" name="ctl00$ContentPlaceHolder1$chk" checked></td></tr>
<tr><td><label>Off</label></td><td><input type="checkbox" name="ctl00$ContentPlaceHolder1$chk2"></td></tr>
</table>
<div><label>Inline:</label> text after</div>
<p><label>Around</label><b></b></p>
<p>before <label>Parent</label></p>
<p>x <label>Sib</label> after</p>
<strong>Documents</strong>
<div><label>Plan</label>&nbsp;<a href="javascript:void(0);" onclick="OpenModel('../Content/ProjectDocuments/Application_336/LAYOUT_0d9ed3ec-aa5c-47e2-b8a0-00638a2e3a81.pdf')">Preview</a></div>
<div><label>Window</label> <button id="b1" onclick="window.open('../Content/ProjectDocuments/Application_336/TAC_x.pdf','_blank')">Preview</button></div>
<div><label>Slot</label> <a href="../Content/ProjectDocuments/Application_336/">View</a></div>
<div><label>Website</label> <a href="http://example.com/">http://example.com/</a></div>
<table id="ContentPlaceHolder1_grid_docs"><tr><th>From Date</th><th>CA Certificate</th></tr>
<tr><td colspan="2">No Data Found</td></tr></table>
<iframe src="https://maps.google.com/maps?q=21.25,81.63&amp;z=15"></iframe>
<iframe src="https://www.google.com/maps/embed?pb=!3d21.5!4f1!2d81.5"></iframe>
<iframe src="https://www.youtube.com/embed/x"></iframe>
</form></body></html>)PAGE";
}

}  // namespace

TEST(ExtractRaw, ControlsPlaceholdersAndLabelRules) {
    json raw = extract_raw(synthetic_detail(), "http://127.0.0.1:9/Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2");
    EXPECT_EQ(raw["registration_number"], "PCGRERA200618000247");
    EXPECT_EQ(raw["application_id"], 336);
    const json &ff = raw["form_fields"];
    EXPECT_FALSE(ff.contains("hid"));  // hidden inputs show nothing
    EXPECT_EQ(ff["DropDownList5"]["value"], "");
    EXPECT_EQ(ff["DropDownList5"]["placeholder"], true);
    EXPECT_EQ(ff["DropDownList5"]["option_value"], "0");
    EXPECT_EQ(ff["State_Name"]["value"], "Chhattisgarh");  // nothing selected: the first option
    EXPECT_EQ(ff["State_Name"]["from_first_option"], true);
    EXPECT_EQ(ff["AadharNumber"]["value"], "DHARAMPURA & HUB, JAGDALPUR");
    EXPECT_EQ(ff["chk"]["value"], "on");
    EXPECT_FALSE(ff.contains("chk2"));

    std::map<std::string, json> by_caption;
    for (const json &s : raw["sections"])
        for (const json &f : s["fields"]) by_caption[f["caption"]] = f;
    EXPECT_EQ(by_caption["Inline"]["value"], "text after");
    EXPECT_EQ(by_caption["Inline"]["value_from"], "sibling");
    EXPECT_EQ(by_caption["Sib"]["value"], "after");  // a following text wins over the parent's
    EXPECT_EQ(by_caption["Parent"]["value"], "before");
    EXPECT_EQ(by_caption["Parent"]["value_from"], "parent");
    EXPECT_EQ(by_caption["Around"]["value_from"], "none");
    EXPECT_EQ(by_caption["Type"]["value"], "");
    EXPECT_EQ(by_caption["Type"]["control"], "DropDownList5");

    ASSERT_EQ(raw["documents"].size(), 2u);
    EXPECT_EQ(raw["documents"][0]["href"],
              "../Content/ProjectDocuments/Application_336/LAYOUT_0d9ed3ec-aa5c-47e2-b8a0-00638a2e3a81.pdf");
    EXPECT_EQ(raw["documents"][0]["url"],
              "http://127.0.0.1:9/Content/ProjectDocuments/Application_336/LAYOUT_0d9ed3ec-aa5c-47e2-b8a0-00638a2e3a81.pdf");
    EXPECT_EQ(raw["documents"][0]["via"], "onclick");
    EXPECT_EQ(raw["documents"][0]["file_prefix"], "LAYOUT");
    EXPECT_EQ(raw["documents"][0]["section"], "Documents");
    EXPECT_EQ(raw["documents"][1]["file_prefix"], "TAC_x");  // no uuid to strip
    EXPECT_EQ(raw["documents"][1]["preview_hint"], "../Content/ProjectDocuments/Application_336/TAC_x.pdf");
    ASSERT_EQ(raw["empty_document_links"].size(), 1u);  // the website under Documents is not one
    EXPECT_EQ(raw["empty_document_links"][0]["label"], "Slot");
    EXPECT_EQ(by_caption["Website"]["value_type"], "URL");

    EXPECT_TRUE(raw["grids"]["grid_docs"]["no_data"]);
    EXPECT_TRUE(raw["grids"]["grid_docs"]["rows"].empty());
    ASSERT_EQ(raw["map_iframes"].size(), 2u);  // the video is no map
    EXPECT_EQ(raw["map_iframes"][0]["latitude"], 21.25);
    EXPECT_EQ(raw["map_iframes"][0]["longitude"], 81.63);
    EXPECT_EQ(raw["map_iframes"][1]["latitude_text"], "21.5");  // !3d before !2d
    EXPECT_EQ(raw["map_iframes"][1]["longitude_text"], "81.5");
    EXPECT_TRUE(raw["inventory"].is_null());
    EXPECT_EQ(raw["amenities"]["source"], nullptr);
}

// ---------------------------------------------------------------- broken input

TEST(ExtractRawMalformed, NotADetailPageIsA22P02) {
    std::string message;
    EXPECT_EQ(sqlstate_of([] { extract_raw(fixture("sim_runtime_error.html"), kPage); }, &message), "22P02");
    EXPECT_NE(message.find("not a detail page"), std::string::npos) << message;
    EXPECT_NE(message.find("Runtime Error"), std::string::npos) << message;
    EXPECT_EQ(sqlstate_of([] { extract_raw(fixture("sim_listing_norecord.html"), kPage); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { extract_raw("", ""); }), "22P02");
    EXPECT_EQ(sqlstate_of([] {
                  extract_raw("<html><body><h3>Project Location Map</h3><iframe src=\"https://www.google.com/"
                              "maps/embed?pb=!2d81!3d21\"></iframe></body></html>",
                              "");
              }),
              "22P02");
}

TEST(ExtractRawMalformed, TruncatedPagesNeverCrash) {
    const std::string page = fixture("detail_label_sections.html");
    int parsed = 0;
    for (std::size_t cut = 0; cut < page.size(); cut += 1499) {
        try {
            json raw = extract_raw(std::string_view(page).substr(0, cut), kPage);
            ++parsed;
            EXPECT_EQ(raw["schema"], "realmap.raw/1");
        } catch (const realmap::Error &e) {
            EXPECT_EQ(e.sqlstate(), "22P02") << cut;
        }
    }
    EXPECT_GT(parsed, 20);
    // cut after the registration number: the rest is simply absent
    json early = extract_raw(std::string_view(page).substr(0, page.find("Promoter Detail")), kPage);
    EXPECT_EQ(early["registration_number"], "PCGRERA010722001456");
    EXPECT_FALSE(early["form_fields"].contains("txt_p_name"));
    EXPECT_TRUE(early["documents"].empty());
}

// ---------------------------------------------------------------- small readers

TEST(ExtractMapsUrl, FindsThePositionInEveryUrlForm) {
    using realmap::extract::maps_url_position;
    auto p = maps_url_position("https://www.google.com/maps/embed?pb=!1m14!1d3720.5!2d81.698346!3d21.284063!3m2");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->latitude_text, "21.284063");
    EXPECT_EQ(p->longitude_text, "81.698346");
    EXPECT_DOUBLE_EQ(*p->latitude, 21.284063);
    p = maps_url_position("https://www.google.com/maps/embed?pb=!1m3!2d0!3d0!4f1");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p->latitude, 0.0);  // a placeholder, kept: judging it is the mapper's job
    p = maps_url_position("https://www.google.com/maps/@21.2,81.6,15z");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->latitude_text, "21.2");
    EXPECT_EQ(p->longitude_text, "81.6");
    EXPECT_FALSE(maps_url_position("https://www.google.com/maps/embed?pb=!1m2!4f13.1"));
    p = maps_url_position("https://www.google.com/maps/embed?pb=!2dabc!3d1");
    EXPECT_FALSE(p);
}

TEST(ExtractLinks, DocumentTypeFromTheFileName) {
    using realmap::extract::document_file_prefix;
    EXPECT_EQ(document_file_prefix("Reg_Certi_31307628-dfad-410d-8fe7-86c0fd8ec236.pdf"), "Reg_Certi");
    EXPECT_EQ(document_file_prefix("DEVTEAM_31307628-dfad-410d-8fe7-86c0fd8ec236.pdf"), "DEVTEAM");
    EXPECT_EQ(document_file_prefix("CA_NEW_ONGOING_31307628-dfad-410d-8fe7-86c0fd8ec236.pdf"), "CA_NEW_ONGOING");
    EXPECT_EQ(document_file_prefix("plain.pdf"), "plain");
    EXPECT_EQ(document_file_prefix(""), "");
    EXPECT_EQ(realmap::extract::link_file_name("https://h/a/b/My%20File.pdf?x=1"), "My File.pdf");
    EXPECT_EQ(realmap::extract::link_file_name("https://h/a/Application_1/"), "");
}

TEST(ExtractValueType, TheOriginalsGuesses) {
    using realmap::extract::guess_value_type;
    EXPECT_STREQ(guess_value_type("", false), "UNKNOWN");
    EXPECT_STREQ(guess_value_type("http://x.in", false), "URL");
    EXPECT_STREQ(guess_value_type("12,500.00", false), "NUMBER");
    EXPECT_STREQ(guess_value_type("-3.5", false), "NUMBER");
    EXPECT_STREQ(guess_value_type("30-04-2022", false), "DATE");
    EXPECT_STREQ(guess_value_type("on 2018-02-16", false), "DATE");
    EXPECT_STREQ(guess_value_type("31/02/2018", false), "TEXT");  // no such day
    EXPECT_STREQ(guess_value_type("View", true), "URL");
    EXPECT_STREQ(guess_value_type("1.2500 Hectare", false), "TEXT");
    EXPECT_STREQ(guess_value_type(",5", false), "TEXT");
}
