// The feel-again executable as an operator runs it: flags, environment, start-up errors,
// and a graceful stop on SIGTERM.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "support/http.hpp"
#include "support/pki.hpp"

namespace {

using Seconds = std::chrono::duration<double>;

// A child process running feel-again with its stderr (the log) captured.
class Process {
 public:
  Process(std::vector<std::string> args, std::vector<std::string> env = {}) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
      ::dup2(pipe_fds[1], STDOUT_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      for (const auto& variable : env) ::putenv(const_cast<char*>(variable.c_str()));
      std::vector<char*> argv;
      std::string binary = FEEL_AGAIN_BINARY;
      argv.push_back(binary.data());
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    out_ = pipe_fds[0];
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  // Reads output until pattern matches or timeout; returns the first capture group.
  std::string wait_for(const std::regex& pattern, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::smatch match;
    while (std::chrono::steady_clock::now() < deadline) {
      drain(std::chrono::milliseconds(50));
      if (std::regex_search(output_, match, pattern)) return match.size() > 1 ? match[1].str() : "";
    }
    return {};
  }
  // Waits for exit; returns the exit status, or -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        drain(std::chrono::milliseconds(0));
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      drain(std::chrono::milliseconds(20));
    }
    return -1;
  }
  void signal(int number) { ::kill(pid_, number); }
  const std::string& output() const { return output_; }

 private:
  void drain(std::chrono::milliseconds wait) {
    pollfd descriptor{out_, POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(wait.count())) <= 0) return;
    char buffer[4096];
    for (;;) {
      const auto got = ::read(out_, buffer, sizeof buffer);
      if (got <= 0) break;
      output_.append(buffer, static_cast<std::size_t>(got));
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string output_;
};

const std::regex kListening(R"(https?://127\.0\.0\.1:(\d+)/alexa)");

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

}  // namespace

TEST_CASE("help explains every flag", "[process]") {
  Process process({"serve", "--help"});
  REQUIRE(process.wait_exit(std::chrono::seconds(10)) == 0);
  for (const auto* flag : {"--host", "--port", "--tls-cert", "--tls-key", "--skill-id",
                           "--trusted-roots", "--cert-cache", "--cert-mirror",
                           "--insecure-no-verify", "--content", "--threads", "--log-format",
                           "--log-level", "FEEL_AGAIN_PORT"}) {
    CAPTURE(flag);
    CHECK_THAT(process.output(), Catch::Contains(flag));
  }
}

TEST_CASE("bad configuration stops start up with one clear line", "[process]") {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"serve", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"},
       {},
       "--tls-cert"},
      {{"serve", "--tls-cert", feel::test::pki_path("server.pem")}, {}, "--tls-key"},
      {{"serve", "--host", "0.0.0.0"}, {}, "--skill-id"},
      {{"serve"}, {"FEEL_AGAIN_HOST=0.0.0.0"}, "--skill-id"},
      {{"serve", "--content", "/nonexistent"}, {}, "--content"},
      {{"serve", "--skill-id", "x", "--trusted-roots", "/nonexistent.pem"}, {}, "--trusted-roots"},
      {{"serve", "--log-format", "xml"}, {}, "--log-format"},
      {{"serve", "--port", "70000"}, {}, "--port"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.names);
    Process process(c.args, c.env);
    const auto status = process.wait_exit(std::chrono::seconds(10));
    CHECK(status != 0);
    CHECK(status != -1);
    CHECK_THAT(process.output(), Catch::Contains(c.names));
    CHECK(line_count(process.output()) <= 2);
  }
}

TEST_CASE("the environment sets flags", "[process]") {
  Process process({"serve"}, {"FEEL_AGAIN_PORT=0", "FEEL_AGAIN_LOG_FORMAT=json",
                              std::string("FEEL_AGAIN_CONTENT=") + FEEL_AGAIN_CONTENT_DIR});
  const auto port = process.wait_for(kListening, std::chrono::seconds(10));
  REQUIRE_FALSE(port.empty());
  CHECK_THAT(process.output(), Catch::Contains("\"level\":\"info\""));
  process.signal(SIGTERM);
  CHECK(process.wait_exit(std::chrono::seconds(6)) == 0);
}

TEST_CASE("local development mode says so plainly", "[process]") {
  Process process({"serve", "--port", "0"});
  REQUIRE_FALSE(process.wait_for(kListening, std::chrono::seconds(10)).empty());
  (void)process.wait_for(std::regex("LOCAL DEVELOPMENT MODE.*\n"), std::chrono::seconds(5));
  CHECK_THAT(process.output(), Catch::Contains("LOCAL DEVELOPMENT MODE"));
  CHECK_THAT(process.output(), Catch::Contains("plain HTTP"));
  process.signal(SIGINT);
  CHECK(process.wait_exit(std::chrono::seconds(6)) == 0);
}

TEST_CASE("sigterm stops the service gracefully within five seconds", "[process][slow]") {
  Process process({"serve", "--port", "0", "--skill-id", feel::test::kSkillId,
                   "--trusted-roots", feel::test::pki_path("root.pem"), "--tls-cert",
                   feel::test::pki_path("server.pem"), "--tls-key",
                   feel::test::pki_path("server.key")});
  const auto port_text = process.wait_for(kListening, std::chrono::seconds(10));
  REQUIRE_FALSE(port_text.empty());
  const int port = std::stoi(port_text);

  // An idle keep-alive connection and a client stalled halfway through a request.
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(feel::test::pki_path("root.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_keep_alive(true);
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  feel::test::RawConnection stalled(port);
  REQUIRE(stalled.connected());
  stalled.send("\x16\x03\x01");

  const auto started = std::chrono::steady_clock::now();
  process.signal(SIGTERM);
  const auto status = process.wait_exit(std::chrono::seconds(8));
  const Seconds waited = std::chrono::steady_clock::now() - started;
  CHECK(status == 0);
  CHECK(waited.count() < 5.0);
  CHECK_THAT(process.output(), Catch::Contains("stopping"));
}

TEST_CASE("a second instance on the same port is refused", "[process]") {
  Process first({"serve", "--port", "0"});
  const auto port = first.wait_for(kListening, std::chrono::seconds(10));
  REQUIRE_FALSE(port.empty());
  Process second({"serve", "--port", port});
  CHECK(second.wait_exit(std::chrono::seconds(10)) == 1);
  CHECK_THAT(second.output(), Catch::Contains("cannot listen"));
  first.signal(SIGTERM);
  CHECK(first.wait_exit(std::chrono::seconds(6)) == 0);
}
