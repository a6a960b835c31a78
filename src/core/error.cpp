#include "core/error.hpp"

#include <cstring>
#include <new>
#include <utility>

namespace realmap {

Error::Error(const std::string &code, const std::string &message, std::string detail,
             std::string hint)
    : std::runtime_error(message),
      sqlstate_(is_valid_sqlstate(code) ? code : sqlstate::kExternalRoutineException),
      detail_(std::move(detail)),
      hint_(std::move(hint)) {}

bool is_valid_sqlstate(const std::string &code) noexcept {
    if (code.size() != 5) return false;
    for (char c : code)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
}

void copy_utf8_truncated(char *dst, std::size_t cap, const char *src) noexcept {
    if (cap == 0) return;
    if (src == nullptr) {
        dst[0] = '\0';
        return;
    }
    std::size_t len = std::strlen(src);
    if (len >= cap) {
        len = cap - 1;
        // src[len] is the first byte dropped.  If it continues a sequence (10xxxxxx),
        // drop that whole sequence: step back to its lead byte and cut before it.
        auto continues = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
        if (continues(src[len])) {
            while (len > 0 && continues(src[len])) --len;
        }
    }
    std::memcpy(dst, src, len);
    dst[len] = '\0';
}

namespace {

void fill(ErrorReport &out, const char *code, const char *message, const char *detail,
          const char *hint, bool from_realmap) noexcept {
    copy_utf8_truncated(out.sqlstate, sizeof(out.sqlstate), code);
    copy_utf8_truncated(out.message, sizeof(out.message), message);
    copy_utf8_truncated(out.detail, sizeof(out.detail), detail);
    copy_utf8_truncated(out.hint, sizeof(out.hint), hint);
    out.from_realmap = from_realmap;
}

}  // namespace

void describe_exception(const std::exception_ptr &error, ErrorReport &out) noexcept {
    try {
        if (error) std::rethrow_exception(error);
        fill(out, sqlstate::kExternalRoutineException, "no exception", "", "", false);
    } catch (const Error &e) {
        fill(out, e.sqlstate().c_str(), e.what(), e.detail().c_str(), e.hint().c_str(), true);
    } catch (const std::bad_alloc &) {
        fill(out, sqlstate::kOutOfMemory, "out of memory (std::bad_alloc)", "", "", false);
    } catch (const std::length_error &e) {
        fill(out, sqlstate::kProgramLimitExceeded, e.what(), "", "", false);
    } catch (const std::invalid_argument &e) {
        fill(out, sqlstate::kInvalidParameterValue, e.what(), "", "", false);
    } catch (const std::exception &e) {
        fill(out, sqlstate::kExternalRoutineException, e.what(), "", "", false);
    } catch (...) {
        fill(out, sqlstate::kExternalRoutineException, "unknown C++ exception", "", "", false);
    }
}

}  // namespace realmap
