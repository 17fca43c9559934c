#include "skill/server.hpp"

#include <sys/socket.h>

#include <optional>

#include <httplib.h>
#include <openssl/ssl.h>

#include "skill/app.hpp"
#include "skill/cert_store.hpp"
#include "skill/content.hpp"
#include "skill/endpoint.hpp"
#include "skill/log.hpp"
#include "skill/metrics.hpp"
#include "skill/task_queue.hpp"

namespace feel::skill {
namespace {

constexpr const char* kJson = "application/json";

// Chunked bodies have no declared length: past the limit the rest is read and dropped (so
// the connection stays in step) up to this much, then the connection is abandoned.
constexpr std::size_t kMaxDiscard = 4 * 1024 * 1024;

// TLS 1.2 or newer, forward-secret AEAD suites only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_error() {
  const auto code = ERR_get_error();
  if (code == 0) return "unknown error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

std::unique_ptr<httplib::Server> make_http_server(const ServeConfig& config) {
  if (!config.tls()) return std::make_unique<httplib::Server>();
  std::string failure;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) != 1) {
      failure = "cipher list rejected: " + openssl_error();
      return false;
    }
    if (SSL_CTX_use_certificate_chain_file(&ctx, config.tls_cert.c_str()) != 1) {
      failure = "--tls-cert " + config.tls_cert +
                ": not a PEM certificate chain (" + openssl_error() + ")";
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(&ctx, config.tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      failure = "--tls-key " + config.tls_key + ": not a PEM private key (" + openssl_error() +
                ")";
      return false;
    }
    if (SSL_CTX_check_private_key(&ctx) != 1) {
      failure = "--tls-key " + config.tls_key + " does not match --tls-cert " + config.tls_cert;
      return false;
    }
    return true;
  });
  if (!server->is_valid()) throw ConfigError(failure.empty() ? "TLS set-up failed" : failure);
  return server;
}

std::unique_ptr<SkillCore> load_core(const ServeConfig& config) {
  auto vault = std::make_unique<Vault>(Vault::from_secret_file(config.secret_file));
  std::unique_ptr<Store> store;
  try {
    store = open_sqlite_store({config.db});
  } catch (const StorageError& error) {
    throw ConfigError(std::string(error.what()) + " (check --db)");
  }
  AlexaApiOptions api_options;
  api_options.allowed_hosts = config.alexa_api_allow;
  std::unique_ptr<AlexaApi> api;
  try {
    api = std::make_unique<AlexaApi>(std::move(api_options));
  } catch (const std::exception& error) {
    throw ConfigError(std::string(error.what()) + " (check --alexa-api-allow)");
  }
  return SkillCore::load(config.content_dir, std::move(store), std::move(vault), std::move(api),
                         config.default_time_zone);
}

}  // namespace

struct Server::Impl {
  ServeConfig config;
  std::unique_ptr<SkillCore> core;
  std::unique_ptr<CertStore> cert_store;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<AlexaEndpoint> endpoint;
  std::unique_ptr<httplib::Server> http;
  std::atomic<ElasticTaskQueue*> queue{nullptr};
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  std::atomic<int> listen_fd{-1};

  explicit Impl(ServeConfig c)
      : config(std::move(c)),
        core(load_core(config)) {
    if (config.verifying()) {
      CertStoreOptions options;
      options.trusted_roots_file = config.trusted_roots;
      options.cache_dir = config.cert_cache;
      options.mirror_url = config.cert_mirror;
      options.fetch_ca_file = config.cert_fetch_ca;
      try {
        cert_store = std::make_unique<CertStore>(std::move(options));
      } catch (const std::runtime_error& error) {
        throw ConfigError(error.what());
      }
    }
    metrics = std::make_unique<Metrics>(core->dispatcher().intents());
    EndpointOptions endpoint_options;
    endpoint_options.verify = config.verifying();
    endpoint_options.skill_ids = {config.skill_ids.begin(), config.skill_ids.end()};
    endpoint = std::make_unique<AlexaEndpoint>(std::move(endpoint_options), *core,
                                               cert_store.get(), *metrics);
    http = make_http_server(config);
    configure();
  }

