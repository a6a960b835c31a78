// The HTML layer: gumbo wrapper (document, nodes, lookups, text), URL resolution,
// JavaScript string literals, character references, the nesting guard.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "core/html/html_document.hpp"
#include "core/html/html_entities.hpp"
#include "core/html/html_nesting_guard.hpp"
#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"
#include "core/html/js_string_literal.hpp"
#include "core/html/url_resolve.hpp"

using namespace realmap::html;

namespace {

const char *kPage = R"(<!DOCTYPE html>
<html><head><title> Real Estate
  Regulatory Authority </title><script>var x = "<b>not text</b>";</script></head>
<body>
<form id="form1" method="post">
 <h4 class="head main">Project&nbsp;Detail &amp; more</h4>
 <table id="t1">
  <tr><th>A</th><th>B</th></tr>
  <TR><TD><label>Name</label><TD><span id="ContentPlaceHolder1_lbl_reg_no">PCG&#47;1</span>
  <tr><td>x<td CLASS=bg_llg>y
 </table>
 <select name="ctl00$ContentPlaceHolder1$District_Name">
  <option value="0">Select
  <option selected value="14">Raipur
 </select>
 <input type=hidden name="__VIEWSTATE" value="abc&amp;def">
 <p>one<p>two
 <style>.x{}</style>
 <my-widget data-x="1">custom</my-widget>
</form>
</body></html>)";

}  // namespace

TEST(HtmlDocument, FindsElementsByIdTagAndAttribute) {
    Document doc(kPage);
    Node reg = find_by_id(doc.document(), "ContentPlaceHolder1_lbl_reg_no");
    ASSERT_TRUE(reg);
    EXPECT_EQ(reg.tag_name(), "span");
    EXPECT_EQ(reg.text(), "PCG/1");  // &#47; decoded
    EXPECT_FALSE(find_by_id(doc.document(), "nope"));

    EXPECT_EQ(find_all_by_tag(doc.document(), "option").size(), 2u);
    EXPECT_TRUE(find_first_by_tag(doc.document(), "SELECT"));  // case-insensitive
    auto hidden = find_all_by_attr(doc.document(), "type", std::string_view("hidden"));
    ASSERT_EQ(hidden.size(), 1u);
    EXPECT_EQ(hidden[0].attr_or("value"), "abc&def");  // entities decoded in attributes
    EXPECT_EQ(find_all_by_attr(doc.document(), "name").size(), 2u);
    EXPECT_EQ(find_first_by_attr(doc.document(), "data-x", "1").tag_name(), "my-widget");
    EXPECT_EQ(find_all_by_id_suffix(doc.document(), "_lbl_reg_no").size(), 1u);

    IdIndex index(doc.document());
    EXPECT_EQ(index.find("t1").tag_name(), "table");
    EXPECT_EQ(index.find("form1").tag_name(), "form");
    EXPECT_FALSE(index.find("missing"));
}

TEST(HtmlDocument, SloppyMarkupBuildsTheTreeABrowserWould) {
    Document doc(kPage);
    Node table = find_by_id(doc.document(), "t1");
    auto rows = find_all_by_tag(table, "tr");
    ASSERT_EQ(rows.size(), 3u);  // unclosed <tr>/<TD> closed implicitly, <tbody> implied
    EXPECT_EQ(rows[1].element_children().size(), 2u);
    EXPECT_EQ(rows[2].element_children()[1].text(), "y");
    EXPECT_TRUE(rows[2].element_children()[1].has_class("bg_llg"));  // unquoted attribute
    EXPECT_EQ(closest_ancestor(rows[0], "table"), table);
    EXPECT_EQ(closest_ancestor(rows[0], "tbody").tag_name(), "tbody");

    auto options = find_all_by_tag(doc.document(), "option");
    EXPECT_EQ(options[0].text(), "Select");  // unclosed <option> ends at the next one
    EXPECT_TRUE(options[1].has_attr("selected"));
    EXPECT_EQ(options[1].attr_or("value"), "14");
    EXPECT_EQ(find_all_by_tag(doc.document(), "p").size(), 2u);
}

TEST(HtmlNode, TextCollapsesWhitespaceDecodesEntitiesAndSkipsScripts) {
    Document doc(kPage);
    EXPECT_EQ(find_first_by_tag(doc.document(), "title").text(), "Real Estate Regulatory Authority");
    EXPECT_EQ(find_first_by_tag(doc.document(), "h4").text(), "Project Detail & more");
    Node head = doc.head();
    ASSERT_TRUE(head);
    EXPECT_EQ(head.text().find("not text"), std::string::npos);              // script skipped
    EXPECT_NE(head.text_content().find("<b>not text</b>"), std::string::npos);  // but kept here
    EXPECT_EQ(doc.body().text().find(".x{}"), std::string::npos);             // style skipped
}

