// The Nominatim search request for one candidate query:
//   GET <base>/search?q=<query>&format=json&addressdetails=1&limit=1&countrycodes=in
// (the original's parameters plus countrycodes=in, which keeps a bare village name from
// matching a namesake abroad).  Nominatim's usage policy also asks for a User-Agent that
// names the application and at most 1 request/s: the HTTP client's and the politeness
// limiter's business.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace realmap::geo {

inline constexpr const char *kNominatimBaseUrl = "https://nominatim.openstreetmap.org";

// The parameters in the order above.
std::vector<std::pair<std::string, std::string>> nominatim_search_params(const std::string &query);

// "<base>/search?q=...&format=json&addressdetails=1&limit=1&countrycodes=in"; base_url
// without its trailing "/" (one is removed if given).  Values are percent-encoded as
// RFC 3986 query components: unreserved bytes stay, a space is %20, every other byte
// (UTF-8 included) %XX.
std::string nominatim_search_url(const std::string &base_url, const std::string &query);

// One value percent-encoded as above.
std::string percent_encode(const std::string &text);

}  // namespace realmap::geo
