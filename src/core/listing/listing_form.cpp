#include "core/listing/listing_form.hpp"

#include <vector>

#include "core/html/html_query.hpp"
#include "core/html/html_text.hpp"
#include "core/html/html_traverse.hpp"
#include "core/html/url_resolve.hpp"

namespace realmap::listing {

namespace {

// "ctl00$ContentPlaceHolder1$District_Name" -> "District_Name".
std::string short_control_name(std::string_view name) {
    std::size_t dollar = name.rfind('$');
    return std::string(dollar == std::string_view::npos ? name : name.substr(dollar + 1));
}

// Everything the form part needs, found in one walk of the page (each walk of the
// simulator's 56,000-element page costs about 10 ms).
struct FormNodes {
    html::Node form;  // form#form1
    std::vector<html::Node> hidden_inputs;
    std::vector<html::Node> selects;
    html::Node captcha_image, captcha_message, entries_info;
};

FormNodes find_form_nodes(html::Node document) {
    FormNodes f;
    html::for_each_element(document, [&](html::Node n) {
        std::string_view id = n.id();
        if (!id.empty()) {
            if (id == "form1" && n.is("form") && !f.form) f.form = n;
            else if (id == "ContentPlaceHolder1_imgCaptcha" && !f.captcha_image) f.captcha_image = n;
            else if (id == "ContentPlaceHolder1_lbl_captcha_msg" && !f.captcha_message) f.captcha_message = n;
            else if (id == "ContentPlaceHolder1_gv_ProjectList_info" && !f.entries_info) f.entries_info = n;
        }
        if (n.is("input")) {
            if (html::iequals_ascii(n.attr_or("type"), "hidden")) f.hidden_inputs.push_back(n);
        } else if (n.is("select")) {
            f.selects.push_back(n);
        }
    });
    return f;
}

void read_hidden_fields(const FormNodes &f, ListingPage &page) {
    for (html::Node n : f.hidden_inputs) {
        auto name = n.attr("name");
        if (!name || name->empty()) continue;
        // Only form#form1's fields -- but the ASP.NET state fields (__VIEWSTATE ...) are
        // taken wherever sloppy markup left them in the tree.
        if (f.form && name->substr(0, 2) != "__" && !html::is_inside(n, f.form)) continue;
        page.hidden_fields.emplace(std::string(*name), std::string(n.attr_or("value")));
    }
}

void read_selects(const FormNodes &f, ListingPage &page) {
    for (html::Node select : f.selects) {
        if (f.form && !html::is_inside(select, f.form)) continue;
        std::string_view name = select.attr_or("name");
        if (name.empty()) name = select.id();
        if (name.empty()) continue;
        std::string key = short_control_name(name);
        if (page.select_options.count(key)) continue;
        std::vector<SelectOption> options;
        for (html::Node option : html::find_all_by_tag(select, "option")) {
            SelectOption o;
            o.label = option.text();
            auto value = option.attr("value");
            o.value = value ? std::string(*value) : o.label;  // HTML: no value = its text
            o.selected = option.has_attr("selected");
            options.push_back(std::move(o));
        }
        page.select_options.emplace(std::move(key), std::move(options));
    }
}

void read_captcha(const FormNodes &f, std::string_view page_url, ListingPage &page) {
    if (f.captcha_image) {
        page.captcha_required = true;
        std::string_view src = f.captcha_image.attr_or("src");
        if (!html::trim_ascii(src).empty()) page.captcha_image_url = html::resolve_url(page_url, src);
    }
    if (f.captcha_message) page.captcha_message = f.captcha_message.text();
}

}  // namespace

std::optional<long> parse_entries_total(std::string_view info_text) {
    std::string text = html::ascii_lower(html::collapse_whitespace(info_text));
    std::size_t of = text.rfind(" of ");
    if (of == std::string::npos) return std::nullopt;
    long total = 0;
    bool digits = false;
    for (std::size_t i = of + 4; i < text.size(); ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            if (total > 100000000L) return std::nullopt;
            total = total * 10 + (c - '0');
            digits = true;
        } else if (c == ',' && digits) {
            continue;
        } else {
            break;
        }
    }
    if (!digits) return std::nullopt;
    return total;
}

void read_listing_form(html::Node document, std::string_view page_url, ListingPage &page) {
    FormNodes f = find_form_nodes(document);
    read_hidden_fields(f, page);
    read_selects(f, page);
    read_captcha(f, page_url, page);
    if (f.entries_info) page.total_shown = parse_entries_total(f.entries_info.text());
}

}  // namespace realmap::listing