TEST(HtmlNode, ChildrenSiblingsAndParents) {
    Document doc("<div id=a><b>1</b> text <i>2</i><!--c--><u>3</u></div>");
    Node a = find_by_id(doc.document(), "a");
    EXPECT_EQ(a.child_count(), 5u);
    ASSERT_EQ(a.element_children().size(), 3u);
    Node b = a.first_element_child();
    EXPECT_EQ(b.tag_name(), "b");
    EXPECT_TRUE(b.next_sibling().is_text());
    EXPECT_EQ(b.next_sibling().own_text(), " text ");
    EXPECT_EQ(b.next_element_sibling().tag_name(), "i");
    EXPECT_TRUE(b.next_element_sibling().next_sibling().is_comment());
    EXPECT_EQ(b.next_element_sibling().next_element_sibling().tag_name(), "u");
    EXPECT_EQ(a.element_children()[2].prev_element_sibling().tag_name(), "i");
    EXPECT_FALSE(b.prev_sibling());
    EXPECT_EQ(b.parent(), a);
    EXPECT_EQ(a.child(2).index_in_parent(), 2u);
    EXPECT_TRUE(is_inside(b, a));
    EXPECT_FALSE(is_inside(a, b));
    EXPECT_EQ(a.text(), "1 text 23");
    EXPECT_GT(b.source_offset(), 0u);

    std::vector<std::string> order;
    for_each_element(a, [&](Node n) { order.push_back(n.tag_name()); });
    EXPECT_EQ(order, (std::vector<std::string>{"b", "i", "u"}));
    int seen = 0;
    for_each_element(doc.document(), [&](Node) { return ++seen < 2; });  // false stops
    EXPECT_EQ(seen, 2);
}

TEST(HtmlNode, AttributesAndClasses) {
    Document doc(R"(<span ID="x" Class=" bg_llg  big " title='a "q"'>t</span>)");
    Node s = find_first_by_tag(doc.document(), "span");
    EXPECT_EQ(s.id(), "x");  // attribute names are case-insensitive
    EXPECT_EQ(s.attr("TITLE").value_or(""), "a \"q\"");
    EXPECT_FALSE(s.attr("href"));
    EXPECT_TRUE(s.has_class("bg_llg"));
    EXPECT_TRUE(s.has_class("big"));
    EXPECT_FALSE(s.has_class("bg"));
    EXPECT_TRUE(s.has_class_prefix("bg_ll"));
    EXPECT_EQ(s.attributes().size(), 3u);
}

TEST(HtmlNode, NullNodeIsSafe) {
    Node n;
    EXPECT_FALSE(n);
    EXPECT_FALSE(n.is_element());
    EXPECT_EQ(n.tag_name(), "");
    EXPECT_EQ(n.text(), "");
    EXPECT_FALSE(n.attr("id"));
    EXPECT_FALSE(n.parent());
    EXPECT_EQ(n.child_count(), 0u);
    EXPECT_TRUE(n.children().empty());
    EXPECT_FALSE(n.next_element_sibling());
    EXPECT_FALSE(find_by_id(n, "x"));
    EXPECT_TRUE(descendants(n).empty());
}

TEST(HtmlDocument, EmptyAndGarbageInputStillGiveATree) {
    Document empty("");
    EXPECT_TRUE(empty.root());
    EXPECT_TRUE(empty.body());
    std::string garbage;
    for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>(i * 7919 % 256));
    Document g(garbage);  // invalid UTF-8, NULs, stray '<': never an error
    EXPECT_TRUE(g.root());
    EXPECT_EQ(g.source().size(), garbage.size());
}

TEST(HtmlDocument, MovingKeepsTheTreeValid) {
    // a short input lives in std::string's inline buffer: the tree must not point there
    Document a("<p id=q>hi</p>");
    Document b(std::move(a));
    EXPECT_EQ(find_by_id(b.document(), "q").text(), "hi");
    EXPECT_EQ(find_by_id(b.document(), "q").tag_name(), "p");
    Document c("<i>x</i>");
    c = std::move(b);
    EXPECT_EQ(find_by_id(c.document(), "q").text(), "hi");
}

