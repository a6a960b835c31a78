#include "core/html/url_resolve.hpp"

#include <vector>

#include "core/html/html_text.hpp"

namespace realmap::html {

namespace {

struct UrlParts {
    std::string scheme;     // without ':'
    bool has_authority = false;
    std::string authority;  // without "//"
    std::string path;
    bool has_query = false;
    std::string query;      // without '?'
    bool has_fragment = false;
    std::string fragment;   // without '#'
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_scheme_char(char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::size_t scheme_length(std::string_view url) {
    if (url.empty() || !is_alpha(url[0])) return 0;
    std::size_t i = 1;
    while (i < url.size() && is_scheme_char(url[i])) ++i;
    return (i < url.size() && url[i] == ':') ? i : 0;
}

UrlParts split(std::string_view url) {
    UrlParts p;
    std::size_t s = scheme_length(url);
    if (s > 0) {
        p.scheme = ascii_lower(url.substr(0, s));
        url.remove_prefix(s + 1);
    }
    std::size_t hash = url.find('#');
    if (hash != std::string_view::npos) {
        p.has_fragment = true;
        p.fragment = std::string(url.substr(hash + 1));
        url = url.substr(0, hash);
    }
    std::size_t q = url.find('?');
    if (q != std::string_view::npos) {
        p.has_query = true;
        p.query = std::string(url.substr(q + 1));
        url = url.substr(0, q);
    }
    if (url.substr(0, 2) == "//") {
        p.has_authority = true;
        url.remove_prefix(2);
        std::size_t slash = url.find('/');
        p.authority = std::string(url.substr(0, slash));
        url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    }
    p.path = std::string(url);
    return p;
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> out;
    bool absolute = !path.empty() && path[0] == '/';
    std::size_t i = absolute ? 1 : 0;
    bool trailing_slash = false;
    while (i <= path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view seg = path.substr(i, j - i);
        bool last = j == path.size();
        if (seg == ".") {
            trailing_slash = last;
        } else if (seg == "..") {
            if (!out.empty()) out.pop_back();
            trailing_slash = last;
        } else {
            out.push_back(seg);
            trailing_slash = false;
        }
        i = j + 1;
    }
    std::string r = absolute ? "/" : "";
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (k) r += '/';
        r += out[k];
    }
    if (trailing_slash && !out.empty() && !out.back().empty()) r += '/';
    return r;
}

std::string join(const UrlParts &p) {
    std::string r;
    if (!p.scheme.empty()) r += p.scheme + ":";
    if (p.has_authority) r += "//" + p.authority;
    r += p.path;
    if (p.has_query) r += "?" + p.query;
    if (p.has_fragment) r += "#" + p.fragment;
    return r;
}

std::string clean_reference(std::string_view ref) {
    ref = trim_ascii(ref);
    std::string out;
    out.reserve(ref.size());
    for (char c : ref) {
        if (c == '\t' || c == '\n' || c == '\r') continue;
        out.push_back(c);
    }
    return out;
}

std::string percent_encode_unsafe(std::string_view url) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(url.size());
    for (char ch : url) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`') {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

bool is_http(const std::string &scheme) { return scheme == "http" || scheme == "https"; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode_bytes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

}  // namespace

bool has_url_scheme(std::string_view url) { return scheme_length(trim_ascii(url)) > 0; }

std::string resolve_url(std::string_view base_text, std::string_view reference) {
    std::string ref = clean_reference(reference);
    UrlParts r = split(ref);
    if (!r.scheme.empty()) {
        if (!is_http(r.scheme)) return ref;  // javascript:, mailto:, data: ... as written
        r.path = remove_dot_segments(r.path);
        return percent_encode_unsafe(join(r));
    }
    UrlParts base = split(clean_reference(base_text));
    if (base.scheme.empty() || !base.has_authority) return percent_encode_unsafe(ref);

    UrlParts t;
    t.scheme = base.scheme;
    if (r.has_authority) {
        t.has_authority = true;
        t.authority = r.authority;
        t.path = remove_dot_segments(r.path);
        t.has_query = r.has_query;
        t.query = r.query;
    } else {
        t.has_authority = true;
        t.authority = base.authority;
        if (r.path.empty()) {
            t.path = base.path;
            t.has_query = r.has_query || base.has_query;
            t.query = r.has_query ? r.query : base.query;
        } else {
            if (r.path[0] == '/') {
                t.path = remove_dot_segments(r.path);
            } else {
                std::string merged;
                if (base.path.empty()) {
                    merged = "/" + r.path;
                } else {
                    std::size_t slash = base.path.rfind('/');
                    merged = (slash == std::string::npos ? std::string() : base.path.substr(0, slash + 1)) +
                             r.path;
                }
                t.path = remove_dot_segments(merged);
            }
            t.has_query = r.has_query;
            t.query = r.query;
        }
    }
    if (t.path.empty()) t.path = "/";
    t.has_fragment = r.has_fragment;
    t.fragment = r.fragment;
    return percent_encode_unsafe(join(t));
}

std::string percent_decode(std::string_view text) {
    return sanitize_utf8(percent_decode_bytes(text));
}

std::string query_parameter(std::string_view url, std::string_view name, bool *found) {
    if (found) *found = false;
    std::size_t q = url.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = url.substr(q + 1);
    std::size_t hash = query.find('#');
    if (hash != std::string_view::npos) query = query.substr(0, hash);
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        std::size_t eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq));
        if (iequals_ascii(key, name)) {
            if (found) *found = true;
            return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

}  // namespace realmap::html
