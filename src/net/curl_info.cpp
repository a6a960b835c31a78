#include "net/curl_info.hpp"

#include <curl/curl.h>

namespace realmap::net {

std::string libcurl_version() {
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    return info && info->version ? info->version : "unknown";
}

std::string libcurl_ssl_version() {
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    return info && info->ssl_version ? info->ssl_version : "none";
}

}  // namespace realmap::net
