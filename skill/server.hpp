#pragma once

// The HTTP(S) edge: cpp-httplib configured for Alexa's traffic, the routes, and a graceful
// stop. Everything the routes do is in AlexaEndpoint and Metrics.

#include <atomic>
#include <memory>
#include <string>

#include "skill/config.hpp"

namespace feel::skill {

class Server {
 public:
  // Loads content, the trusted roots and the TLS certificate. Throws ConfigError (or
  // ContentError) with what to fix.
  explicit Server(ServeConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (useful when the configured port is 0).
  int bind();
  // Serves until stop(); returns once in-flight requests have finished.
  void run();
  // Stops accepting and lets run() return. Safe from any thread, more than once.
  void stop();

  [[nodiscard]] bool ready() const;
  [[nodiscard]] const ServeConfig& config() const;

  // Largest body accepted on POST /alexa.
  static constexpr std::size_t kMaxBody = 64 * 1024;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace feel::skill
