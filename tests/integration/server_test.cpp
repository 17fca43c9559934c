// The service over real HTTP on loopback: routes, every request type, and what the listener
// hears from the basic intents.

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "skill/content.hpp"
#include "skill/ssml.hpp"
#include "support/http.hpp"

namespace {

using feel::test::post_alexa;
using feel::test::request_envelope;
using feel::test::RunningServer;
using nlohmann::json;

const feel::skill::SpeechCatalog& catalog() {
  static const auto loaded = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  return loaded;
}

// True when the plain text of ssml is one of the variants of key (after filling), so tests
// check where a reply came from, never its literal words.
bool said_variant_of(const std::string& plain, std::string_view key, std::string_view locale) {
  for (const auto& variant : catalog().for_locale(locale).at(key)) {
    if (plain.find(feel::skill::ssml_to_plain_text(variant)) != std::string::npos) return true;
  }
  return false;
}

json post_ok(httplib::ClientImpl& client, const json& envelope) {
  auto result = post_alexa(client, envelope.dump());
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(result->get_header_value("Content-Type") == "application/json");
  auto body = json::parse(result->body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  CHECK(body.value("version", "") == "1.0");
  REQUIRE(body.contains("response"));
  return body;
}

std::string speech_of(const json& body) {
  return feel::skill::ssml_to_plain_text(
      body["response"]["outputSpeech"]["ssml"].get<std::string>());
}

// An open session ends its speech with a question and carries a reprompt.
void check_open_turn(const json& body) {
  const auto& response = body["response"];
  REQUIRE(response.contains("outputSpeech"));
  CHECK(response["shouldEndSession"] == false);
  const auto speech = speech_of(body);
  REQUIRE_FALSE(speech.empty());
  CHECK(speech.back() == '?');
  REQUIRE(response.contains("reprompt"));
  const auto reprompt = feel::skill::ssml_to_plain_text(
      response["reprompt"]["outputSpeech"]["ssml"].get<std::string>());
  CHECK(reprompt.back() == '?');
  CHECK(feel::skill::ssml_well_formed(response["outputSpeech"]["ssml"].get<std::string>()));
  CHECK(response.contains("card"));
}

json intent_request(std::string_view name, std::string locale = "en-US") {
  auto envelope = request_envelope("intent-help");
  envelope["request"]["intent"]["name"] = name;
  envelope["request"]["locale"] = locale;
  envelope["request"]["timestamp"] = feel::test::kAfternoon;
  return envelope;
}

}  // namespace

TEST_CASE("health, readiness and metrics answer over http", "[server]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();

  auto health = client->Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  auto ready = client->Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body)["status"] == "ready");

  post_ok(*client, request_envelope("launch"));
  auto metrics = client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK_THAT(metrics->body,
             Catch::Contains(R"(feel_again_requests_total{type="LaunchRequest",intent="",status="200"} 1)"));
  CHECK_THAT(metrics->body, Catch::Contains("feel_again_request_duration_seconds_bucket{le=\"+Inf\"} 1"));
  CHECK_THAT(metrics->body, Catch::Contains("feel_again_verification_failures_total{reason=\"signature\"} 0"));
  CHECK_THAT(metrics->body, Catch::Contains("feel_again_cert_fetches_total"));
}

TEST_CASE("unknown paths and methods get a json error", "[server]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  auto missing = client->Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["error"] == "not-found");
  auto get_alexa = client->Get("/alexa");
  REQUIRE(get_alexa);
  CHECK(get_alexa->status >= 400);
  CHECK(get_alexa->status < 500);
}

TEST_CASE("a launch greets, gives the disclaimer and asks what to do", "[server][intents]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  for (const auto* locale : {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}) {
    CAPTURE(locale);
    auto envelope = request_envelope("launch");
    envelope["request"]["locale"] = locale;
    envelope["request"]["timestamp"] = feel::test::kAfternoon;
    const auto body = post_ok(*client, envelope);
    check_open_turn(body);
    const auto speech = speech_of(body);
    CHECK(said_variant_of(speech, "launch.welcome", locale));
    CHECK(said_variant_of(speech, "disclaimer.short", locale));
    CHECK(said_variant_of(speech, "launch.prompt", locale));
  }
}

TEST_CASE("the disclaimer names the local emergency number", "[server][intents]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  const std::vector<std::pair<std::string, std::string>> numbers = {
      {"en-US", "911"}, {"en-CA", "911"}, {"en-GB", "999"}, {"en-AU", "000"}, {"en-IN", "112"}};
  for (const auto& [locale, number] : numbers) {
    CAPTURE(locale);
    auto envelope = request_envelope("launch");
    envelope["request"]["locale"] = locale;
    const auto ssml = post_ok(*client, envelope)["response"]["outputSpeech"]["ssml"].get<std::string>();
    CHECK_THAT(ssml, Catch::Contains("<say-as interpret-as=\"digits\">" + number + "</say-as>"));
  }
}

