#include "skill/alexa_api.hpp"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/pki.hpp"

namespace {

using feel::skill::AlexaApi;
using feel::skill::AlexaApiOptions;
using Outcome = feel::skill::AlexaApi::Outcome;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "test-access-token";

// A stand-in for Amazon's API host on loopback, plain HTTP or HTTPS with the test PKI's server
// certificate (signed by root.pem), counting calls and recording what
// it was sent. Device "slow" answers late; "missing" gets 404; "garbage" and "odd" get bodies
// that are not zone names; alert token "gone" gets 404 and "broken" 500.
class StandIn {
 public:
  explicit StandIn(bool tls = false)
      : server_(
            tls ? std::make_unique<httplib::SSLServer>(feel::test::pki_path("server.pem").c_str(),
                                                       feel::test::pki_path("server.key").c_str())
                : std::make_unique<httplib::Server>()),
        scheme_(tls ? "https://" : "http://") {
    if (!server_->is_valid()) throw std::runtime_error("stand-in TLS setup failed");
    server_->Get(R"(/v2/devices/([^/]+)/settings/System\.timeZone)",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   const std::string device = request.matches[1];
                   count("zone " + device);
                   if (device == "slow") nap(2s);
                   if (device == "missing") {
                     response.status = 404;
                   } else if (device == "garbage") {
                     response.set_content("Europe/London", "application/json");  // not JSON
                   } else if (device == "odd") {
                     response.set_content(R"("Europe/London; rm -rf")", "application/json");
                   } else {
                     response.set_content(R"("Europe/London")", "application/json");
                   }
                 });
    server_->Post("/v1/alerts/reminders", [this](const httplib::Request& request,
                                                 httplib::Response& response) {
      count("create");
      {
        std::lock_guard lock(mutex_);
        last_authorization_ = request.get_header_value("Authorization");
        last_body_ = request.body;
      }
      response.status = create_status_;
      if (request.get_header_value("Authorization") != "Bearer " + std::string(kToken)) {
        response.status = 401;
      } else if (!well_formed_reminder(request.body)) {
        response.status = 400;
      }
      if (response.status == 201) {
        response.set_content(R"({"alertToken":"abc"})", "application/json");
      }
    });
    server_->Delete(R"(/v1/alerts/reminders/([^/]+))",
                    [this](const httplib::Request& request, httplib::Response& response) {
                      const std::string alert = request.matches[1];
                      count("delete " + alert);
                      response.status = alert == "gone" ? 404 : alert == "broken" ? 500 : 200;
                    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("stand-in cannot bind");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!server_->is_running()) {
      if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("stand-in not up");
      std::this_thread::sleep_for(1ms);
    }
  }
  ~StandIn() {
    stopping_ = true;
    server_->stop();
    thread_.join();
  }
  StandIn(const StandIn&) = delete;
  StandIn& operator=(const StandIn&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string endpoint() const { return scheme_ + host(); }
  [[nodiscard]] int calls(const std::string& what) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(what);
    return it == calls_.end() ? 0 : it->second;
  }
  [[nodiscard]] std::string last_authorization() const {
    std::lock_guard lock(mutex_);
    return last_authorization_;
  }
  [[nodiscard]] json last_body() const {
    std::lock_guard lock(mutex_);
    return json::parse(last_body_, nullptr, false);
  }
  void answer_create_with(int status) { create_status_ = status; }

 private:
  // The fields Amazon's Reminders API reference requires for a recurring absolute reminder.
  static bool well_formed_reminder(const std::string& text) {
    const auto body = json::parse(text, nullptr, false);
    if (!body.is_object()) return false;
    const auto trigger = body.value("trigger", json::object());
    const auto recurrence = trigger.value("recurrence", json::object());
    const auto content = body.value("alertInfo", json::object())
                             .value("spokenInfo", json::object())
                             .value("content", json::array());
    return body.value("requestTime", "") != "" &&
           trigger.value("type", "") == "SCHEDULED_ABSOLUTE" &&
           trigger.value("timeZoneId", "") != "" && recurrence.value("startDateTime", "") != "" &&
           recurrence.value("recurrenceRules", json::array()).size() == 1 && content.size() == 1 &&
           content[0].value("locale", "") != "" && content[0].value("text", "") != "";
  }
  void count(const std::string& what) {
    std::lock_guard lock(mutex_);
    ++calls_[what];
  }
  // Sleeps, but wakes early when the test is over so the server can stop.
  void nap(std::chrono::milliseconds duration) const {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(5ms);
    }
  }

  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> create_status_{201};
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, int> calls_;
  std::string last_authorization_;
  std::string last_body_;
};

[[nodiscard]] AlexaApiOptions options_for(const StandIn& stand_in) {
  AlexaApiOptions options;
  options.allowed_hosts = {stand_in.host()};
  options.timeout = 300ms;
  return options;
}

