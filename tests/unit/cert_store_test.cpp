#include "skill/cert_store.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/pki.hpp"

namespace {

using feel::skill::CertStore;
using feel::skill::CertStoreOptions;
using feel::skill::CertUrl;
using feel::skill::Clock;
using feel::skill::make_trusted_store;
using feel::skill::validate_chain;
using feel::skill::VerifyError;
using feel::test::fixture_path;
using feel::test::pki_path;
using feel::test::read_file;
using feel::test::utc;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The body every signature test signs, to prove a returned key is the leaf's.
constexpr std::string_view kBody = R"({"version":"1.0"})";

[[nodiscard]] bool key_is_leafs(const feel::skill::SigningKey& signing,
                                const std::string& key_file) {
  return signing.key &&
         feel::skill::verify_signature(signing.key.get(), kBody,
                                       feel::test::sign_body(kBody, pki_path(key_file)));
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "feel-again-certs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }
  [[nodiscard]] std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  fs::path path_;
};

// A loopback port nobody listens on: bound once to learn a free number, then closed.
[[nodiscard]] int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Accepts TCP connections (the kernel does, through the backlog) but never speaks TLS.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(fd_);
      throw std::runtime_error("listen failed");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

// A local HTTPS stand-in for S3, serving the test PKI's chains and misbehaving on request.
// Its certificate (server.pem) is signed by root.pem.
class Mirror {
 public:
  Mirror()
      : server_(pki_path("server.pem").c_str(), pki_path("server.key").c_str()),
        chain_(read_file(pki_path("chain.pem"))) {
    if (!server_.is_valid()) throw std::runtime_error("mirror TLS setup failed");
    const auto serve = [this](const std::string& pattern, httplib::Server::Handler handler) {
      server_.Get(pattern,
                  [this, handler](const httplib::Request& request, httplib::Response& response) {
                    count(request.path);
                    handler(request, response);
                  });
    };
    serve(R"((/echo\.api)?/chain\.pem)", [this](const auto&, auto& response) {
      response.set_content(chain_, "application/x-pem-file");
    });
    serve(R"(/missing\.pem)", [](const auto&, auto& response) { response.status = 404; });
    serve(R"(/expired\.pem)", [](const auto&, auto& response) {
      response.set_content(read_file(pki_path("chain-expired.pem")), "application/x-pem-file");
    });
    serve(R"(/garbage\.pem)", [](const auto&, auto& response) {
      response.set_content("this is not a certificate chain", "text/plain");
    });
    serve(R"(/moved\.pem)",
          [](const auto&, auto& response) { response.set_redirect("/chain.pem", 302); });
    serve(R"(/huge\.pem)", [this](const auto&, auto& response) {
      response.set_content(chain_ + std::string(100 * 1024, '\n'), "application/x-pem-file");
    });
    serve(R"(/huge-chunked\.pem)", [this](const auto&, auto& response) {
      response.set_chunked_content_provider("application/x-pem-file",
                                            [this](std::size_t, httplib::DataSink& sink) {
                                              for (int i = 0; i < 100; ++i) {
                                                if (!sink.write(chain_.data(), chain_.size()))
                                                  return false;
                                              }
                                              sink.done();
                                              return true;
                                            });
    });
    serve(R"(/slow\.pem)", [this](const auto&, auto& response) {
      nap(5s);
      response.set_content(chain_, "application/x-pem-file");
    });
    serve(R"(/slow-chain\.pem)", [this](const auto&, auto& response) {
      nap(300ms);  // long enough that every caller arrives while the fetch is under way
      response.set_content(chain_, "application/x-pem-file");
    });
    serve(R"(/trickle\.pem)", [this](const auto&, auto& response) {
      // One byte at a time: every read finishes quickly, only a whole-fetch budget stops it.
      response.set_chunked_content_provider("application/x-pem-file",
                                            [this](std::size_t offset, httplib::DataSink& sink) {
                                              if (stopping_ || offset >= chain_.size()) {
                                                sink.done();
                                                return true;
                                              }
                                              nap(50ms);
                                              return sink.write(chain_.data() + offset, 1);
                                            });
    });

    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("mirror cannot bind");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!server_.is_running()) {
      if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("mirror not up");
      std::this_thread::sleep_for(1ms);
    }
  }
  ~Mirror() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = requests_.find(path);
    return it == requests_.end() ? 0 : it->second;
  }

 private:
  void count(const std::string& path) {
    std::lock_guard lock(mutex_);
    ++requests_[path];
  }
  // Sleeps, but wakes early when the test is over so the server can stop.
  void nap(std::chrono::milliseconds duration) const {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(5ms);
    }
  }

  httplib::SSLServer server_;
  std::string chain_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, int> requests_;
};

