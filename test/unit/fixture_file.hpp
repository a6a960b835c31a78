// The unit tests' fixture files (test/fixtures/), read whole.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace realmap::test {

inline std::string fixture(const std::string &name) {
    std::ifstream in(std::string(REALMAP_SOURCE_DIR) + "/test/fixtures/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace realmap::test
