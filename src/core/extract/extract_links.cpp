#include "core/extract/extract_links.hpp"

#include <set>

#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"
#include "core/html/js_string_literal.hpp"
#include "core/html/url_resolve.hpp"

namespace realmap::extract {

namespace {

std::string hint_of(html::Node n, const std::string &href, const std::string &text) {
    if (!n.id().empty()) return "#" + std::string(n.id());
    std::string cls = html::collapse_whitespace(n.attr_or("class"));
    if (!cls.empty()) {
        std::string h = n.tag_name();
        std::size_t i = 0;
        while (i < cls.size()) {
            std::size_t j = cls.find(' ', i);
            if (j == std::string::npos) j = cls.size();
            h += "." + cls.substr(i, j - i);
            i = j + 1;
        }
        return h;
    }
    return href.empty() ? text : href;
}

// The URL an onclick handler opens, if any.
std::optional<std::string> onclick_url(std::string_view onclick) {
    for (const char *fn : {"OpenModel", "window.open", "openModel", "OpenModal"}) {
        auto args = html::js_call_string_arguments(onclick, fn);
        if (!args.empty() && !html::trim_ascii(args[0]).empty()) return std::string(html::trim_ascii(args[0]));
    }
    return std::nullopt;
}

bool is_link_element(html::Node n) { return n.is("a") || n.is("button") || (n.is("input") && n.has_attr("onclick")); }

}  // namespace

std::vector<PageLink> links_in(html::Node node, std::string_view page_url) {
    std::vector<PageLink> out;
    std::set<std::string> seen;
    auto visit = [&](html::Node n) {
        if (!is_link_element(n)) return;
        std::string text = n.is("input") ? html::collapse_whitespace(n.attr_or("value")) : n.text();
        std::string href(html::trim_ascii(n.attr_or("href")));
        PageLink link;
        link.text = text;
        auto script = onclick_url(n.attr_or("onclick"));
        if (!script && html::istarts_with_ascii(href, "javascript:")) script = onclick_url(href);
        if (script) {
            link.href = *script;
            link.via = "onclick";
            link.preview = true;
        } else if (!href.empty() && href != "#" && !html::istarts_with_ascii(href, "javascript:")) {
            link.href = href;
            link.via = "href";
        } else {
            return;
        }
        link.url = html::resolve_url(page_url, link.href);
        if (html::ifind_ascii(text, "preview") != std::string::npos) link.preview = true;
        if (link.preview) link.preview_hint = link.via == "onclick" ? link.href : hint_of(n, href, text);
        if (seen.insert(link.url).second) out.push_back(std::move(link));
    };
    visit(node);
    html::for_each_element(node, visit);
    return out;
}

std::vector<PageLink> images_in(html::Node node, std::string_view page_url) {
    std::vector<PageLink> out;
    auto visit = [&](html::Node n) {
        if (!n.is("img")) return;
        std::string src(html::trim_ascii(n.attr_or("src")));
        if (src.empty()) return;
        PageLink link;
        link.href = src;
        link.url = html::resolve_url(page_url, src);
        link.text = html::collapse_whitespace(n.attr_or("alt"));
        link.via = "img";
        out.push_back(std::move(link));
    };
    visit(node);
    html::for_each_element(node, visit);
    return out;
}

bool is_empty_document_link(const PageLink &link) {
    std::string_view u = link.url;
    std::size_t cut = u.find_first_of("?#");
    if (cut != std::string_view::npos) u = u.substr(0, cut);
    return u.empty() || u.back() == '/';
}

std::string link_file_name(std::string_view url) {
    std::size_t cut = url.find_first_of("?#");
    if (cut != std::string_view::npos) url = url.substr(0, cut);
    std::size_t slash = url.rfind('/');
    return html::percent_decode(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

std::string document_file_prefix(std::string_view name) {
    std::size_t dot = name.rfind('.');
    if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
    // a trailing uuid: 8-4-4-4-12 hex digits
    auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    if (name.size() >= 36) {
        std::string_view tail = name.substr(name.size() - 36);
        bool uuid = true;
        for (std::size_t i = 0; i < tail.size() && uuid; ++i) {
            bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            uuid = dash ? tail[i] == '-' : is_hex(tail[i]);
        }
        if (uuid) name = name.substr(0, name.size() - 36);
    }
    while (!name.empty() && (name.back() == '_' || name.back() == '-')) name.remove_suffix(1);
    return std::string(name);
}

nlohmann::json link_json(const PageLink &l) {
    nlohmann::json j = {{"href", l.href}, {"url", l.url}, {"text", l.text}, {"via", l.via}};
    if (l.preview) j["preview_hint"] = l.preview_hint;
    return j;
}

}  // namespace realmap::extract