[[nodiscard]] CertUrl cert_url(std::string_view file_name) {
  const auto url =
      feel::skill::parse_cert_url("https://s3.amazonaws.com/echo.api/" + std::string(file_name));
  if (!url) throw std::logic_error("test URL rejected");
  return *url;
}

[[nodiscard]] CertStoreOptions mirror_options(const Mirror& mirror, const TempDir& cache) {
  CertStoreOptions options;
  options.trusted_roots_file = pki_path("root.pem");
  options.cache_dir = cache.str();
  options.mirror_url = mirror.url();
  options.fetch_ca_file = pki_path("root.pem");
  // Generous, so a loaded machine (sanitizers, parallel builds) cannot fail a test that is not
  // about timeouts; those set their own budget.
  options.fetch_timeout = 10s;
  return options;
}

void copy_file(const std::string& from, const fs::path& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("a chain to the trusted root with the exact signing name is valid", "[cert]") {
  const auto store = make_trusted_store(pki_path("root.pem"));
  const auto result = validate_chain(read_file(pki_path("chain.pem")), store.get(), Clock::now());
  CHECK(result.error == VerifyError::none);
  CHECK(result.detail.empty());
  CHECK(key_is_leafs(result, "leaf.key"));
}

TEST_CASE("the signing name must be exactly echo api dot amazon dot com", "[cert]") {
  const auto store = make_trusted_store(pki_path("root.pem"));
  std::string chain_file;
  SECTION("a wildcard name fails") { chain_file = "chain-wildcard.pem"; }
  SECTION("a longer name that starts the same fails") { chain_file = "chain-wrong-san.pem"; }
  SECTION("a common name without a subject alternative name fails") {
    chain_file = "chain-no-san.pem";
  }
  CAPTURE(chain_file);
  const auto result = validate_chain(read_file(pki_path(chain_file)), store.get(), Clock::now());
  CHECK(result.error == VerifyError::certificate);
  CHECK_FALSE(result.key);
  CHECK(result.detail == "leaf lacks SAN echo-api.amazon.com");
}

TEST_CASE("a chain that does not lead to a trusted root is rejected", "[cert]") {
  const auto store = make_trusted_store(pki_path("root.pem"));
  SECTION("a full chain under another root, root included") {
    const auto result =
        validate_chain(read_file(pki_path("chain-untrusted.pem")), store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK_FALSE(result.key);
    CHECK_THAT(result.detail, Catch::StartsWith("chain not trusted"));
  }
  SECTION("a good chain when only the other root is trusted") {
    const auto other = make_trusted_store(pki_path("other-root.pem"));
    const auto result = validate_chain(read_file(pki_path("chain.pem")), other.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK_THAT(result.detail, Catch::StartsWith("chain not trusted"));
  }
  SECTION("the test chain against the system store") {
    const auto system = make_trusted_store("");
    const auto result =
        validate_chain(read_file(pki_path("chain.pem")), system.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
  }
  SECTION("the leaf alone, without its intermediate") {
    const auto result = validate_chain(read_file(pki_path("leaf.pem")), store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK_THAT(result.detail, Catch::StartsWith("chain not trusted"));
  }
  SECTION("no trusted store at all") {
    const auto result = validate_chain(read_file(pki_path("chain.pem")), nullptr, Clock::now());
    CHECK(result.error == VerifyError::certificate);
  }
}

TEST_CASE("a leaf outside its validity dates is rejected", "[cert]") {
  const auto store = make_trusted_store(pki_path("root.pem"));
  SECTION("expired") {
    const auto result =
        validate_chain(read_file(pki_path("chain-expired.pem")), store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK_FALSE(result.key);
    CHECK(result.detail == "leaf expired");
  }
  SECTION("not yet valid") {
    const auto result =
        validate_chain(read_file(pki_path("chain-not-yet-valid.pem")), store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK(result.detail == "leaf not yet valid");
  }
  SECTION("the expired chain is otherwise sound, judged inside its dates") {
    const auto result =
        validate_chain(read_file(pki_path("chain-expired.pem")), store.get(), utc(2020, 6, 1));
    CHECK(result.error == VerifyError::none);
    CHECK(key_is_leafs(result, "chain-expired.key"));
  }
  SECTION("the good chain, judged two years from now") {
    const auto result = validate_chain(read_file(pki_path("chain.pem")), store.get(),
                                       Clock::now() + std::chrono::days{730});
    CHECK(result.detail == "leaf expired");
  }
}

TEST_CASE("misordered, malformed and empty chains are rejected", "[cert]") {
  const auto store = make_trusted_store(pki_path("root.pem"));
  const auto leaf = read_file(pki_path("leaf.pem"));
  const auto intermediate = read_file(pki_path("intermediate.pem"));
  SECTION("intermediate first") {
    const auto result = validate_chain(intermediate + leaf, store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
  }
  SECTION("empty") {
    const auto result = validate_chain("", store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK(result.detail == "no certificate in chain");
  }
  SECTION("not PEM") {
    const auto result = validate_chain("<Error>AccessDenied</Error>", store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
  }
  SECTION("a PEM block cut short") {
    const auto chain = read_file(pki_path("chain.pem"));
    const auto result =
        validate_chain(chain.substr(0, chain.size() / 4) + "\n-----END CERTIFICATE-----\n",
                       store.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK(result.detail == "malformed PEM");
  }
}

TEST_CASE("extra certificates in a chain do no harm", "[cert]") {
  // Amazon's chains carry cross-signed roots; only the path to a trusted root matters.
  const auto store = make_trusted_store(pki_path("root.pem"));
  const auto chain = read_file(pki_path("chain.pem")) + read_file(pki_path("other-root.pem")) +
                     read_file(pki_path("root.pem"));
  const auto result = validate_chain(chain, store.get(), Clock::now());
  CHECK(result.error == VerifyError::none);
  CHECK(key_is_leafs(result, "leaf.key"));
}

TEST_CASE("the real amazon chain validates inside its dates", "[cert][fixtures]") {
  const auto chain = read_file(fixture_path("echo-api-cert-12.pem"));
  const auto system = make_trusted_store("");
  SECTION("against the system store") {
    const auto result = validate_chain(chain, system.get(), utc(2023, 6, 1));
    CHECK(result.error == VerifyError::none);
    CHECK(result.detail.empty());
    CHECK(result.key);
  }
  SECTION("against amazon root ca 1 alone") {
    // Debian's ca-certificates; the chain's own last certificate is a cross-signed
    // intermediate, not a self-signed root, so it cannot serve as the trust anchor.
    const auto amazon_root = make_trusted_store("/etc/ssl/certs/Amazon_Root_CA_1.pem");
    CHECK(validate_chain(chain, amazon_root.get(), utc(2023, 6, 1)).error == VerifyError::none);
  }
  // notAfter is 2023-12-23 23:59:59; like OpenSSL, that second itself counts as expired.
  SECTION("against starfield class 2 through the cross signed certificates") {
    const auto starfield = make_trusted_store("/etc/ssl/certs/Starfield_Class_2_CA.pem");
    CHECK(validate_chain(chain, starfield.get(), utc(2023, 6, 1)).error == VerifyError::none);
  }
  SECTION("never against an intermediate as the anchor") {
    // The chain's last certificate (Starfield Services Root G2, cross-signed by Starfield
    // Class 2) is not self-signed: trusting it alone must not be enough.
    const TempDir dir;
    const auto last = chain.substr(chain.rfind("-----BEGIN CERTIFICATE-----"));
    const auto anchor = dir.path() / "last.pem";
    std::ofstream(anchor) << last;
    const auto store = make_trusted_store(anchor.string());
    CHECK_THAT(validate_chain(chain, store.get(), utc(2023, 6, 1)).detail,
               Catch::StartsWith("chain not trusted"));
  }
  SECTION("at the first and last second of its validity") {
    CHECK(validate_chain(chain, system.get(), utc(2023, 3, 16)).error == VerifyError::none);
    CHECK(validate_chain(chain, system.get(), utc(2023, 12, 23, 23, 59, 58) + 999ms).error ==
          VerifyError::none);
  }
  SECTION("a moment outside its validity") {
    CHECK(validate_chain(chain, system.get(), utc(2023, 3, 16) - 1ms).detail ==
          "leaf not yet valid");
    CHECK(validate_chain(chain, system.get(), utc(2023, 12, 23, 23, 59, 59)).detail ==
          "leaf expired");
  }
  SECTION("today") {
    const auto result = validate_chain(chain, system.get(), Clock::now());
    CHECK(result.error == VerifyError::certificate);
    CHECK(result.detail == "leaf expired");
  }
  SECTION("against the test root") {
    const auto test_root = make_trusted_store(pki_path("root.pem"));
    const auto result = validate_chain(chain, test_root.get(), utc(2023, 6, 1));
    CHECK_THAT(result.detail, Catch::StartsWith("chain not trusted"));
  }
  SECTION("the older chain number 7 inside its dates") {
    const auto older = read_file(fixture_path("echo-api-cert-7.pem"));
    CHECK(validate_chain(older, system.get(), utc(2020, 1, 1)).error == VerifyError::none);
    CHECK(validate_chain(older, system.get(), utc(2023, 6, 1)).detail == "leaf expired");
  }
}

TEST_CASE("the verisign era amazon chain fails", "[cert][fixtures]") {
  const auto chain = read_file(fixture_path("echo-api-cert-expired-2015.pem"));
  const auto system = make_trusted_store("");
  SECTION("today, expired") {
    CHECK(validate_chain(chain, system.get(), Clock::now()).detail == "leaf expired");
  }
  SECTION("inside its dates, its root is no longer trusted") {
    const auto result = validate_chain(chain, system.get(), utc(2015, 6, 1));
    CHECK(result.error == VerifyError::certificate);
    CHECK_THAT(result.detail, Catch::StartsWith("chain not trusted"));
  }
}

TEST_CASE("a certificate store refuses unusable configuration", "[cert-store]") {
  const TempDir dir;
  CertStoreOptions options;
  options.trusted_roots_file = pki_path("root.pem");
  SECTION("a missing roots file") {
    options.trusted_roots_file = (dir.path() / "missing.pem").string();
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("cannot be read"));
  }
  SECTION("a roots file without certificates") {
    options.trusted_roots_file = pki_path("other.key");
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("no certificate"));
  }
  SECTION("a missing fetch ca file") {
    options.fetch_ca_file = (dir.path() / "missing.pem").string();
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("fetch CA file"));
  }
  SECTION("a fetch ca file without certificates") {
    options.fetch_ca_file = pki_path("server.key");
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("no certificate"));
  }
  SECTION("a cache directory that cannot be created") {
    options.cache_dir = pki_path("root.pem") + "/cache";
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("cannot be created"));
  }
  SECTION("a mirror that is not https") {
    options.mirror_url = "http://127.0.0.1:8080";
    CHECK_THROWS_WITH(CertStore(options), Catch::Contains("https"));
  }
  SECTION("a mirror with an empty port") {
    options.mirror_url = "https://127.0.0.1:";
    CHECK_THROWS(CertStore(options));
  }
  SECTION("a good configuration") {
    options.cache_dir = (dir.path() / "nested" / "cache").string();
    CHECK_NOTHROW(CertStore(options));
    CHECK(fs::is_directory(dir.path() / "nested" / "cache"));
  }
}

TEST_CASE("a chain in the disk cache is used without fetching", "[cert-store]") {
  const TempDir cache;
  copy_file(pki_path("chain.pem"), cache.path() / "echo-api-cert-test.pem");
  CertStoreOptions options;
  options.trusted_roots_file = pki_path("root.pem");
  options.cache_dir = cache.str();
  options.mirror_url = "https://127.0.0.1:" + std::to_string(closed_port());
  options.fetch_ca_file = pki_path("root.pem");
  CertStore store(options);

  const auto result = store.signing_key(cert_url("echo-api-cert-test.pem"), Clock::now());
  CHECK(result.error == VerifyError::none);
  CHECK(key_is_leafs(result, "leaf.key"));
  CHECK(store.stats().fetches == 0);
  CHECK(store.stats().disk_hits == 1);

  SECTION("and then kept in memory") {
    fs::remove(cache.path() / "echo-api-cert-test.pem");
    CHECK(store.signing_key(cert_url("echo-api-cert-test.pem"), Clock::now()).error ==
          VerifyError::none);
    CHECK(store.stats().fetches == 0);
    CHECK(store.stats().disk_hits == 1);
  }
  SECTION("a closed mirror fails for a chain not on disk") {
    const auto missing = store.signing_key(cert_url("other.pem"), Clock::now());
    CHECK(missing.error == VerifyError::certificate);
    CHECK_THAT(missing.detail, Catch::StartsWith("fetch failed"));
    CHECK(store.stats().fetches == 1);
    CHECK(store.stats().fetch_failures == 1);
  }
}

TEST_CASE("a chain is fetched over verified https and written to the cache", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  CertStore store(mirror_options(mirror, cache));

  const auto result = store.signing_key(cert_url("chain.pem"), Clock::now());
  REQUIRE(result.error == VerifyError::none);
  CHECK(key_is_leafs(result, "leaf.key"));
  CHECK(mirror.requests("/chain.pem") == 1);
  CHECK(store.stats().fetches == 1);
  CHECK(store.stats().fetch_failures == 0);
  CHECK(store.stats().disk_hits == 0);
  // Written whole under the Amazon file name, with no temporary file left behind.
  CHECK(cache.files() == std::vector<std::string>{"chain.pem"});
  CHECK(read_file((cache.path() / "chain.pem").string()) == read_file(pki_path("chain.pem")));

  SECTION("a second call is served from memory") {
    CHECK(store.signing_key(cert_url("chain.pem"), Clock::now()).error == VerifyError::none);
    CHECK(mirror.requests("/chain.pem") == 1);
  }
  SECTION("a url spelled differently that normalises the same shares the entry") {
    const auto url = feel::skill::parse_cert_url(
        "HTTPS://S3.amazonaws.com:443/echo.api/../echo.api/./chain.pem");
    REQUIRE(url);
    CHECK(store.signing_key(*url, Clock::now()).error == VerifyError::none);
    CHECK(mirror.requests("/chain.pem") == 1);
  }
  SECTION("a new store finds it on disk") {
    CertStore again(mirror_options(mirror, cache));
    CHECK(again.signing_key(cert_url("chain.pem"), Clock::now()).error == VerifyError::none);
    CHECK(again.stats().disk_hits == 1);
    CHECK(mirror.requests("/chain.pem") == 1);
  }
}

TEST_CASE("a mirror url with a path prefix is honoured", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  auto options = mirror_options(mirror, cache);
  options.mirror_url = mirror.url() + "/echo.api/";
  CertStore store(options);
  CHECK(store.signing_key(cert_url("chain.pem"), Clock::now()).error == VerifyError::none);
  CHECK(mirror.requests("/echo.api/chain.pem") == 1);
}

TEST_CASE("a failed fetch gives a certificate error and caches nothing", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  auto options = mirror_options(mirror, cache);
  std::string file;
  std::string expected;
  SECTION("not found") {
    file = "missing.pem";
    expected = "fetch failed: status 404";
  }
  SECTION("a redirect is not followed") {
    file = "moved.pem";
    expected = "fetch failed: status 302";
  }
  SECTION("a body over the size cap") {
    file = "huge.pem";
    expected = "fetch failed: body over 65536 bytes";
  }
  SECTION("a chunked body over the size cap") {
    file = "huge-chunked.pem";
    expected = "fetch failed: body over 65536 bytes";
  }
  SECTION("a body that is not a chain") {
    file = "garbage.pem";
    expected = "no certificate in chain";
  }
  SECTION("a chain that has expired") {
    file = "expired.pem";
    expected = "leaf expired";
  }
  SECTION("a mirror whose tls certificate is not trusted") {
    options.fetch_ca_file = pki_path("other-root.pem");
    file = "chain.pem";
    expected = "fetch failed: SSLServerVerification";
  }
  SECTION("a mirror checked against the system store") {
    options.fetch_ca_file.clear();
    file = "chain.pem";
    expected = "fetch failed: SSLServerVerification";
  }
  CAPTURE(file);
  CertStore store(options);
  const auto result = store.signing_key(cert_url(file), Clock::now());
  CHECK(result.error == VerifyError::certificate);
  CHECK_FALSE(result.key);
  CHECK_THAT(result.detail, Catch::StartsWith(expected));
  CHECK(cache.files().empty());
  CHECK(mirror.requests("/chain.pem") == 0);  // the redirect was not followed either
}

TEST_CASE("a slow mirror is cut off at the fetch budget", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  auto options = mirror_options(mirror, cache);
  options.fetch_timeout = 400ms;
  CertStore store(options);
  std::string file;
  SECTION("no answer at all") { file = "slow.pem"; }
  SECTION("an answer one byte at a time") { file = "trickle.pem"; }
  CAPTURE(file);
  const auto start = std::chrono::steady_clock::now();
  const auto result = store.signing_key(cert_url(file), Clock::now());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(result.error == VerifyError::certificate);
  CHECK_THAT(result.detail, Catch::StartsWith("fetch failed"));
  CHECK(elapsed < 3s);  // far below the 5 s sleep and the 125 s trickle
  CHECK(store.stats().fetch_failures == 1);
}

TEST_CASE("a server that never completes the tls handshake is cut off", "[cert-store]") {
  const SilentListener silent;
  const TempDir cache;
  CertStoreOptions options;
  options.trusted_roots_file = pki_path("root.pem");
  options.cache_dir = cache.str();
  options.mirror_url = silent.url();
  options.fetch_ca_file = pki_path("root.pem");
  options.fetch_timeout = 400ms;
  CertStore store(options);
  const auto start = std::chrono::steady_clock::now();
  const auto result = store.signing_key(cert_url("chain.pem"), Clock::now());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(result.error == VerifyError::certificate);
  CHECK_THAT(result.detail, Catch::StartsWith("fetch failed"));
  CHECK(elapsed < 3s);  // far below the 5 s sleep and the 125 s trickle
}

TEST_CASE("a failed fetch is tried again on the next call", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  CertStore store(mirror_options(mirror, cache));
  CHECK(store.signing_key(cert_url("missing.pem"), Clock::now()).error == VerifyError::certificate);
  CHECK(store.signing_key(cert_url("missing.pem"), Clock::now()).error == VerifyError::certificate);
  CHECK(mirror.requests("/missing.pem") == 2);
  CHECK(store.stats().fetches == 2);
  CHECK(store.stats().fetch_failures == 2);
}

TEST_CASE("simultaneous calls for a new url share one fetch", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  CertStore store(mirror_options(mirror, cache));
  constexpr int kCallers = 16;
  std::latch ready(kCallers);
  std::array<feel::skill::SigningKey, kCallers> results;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      ready.arrive_and_wait();
      results[static_cast<std::size_t>(i)] =
          store.signing_key(cert_url("slow-chain.pem"), Clock::now());
    });
  }
  for (auto& caller : callers) caller.join();
  CHECK(mirror.requests("/slow-chain.pem") == 1);
  CHECK(store.stats().fetches == 1);
  for (const auto& result : results) {
    INFO(result.detail);
    CHECK(result.error == VerifyError::none);
    CHECK(result.key == results.front().key);
  }
  CHECK(key_is_leafs(results.front(), "leaf.key"));
}

TEST_CASE("simultaneous calls share one failure too", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  auto options = mirror_options(mirror, cache);
  options.fetch_timeout = 200ms;
  CertStore store(options);
  constexpr int kCallers = 8;
  std::latch ready(kCallers);
  std::array<VerifyError, kCallers> errors{};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      ready.arrive_and_wait();
      errors[static_cast<std::size_t>(i)] =
          store.signing_key(cert_url("slow.pem"), Clock::now()).error;
    });
  }
  for (auto& caller : callers) caller.join();
  for (const auto error : errors) CHECK(error == VerifyError::certificate);
  // Callers that arrived after the first fetch failed may try again, but not one each.
  CHECK(mirror.requests("/slow.pem") < kCallers);
}

