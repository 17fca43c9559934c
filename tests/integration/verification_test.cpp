// Verification over real HTTPS against the running server: a signed request is answered,
// every tampered variant is refused with 400 and its reason, and the service stays up.
// Chains come from --cert-cache (no network) or a local HTTPS mirror via --cert-mirror.

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "support/http.hpp"
#include "support/pki.hpp"

namespace {

namespace fs = std::filesystem;
using feel::test::pki_path;
using feel::test::post_alexa;
using feel::test::request_envelope;
using feel::test::RunningServer;
using feel::test::sign_body;
using nlohmann::json;

const std::string kCertBase = "https://s3.amazonaws.com/echo.api/";

// A cert cache holding each test chain under an Amazon-style file name.
struct CertCache {
  fs::path dir = fs::temp_directory_path() /
                 ("feel-again-certs-" + std::to_string(::getpid()) + "-" +
                  std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  CertCache() {
    fs::create_directories(dir);
    for (const auto* name : {"chain", "chain-wildcard", "chain-wrong-san", "chain-no-san",
                             "chain-expired", "chain-not-yet-valid", "chain-untrusted"}) {
      fs::copy_file(pki_path(std::string(name) + ".pem"),
                    dir / ("echo-api-cert-" + std::string(name) + ".pem"));
    }
  }
  ~CertCache() { fs::remove_all(dir); }
};

std::string url_for(const std::string& chain) { return kCertBase + "echo-api-cert-" + chain + ".pem"; }

std::string reason_of(const httplib::Result& result) {
  const auto body = json::parse(result->body, nullptr, false);
  return body.is_object() ? body.value("error", "") : "";
}

// Posts body signed with key under the chain at cert_url; returns status and reason.
std::pair<int, std::string> send(httplib::ClientImpl& client, const std::string& body,
                                 const std::string& cert_url, const std::string& signature) {
  auto result = post_alexa(client, body, cert_url, signature);
  REQUIRE(result);
  return {result->status, reason_of(result)};
}

std::string leaf_key() { return pki_path("leaf.key"); }

}  // namespace

TEST_CASE("a signed request is answered and every tampered variant refused", "[verification]") {
  CertCache cache;
  auto config = feel::test::verifying_config();
  config.cert_cache = cache.dir.string();
  RunningServer server(config);
  auto client = server.client();

  const auto body = request_envelope("launch").dump();
  const auto signature = sign_body(body, leaf_key());
  const auto good_url = url_for("chain");

  SECTION("the genuine request is answered") {
    const auto [status, reason] = send(*client, body, good_url, signature);
    CHECK(status == 200);
  }
  SECTION("signature problems") {
    auto tampered = body;
    tampered[tampered.find("LaunchRequest")] = 'l';
    CHECK(send(*client, tampered, good_url, signature) == std::pair<int, std::string>{400, "signature"});
    CHECK(send(*client, body + " ", good_url, signature) == std::pair<int, std::string>{400, "signature"});
    CHECK(send(*client, body, good_url, sign_body(body, pki_path("other.key"))) ==
          std::pair<int, std::string>{400, "signature"});
    CHECK(send(*client, body, good_url, "not base64 at all!") ==
          std::pair<int, std::string>{400, "signature"});
    CHECK(send(*client, body, good_url, "") == std::pair<int, std::string>{400, "signature"});
    CHECK(send(*client, body, good_url, signature.substr(0, signature.size() / 2)) ==
          std::pair<int, std::string>{400, "signature"});
  }
  SECTION("certificate url problems") {
    for (const auto& url : std::vector<std::string>{
             "", "http://s3.amazonaws.com/echo.api/echo-api-cert-chain.pem",
             "https://notamazon.com/echo.api/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com:563/echo.api/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com:0/echo.api/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com/echo.api/%2e%2e/echo-api-cert-chain.pem",
             "https://s3.amazonaws.com/echo.api/../invalid/echo-api-cert-chain.pem"}) {
      CAPTURE(url);
      CHECK(send(*client, body, url, signature) == std::pair<int, std::string>{400, "cert-url"});
    }
  }
  SECTION("certificate problems") {
    for (const auto* chain : {"chain-wildcard", "chain-wrong-san", "chain-no-san",
                              "chain-expired", "chain-not-yet-valid", "chain-untrusted"}) {
      CAPTURE(chain);
      const auto signed_by_its_leaf = sign_body(body, pki_path(std::string(chain) + ".key"));
      CHECK(send(*client, body, url_for(chain), signed_by_its_leaf) ==
            std::pair<int, std::string>{400, "certificate"});
    }
    // A chain that is not in the cache is fetched from Amazon, which this machine cannot
    // reach: the fetch fails and so does the request, within Alexa's patience.
    const auto started = std::chrono::steady_clock::now();
    CHECK(send(*client, body, url_for("missing"), signature) ==
          std::pair<int, std::string>{400, "certificate"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
  }
  SECTION("timestamp problems") {
    for (const long offset : {-151L, -3600L, 151L, 86400L}) {
      CAPTURE(offset);
      auto envelope = request_envelope("launch");
      envelope["request"]["timestamp"] = feel::test::iso8601_now(offset);
      const auto stale = envelope.dump();
      CHECK(send(*client, stale, good_url, sign_body(stale, leaf_key())) ==
            std::pair<int, std::string>{400, "timestamp"});
    }
    for (const auto* garbage : {"", "yesterday", "2026-13-45T99:99:99Z"}) {
      CAPTURE(garbage);
      auto envelope = request_envelope("launch");
      envelope["request"]["timestamp"] = garbage;
      const auto odd = envelope.dump();
      CHECK(send(*client, odd, good_url, sign_body(odd, leaf_key())) ==
            std::pair<int, std::string>{400, "timestamp"});
    }
    SECTION("skill events may be up to an hour old") {
      auto envelope = request_envelope("skill-event-disabled");
      envelope["request"]["timestamp"] = feel::test::iso8601_now(-3000);
      const auto event = envelope.dump();
      CHECK(send(*client, event, good_url, sign_body(event, leaf_key())).first == 200);
    }
  }
  SECTION("skill id problems") {
    auto envelope = request_envelope("launch");
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else";
    envelope["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else";
    const auto other = envelope.dump();
    CHECK(send(*client, other, good_url, sign_body(other, leaf_key())) ==
          std::pair<int, std::string>{400, "skill-id"});
  }
  SECTION("a signed body that is not an Alexa request") {
    const std::string junk = R"({"version":"1.0"})";
    CHECK(send(*client, junk, good_url, sign_body(junk, leaf_key())) ==
          std::pair<int, std::string>{400, "body"});
  }
  SECTION("an unsigned request") {
    auto result = post_alexa(*client, body);
    REQUIRE(result);
    CHECK(result->status == 400);
  }

  // Whatever was refused, the service goes on answering genuine requests.
  const auto fresh = request_envelope("launch").dump();
  CHECK(send(*client, fresh, good_url, sign_body(fresh, leaf_key())).first == 200);
  auto metrics = client->Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->body, Catch::Contains("feel_again_cert_fetches_total{result=\"ok\"} 0"));
}

TEST_CASE("a chain is fetched once through the mirror however many requests ask at once",
          "[verification][mirror]") {
  // The mirror: HTTPS on loopback with the test server certificate, counting requests.
  httplib::SSLServer mirror(pki_path("server.pem").c_str(), pki_path("server.key").c_str());
  REQUIRE(mirror.is_valid());
  std::atomic<int> hits{0};
  const auto chain = feel::test::read_file(pki_path("chain.pem"));
  mirror.Get("/echo-api-cert-mirrored.pem",
             [&](const httplib::Request&, httplib::Response& res) {
               ++hits;
               std::this_thread::sleep_for(std::chrono::milliseconds(200));
               res.set_content(chain, "application/x-pem-file");
             });
  const int mirror_port = mirror.bind_to_any_port("127.0.0.1");
  std::thread mirror_thread([&] { mirror.listen_after_bind(); });

  const fs::path cache = fs::temp_directory_path() /
                         ("feel-again-mirror-cache-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  auto config = feel::test::verifying_config();
  config.cert_mirror = "https://127.0.0.1:" + std::to_string(mirror_port);
  config.cert_fetch_ca = pki_path("root.pem");
  config.cert_cache = cache.string();
  {
    RunningServer server(config);
    const auto url = kCertBase + "echo-api-cert-mirrored.pem";
    std::vector<std::future<int>> statuses;
    for (int i = 0; i < 12; ++i) {
      statuses.push_back(std::async(std::launch::async, [&] {
        auto client = server.client();
        const auto body = request_envelope("launch").dump();
        auto result = post_alexa(*client, body, url, sign_body(body, leaf_key()));
        return result ? result->status : -1;
      }));
    }
    for (auto& status : statuses) CHECK(status.get() == 200);
    CHECK(hits == 1);
    CHECK(fs::exists(cache / "echo-api-cert-mirrored.pem"));

    auto client = server.client();
    auto metrics = client->Get("/metrics");
    REQUIRE(metrics);
    CHECK_THAT(metrics->body, Catch::Contains("feel_again_cert_fetches_total{result=\"ok\"} 1"));

    SECTION("a missing chain at the mirror is a certificate failure") {
      const auto body = request_envelope("launch").dump();
      auto result = post_alexa(*client, body, kCertBase + "echo-api-cert-absent.pem",
                               sign_body(body, leaf_key()));
      REQUIRE(result);
      CHECK(result->status == 400);
      CHECK(reason_of(result) == "certificate");
    }
  }
  mirror.stop();
  mirror_thread.join();
  fs::remove_all(cache);
}