TEST(HtmlDocument, RefusesPagesOverTheLimits) {
    try {
        Document d(std::string(2000, 'x'), ParseLimits{1000, 1000});
        FAIL() << "no error";
    } catch (const realmap::Error &e) {
        EXPECT_EQ(e.sqlstate(), "54000");
        EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos);
    }
    std::string deep;
    for (int i = 0; i < 2000; ++i) deep += "<div>";
    try {
        Document d(deep);
        FAIL() << "no error";
    } catch (const realmap::Error &e) {
        EXPECT_EQ(e.sqlstate(), "54001");
        EXPECT_NE(std::string(e.what()).find("nests too deeply"), std::string::npos);
    }
    std::string ok;
    for (int i = 0; i < 900; ++i) ok += "<div>";
    Document d(ok);
    EXPECT_EQ(descendants(d.body()).size(), 900u);
}

TEST(HtmlNestingGuard, CountsOnlyElementsThatStayOpen) {
    EXPECT_EQ(estimate_nesting_depth("<div><div><span>x</span></div></div>"), 3u);
    EXPECT_EQ(estimate_nesting_depth("<br><img src=x><input><hr>"), 0u);
    // unclosed cells, rows and options close themselves: the grids are not deep
    std::string grid = "<table>";
    for (int i = 0; i < 5000; ++i) grid += "<tr><td>1<td>2<option>o";
    EXPECT_EQ(estimate_nesting_depth(grid), 1u);
    // markup inside scripts and comments is not markup
    EXPECT_EQ(estimate_nesting_depth("<script>var a='<div><div><div>';</script><!-- <div><div> -->"), 0u);
    EXPECT_EQ(estimate_nesting_depth("<div/><div/>"), 2u);  // HTML ignores the slash
    EXPECT_EQ(estimate_nesting_depth("a < b and <3 </div></div>"), 0u);
    EXPECT_EQ(estimate_nesting_depth("<div title='>'><b>"), 2u);
}

TEST(HtmlText, CollapseWhitespaceLikePythonSplit) {
    EXPECT_EQ(collapse_whitespace("  a \t\r\n b  "), "a b");
    EXPECT_EQ(collapse_whitespace("a\xC2\xA0\xC2\xA0" "b"), "a b");       // U+00A0
    EXPECT_EQ(collapse_whitespace("a\xE3\x80\x80" "b\xE2\x80\x83" "c"), "a b c");  // U+3000, U+2003
    EXPECT_EQ(collapse_whitespace("\xE0\xA4\xB0\xE0\xA4\xBE\xE0\xA4\xAF"), "\xE0\xA4\xB0\xE0\xA4\xBE\xE0\xA4\xAF");
    EXPECT_EQ(collapse_whitespace(""), "");
    EXPECT_EQ(collapse_whitespace(" \xC2\xA0 "), "");
    EXPECT_EQ(trim_ascii("  x y \n"), "x y");
    EXPECT_TRUE(iequals_ascii("ABC", "abc"));
    EXPECT_TRUE(istarts_with_ascii("JavaScript:void(0)", "javascript:"));
    EXPECT_EQ(ifind_ascii("Showing 1 OF 2", "of"), 10u);
}

TEST(HtmlUrl, ResolvesThePortalsRelativeLinks) {
    const std::string detail = "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==";
    const std::string listing = "https://rera.cgstate.gov.in/Approved_project_List.aspx";
    EXPECT_EQ(resolve_url(detail, "../Content/ProjectDocuments/Application_1/Reg_Certi_x.pdf"),
              "https://rera.cgstate.gov.in/Content/ProjectDocuments/Application_1/Reg_Certi_x.pdf");
    EXPECT_EQ(resolve_url(detail, "../Content/ProjectDocuments/Application_1/"),
              "https://rera.cgstate.gov.in/Content/ProjectDocuments/Application_1/");
    EXPECT_EQ(resolve_url(listing, "Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ=="),
              "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==");
    EXPECT_EQ(resolve_url(listing, "CaptchaImage.ashx?v=2"), "https://rera.cgstate.gov.in/CaptchaImage.ashx?v=2");
    EXPECT_EQ(resolve_url("http://127.0.0.1:8080/a/b/c.aspx?x=1", "./d/../e.pdf#p"),
              "http://127.0.0.1:8080/a/b/e.pdf#p");
    EXPECT_EQ(resolve_url(listing, "/x/./y"), "https://rera.cgstate.gov.in/x/y");
    EXPECT_EQ(resolve_url(listing, "//other.example/z"), "https://other.example/z");
    EXPECT_EQ(resolve_url(listing, "?q=1"), "https://rera.cgstate.gov.in/Approved_project_List.aspx?q=1");
    EXPECT_EQ(resolve_url(detail, "#top"),
              "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==#top");
    EXPECT_EQ(resolve_url(listing, "  HTTP://Example.com/a/../b  "), "http://Example.com/b");
    EXPECT_EQ(resolve_url(listing, "javascript:void(0);"), "javascript:void(0);");
    EXPECT_EQ(resolve_url(listing, "../../../../x"), "https://rera.cgstate.gov.in/x");
    EXPECT_EQ(resolve_url(listing, "a b\n.pdf"), "https://rera.cgstate.gov.in/a%20b.pdf");
    EXPECT_EQ(resolve_url("", "../Content/x.pdf"), "../Content/x.pdf");  // nothing to resolve against
    EXPECT_EQ(resolve_url("https://h", "x"), "https://h/x");
    EXPECT_TRUE(has_url_scheme("javascript:__doPostBack('a','')"));
    EXPECT_FALSE(has_url_scheme("../Content/a:b"));
}

