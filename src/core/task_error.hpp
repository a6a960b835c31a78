// An error of a built-in stage that knows whether trying again later can help (a
// network failure can; a malformed page cannot), and how long the server asked to
// wait.  The worker uses both when it records the failed attempt.  Pure C++.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "net/http_client.hpp"

namespace realmap {

class TaskError : public Error {
public:
    TaskError(const std::string &sqlstate, const std::string &message, bool retryable, int64_t retry_after_ms = -1,
              std::string detail = {}, std::string hint = {})
        : Error(sqlstate, message, std::move(detail), std::move(hint)),
          retryable_(retryable),
          retry_after_ms_(retry_after_ms) {}

    bool retryable() const noexcept { return retryable_; }
    int64_t retry_after_ms() const noexcept { return retry_after_ms_; }

private:
    bool retryable_;
    int64_t retry_after_ms_;
};

// SQLSTATEs of failed requests:
//   08006 the remote side failed: network error, timeout, 5xx, 429 (retryable)
//   22000 the request cannot succeed: other 4xx (not retryable)
//   54000 the body is over http.max_body_bytes (not retryable)
//   42501 refused: host not allowed, scheme, link-local or metadata address
//   57014 interrupted (cancel, shutdown)
std::string http_error_sqlstate(const net::HttpResponse &response);

// The TaskError describing a failed response (response.ok() must be false).
TaskError http_task_error(const net::HttpResponse &response);

}  // namespace realmap
