// Bad input gets a clear error and the service goes on: oversized and malformed bodies,
// wrong types, invalid UTF-8, SSML characters, and clients that stall.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <vector>

#include "skill/ssml.hpp"
#include "support/http.hpp"

namespace {

using feel::test::post_alexa;
using feel::test::RawConnection;
using feel::test::request_envelope;
using feel::test::RunningServer;
using nlohmann::json;

void check_still_serving(httplib::ClientImpl& client) {
  auto result = post_alexa(client, request_envelope("launch").dump());
  REQUIRE(result);
  CHECK(result->status == 200);
}

std::string error_of(const httplib::Result& result) {
  auto body = json::parse(result->body, nullptr, false);
  return body.is_object() ? body.value("error", "") : "";
}

double seconds_for_launch(int port) {
  const auto started = std::chrono::steady_clock::now();
  httplib::ClientImpl client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  auto result = post_alexa(client, request_envelope("launch").dump());
  const auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(result);
  CHECK(result->status == 200);
  return elapsed;
}

}  // namespace

TEST_CASE("a body over 64 KiB is refused with 413", "[robustness]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  auto envelope = request_envelope("launch");
  envelope["padding"] = std::string(70 * 1024, 'x');

  SECTION("with a content length") {
    auto result = post_alexa(*client, envelope.dump());
    REQUIRE(result);
    CHECK(result->status == 413);
    CHECK(error_of(result) == "too-large");
  }
  SECTION("chunked, with no length declared") {
    const auto body = envelope.dump();
    auto result = client->Post(
        "/alexa",
        [&body](std::size_t offset, httplib::DataSink& sink) {
          const auto size = std::min<std::size_t>(8192, body.size() - offset);
          sink.write(body.data() + offset, size);
          if (offset + size == body.size()) sink.done();
          return true;
        },
        "application/json");
    REQUIRE(result);
    CHECK(result->status == 413);
  }
  auto fresh = server.client();
  check_still_serving(*fresh);
}

TEST_CASE("malformed bodies are refused with 400 and the reason body", "[robustness]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  const std::vector<std::string> bodies = {
      "",
      "{",
      "not json at all",
      "[]",
      "42",
      R"({"version":"1.0"})",
      R"({"version":"1.0","request":{}})",
      R"({"version":"1.0","request":{"type":7}})",
      R"({"version":"1.0","request":{"type":""}})",
      R"({"version":"1.0","request":{"type":"IntentRequest","intent":"help"}})",
      R"({"version":"1.0","session":{"new":"yes"},"request":{"type":"LaunchRequest"}})",
      std::string(R"({"version":"1.0","request":{"type":"LaunchRequest","locale":")") +
          "\xff\xfe" + R"("}})",
      std::string(100000 / 2, '[')};
  for (const auto& body : bodies) {
    CAPTURE(body.substr(0, 80));
    auto result = post_alexa(*client, body);
    REQUIRE(result);
    if (body.size() > 64 * 1024) {
      CHECK(result->status == 413);
      continue;
    }
    CHECK(result->status == 400);
    CHECK(error_of(result) == "body");
  }
  check_still_serving(*client);
}

TEST_CASE("odd values in a request never break the answer", "[robustness]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();

  SECTION("ssml characters and invalid utf-8 in slot values") {
    auto envelope = request_envelope("intent-with-slots-resolved");
    for (auto& [name, slot] : envelope["request"]["intent"]["slots"].items()) {
      slot["value"] = "<speak>&amp; \"quotes\" </prosody> ]]> &#0;";
    }
    auto result = post_alexa(*client, envelope.dump());
    REQUIRE(result);
    CHECK(result->status == 200);
    const auto body = json::parse(result->body);
    if (body["response"].contains("outputSpeech")) {
      CHECK(feel::skill::ssml_well_formed(body["response"]["outputSpeech"]["ssml"].get<std::string>()));
    }
  }
  SECTION("session attributes that are not an object") {
    auto envelope = request_envelope("intent-help");
    envelope["session"]["attributes"] = json::array({1, 2, 3});
    auto result = post_alexa(*client, envelope.dump());
    REQUIRE(result);
    CHECK(result->status / 100 == 4);
  }
  SECTION("huge and strange locale and ids") {
    auto envelope = request_envelope("launch");
    envelope["request"]["locale"] = std::string(5000, 'z');
    envelope["request"]["requestId"] = "id with spaces \" and \n newline";
    auto result = post_alexa(*client, envelope.dump());
    REQUIRE(result);
    CHECK(result->status == 200);
  }
  check_still_serving(*client);
}

TEST_CASE("stalled connections never delay a fresh request past a second", "[robustness][slow]") {
  auto config = feel::test::local_config();
  config.threads = 2;
  RunningServer server(config);

  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 40; ++i) {
    auto connection = std::make_unique<RawConnection>(server.port());
    REQUIRE(connection->connected());
    if (i % 3 == 1) connection->send("POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Le");
    if (i % 3 == 2) {
      connection->send(
          "POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 5000\r\n\r\n{\"version\":");
    }
    stalled.push_back(std::move(connection));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int attempt = 0; attempt < 3; ++attempt) {
    CHECK(seconds_for_launch(server.port()) < 1.0);
  }
}

TEST_CASE("a stalled client is timed out and its connection closed", "[robustness][slow]") {
  RunningServer server(feel::test::local_config());
  RawConnection connection(server.port());
  REQUIRE(connection.connected());
  connection.send("POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  const auto started = std::chrono::steady_clock::now();
  // The server gives up on the body and closes: receive returns before its own deadline.
  (void)connection.receive(std::chrono::seconds(15));
  const auto waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(waited < 10.0);
}

TEST_CASE("many concurrent requests are all answered", "[robustness]") {
  RunningServer server(feel::test::local_config());
  std::vector<std::future<int>> results;
  for (int i = 0; i < 16; ++i) {
    results.push_back(std::async(std::launch::async, [&server] {
      auto client = server.client();
      int ok = 0;
      for (int j = 0; j < 20; ++j) {
        auto result = post_alexa(*client, request_envelope("launch").dump());
        if (result && result->status == 200) ++ok;
      }
      return ok;
    }));
  }
  int total = 0;
  for (auto& result : results) total += result.get();
  CHECK(total == 16 * 20);
}

TEST_CASE("an idle keep alive connection does not hold up shutdown for long", "[robustness][slow]") {
  auto server = std::make_unique<RunningServer>(feel::test::local_config());
  auto client = server->client();
  client->set_keep_alive(true);
  check_still_serving(*client);
  const auto started = std::chrono::steady_clock::now();
  server->stop();
  const auto waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(waited < 5.0);
}