// 2026-11-27T12:34:56.789Z
[[nodiscard]] std::chrono::system_clock::time_point a_moment() {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 27} + 12h + 34min + 56s + 789ms;
}

}  // namespace

TEST_CASE("the time zone is read from the settings api and then cached", "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-1") == "Europe/London");
  CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-1") == "Europe/London");
  CHECK(stand_in.calls("zone device-1") == 1);
  CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-2") == "Europe/London");
  CHECK(stand_in.calls("zone device-2") == 1);
}

TEST_CASE("an https host is verified against the configured roots", "[alexa-api]") {
  StandIn stand_in(true);
  auto options = options_for(stand_in);
  options.timeout = 2s;  // a TLS handshake under sanitizers can be slow
  SECTION("trusted") {
    options.ca_file = feel::test::pki_path("root.pem");
    AlexaApi api(options);
    CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-1") == "Europe/London");
    CHECK(stand_in.calls("zone device-1") == 1);
  }
  SECTION("not trusted") {
    options.ca_file = feel::test::pki_path("other-root.pem");
    AlexaApi api(options);
    CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "device-1").has_value());
    CHECK(stand_in.calls("zone device-1") == 0);
  }
}

TEST_CASE("a cached time zone is read again once its time to live is over", "[alexa-api]") {
  StandIn stand_in;
  auto options = options_for(stand_in);
  options.zone_ttl = 0s;
  AlexaApi api(options);
  CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-1") == "Europe/London");
  CHECK(api.time_zone(stand_in.endpoint(), kToken, "device-1") == "Europe/London");
  CHECK(stand_in.calls("zone device-1") == 2);
}

TEST_CASE("a slow settings api gives no time zone within the timeout, and is not asked again",
          "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "slow").has_value());
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "slow").has_value());
  CHECK(stand_in.calls("zone slow") == 1);
}

TEST_CASE("a failed time zone lookup is tried again once its failure time is over", "[alexa-api]") {
  StandIn stand_in;
  auto options = options_for(stand_in);
  options.failure_ttl = 0s;
  AlexaApi api(options);
  CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "missing").has_value());
  CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "missing").has_value());
  CHECK(stand_in.calls("zone missing") == 2);
}

TEST_CASE("a refused or unreadable answer gives no time zone", "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  SECTION("not found") {
    CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "missing").has_value());
    CHECK(stand_in.calls("zone missing") == 1);
  }
  SECTION("a body that is not json") {
    CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "garbage").has_value());
    CHECK(stand_in.calls("zone garbage") == 1);
  }
  SECTION("a json string that is not a zone name") {
    CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "odd").has_value());
    CHECK(stand_in.calls("zone odd") == 1);
  }
}

TEST_CASE("nothing is sent for an endpoint, device id or token that is not allowed",
          "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(AlexaApiOptions{});  // the stand-in is not listed
  CHECK_FALSE(api.time_zone(stand_in.endpoint(), kToken, "device-1").has_value());
  CHECK(stand_in.calls("zone device-1") == 0);

  AlexaApi listed(options_for(stand_in));
  CHECK_FALSE(listed.time_zone(stand_in.endpoint(), kToken, "..").has_value());
  CHECK_FALSE(listed.time_zone(stand_in.endpoint(), kToken, "").has_value());
  CHECK_FALSE(listed.time_zone(stand_in.endpoint(), "token\r\nX-Evil: 1", "device-1").has_value());
  CHECK(stand_in.calls("zone device-1") == 0);
}

TEST_CASE("only amazon's api hosts over https and the listed hosts are allowed", "[alexa-api]") {
  AlexaApiOptions options;
  options.allowed_hosts = {"127.0.0.1:8080", "stand-in.test"};
  const AlexaApi api(options);
  SECTION("allowed") {
    for (const char* endpoint :
         {"https://api.amazonalexa.com", "https://api.eu.amazonalexa.com",
          "https://api.fe.amazonalexa.com", "https://api.amazonalexa.com:443",
          "HTTPS://API.AmazonAlexa.com", "http://127.0.0.1:8080", "https://127.0.0.1:8080",
          "http://stand-in.test", "https://stand-in.test"}) {
      CAPTURE(endpoint);
      CHECK(api.allowed(endpoint));
    }
  }
  SECTION("refused") {
    for (const char* endpoint : {"http://api.amazonalexa.com",
                                 "https://evil.example.com",
                                 "https://api.amazonalexa.com.evil.com",
                                 "https://user@api.amazonalexa.com",
                                 "https://api.amazonalexa.com@evil.com",
                                 "https://api.amazonalexa.com:8443",
                                 "https://api.amazonalexa.com:0443",
                                 "https://api.amazonalexa.com:",
                                 "https://api.amazonalexa.com/",
                                 "https://api.amazonalexa.com/v1",
                                 "https://api.amazonalexa.com?x=1",
                                 "https://api.amazonalexa.com#x",
                                 "https://api.fe.amazon.com",
                                 "ftp://api.amazonalexa.com",
                                 "api.amazonalexa.com",
                                 "https://",
                                 "",
                                 "http://127.0.0.1:8081",
                                 "http://127.0.0.1",
                                 "http://localhost:8080",
                                 "http://stand-in.test:8080"}) {
      CAPTURE(endpoint);
      CHECK_FALSE(api.allowed(endpoint));
    }
  }
}

