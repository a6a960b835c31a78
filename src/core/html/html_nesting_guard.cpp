#include "core/html/html_nesting_guard.hpp"

#include <algorithm>
#include <string>

#include "core/html/html_text.hpp"

namespace realmap::html {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == ':' || c == '.';
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool in_list(std::string_view name, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// Elements that never hold children.
bool is_void(std::string_view n) {
    return in_list(n, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                       "meta", "param", "source", "track", "wbr", "keygen", "basefont",
                       "bgsound", "frame", "image", "menuitem"});
}

// Elements the tree builder closes by itself when a sibling starts (an unclosed <td>
// does not nest the next <td>), plus the document skeleton.
bool closes_implicitly(std::string_view n) {
    return in_list(n, {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody",
                       "thead", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp", "html",
                       "head", "body"});
}

// Elements whose content is raw text up to their end tag.
bool is_raw_text(std::string_view n) {
    return in_list(n, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                       "noframes", "noscript", "plaintext"});
}

}  // namespace

std::size_t estimate_nesting_depth(std::string_view html) {
    std::size_t depth = 0, deepest = 0, i = 0;
    while (i < html.size()) {
        std::size_t lt = html.find('<', i);
        if (lt == std::string_view::npos || lt + 1 >= html.size()) break;
        char c = html[lt + 1];
        if (html.compare(lt, 4, "<!--") == 0) {
            std::size_t end = html.find("-->", lt + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        if (c == '!' || c == '?') {
            i = tag_end(html, lt + 2);
            continue;
        }
        bool closing = c == '/';
        std::size_t name_start = lt + (closing ? 2 : 1);
        if (name_start >= html.size() || !is_letter(html[name_start])) {
            i = lt + 1;  // a lone '<' in text
            continue;
        }
        std::size_t name_end = name_start;
        while (name_end < html.size() && is_name_char(html[name_end])) ++name_end;
        std::string name = ascii_lower(html.substr(name_start, name_end - name_start));
        std::size_t after = tag_end(html, name_end);
        if (closing) {
            if (!closes_implicitly(name) && !is_void(name) && depth > 0) --depth;
            i = after;
            continue;
        }
        if (is_raw_text(name)) {
            // jump to the matching end tag; the content is not markup
            std::string end_tag = "</" + name;
            std::size_t end = ifind_ascii(html.substr(after), end_tag);
            i = end == std::string_view::npos ? html.size() : after + end;
            continue;
        }
        // "<div/>" opens a div in HTML (the slash is ignored on non-void elements), so it
        // counts like "<div>".
        if (!is_void(name) && !closes_implicitly(name)) {
            ++depth;
            deepest = std::max(deepest, depth);
        }
        i = after;
    }
    return deepest;
}

}  // namespace realmap::html
