#include "skill/request.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using feel::skill::Envelope;
using feel::skill::parse_envelope;
using feel::skill::ParseError;
using nlohmann::json;

constexpr const char* kApplicationId = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000";

std::filesystem::path requests_dir() {
  return std::filesystem::path(FEEL_AGAIN_TEST_DATA_DIR) / "requests";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Envelope parse_ok(std::string_view body) {
  auto result = parse_envelope(body);
  if (const auto* error = std::get_if<ParseError>(&result)) FAIL(error->message);
  return std::get<Envelope>(std::move(result));
}

std::string parse_error(std::string_view body) {
  const auto result = parse_envelope(body);
  REQUIRE(std::holds_alternative<ParseError>(result));
  const std::string message = std::get<ParseError>(result).message;
  CHECK_FALSE(message.empty());
  return message;
}

Envelope load(const std::string& name) {
  return parse_ok(read_file(requests_dir() / (name + ".json")));
}

// A small valid envelope, edited by tests that need one wrong field.
json minimal_envelope() {
  return json::parse(R"({
    "version": "1.0",
    "session": {"new": false, "sessionId": "s", "application": {"applicationId": "a"},
                "user": {"userId": "u"}, "attributes": {"state": "menu"}},
    "context": {"System": {"application": {"applicationId": "a"}, "user": {"userId": "u"},
                "device": {"deviceId": "d", "supportedInterfaces": {}}}},
    "request": {"type": "IntentRequest", "requestId": "r", "timestamp": "2026-11-26T21:34:56Z",
                "locale": "en-GB",
                "intent": {"name": "StartExerciseIntent", "confirmationStatus": "NONE",
                           "slots": {"exercise": {"name": "exercise", "value": "box"}}}}
  })");
}

std::string nested_arrays(std::size_t depth) {
  return R"({"request": {"type": "LaunchRequest", "deep": )" + std::string(depth, '[') +
         std::string(depth, ']') + "}}";
}

}  // namespace

TEST_CASE("every request envelope in the test data parses", "[request]") {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(requests_dir())) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 19);
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    CAPTURE(file);
    const Envelope envelope = parse_ok(read_file(path));
    CHECK(envelope.version == "1.0");
    CHECK_FALSE(envelope.request.type.empty());
    CHECK_FALSE(envelope.request.request_id.empty());
    CHECK_FALSE(envelope.request.timestamp.empty());
    CHECK(envelope.application_id() == kApplicationId);
    CHECK(envelope.system.api_endpoint == "https://api.amazonalexa.com");
    CHECK(envelope.request.raw.is_object());
    CHECK(envelope.request.raw.value("type", "") == envelope.request.type);
  }
}

TEST_CASE("each request type is modelled as expected", "[request]") {
  struct Expected {
    const char* file;
    const char* type;
    const char* intent;  // empty when the request carries none
    bool has_session;
    bool supports_apl;
  };
  const std::vector<Expected> table{
      {"launch", "LaunchRequest", "", true, false},
      {"launch-echo-show", "LaunchRequest", "", true, true},
      {"intent-help", "IntentRequest", "AMAZON.HelpIntent", true, false},
      {"intent-stop", "IntentRequest", "AMAZON.StopIntent", true, false},
      {"intent-cancel", "IntentRequest", "AMAZON.CancelIntent", true, false},
      {"intent-navigate-home", "IntentRequest", "AMAZON.NavigateHomeIntent", true, true},
      {"intent-fallback", "IntentRequest", "AMAZON.FallbackIntent", true, false},
      {"intent-with-slots-resolved", "IntentRequest", "StartExerciseIntent", true, false},
      {"intent-with-slot-no-match", "IntentRequest", "StartExerciseIntent", true, false},
      {"intent-unknown-name", "IntentRequest", "RetiredJournalIntent", true, false},
      {"session-ended-user", "SessionEndedRequest", "", true, false},
      {"session-ended-error", "SessionEndedRequest", "", true, false},
      {"exception-encountered", "System.ExceptionEncountered", "", false, false},
      {"can-fulfill", "CanFulfillIntentRequest", "StartExerciseIntent", true, false},
      {"connections-response", "Connections.Response", "", true, false},
      {"apl-user-event", "Alexa.Presentation.APL.UserEvent", "", true, true},
      {"audioplayer-playback-started", "AudioPlayer.PlaybackStarted", "", false, false},
      {"skill-event-disabled", "AlexaSkillEvent.SkillDisabled", "", false, false},
      {"unknown-type", "Messaging.MessageReceived", "", false, false},
  };
  for (const auto& expected : table) {
    const std::string file = expected.file;
    CAPTURE(file);
    const Envelope envelope = load(file);
    CHECK(envelope.request.type == expected.type);
    if (*expected.intent == '\0') {
      CHECK_FALSE(envelope.request.intent.has_value());
    } else {
      REQUIRE(envelope.request.intent.has_value());
      CHECK(envelope.request.intent->name == expected.intent);
    }
    CHECK(envelope.session.has_value() == expected.has_session);
    CHECK(envelope.supports("Alexa.Presentation.APL") == expected.supports_apl);
    CHECK(envelope.viewport.is_object() == expected.supports_apl);
  }
}