TEST_CASE("a malformed allowed host is refused at start-up", "[alexa-api]") {
  AlexaApiOptions options;
  options.allowed_hosts = {"http://127.0.0.1:8080"};
  CHECK_THROWS_AS(AlexaApi(options), std::invalid_argument);
}

TEST_CASE("a daily reminder is created with the fields the reminders api asks for", "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  const auto created =
      api.create_daily_reminder(stand_in.endpoint(), kToken, 21, 30, "Europe/London", "en-GB",
                                "Time to check in.", a_moment());
  CHECK(created.outcome == Outcome::ok);
  CHECK(created.alert_token == "abc");

  CHECK(stand_in.last_authorization() == "Bearer " + std::string(kToken));
  const json body = stand_in.last_body();
  REQUIRE(body.is_object());
  CHECK(body["requestTime"] == "2026-11-27T12:34:56.789");
  CHECK(body["trigger"]["type"] == "SCHEDULED_ABSOLUTE");
  CHECK(body["trigger"]["scheduledTime"] == "2026-11-27T21:30:00.000");
  CHECK(body["trigger"]["timeZoneId"] == "Europe/London");
  CHECK(body["trigger"]["recurrence"]["startDateTime"] == "2026-11-27T21:30:00.000");
  CHECK(body["trigger"]["recurrence"]["recurrenceRules"] ==
        json::array({"FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0;INTERVAL=1"}));
  CHECK(body["alertInfo"]["spokenInfo"]["content"] ==
        json::parse(R"([{"locale":"en-GB","text":"Time to check in."}])"));
  CHECK(body["pushNotification"]["status"] == "ENABLED");
}

TEST_CASE("a reminder refused for lack of permission says so", "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  SECTION("401") { stand_in.answer_create_with(401); }
  SECTION("403") { stand_in.answer_create_with(403); }
  const auto created = api.create_daily_reminder(stand_in.endpoint(), kToken, 8, 5, "Europe/London",
                                                 "en-GB", "Hello.", a_moment());
  CHECK(created.outcome == Outcome::no_permission);
  CHECK(created.alert_token.empty());
  CHECK(stand_in.calls("create") == 1);
}

TEST_CASE("a reminder that cannot be created fails", "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  SECTION("the api fails") {
    stand_in.answer_create_with(500);
    CHECK(api.create_daily_reminder(stand_in.endpoint(), kToken, 8, 5, "Europe/London", "en-GB",
                                    "Hello.", a_moment())
              .outcome == Outcome::failed);
    CHECK(stand_in.calls("create") == 1);
  }
  SECTION("an answer without an alert token") {
    stand_in.answer_create_with(200);
    CHECK(api.create_daily_reminder(stand_in.endpoint(), kToken, 8, 5, "Europe/London", "en-GB",
                                    "Hello.", a_moment())
              .outcome == Outcome::failed);
  }
  SECTION("an impossible time or zone is not sent") {
    CHECK(api.create_daily_reminder(stand_in.endpoint(), kToken, 24, 0, "Europe/London", "en-GB",
                                    "Hello.", a_moment())
              .outcome == Outcome::failed);
    CHECK(api.create_daily_reminder(stand_in.endpoint(), kToken, 8, 60, "Europe/London", "en-GB",
                                    "Hello.", a_moment())
              .outcome == Outcome::failed);
    CHECK(api.create_daily_reminder(stand_in.endpoint(), kToken, 8, 0, "Europe/London\"", "en-GB",
                                    "Hello.", a_moment())
              .outcome == Outcome::failed);
    CHECK(stand_in.calls("create") == 0);
  }
}

TEST_CASE("deleting a reminder succeeds when it is gone and fails on a server error",
          "[alexa-api]") {
  StandIn stand_in;
  AlexaApi api(options_for(stand_in));
  CHECK(api.delete_reminder(stand_in.endpoint(), kToken, "abc") == Outcome::ok);
  CHECK(stand_in.calls("delete abc") == 1);
  CHECK(api.delete_reminder(stand_in.endpoint(), kToken, "gone") == Outcome::ok);
  CHECK(api.delete_reminder(stand_in.endpoint(), kToken, "broken") == Outcome::failed);
  CHECK(api.delete_reminder("https://evil.example.com", kToken, "abc") == Outcome::failed);
  CHECK(stand_in.calls("delete abc") == 1);
}