TEST_CASE("help, stop, cancel and home answer from their content", "[server][intents]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();

  SECTION("help keeps the session open with a question") {
    const auto body = post_ok(*client, intent_request("AMAZON.HelpIntent"));
    check_open_turn(body);
    CHECK(said_variant_of(speech_of(body), "help.start", "en-US"));
  }
  SECTION("stop and cancel say goodbye and end") {
    for (const auto* name : {"AMAZON.StopIntent", "AMAZON.CancelIntent"}) {
      CAPTURE(name);
      const auto body = post_ok(*client, intent_request(name));
      CHECK(body["response"]["shouldEndSession"] == true);
      CHECK_FALSE(body["response"].contains("reprompt"));
      CHECK(said_variant_of(speech_of(body), "goodbye", "en-US"));
    }
  }
  SECTION("navigate home returns to the start") {
    const auto body = post_ok(*client, intent_request("AMAZON.NavigateHomeIntent"));
    check_open_turn(body);
    CHECK(said_variant_of(speech_of(body), "home.start", "en-US"));
  }
}

TEST_CASE("fallback escalates gently and ends on the third miss", "[server][intents]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  auto envelope = intent_request("AMAZON.FallbackIntent");

  auto first = post_ok(*client, envelope);
  check_open_turn(first);
  CHECK(said_variant_of(speech_of(first), "fallback.first", "en-US"));

  envelope = intent_request("AMAZON.FallbackIntent");
  envelope["session"]["attributes"] = first["sessionAttributes"];
  auto second = post_ok(*client, envelope);
  check_open_turn(second);
  CHECK(said_variant_of(speech_of(second), "fallback.second", "en-US"));

  envelope = intent_request("AMAZON.FallbackIntent");
  envelope["session"]["attributes"] = second["sessionAttributes"];
  auto third = post_ok(*client, envelope);
  CHECK(third["response"]["shouldEndSession"] == true);
  CHECK(said_variant_of(speech_of(third), "fallback.exit", "en-US"));

  SECTION("an understood turn resets the count") {
    envelope = intent_request("AMAZON.HelpIntent");
    envelope["session"]["attributes"] = second["sessionAttributes"];
    auto help = post_ok(*client, envelope);
    CHECK_FALSE(help["sessionAttributes"].contains("fallbackCount"));
  }
}

TEST_CASE("the same greeting variant never comes twice in a row", "[server][intents]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  json attributes = json::object();
  std::string previous;
  for (int turn = 0; turn < 12; ++turn) {
    auto envelope = request_envelope("launch");
    envelope["session"]["attributes"] = attributes;
    envelope["request"]["timestamp"] = feel::test::kAfternoon;
    const auto body = post_ok(*client, envelope);
    attributes = body["sessionAttributes"];
    const auto said = attributes["_said"]["launch.welcome"].get<int>();
    const auto current = std::to_string(said);
    CHECK(current != previous);
    previous = current;
  }
}

TEST_CASE("every request type gets a valid answer and never a 500", "[server][requests]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  for (const auto& entry :
       std::filesystem::directory_iterator(feel::test::data_path("requests"))) {
    const auto name = entry.path().stem().string();
    CAPTURE(name);
    const auto envelope = request_envelope(name);
    const auto type = envelope["request"]["type"];
    const auto body = post_ok(*client, envelope);
    if (type == "SessionEndedRequest" || type == "System.ExceptionEncountered") {
      CHECK_FALSE(body["response"].contains("outputSpeech"));
      CHECK_FALSE(body["response"].contains("reprompt"));
    }
    if (type == "CanFulfillIntentRequest") {
      CHECK(body["response"].contains("canFulfillIntent"));
      CHECK_FALSE(body["response"].contains("outputSpeech"));
      CHECK_FALSE(body.contains("sessionAttributes"));
    }
    if (body["response"].value("shouldEndSession", true) == false) check_open_turn(body);
    const auto serialized = body.dump();
    CHECK(serialized.size() < 24000);
  }
}

TEST_CASE("can fulfill intent says yes to known intents and no to others", "[server][requests]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  auto envelope = request_envelope("can-fulfill");
  envelope["request"]["intent"]["name"] = "AMAZON.HelpIntent";
  CHECK(post_ok(*client, envelope)["response"]["canFulfillIntent"]["canFulfill"] == "YES");
  envelope["request"]["intent"]["name"] = "OrderPizzaIntent";
  CHECK(post_ok(*client, envelope)["response"]["canFulfillIntent"]["canFulfill"] == "NO");
}

TEST_CASE("an unknown intent is treated as a misunderstanding", "[server][requests]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  const auto body = post_ok(*client, intent_request("SomethingNewIntent"));
  check_open_turn(body);
  CHECK(said_variant_of(speech_of(body), "fallback.first", "en-US"));
}

TEST_CASE("an unsupported locale falls back to english", "[server][requests]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  const auto body = post_ok(*client, intent_request("AMAZON.HelpIntent", "de-DE"));
  check_open_turn(body);
  CHECK(said_variant_of(speech_of(body), "help.start", "en-US"));
}

TEST_CASE("session attributes travel back unchanged beside the skill's own", "[server][requests]") {
  RunningServer server(feel::test::local_config());
  auto client = server.client();
  auto envelope = intent_request("AMAZON.HelpIntent");
  envelope["session"]["attributes"] = {{"lastTopic", "signs"}, {"nested", {{"a", 1}}}};
  const auto body = post_ok(*client, envelope);
  CHECK(body["sessionAttributes"]["lastTopic"] == "signs");
  CHECK(body["sessionAttributes"]["nested"]["a"] == 1);
}
