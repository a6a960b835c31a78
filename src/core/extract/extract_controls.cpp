#include "core/extract/extract_controls.hpp"

#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"

namespace realmap::extract {

namespace {

bool is_placeholder(std::string_view text, std::optional<std::string_view> value) {
    std::string t = html::ascii_lower(html::collapse_whitespace(text));
    std::string_view s = t;
    while (!s.empty() && (s.front() == '-' || s.front() == ' ' || s.front() == '*')) s.remove_prefix(1);
    if (s.empty()) {
        std::string_view v = value ? html::trim_ascii(*value) : std::string_view();
        return v.empty() || v == "0" || v == "-1";
    }
    return s.rfind("select", 0) == 0 || s.rfind("please select", 0) == 0 || s.rfind("choose", 0) == 0;
}

}  // namespace

bool is_form_control(html::Node n) { return n.is("input") || n.is("select") || n.is("textarea"); }

std::optional<ControlValue> control_value(html::Node n) {
    ControlValue v;
    if (n.is("input")) {
        std::string type = html::ascii_lower(html::trim_ascii(n.attr_or("type", "text")));
        if (type == "hidden" || type == "submit" || type == "button" || type == "reset" ||
            type == "image" || type == "file" || type == "password")
            return std::nullopt;
        if (type == "checkbox" || type == "radio") {
            if (!n.has_attr("checked")) return std::nullopt;
            auto val = n.attr("value");
            v.value = val ? html::collapse_whitespace(*val) : "on";
        } else {
            v.value = html::collapse_whitespace(n.attr_or("value"));
        }
        v.control = "input";
        return v;
    }
    if (n.is("textarea")) {
        v.control = "textarea";
        v.value = html::collapse_whitespace(n.text_content());
        return v;
    }
    if (n.is("select")) {
        v.control = "select";
        html::Node chosen, first;
        html::for_each_element(n, [&](html::Node o) {
            if (!o.is("option")) return true;
            if (!first) first = o;
            if (o.has_attr("selected")) {
                chosen = o;
                return false;
            }
            return true;
        });
        if (!chosen && first) {
            chosen = first;
            v.from_first_option = true;
        }
        if (chosen) {
            auto val = chosen.attr("value");
            std::string text = chosen.text();
            v.option_value = val ? std::string(*val) : text;
            v.placeholder = is_placeholder(text, val);
            v.value = v.placeholder ? std::string() : text;
        }
        return v;
    }
    return std::nullopt;
}

html::Node first_valued_control(html::Node node) {
    if (is_form_control(node) && control_value(node)) return node;
    html::Node found;
    html::for_each_element(node, [&](html::Node c) {
        if (is_form_control(c) && control_value(c)) {
            found = c;
            return false;
        }
        return true;
    });
    return found;
}

}  // namespace realmap::extract