TEST_CASE("a launch on a screen device carries apl support, viewport and person", "[request]") {
  const Envelope envelope = load("launch-echo-show");
  REQUIRE(envelope.session);
  CHECK(envelope.session->is_new);
  CHECK(envelope.session->attributes == json::object());
  CHECK(envelope.request.locale == "en-US");
  CHECK(envelope.system.person_id.rfind("amzn1.ask.person.", 0) == 0);
  CHECK(envelope.system.device.device_id.rfind("amzn1.ask.device.", 0) == 0);
  CHECK(envelope.system.device.supported_interfaces ==
        std::set<std::string>{"Alexa.Presentation.APL"});
  CHECK_FALSE(envelope.system.api_access_token.empty());
  CHECK(envelope.viewport.value("pixelWidth", 0) == 1024);
  CHECK(envelope.viewport.value("shape", "") == "RECTANGLE");
}

TEST_CASE("a launch on a speaker has no apl support and no viewport", "[request]") {
  const Envelope envelope = load("launch");
  CHECK(envelope.system.device.supported_interfaces.empty());
  CHECK_FALSE(envelope.supports("Alexa.Presentation.APL"));
  CHECK(envelope.viewport.is_null());
  CHECK(envelope.system.person_id.empty());
  REQUIRE(envelope.session);
  CHECK(envelope.session->is_new);
  CHECK(envelope.session->user_id == envelope.system.user_id);
  CHECK_FALSE(envelope.session->session_id.empty());
}

TEST_CASE("a custom slot resolves to its id, not the heard words", "[request]") {
  const Envelope envelope = load("intent-with-slots-resolved");
  REQUIRE(envelope.request.intent);
  const auto& intent = *envelope.request.intent;
  CHECK(intent.confirmation_status == "NONE");
  CHECK(envelope.request.dialog_state == "STARTED");
  const auto* exercise = intent.slot("exercise");
  REQUIRE(exercise != nullptr);
  CHECK(exercise->name == "exercise");
  CHECK(exercise->value == "square breathing");
  CHECK(exercise->confirmation_status == "NONE");
  REQUIRE(exercise->resolutions.size() == 1);
  CHECK(exercise->resolutions[0].status == "ER_SUCCESS_MATCH");
  CHECK(exercise->resolutions[0].authority.find("ExerciseType") != std::string::npos);
  REQUIRE(exercise->resolutions[0].values.size() == 1);
  CHECK(exercise->resolutions[0].values[0].name == "box breathing");
  CHECK(exercise->resolved_id() == "BOX_BREATHING");

  const auto* minutes = intent.slot("minutes");
  REQUIRE(minutes != nullptr);
  CHECK_FALSE(minutes->value.has_value());
  CHECK_FALSE(minutes->resolved_id().has_value());
  CHECK(intent.slot("nothing") == nullptr);
}

TEST_CASE("a slot without a match has no resolved id", "[request]") {
  const Envelope envelope = load("intent-with-slot-no-match");
  const auto* exercise = envelope.request.intent->slot("exercise");
  REQUIRE(exercise != nullptr);
  CHECK(exercise->value == "juggling");
  REQUIRE(exercise->resolutions.size() == 1);
  CHECK(exercise->resolutions[0].status == "ER_SUCCESS_NO_MATCH");
  CHECK(exercise->resolutions[0].values.empty());
  CHECK_FALSE(exercise->resolved_id().has_value());
}

