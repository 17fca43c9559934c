#pragma once

// The service's configuration: command-line flags, each also settable through an
// environment variable FEEL_AGAIN_<FLAG>.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace feel::skill {

// A start-up problem the operator must fix; the message says what to do.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServeConfig {
  std::string host = "127.0.0.1";
  int port = 8443;
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> skill_ids;
  std::string trusted_roots;
  std::string cert_cache;
  std::string cert_mirror;
  std::string cert_fetch_ca;
  bool insecure_no_verify = false;
  std::string content_dir;
  std::string db = "feel-again.db";
  std::string secret_file = "feel-again.secret";
  std::string default_time_zone = "UTC";
  std::vector<std::string> alexa_api_allow;
  int threads = 8;
  int max_connections = 512;
  std::string log_format = "text";
  std::string log_level = "info";
  std::chrono::seconds read_timeout{3};
  std::chrono::seconds keep_alive_timeout{3};

  // Verification is off when asked for explicitly, and in local development mode.
  [[nodiscard]] bool verifying() const { return !insecure_no_verify && !skill_ids.empty(); }
  // No skill id and no explicit choice: verification off, loopback only.
  [[nodiscard]] bool local_development() const {
    return !insecure_no_verify && skill_ids.empty();
  }
  [[nodiscard]] bool tls() const { return !tls_cert.empty(); }
};

// Checks what can be checked before start-up (files readable, flags consistent) and fills in
// defaults (the content folder). Throws ConfigError naming what to fix.
void validate(ServeConfig& config);

// The speech-content/ folder used when --content is not given: the source tree's when run
// from a build tree, else the installed one. Empty when neither exists.
[[nodiscard]] std::string default_content_dir();

[[nodiscard]] bool is_loopback_host(const std::string& host);

}  // namespace feel::skill

namespace CLI {
class App;
}

namespace feel::skill {

// Declares the flags of `feel-again serve` on app, writing into config. Every flag also
// reads FEEL_AGAIN_<FLAG> from the environment.
void add_serve_flags(CLI::App& app, ServeConfig& config);

}  // namespace feel::skill
