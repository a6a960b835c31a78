#include "net/form.hpp"

#include "net/http_client.hpp"

namespace realmap::net {

std::string form_urlencode_component(const std::string &text) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '*' || c == '-' || c == '.' || c == '_';
        if (keep) {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        }
    }
    return out;
}

std::string form_urlencode(const std::vector<std::pair<std::string, std::string>> &fields) {
    std::string out;
    for (const auto &[name, value] : fields) {
        if (!out.empty()) out += '&';
        out += form_urlencode_component(name);
        out += '=';
        out += form_urlencode_component(value);
    }
    return out;
}

HttpRequest form_post(const std::string &url, const std::vector<std::pair<std::string, std::string>> &fields) {
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.content_type = kFormContentType;
    r.body = form_urlencode(fields);
    return r;
}

}  // namespace realmap::net