TEST(HtmlUrl, QueryParameterIsCaseInsensitiveAndDecoded) {
    bool found = false;
    EXPECT_EQ(query_parameter("x.aspx?myid=MQ%3d%3d&b=2", "MyID", &found), "MQ==");
    EXPECT_TRUE(found);
    EXPECT_EQ(query_parameter("x.aspx?a=1&MyID=Mg==#frag", "MyID"), "Mg==");
    EXPECT_EQ(query_parameter("x.aspx?a=1", "MyID", &found), "");
    EXPECT_FALSE(found);
    EXPECT_EQ(query_parameter("x.aspx?MyID", "MyID", &found), "");
    EXPECT_TRUE(found);
    EXPECT_EQ(percent_decode("a%20b%zz%4"), "a b%zz%4");
    EXPECT_EQ(percent_decode("%FF%00%C3%A9"), "\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9");  // always valid UTF-8
}

TEST(HtmlJsString, DecodesEscapesAsJavaScriptDoes) {
    std::string src = R"(f('it\'s \"q\" back\\slash \/ \u0939\u093f \uD83D\uDE00 \x41 \u{1F600} \0 \n end', 2))";
    JsStringLiteral lit = decode_js_string_literal(src, 2);
    EXPECT_TRUE(lit.terminated);
    EXPECT_EQ(lit.value, std::string("it's \"q\" back\\slash / \xE0\xA4\xB9\xE0\xA4\xBF \xF0\x9F\x98\x80 A "
                                     "\xF0\x9F\x98\x80 \xEF\xBF\xBD \n end"));  // NUL: U+FFFD
    EXPECT_EQ(src[lit.end], ',');
    JsStringLiteral lone = decode_js_string_literal(R"('\uD800x')", 0);
    EXPECT_EQ(lone.value, "\xEF\xBF\xBDx");  // a lone surrogate is U+FFFD
    JsStringLiteral cut = decode_js_string_literal("'never closed \\", 0);
    EXPECT_FALSE(cut.terminated);
    EXPECT_EQ(cut.value, "never closed ");
}

TEST(HtmlJsString, CallArgumentsSkipTheFunctionDefinition) {
    std::string code = "function OpenModel(u){}\n OpenModel( '../Content/a.pdf' , \"b\", x)";
    EXPECT_EQ(js_call_string_arguments(code, "OpenModel"),
              (std::vector<std::string>{"../Content/a.pdf", "b"}));
    EXPECT_EQ(js_call_string_arguments("javascript:__doPostBack('ctl00$A$ctl02$lnk_View','')", "__doPostBack"),
              (std::vector<std::string>{"ctl00$A$ctl02$lnk_View", ""}));
    EXPECT_TRUE(js_call_string_arguments("xOpenModel('a')", "OpenModel").empty());
    EXPECT_TRUE(js_call_string_arguments("nothing here", "OpenModel").empty());
}

TEST(HtmlText, SanitizeUtf8ReplacesInvalidSequencesAndNul) {
    EXPECT_EQ(sanitize_utf8("ok \xE0\xA4\xB0"), "ok \xE0\xA4\xB0");
    EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(sanitize_utf8("\xC3"), "\xEF\xBF\xBD");            // cut short
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
    EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(HtmlEntities, DecodesNumericAndCommonNamedReferences) {
    EXPECT_EQ(decode_html_entities("A &amp; B &#39;c&#39; &#x27;d&#x27; &lt;&gt;&quot;"), "A & B 'c' 'd' <>\"");
    EXPECT_EQ(decode_html_entities("a&nbsp;b"), "a\xC2\xA0" "b");
    EXPECT_EQ(decode_html_entities("&#2361;&#x0939;"), "\xE0\xA4\xB9\xE0\xA4\xB9");
    EXPECT_EQ(decode_html_entities("&unknown; & &#; &amp"), "&unknown; & &#; &");
    EXPECT_EQ(decode_html_entities("&#0;&#xD800;"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}
