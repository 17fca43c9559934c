// feel-again-floor: the benchmark's floor. The same cpp-httplib stack as the service, tuned
// like a well-made bare server, answering every POST /alexa with one fixed Alexa response and
// doing nothing else. The service's numbers are read as a fraction of what this allows.
//
//   feel-again-floor [--host 127.0.0.1] [--port 0] [--tls-cert PEM --tls-key PEM]
//
// Prints `listening url=http(s)://HOST:PORT/alexa` on stderr once it accepts connections;
// SIGTERM or SIGINT stops it.

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

// What the service answers to a LaunchRequest, near enough in shape and size (about 900
// bytes), so both write the same amount.
constexpr std::string_view kLaunchResponse =
    R"({"response":{"card":{"content":"Hi, this is Feel Again. I'm glad you're here.I'm a voice )"
    R"(guide, not a substitute for professional advice. If you're ever in danger, please call )"
    R"(999.You can ask me a question about emotional numbness, or say help. What would you )"
    R"(like?","title":"Feel Again","type":"Simple"},"outputSpeech":{"ssml":"<speak>Hi, this is )"
    R"(Feel Again. I'm glad you're here.I'm a voice guide, not a substitute for professional )"
    R"(advice. If you're ever in danger, please call <say-as )"
    R"(interpret-as=\"digits\">999</say-as>.You can ask me a question about emotional numbness, )"
    R"(or say help. What would you )"
    R"(like?</speak>","type":"SSML"},"reprompt":{"outputSpeech":{"ssml":"<speak>You can ask me )"
    R"(something, or say help. What would you )"
    R"(like?</speak>","type":"SSML"}},"shouldEndSession":false},"sessionAttributes":{"_said":{")"
    R"(launch.prompt":1,"launch.reprompt":1,"launch.welcome":1}},"version":"1.0"})";

// Enough workers that each of the benchmark's 32 keep-alive connections holds its own.
constexpr std::size_t kWorkers = 64;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string tls_cert;
  std::string tls_key;
};

[[nodiscard]] std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      try {
        options.port = std::stoi(value);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    } else if (flag == "--tls-cert") {
      options.tls_cert = value;
    } else if (flag == "--tls-key") {
      options.tls_key = value;
    } else {
      return std::nullopt;
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) return std::nullopt;
  if (options.port < 0 || options.port > 65535) return std::nullopt;
  return options;
}

// TLS 1.2 or newer, as the service serves.
[[nodiscard]] std::unique_ptr<httplib::Server> make_server(const Options& options) {
  if (options.tls_cert.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>([&options](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    return SSL_CTX_use_certificate_chain_file(&ctx, options.tls_cert.c_str()) == 1 &&
           SSL_CTX_use_PrivateKey_file(&ctx, options.tls_key.c_str(), SSL_FILETYPE_PEM) == 1 &&
           SSL_CTX_check_private_key(&ctx) == 1;
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr
        << "usage: feel-again-floor [--host ADDR] [--port N] [--tls-cert PEM --tls-key PEM]\n";
    return 2;
  }

  // Block the stop signals in every thread; one thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto server = make_server(*options);
  if (!server->is_valid()) {
    std::cerr << "feel-again-floor: TLS set-up failed: check --tls-cert and --tls-key\n";
    return 1;
  }

  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  // Nagle's algorithm meets delayed ACKs at 40 ms a reply without this.
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  std::atomic<int> listen_fd{-1};
  server->set_socket_options([&listen_fd](socket_t sock) {
    // SO_REUSEADDR alone: cpp-httplib's default sets SO_REUSEPORT instead, which lets a second
    // server bind the same port without an error and take half its connections.
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });

  server->Post("/alexa", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kLaunchResponse.data(), kLaunchResponse.size(), "application/json");
  });

  const int port = options->port == 0
                       ? server->bind_to_any_port(options->host)
                       : (server->bind_to_port(options->host, options->port) ? options->port : -1);
  if (port < 0) {
    std::cerr << "feel-again-floor: cannot listen on " << options->host << ':' << options->port
              << '\n';
    return 1;
  }
  // cpp-httplib listens with a backlog of 5; raise it as the service does, so 32 connections
  // opened at once do not wait for SYN retries.
  if (const int fd = listen_fd.load(); fd >= 0) ::listen(fd, SOMAXCONN);

  std::thread waiter([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    server->stop();
  });

  std::cerr << "listening url=" << (options->tls_cert.empty() ? "http" : "https") << "://"
            << options->host << ':' << port << "/alexa" << std::endl;
  const bool served = server->listen_after_bind();
  // Wake the waiter if the loop ended on its own; a signal already taken stays pending, blocked.
  ::kill(::getpid(), SIGTERM);
  waiter.join();
  return served ? 0 : 1;
}