  void configure() {
    const auto base = static_cast<std::size_t>(config.threads);
    const auto ceiling = static_cast<std::size_t>(config.max_connections);
    http->new_task_queue = [this, base, ceiling] {
      auto* created = new ElasticTaskQueue(base, ceiling);
      queue = created;
      return created;
    };
    // Nagle's algorithm meets delayed ACKs at 40 ms a reply without this.
    http->set_tcp_nodelay(true);
    http->set_keep_alive_max_count(100000);
    http->set_keep_alive_timeout(config.keep_alive_timeout.count());
    http->set_read_timeout(config.read_timeout.count(), 0);
    http->set_write_timeout(config.read_timeout.count(), 0);
    http->set_payload_max_length(kMaxBody);
    // cpp-httplib's defaults add SO_REUSEPORT, which lets a second instance bind the same
    // port silently and take half the traffic; only SO_REUSEADDR is wanted.
    http->set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd = sock;
    });

    http->Post("/alexa", [this](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) {
      std::string body;
      // One allocation for the body, not a doubling series (each large one also makes glibc
      // consolidate its small-block bins).
      if (const auto declared = req.get_header_value<std::uint64_t>("Content-Length");
          declared > 0 && declared <= kMaxBody) {
        body.reserve(static_cast<std::size_t>(declared));
      }
      bool too_large = false;
      std::size_t seen = 0;
      const bool complete = reader([&](const char* data, std::size_t length) {
        seen += length;
        if (body.size() + length > kMaxBody) too_large = true;
        if (!too_large) body.append(data, length);
        return seen <= kMaxDiscard;
      });
      if (too_large || res.status == 413) {
        metrics->verification_failure(VerifyError::body);
        res.status = 413;
        res.set_content(error_body("too-large", "the body is over 64 KiB"), kJson);
        return;
      }
      if (!complete) {
        res.status = 400;
        res.set_content(error_body("body", "the body could not be read"), kJson);
        return;
      }
      auto reply = endpoint->handle(req.get_header_value("SignatureCertChainUrl"),
                                          req.get_header_value("Signature-256"), body);
      res.status = reply.status;
      res.body = std::move(reply.body);  // set_content would copy it
      res.set_header("Content-Type", kJson);
    });

    http->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"alive"})", kJson);
    });
    http->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      const bool is_ready = ready && !stopping;
      res.status = is_ready ? 200 : 503;
      nlohmann::json body = {{"status", is_ready ? "ready" : "not ready"},
                             {"locales", core->catalog().locales()},
                             {"verification", config.verifying() ? "on" : "off"}};
      res.set_content(body.dump(), kJson);
    });
    http->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      Metrics::Gauges gauges;
      if (cert_store) {
        const auto stats = cert_store->stats();
        gauges.cert_fetches = stats.fetches;
        gauges.cert_fetch_failures = stats.fetch_failures;
        gauges.cert_disk_hits = stats.disk_hits;
      }
      if (auto* current = queue.load()) {
        gauges.worker_threads = current->threads();
        gauges.busy_threads = current->busy();
      }
      res.set_content(metrics->render(gauges), "text/plain; version=0.0.4");
    });

    // A body is only ever given for errors we did not answer ourselves (404, 405, 413...).
    http->set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const auto reason = res.status == 404   ? "not-found"
                          : res.status == 413 ? "too-large"
                          : res.status == 405 ? "method"
                                              : "http";
      res.set_content(error_body(reason), kJson);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http->set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
          std::string what = "unknown exception";
          try {
            if (error) std::rethrow_exception(error);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          log::error("unhandled exception", {{"path", req.path}, {"error", what}});
          res.status = 500;
          res.set_content(error_body("internal"), kJson);
        });
  }
};

Server::Server(ServeConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() { stop(); }

int Server::bind() {
  const auto& config = impl_->config;
  const int port = config.port == 0 ? impl_->http->bind_to_any_port(config.host)
                                    : (impl_->http->bind_to_port(config.host, config.port)
                                           ? config.port
                                           : -1);
  if (port < 0) {
    throw ConfigError("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                      ": the address is in use or not this machine's; choose another --host "
                      "or --port");
  }
  // cpp-httplib listens with a backlog of 5, so a burst of new connections (Alexa opening
  // several at once, a load test) would wait a second for SYN retries. Linux lets a second
  // listen() on the same socket raise it.
  if (const int fd = impl_->listen_fd.load(); fd >= 0) ::listen(fd, SOMAXCONN);
  return port;
}

void Server::run() {
  impl_->ready = true;
  impl_->http->listen_after_bind();
  impl_->ready = false;
}

void Server::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  impl_->http->stop();
}

bool Server::ready() const { return impl_->ready && !impl_->stopping; }

const ServeConfig& Server::config() const { return impl_->config; }

}  // namespace feel::skill