TEST_CASE("the resolved id comes from the first authority that matched", "[request]") {
  const json slot_json = json::parse(R"({
    "name": "exercise", "value": "box",
    "resolutions": {"resolutionsPerAuthority": [
      {"authority": "one", "status": {"code": "ER_SUCCESS_NO_MATCH"},
       "values": [{"value": {"id": "WRONG", "name": "wrong"}}]},
      {"authority": "two", "status": {"code": "ER_SUCCESS_MATCH"}, "values": []},
      {"authority": "three", "status": {"code": "ER_SUCCESS_MATCH"},
       "values": [{"value": {"id": "FIRST", "name": "first"}},
                  {"value": {"id": "SECOND", "name": "second"}}]},
      {"authority": "four", "status": {"code": "ER_SUCCESS_MATCH"},
       "values": [{"value": {"id": "LATER", "name": "later"}}]}]}
  })");
  const auto slot = slot_json.get<feel::skill::Slot>();
  CHECK(slot.resolutions.size() == 4);
  CHECK(slot.resolved_id() == "FIRST");
}

TEST_CASE("session ended and exception requests keep their error", "[request]") {
  SECTION("a session ended by the user") {
    const Envelope envelope = load("session-ended-user");
    CHECK(envelope.request.reason == "USER_INITIATED");
    CHECK(envelope.request.error.is_null());
  }
  SECTION("a session ended by an error") {
    const Envelope envelope = load("session-ended-error");
    CHECK(envelope.request.reason == "ERROR");
    CHECK(envelope.request.error.value("type", "") == "INVALID_RESPONSE");
  }
  SECTION("an exception encountered outside a session") {
    const Envelope envelope = load("exception-encountered");
    CHECK_FALSE(envelope.session.has_value());
    CHECK(envelope.request.error.value("type", "") == "INVALID_RESPONSE");
    CHECK(
        envelope.request.raw["cause"].value("requestId", "").rfind("amzn1.echo-api.request.", 0) ==
        0);
  }
}

TEST_CASE("out of session requests take the application id from the context", "[request]") {
  SECTION("an audio player event") {
    const Envelope envelope = load("audioplayer-playback-started");
    CHECK_FALSE(envelope.session.has_value());
    CHECK(envelope.supports("AudioPlayer"));
    CHECK(envelope.application_id() == kApplicationId);
  }
  SECTION("a skill event without a device") {
    const Envelope envelope = load("skill-event-disabled");
    CHECK_FALSE(envelope.session.has_value());
    CHECK(envelope.system.device.device_id.empty());
    CHECK(envelope.application_id() == kApplicationId);
    CHECK(envelope.request.raw["body"].value("userInformationPersistenceStatus", "") ==
          "NOT_PERSISTED");
  }
}

TEST_CASE("the application id falls back to the session", "[request]") {
  json body = minimal_envelope();
  SECTION("without a context") { body.erase("context"); }
  SECTION("with an empty System application") {
    body["context"]["System"]["application"] = json::object();
  }
  const Envelope envelope = parse_ok(body.dump());
  CHECK(envelope.application_id() == "a");
  CHECK(envelope.system.application_id.empty());
}

TEST_CASE("session attributes arrive as an object", "[request]") {
  SECTION("attributes present") {
    const Envelope envelope = load("intent-stop");
    CHECK(envelope.session->attributes == json{{"state", "exercise"}, {"round", 2}});
  }
  SECTION("attributes empty") {
    CHECK(load("intent-cancel").session->attributes == json::object());
  }
  SECTION("attributes absent") { CHECK(load("launch").session->attributes == json::object()); }
  SECTION("attributes null") {
    json body = minimal_envelope();
    body["session"]["attributes"] = nullptr;
    CHECK(parse_ok(body.dump()).session->attributes == json::object());
  }
}

TEST_CASE("raw keeps the fields the model does not have", "[request]") {
  SECTION("an apl user event") {
    const Envelope envelope = load("apl-user-event");
    CHECK(envelope.request.raw["arguments"] == json{"startExercise", "BOX_BREATHING"});
    CHECK(envelope.request.raw["source"].value("id", "") == "startButton");
  }
  SECTION("a connections response") {
    const Envelope envelope = load("connections-response");
    CHECK(envelope.request.raw.value("name", "") == "AskFor");
    CHECK(envelope.request.raw["payload"].value("status", "") == "ACCEPTED");
  }
  SECTION("a can fulfill request keeps its intent typed too") {
    const Envelope envelope = load("can-fulfill");
    REQUIRE(envelope.request.intent);
    CHECK(envelope.request.intent->slot("exercise")->value == "box breathing");
    CHECK(envelope.request.raw["intent"].value("name", "") == "StartExerciseIntent");
  }
}

