// The pure half of the PostgreSQL boundary: how a C++ exception is described before
// the glue raises it as an ERROR.
#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace {

realmap::ErrorReport describe(const std::exception_ptr &e) {
    realmap::ErrorReport r;
    std::memset(&r, 0x7F, sizeof(r));  // garbage: every field must be written
    realmap::describe_exception(e, r);
    return r;
}

template <typename E>
realmap::ErrorReport describe_thrown(const E &ex) {
    try {
        throw ex;
    } catch (...) {
        return describe(std::current_exception());
    }
}

}  // namespace

TEST(DescribeException, BadAllocIsOutOfMemory53200) {
    auto r = describe_thrown(std::bad_alloc());
    EXPECT_STREQ(r.sqlstate, "53200");
    EXPECT_STREQ(r.message, "out of memory (std::bad_alloc)");
    EXPECT_STREQ(r.detail, "");
    EXPECT_FALSE(r.from_realmap);
}

TEST(DescribeException, RealmapErrorKeepsSqlstateDetailAndHint) {
    auto r = describe_thrown(realmap::Error("22023", "unknown district \"Raipurr\"",
                                            "valid districts: Durg, Raipur", "check spelling"));
    EXPECT_STREQ(r.sqlstate, "22023");
    EXPECT_STREQ(r.message, "unknown district \"Raipurr\"");
    EXPECT_STREQ(r.detail, "valid districts: Durg, Raipur");
    EXPECT_STREQ(r.hint, "check spelling");
    EXPECT_TRUE(r.from_realmap);
}

TEST(DescribeException, RealmapErrorWithMalformedSqlstateFallsBackTo38000) {
    EXPECT_STREQ(describe_thrown(realmap::Error("2202", "x")).sqlstate, "38000");
    EXPECT_STREQ(describe_thrown(realmap::Error("22o23", "x")).sqlstate, "38000");
    EXPECT_STREQ(describe_thrown(realmap::Error("abcde", "x")).sqlstate, "38000");
}

TEST(DescribeException, StandardExceptionsMapToMeaningfulCodes) {
    EXPECT_STREQ(describe_thrown(std::invalid_argument("bad")).sqlstate, "22023");
    EXPECT_STREQ(describe_thrown(std::length_error("long")).sqlstate, "54000");
    auto r = describe_thrown(std::runtime_error("boom"));
    EXPECT_STREQ(r.sqlstate, "38000");
    EXPECT_STREQ(r.message, "boom");
}

TEST(DescribeException, NonStdExceptionAndNullPointer) {
    auto r = describe_thrown(42);
    EXPECT_STREQ(r.sqlstate, "38000");
    EXPECT_STREQ(r.message, "unknown C++ exception");
    auto n = describe(std::exception_ptr());
    EXPECT_STREQ(n.sqlstate, "38000");
}

TEST(DescribeException, LongMessageIsTruncatedToTheBuffer) {
    std::string long_message(5000, 'a');
    auto r = describe_thrown(std::runtime_error(long_message));
    EXPECT_EQ(std::strlen(r.message), sizeof(r.message) - 1);
}

TEST(CopyUtf8Truncated, NeverCutsAMultibyteSequence) {
    // "क" is 3 bytes (E0 A4 95).  With room for 4 bytes + NUL after "ab", the
    // second letter does not fit whole and must be dropped entirely.
    const char *src = "ab\xE0\xA4\x95\xE0\xA4\x95";
    char dst[6];
    realmap::copy_utf8_truncated(dst, sizeof(dst), src);
    EXPECT_STREQ(dst, "ab\xE0\xA4\x95");
    char tiny[4];  // "ab" + a cut lead byte -> "ab"
    realmap::copy_utf8_truncated(tiny, sizeof(tiny), src);
    EXPECT_STREQ(tiny, "ab");
    char exact[9];  // everything fits
    realmap::copy_utf8_truncated(exact, sizeof(exact), src);
    EXPECT_STREQ(exact, src);
}

TEST(CopyUtf8Truncated, HandlesNullAndOneByteBuffers) {
    char one[1];
    realmap::copy_utf8_truncated(one, sizeof(one), "abc");
    EXPECT_STREQ(one, "");
    char buf[8];
    realmap::copy_utf8_truncated(buf, sizeof(buf), nullptr);
    EXPECT_STREQ(buf, "");
}

TEST(IsValidSqlstate, AcceptsOnlyFiveDigitsOrCapitals) {
    EXPECT_TRUE(realmap::is_valid_sqlstate("22P02"));
    EXPECT_TRUE(realmap::is_valid_sqlstate("53200"));
    EXPECT_FALSE(realmap::is_valid_sqlstate("2232"));
    EXPECT_FALSE(realmap::is_valid_sqlstate("22p02"));
    EXPECT_FALSE(realmap::is_valid_sqlstate("223200"));
}
