#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "core/version.hpp"
#include "net/curl_info.hpp"

TEST(Version, LibraryVersionIsTheControlFilesDefaultVersion) {
    std::ifstream control(std::string(REALMAP_SOURCE_DIR) + "/realmap.control");
    ASSERT_TRUE(control.good());
    std::stringstream text;
    text << control.rdbuf();
    std::smatch m;
    std::string s = text.str();
    ASSERT_TRUE(std::regex_search(s, m, std::regex("default_version = '([^']+)'")));
    EXPECT_EQ(m[1].str(), realmap::kLibraryVersion);
}

TEST(Version, ExtensionScriptExistsForTheLibraryVersion) {
    std::ifstream script(std::string(REALMAP_SOURCE_DIR) + "/sql/realmap--" +
                         realmap::kLibraryVersion + ".sql");
    EXPECT_TRUE(script.good());
}

TEST(CurlInfo, ReportsTheRuntimeLibcurlVersion) {
    std::string v = realmap::net::libcurl_version();
    EXPECT_TRUE(std::regex_match(v, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+.*"))) << v;
    EXPECT_NE(realmap::net::libcurl_ssl_version(), "");
}
