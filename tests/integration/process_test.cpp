// The feel-again executable as an operator runs it: flags, environment, start-up errors,
// and a graceful stop on SIGTERM.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "skill/ssml.hpp"
#include "skill/vault.hpp"
#include "support/http.hpp"
#include "support/pki.hpp"
#include "support/scratch.hpp"

namespace {

using Seconds = std::chrono::duration<double>;

// A child process running feel-again with its stderr (the log) captured, in a working folder
// of its own (where the default database and secret go).
class Process {
 public:
  Process(std::vector<std::string> args, std::vector<std::string> env = {}) {
    const auto folder = feel::test::scratch_path("process");
    std::filesystem::create_directories(folder);
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
      if (::chdir(folder.c_str()) != 0) ::_exit(126);
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

namespace {

// One person's note, as Alexa sends it: a new session with no attributes.
std::string note_request(const std::string& user, const std::string& intent,
                         const std::string& note = {}) {
  auto envelope = feel::test::request_envelope("intent-help");
  envelope["session"]["user"]["userId"] = user;
  envelope["context"]["System"]["user"]["userId"] = user;
  envelope["request"]["intent"] = {{"name", intent}, {"confirmationStatus", "NONE"}};
  if (!note.empty()) {
    envelope["request"]["intent"]["slots"] = {
        {"note", {{"name", "note"}, {"value", note}, {"confirmationStatus", "NONE"}}}};
  }
  return envelope.dump();
}

std::string heard(const httplib::Result& result) {
  if (!result || result->status != 200) return {};
  const auto body = nlohmann::json::parse(result->body, nullptr, false);
  if (!body.is_object()) return {};
  return feel::skill::ssml_to_plain_text(
      body["response"]["outputSpeech"].value("ssml", std::string()));
}

std::int64_t notes_kept(const std::filesystem::path& db, const std::string& user_key) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(handle, "SELECT count(*) FROM notes WHERE user = ?", -1, &count, nullptr);
  sqlite3_bind_text(count, 1, user_key.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  const auto kept = sqlite3_column_int64(count, 0);
  sqlite3_finalize(count);
  sqlite3_close(handle);
  return kept;
}

}  // namespace

TEST_CASE("kill -9 during a run of writes loses nothing acknowledged", "[process][storage]") {
  const auto folder = feel::test::scratch_path("crash");
  std::filesystem::create_directories(folder);
  const auto db = (folder / "feel-again.db").string();
  const auto secret = (folder / "feel-again.secret").string();
  const std::vector<std::string> args = {"serve", "--port", "0", "--db", db, "--secret-file", secret};
  constexpr std::size_t kPeople = 4;
  std::vector<std::string> users;
  for (std::size_t i = 0; i < kPeople; ++i) users.push_back("amzn1.ask.account.crash-test-" + std::to_string(i));
  std::vector<std::atomic<int>> acknowledged(kPeople);

  {
    Process server(args);
    const auto port = server.wait_for(kListening, std::chrono::seconds(10));
    REQUIRE_FALSE(port.empty());
    std::vector<std::thread> writers;
    for (std::size_t person = 0; person < kPeople; ++person) {
      writers.emplace_back([&, person] {
        httplib::Client client("127.0.0.1", std::stoi(port));
        client.set_read_timeout(std::chrono::seconds(5));
        // Consent first (asked, then yes), then one note after another until the server dies.
        heard(client.Post("/alexa", note_request(users[person], "JournalNoteIntent", "note 0"),
                          "application/json"));
        auto envelope = nlohmann::json::parse(note_request(users[person], "AMAZON.YesIntent"));
        envelope["session"]["attributes"] = {{"state", "consent"},
                                             {"pending", {{"action", "note"}, {"note", "note 0"}}}};
        heard(client.Post("/alexa", envelope.dump(), "application/json"));
        for (int n = 1;; ++n) {
          const auto said = heard(client.Post(
              "/alexa", note_request(users[person], "JournalNoteIntent", "note " + std::to_string(n)),
              "application/json"));
          if (said.find("I've kept that note") == std::string::npos) break;
          acknowledged[person] = n;
        }
      });
    }
    // Kill once every writer is well into its run, whatever the machine's speed.
    constexpr int kWritesBeforeKill = 20;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const auto all_writing = [&] {
      return std::all_of(acknowledged.begin(), acknowledged.end(),
                         [](const std::atomic<int>& n) { return n >= kWritesBeforeKill; });
    };
    while (!all_writing() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    server.signal(SIGKILL);
    for (auto& writer : writers) writer.join();
    server.wait_exit(std::chrono::seconds(5));
  }

  Process restarted(args);
  const auto port = restarted.wait_for(kListening, std::chrono::seconds(10));
  REQUIRE_FALSE(port.empty());
  httplib::Client client("127.0.0.1", std::stoi(port));
  const auto vault = feel::skill::Vault::from_secret_file(secret);
  for (std::size_t person = 0; person < kPeople; ++person) {
    CAPTURE(person, acknowledged[person].load());
    CHECK(acknowledged[person] >= 20);  // the run wrote for real before the kill
    // Every acknowledged note is kept (one more may be, written but not yet answered).
    const auto kept = notes_kept(db, vault.user_key(users[person]));
    CHECK(kept >= acknowledged[person] + 1);  // note 0 came with the consent
    CHECK(kept <= acknowledged[person] + 2);
    const auto said = heard(client.Post(
        "/alexa", note_request(users[person], "ReadNoteIntent"), "application/json"));
    const auto last = "note " + std::to_string(acknowledged[person]);
    const auto next = "note " + std::to_string(acknowledged[person] + 1);
    CAPTURE(said);
    CHECK((said.find(last + ".") != std::string::npos || said.find(next + ".") != std::string::npos));
  }
  restarted.signal(SIGTERM);
  CHECK(restarted.wait_exit(std::chrono::seconds(6)) == 0);
}
