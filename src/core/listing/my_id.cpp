#include "core/listing/my_id.hpp"

#include <string>

namespace realmap::listing {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
    if (c == '/' || c == '_') return 63;
    return -1;
}

}  // namespace

std::optional<long long> application_id_from_my_id(std::string_view my_id) {
    while (!my_id.empty() && my_id.back() == '=') my_id.remove_suffix(1);
    if (my_id.empty() || my_id.size() > 24 || my_id.size() % 4 == 1) return std::nullopt;
    std::string decoded;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : my_id) {
        int v = base64_value(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    if (decoded.empty() || decoded.size() > 18) return std::nullopt;
    long long id = 0;
    for (char c : decoded) {
        if (c < '0' || c > '9') return std::nullopt;
        id = id * 10 + (c - '0');
    }
    return id;
}

}  // namespace realmap::listing