TEST_CASE("unknown and null optional fields are tolerated", "[request]") {
  json body = minimal_envelope();
  SECTION("unknown fields everywhere") {
    body["somethingNew"] = {{"x", 1}};
    body["session"]["future"] = true;
    body["context"]["System"]["unit"] = {{"unitId", "x"}};
    body["context"]["Geolocation"] = {{"coordinate", {{"latitudeInDegrees", 51.5}}}};
    body["request"]["intent"]["slots"]["exercise"]["slotValue"] = {{"type", "Simple"}};
  }
  SECTION("null optional fields") {
    body["session"]["user"] = nullptr;
    body["context"]["System"]["device"] = nullptr;
    body["request"]["locale"] = nullptr;
    body["request"]["intent"]["slots"]["exercise"]["value"] = nullptr;
  }
  SECTION("no session and no context") {
    body.erase("session");
    body.erase("context");
  }
  SECTION("slots as an empty array") { body["request"]["intent"]["slots"] = json::array(); }
  SECTION("no slots at all") { body["request"]["intent"].erase("slots"); }
  const Envelope envelope = parse_ok(body.dump());
  CHECK(envelope.request.type == "IntentRequest");
  CHECK(envelope.request.intent->name == "StartExerciseIntent");
}

TEST_CASE("malformed bodies are parse errors", "[request]") {
  SECTION("empty body") { CHECK(parse_error("") == "malformed JSON"); }
  SECTION("truncated json") {
    CHECK(parse_error(R"({"request": {"type": "Laun)") == "malformed JSON");
  }
  SECTION("trailing garbage") {
    CHECK(parse_error(R"({"request": {"type": "LaunchRequest"}} x)") == "malformed JSON");
  }
  SECTION("an array") { CHECK(parse_error("[1, 2]") == "the body must be a JSON object"); }
  SECTION("a string") {
    CHECK(parse_error(R"("LaunchRequest")") == "the body must be a JSON object");
  }
  SECTION("null") { CHECK(parse_error("null") == "the body must be a JSON object"); }
  SECTION("no request") { CHECK(parse_error(R"({"version": "1.0"})") == "request is missing"); }
  SECTION("request not an object") {
    CHECK(parse_error(R"({"request": "LaunchRequest"})") == "request must be an object");
  }
  SECTION("no request type") {
    CHECK(parse_error(R"({"request": {"requestId": "r"}})") == "request.type is missing");
  }
  SECTION("null request type") {
    CHECK(parse_error(R"({"request": {"type": null}})") == "request.type is missing");
  }
  SECTION("request type a number") {
    CHECK(parse_error(R"({"request": {"type": 7}})") == "request.type must be a string");
  }
  SECTION("empty request type") {
    CHECK(parse_error(R"({"request": {"type": ""}})") == "request.type is empty");
  }
}

TEST_CASE("a field of the wrong type is a parse error naming the field", "[request]") {
  // A value a log must never show.
  const std::string secret = "SECRET-VALUE-4242";
  json body = minimal_envelope();
  std::string field;
  SECTION("intent a string") {
    body["request"]["intent"] = secret;
    field = "request.intent";
  }
  SECTION("intent a number") {
    body["request"]["intent"] = 5;
    field = "request.intent";
  }
  SECTION("session new a string") {
    body["session"]["new"] = "yes";
    field = "session.new";
  }
  SECTION("session attributes an array") {
    body["session"]["attributes"] = json::array({secret});
    field = "session.attributes";
  }
  SECTION("slots a non-empty array") {
    body["request"]["intent"]["slots"] = json::array({secret});
    field = "request.intent.slots";
  }
  SECTION("a slot value a number") {
    body["request"]["intent"]["slots"]["exercise"]["value"] = 4242;
    field = "request.intent.slots[].value";
  }
  SECTION("a resolution status code an object") {
    body["request"]["intent"]["slots"]["exercise"]["resolutions"] = json::parse(
        R"({"resolutionsPerAuthority": [{"authority": "a", "status": {"code": {"x": ")" + secret +
        R"("}}}]})");
    field = "request.intent.slots[].resolutions.resolutionsPerAuthority[].status.code";
  }
  SECTION("resolved values not an array") {
    body["request"]["intent"]["slots"]["exercise"]["resolutions"] =
        json::parse(R"({"resolutionsPerAuthority": [{"values": ")" + secret + R"("}]})");
    field = "request.intent.slots[].resolutions.resolutionsPerAuthority[].values";
  }
  SECTION("supported interfaces an array") {
    body["context"]["System"]["device"]["supportedInterfaces"] = json::array({secret});
    field = "context.System.device.supportedInterfaces";
  }
  SECTION("the application id a number") {
    body["context"]["System"]["application"]["applicationId"] = 4242;
    field = "context.System.application.applicationId";
  }
  SECTION("timestamp a number") {
    body["request"]["timestamp"] = 1764192896;
    field = "request.timestamp";
  }
  SECTION("viewport a string") {
    body["context"]["Viewport"] = secret;
    field = "context.Viewport";
  }
  SECTION("session an array") {
    body["session"] = json::array();
    field = "session";
  }
  SECTION("the error a string") {
    body["request"]["error"] = secret;
    field = "request.error";
  }
  CAPTURE(field);
  const std::string message = parse_error(body.dump());
  CAPTURE(message);
  CHECK(message.rfind(field + " must be ", 0) == 0);
  CHECK(message.find(secret) == std::string::npos);
  CHECK(message.find("4242") == std::string::npos);
}