TEST_CASE("the dates of a cached key are checked on every use", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  CertStore store(mirror_options(mirror, cache));
  const auto now = Clock::now();
  REQUIRE(store.signing_key(cert_url("chain.pem"), now).error == VerifyError::none);
  SECTION("after the leaf expires") {
    const auto later = store.signing_key(cert_url("chain.pem"), now + std::chrono::days{400});
    CHECK(later.error == VerifyError::certificate);
    CHECK_FALSE(later.key);
    CHECK_THAT(later.detail, Catch::Contains("leaf expired"));
  }
  SECTION("before the leaf is valid") {
    const auto earlier = store.signing_key(cert_url("chain.pem"), now - std::chrono::days{3});
    CHECK(earlier.error == VerifyError::certificate);
    CHECK(earlier.detail == "leaf not yet valid");
    CHECK(mirror.requests("/chain.pem") == 1);
  }
  SECTION("and still valid now") {
    CHECK(store.signing_key(cert_url("chain.pem"), now + 1h).error == VerifyError::none);
    CHECK(mirror.requests("/chain.pem") == 1);
  }
}

TEST_CASE("a rejected chain in the disk cache is fetched again and replaced", "[cert-store]") {
  const Mirror mirror;
  const TempDir cache;
  copy_file(pki_path("chain-expired.pem"), cache.path() / "chain.pem");
  CertStore store(mirror_options(mirror, cache));
  const auto result = store.signing_key(cert_url("chain.pem"), Clock::now());
  CHECK(result.error == VerifyError::none);
  CHECK(key_is_leafs(result, "leaf.key"));
  CHECK(store.stats().disk_hits == 0);
  CHECK(mirror.requests("/chain.pem") == 1);
  CHECK(read_file((cache.path() / "chain.pem").string()) == read_file(pki_path("chain.pem")));
}
