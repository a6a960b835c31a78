// Building application/x-www-form-urlencoded bodies (ASP.NET postbacks, Overpass).
// Pure C++ (no PostgreSQL headers).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace realmap::net {

// The content type that goes with form_urlencode's output.
inline constexpr const char *kFormContentType = "application/x-www-form-urlencoded";

// "name=value&name=value" in the given order (ASP.NET reads duplicate names in order),
// encoded as browsers do (WHATWG URL standard): ASCII letters, digits and "*-._"
// stay, space becomes "+", every other byte "%XX".  So
// ctl00$ContentPlaceHolder1$District_Name becomes ctl00%24ContentPlaceHolder1%24District_Name.
std::string form_urlencode(const std::vector<std::pair<std::string, std::string>> &fields);

// A POST of those fields as application/x-www-form-urlencoded (an ASP.NET postback).
struct HttpRequest;
HttpRequest form_post(const std::string &url, const std::vector<std::pair<std::string, std::string>> &fields);

// One component encoded the same way.
std::string form_urlencode_component(const std::string &text);

}  // namespace realmap::net
