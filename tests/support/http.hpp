#pragma once

// Integration-test support: the real server on a free loopback port in a thread, clients
// for it, and request envelopes from tests/data made fresh (timestamp, request id).

#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "skill/config.hpp"
#include "skill/server.hpp"

namespace feel::test {

inline constexpr const char* kSkillId = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555";
// A weekday afternoon (UTC, the default time zone): requests to a server that does not verify
// can carry it, so that what depends on the time of day (night-time answers) does not depend
// on when the tests run.
inline constexpr const char* kAfternoon = "2026-11-18T15:00:00Z";

// Loopback, a free port, the repo's speech content, unsigned requests accepted.
[[nodiscard]] skill::ServeConfig local_config();
// Verifying against the test PKI: skill id kSkillId, trusted roots root.pem, HTTPS with the
// test server certificate.
[[nodiscard]] skill::ServeConfig verifying_config();

class RunningServer {
 public:
  explicit RunningServer(skill::ServeConfig config);
  ~RunningServer();
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] bool tls() const { return tls_; }
  // A client for this server; HTTPS clients trust the test root.
  [[nodiscard]] std::unique_ptr<httplib::ClientImpl> client() const;
  void stop();

 private:
  std::unique_ptr<skill::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

// The current time as Alexa writes it: 2026-11-27T00:00:00Z.
[[nodiscard]] std::string iso8601_now(long offset_seconds = 0);
// tests/data/requests/<name>.json with a fresh timestamp and request id and the test skill id.
[[nodiscard]] nlohmann::json request_envelope(std::string_view name);
// The path of a file under tests/data.
[[nodiscard]] std::string data_path(std::string_view relative);

// POSTs body to /alexa with optional signature headers.
httplib::Result post_alexa(httplib::ClientImpl& client, const std::string& body,
                           const std::string& cert_url = {}, const std::string& signature = {});

// A plain TCP connection to 127.0.0.1:port, for clients that misbehave on purpose.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads until the peer closes or timeout; returns what arrived.
  [[nodiscard]] std::string receive(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace feel::test
