#include "core/task_error.hpp"

namespace realmap {

std::string http_error_sqlstate(const net::HttpResponse &response) {
    switch (response.error) {
        case net::HttpErrorKind::Network:
        case net::HttpErrorKind::Timeout:
            return "08006";
        case net::HttpErrorKind::HttpStatus:
            return response.retryable ? "08006" : "22000";
        case net::HttpErrorKind::TooLarge:
            return "54000";
        case net::HttpErrorKind::NotAllowed:
            return "42501";
        case net::HttpErrorKind::Interrupted:
            return "57014";
        case net::HttpErrorKind::None:
            break;
    }
    return "38000";
}

TaskError http_task_error(const net::HttpResponse &response) {
    std::string hint;
    // (NotAllowed is also a scheme, an address, a header or a credential's host: their
    // messages say what to change; only a host outside the list names the list)
    if (response.error == net::HttpErrorKind::NotAllowed && response.message.find("(allowed: ") != std::string::npos)
        hint = "The hosts realmap may reach are the config key http.allowed_hosts (UPDATE realmap.config ...).";
    else if (response.error == net::HttpErrorKind::TooLarge)
        hint = "The limit is the config key http.max_body_bytes.";
    return TaskError(http_error_sqlstate(response), response.message.empty() ? "request failed" : response.message,
                     response.retryable, response.retry_after_ms, {}, hint);
}

}  // namespace realmap
