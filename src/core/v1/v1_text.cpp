#include "core/v1/v1_text.hpp"

#include "core/html/html_text.hpp"

namespace realmap::v1 {

namespace {
bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
}  // namespace

std::string match_norm(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '[' || c == '(') {
            std::size_t close = text.find(c == '[' ? ']' : ')', i + 1);
            if (close != std::string_view::npos) {
                i = close;
                continue;
            }
        }
        unsigned char u = static_cast<unsigned char>(c);
        if (u >= 'A' && u <= 'Z') out.push_back(static_cast<char>(u - 'A' + 'a'));
        else if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) out.push_back(c);
    }
    return out;
}

std::string clean_text(std::string_view text) { return html::collapse_whitespace(text); }

std::string title_case(std::string_view text) {
    std::string out(text);
    bool prev_letter = false;
    for (char &c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        if (is_alpha(u)) {
            if (prev_letter) {
                if (u >= 'A' && u <= 'Z') c = static_cast<char>(u - 'A' + 'a');
            } else if (u >= 'a' && u <= 'z') {
                c = static_cast<char>(u - 'a' + 'A');
            }
            prev_letter = true;
        } else {
            prev_letter = false;
        }
    }
    return out;
}

std::string lower_ascii(std::string_view text) { return html::ascii_lower(text); }

std::string upper_ascii(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is_blank_value(std::string_view text) {
    std::string t = lower_ascii(clean_text(text));
    return t.empty() || t == "-" || t == "--" || t == "na" || t == "n/a" || t == "n.a." || t == "n.a" ||
           t == "nil" || t == "none" || t == "null" || t == "not available";
}

bool is_placeholder_cell(std::string_view text) {
    std::string t = clean_text(text);
    if (t.empty() || t == "-") return true;
    bool zero = false;
    for (char c : t) {
        if (c == '0') zero = true;
        else if (c != '.' && c != '%') return false;
    }
    return zero;
}

}  // namespace realmap::v1
