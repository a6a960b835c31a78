#include "core/geo/nominatim_query.hpp"

namespace realmap::geo {

std::vector<std::pair<std::string, std::string>> nominatim_search_params(const std::string &query) {
    return {{"q", query}, {"format", "json"}, {"addressdetails", "1"}, {"limit", "1"}, {"countrycodes", "in"}};
}

std::string percent_encode(const std::string &text) {
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0F];
        }
    }
    return out;
}

std::string nominatim_search_url(const std::string &base_url, const std::string &query) {
    std::string url = base_url;
    if (!url.empty() && url.back() == '/') url.pop_back();
    url += "/search";
    char separator = '?';
    for (const auto &[name, value] : nominatim_search_params(query)) {
        url += separator;
        url += name + "=" + percent_encode(value);
        separator = '&';
    }
    return url;
}

}  // namespace realmap::geo
