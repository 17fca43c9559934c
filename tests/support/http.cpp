#include "support/http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "support/pki.hpp"
#include "support/scratch.hpp"

namespace feel::test {

skill::ServeConfig local_config() {
  skill::ServeConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.content_dir = FEEL_AGAIN_CONTENT_DIR;
  config.threads = 4;
  config.log_level = "warn";
  config.db = scratch_path("feel-again.db").string();
  config.secret_file = scratch_path("feel-again.secret").string();
  return config;
}

skill::ServeConfig verifying_config() {
  auto config = local_config();
  config.skill_ids = {kSkillId};
  config.trusted_roots = pki_path("root.pem");
  config.tls_cert = pki_path("server.pem");
  config.tls_key = pki_path("server.key");
  return config;
}

RunningServer::RunningServer(skill::ServeConfig config) : tls_(config.tls()) {
  skill::validate(config);
  server_ = std::make_unique<skill::Server>(std::move(config));
  port_ = server_->bind();
  thread_ = std::thread([this] { server_->run(); });
  for (int i = 0; i < 200 && !server_->ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

RunningServer::~RunningServer() { stop(); }

void RunningServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<httplib::ClientImpl> RunningServer::client() const {
  std::unique_ptr<httplib::ClientImpl> client;
  if (tls_) {
    auto ssl = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    ssl->set_ca_cert_path(pki_path("root.pem").c_str());
    ssl->enable_server_certificate_verification(true);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>("127.0.0.1", port_);
  }
  client->set_connection_timeout(std::chrono::seconds(5));
  client->set_read_timeout(std::chrono::seconds(10));
  return client;
}

std::string iso8601_now(long offset_seconds) {
  // Whole seconds, as Alexa sends them, rounded away from now: "151 s ahead" truncated to the
  // second could be 150.1 s ahead, inside the tolerance it means to test.
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(offset_seconds);
  return iso8601(offset_seconds > 0 ? std::chrono::ceil<std::chrono::seconds>(when) : when);
}

std::string data_path(std::string_view relative) {
  return std::string(FEEL_AGAIN_TEST_DATA_DIR) + "/" + std::string(relative);
}

nlohmann::json request_envelope(std::string_view name) {
  std::ifstream in(data_path("requests/" + std::string(name) + ".json"));
  std::stringstream text;
  text << in.rdbuf();
  auto envelope = nlohmann::json::parse(text.str());
  static std::atomic<unsigned> counter{0};
  auto& request = envelope["request"];
  request["timestamp"] = iso8601_now();
  request["requestId"] = "amzn1.echo-api.request.test-" + std::to_string(++counter);
  if (envelope.contains("context")) {
    envelope["context"]["System"]["application"]["applicationId"] = kSkillId;
  }
  if (envelope.contains("session")) {
    envelope["session"]["application"]["applicationId"] = kSkillId;
  }
  return envelope;
}

httplib::Result post_alexa(httplib::ClientImpl& client, const std::string& body,
                           const std::string& cert_url, const std::string& signature) {
  httplib::Headers headers;
  if (!cert_url.empty()) headers.emplace("SignatureCertChainUrl", cert_url);
  if (!signature.empty()) headers.emplace("Signature-256", signature);
  return client.Post("/alexa", headers, body, "application/json");
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string RawConnection::receive(std::chrono::milliseconds timeout) {
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd descriptor{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&descriptor, 1, static_cast<int>(std::max<long>(0, left.count()))) <= 0) break;
    const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    received.append(buffer, static_cast<std::size_t>(got));
  }
  return received;
}

}  // namespace feel::test