TEST_CASE("invalid utf8 in the body is a parse error, not a crash", "[request]") {
  const std::string before = R"({"request": {"type": "IntentRequest", "locale": ")";
  const std::string after = R"("}})";
  std::string bad;
  SECTION("a stray continuation byte") { bad = "\x80"; }
  SECTION("an overlong encoding") { bad = "\xC0\xAF"; }
  SECTION("a surrogate") { bad = "\xED\xA0\x80"; }
  SECTION("beyond U+10FFFF") { bad = "\xF4\x90\x80\x80"; }
  SECTION("a truncated sequence") { bad = "\xE2\x82"; }
  SECTION("a byte that never appears in utf8") { bad = "\xFF"; }
  CHECK(parse_error(before + "en" + bad + "GB" + after) == "malformed JSON");
  // The same body with valid text parses, so the bytes were the only problem.
  const Envelope envelope = parse_ok(before + "en-\xE2\x82\xAC" + after);
  CHECK(envelope.request.locale == "en-\xE2\x82\xAC");
}

TEST_CASE("deeply nested json is rejected without a crash", "[request]") {
  SECTION("ten thousand nested arrays") {
    CHECK(parse_error(nested_arrays(10'000)) == "JSON nested too deeply");
  }
  SECTION("a million nested arrays") {
    CHECK(parse_error(nested_arrays(1'000'000)) == "JSON nested too deeply");
  }
  SECTION("nested objects") {
    std::string body = R"({"request": {"type": "LaunchRequest", "deep": )";
    for (int i = 0; i < 5'000; ++i) body += R"({"a": )";
    body += "1";
    body += std::string(5'000, '}');
    body += "}}";
    CHECK(parse_error(body) == "JSON nested too deeply");
  }
  SECTION("unbalanced opening brackets") {
    CHECK(parse_error(std::string(100'000, '[')) == "JSON nested too deeply");
  }
  SECTION("moderate nesting is fine") {
    const Envelope envelope = parse_ok(nested_arrays(50));
    CHECK(envelope.request.raw["deep"].is_array());
  }
  SECTION("brackets inside strings do not count") {
    const std::string brackets(10'000, '[');
    const Envelope envelope =
        parse_ok(R"({"request": {"type": "LaunchRequest", "text": ")" + brackets + R"(\"[{"}})");
    CHECK(envelope.request.raw["text"].get<std::string>().size() == 10'003);
  }
}

TEST_CASE("json conversion reports a wrong field as a type error", "[request]") {
  SECTION("an intent") {
    CHECK_THROWS_AS((json{{"name", 5}}.get<feel::skill::Intent>()), json::type_error);
  }
  SECTION("a session") {
    CHECK_THROWS_WITH((json{{"new", "yes"}}.get<feel::skill::Session>()),
                      Catch::Contains("new must be true or false"));
  }
  SECTION("not an object at all") {
    CHECK_THROWS_AS((json(5).get<feel::skill::Request>()), json::type_error);
  }
  SECTION("a well-formed slot converts") {
    const auto slot = json{{"name", "exercise"}, {"value", "box"}}.get<feel::skill::Slot>();
    CHECK(slot.value == "box");
  }
  SECTION("a whole envelope converts and keeps its blobs") {
    const auto envelope = minimal_envelope().get<Envelope>();
    CHECK(envelope.session->attributes == json{{"state", "menu"}});
    CHECK(envelope.request.raw.value("requestId", "") == "r");
  }
}
