// The portal simulator (test/portal/server.py) as a subprocess for unit tests that
// need a real HTTP server: started lazily once per test process on a free port, killed
// when the process exits (and by the kernel if the process dies first).  Control
// requests go through a plain curl easy handle, not through the client under test.
#pragma once

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#ifndef REALMAP_SOURCE_DIR
#error "REALMAP_SOURCE_DIR must be defined by the build"
#endif

namespace realmap::test {

class SimServer {
public:
    SimServer() { start(); }
    ~SimServer() { stop(); }
    SimServer(const SimServer &) = delete;
    SimServer &operator=(const SimServer &) = delete;

    int port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // A control request; returns the body, *status the HTTP status.
    std::string request(const std::string &method, const std::string &path,
                        const std::string &body = "", long *status = nullptr) {
        std::unique_ptr<CURL, void (*)(CURL *)> easy(curl_easy_init(), curl_easy_cleanup);
        if (!easy) throw std::runtime_error("curl_easy_init failed");
        std::string url = base_url() + path, out;
        curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
        curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
        curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers);
        if (!body.empty()) curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append);
        curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &out);
        CURLcode rc = curl_easy_perform(easy.get());
        long code = 0;
        curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK)
            throw std::runtime_error("simulator control " + path + ": " + curl_easy_strerror(rc));
        if (status) *status = code;
        return out;
    }

    nlohmann::json json(const std::string &method, const std::string &path,
                        const nlohmann::json &body = nullptr) {
        long status = 0;
        std::string text = request(method, path, body.is_null() ? "" : body.dump(), &status);
        if (status != 200)
            throw std::runtime_error("simulator control " + path + " answered " +
                                     std::to_string(status) + ": " + text);
        return nlohmann::json::parse(text);
    }

    // Replaces all faults, e.g. set_faults({{"detail", {{"error_rate", 1}}}}).
    void set_faults(const nlohmann::json &spec) { json("POST", "/__sim/faults?replace=1", spec); }

    // No faults, fresh statistics: the state every test starts from.
    void reset() {
        json("DELETE", "/__sim/faults");
        json("POST", "/__sim/stats/reset");
    }

    nlohmann::json stats(const std::string &endpoint = "") {
        return json("GET", "/__sim/stats?timestamps=all" +
                               (endpoint.empty() ? std::string() : "&endpoint=" + endpoint));
    }

private:
    static size_t append(char *data, size_t size, size_t count, void *user) {
        static_cast<std::string *>(user)->append(data, size * count);
        return size * count;
    }

    void start() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            // The simulator must not outlive a test binary that crashes.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(fds[1], STDOUT_FILENO);
            const std::string script = std::string(REALMAP_SOURCE_DIR) + "/test/portal/server.py";
            execlp("python3", "python3", script.c_str(), "--port", "0", "--lifetime", "120",
                   static_cast<char *>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fds[0], POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buf[256];
            ssize_t n = read(fds[0], buf, sizeof(buf));
            if (n <= 0) break;
            line.append(buf, static_cast<size_t>(n));
        }
        // Kept open until stop(): a later write by the simulator must not hit a closed pipe.
        stdout_fd_ = fds[0];
        const std::string prefix = "listening on 127.0.0.1:";
        std::size_t at = line.find(prefix);
        if (at == std::string::npos) {
            stop();
            throw std::runtime_error("simulator did not start: \"" + line + "\"");
        }
        port_ = std::atoi(line.c_str() + at + prefix.size());
    }

    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        if (stdout_fd_ >= 0) {
            close(stdout_fd_);
            stdout_fd_ = -1;
        }
    }

    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    int port_ = 0;
};

// The process's simulator, started on first use (call it first from the main thread:
// the kernel kills the child when the thread that forked it ends).
inline SimServer &sim() {
    static SimServer server;
    return server;
}

}  // namespace realmap::test
