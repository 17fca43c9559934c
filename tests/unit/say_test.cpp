#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "skill/content.hpp"
#include "skill/request.hpp"
#include "skill/say.hpp"
#include "skill/ssml.hpp"

namespace {

using feel::skill::Conversation;
using feel::skill::Nlu;
using feel::skill::RequestContext;
using feel::skill::SessionState;
using nlohmann::json;

Nlu repository_nlu() {
  return Nlu(feel::skill::load_interaction_model(
                 feel::skill::interaction_model_path(FEEL_AGAIN_SKILL_PACKAGE_DIR, "en-US")),
             feel::skill::load_builtin_phrases(
                 feel::skill::builtin_phrases_path(FEEL_AGAIN_SKILL_PACKAGE_DIR), "en-US"));
}

feel::skill::Envelope parsed(const json& request) {
  auto result = feel::skill::parse_envelope(request.dump());
  const auto* failure = std::get_if<feel::skill::ParseError>(&result);
  INFO((failure != nullptr ? failure->message : std::string()));
  REQUIRE(failure == nullptr);
  return std::get<feel::skill::Envelope>(std::move(result));
}

// A skill stand-in: records each request and answers from a script.
struct ScriptedSkill {
  std::vector<json> requests;
  std::vector<json> answers;

  feel::skill::Transport transport() {
    return [this](const json& request, std::string&) -> std::optional<json> {
      requests.push_back(request);
      if (request["request"]["type"] == "SessionEndedRequest") {
        return json{{"version", "1.0"}, {"response", json::object()}};
      }
      const auto index = std::min(requests.size() - 1, answers.size() - 1);
      return answers[index];
    };
  }
};

json open_turn(const std::string& speech, const std::string& reprompt, json attributes) {
  return {{"version", "1.0"},
          {"sessionAttributes", std::move(attributes)},
          {"response",
           {{"outputSpeech", {{"type", "SSML"}, {"ssml", "<speak>" + speech + "</speak>"}}},
            {"reprompt",
             {{"outputSpeech", {{"type", "SSML"}, {"ssml", "<speak>" + reprompt + "</speak>"}}}}},
            {"shouldEndSession", false}}}};
}

json closing_turn(const std::string& speech) {
  return {{"version", "1.0"},
          {"response",
           {{"outputSpeech", {{"type", "SSML"}, {"ssml", "<speak>" + speech + "</speak>"}}},
            {"shouldEndSession", true}}}};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("what a listener hears marks pauses and sounds", "[say]") {
  using feel::skill::heard_text;
  CHECK(heard_text("<speak>Breathe in. <break time=\"4s\"/> Hold.</speak>") ==
        "Breathe in. [pause 4s] Hold.");
  SECTION("adjacent breaks add up") {
    CHECK(heard_text("<speak>Hold. <break time=\"10s\"/><break time=\"2s\"/> And out.</speak>") ==
          "Hold. [pause 12s] And out.");
  }
  SECTION("milliseconds and strengths") {
    CHECK(heard_text("a<break time=\"500ms\"/>b") == "a [pause 0.5s] b");
    CHECK(heard_text("a<break strength=\"strong\"/>b") == "a [pause 1s] b");
    CHECK(heard_text("a<break strength=\"none\"/>b") == "a b");
  }
  SECTION("sounds and spoken aliases") {
    CHECK(heard_text("<audio src=\"https://example.com/bell.mp3\"/>Welcome.") ==
          "[audio] Welcome.");
    CHECK(heard_text("Try <sub alias=\"cognitive behavioural therapy\">CBT</sub>.") ==
          "Try cognitive behavioural therapy .");
  }
  SECTION("other markup is read as words") {
    CHECK(heard_text("Call <say-as interpret-as=\"digits\">988</say-as> &amp; talk.") ==
          "Call 988 & talk.");
  }
}

TEST_CASE("a request carries the session and the resolved slot", "[say]") {
  const auto nlu = repository_nlu();
  SessionState session;
  session.open = true;
  session.is_new = false;
  session.session_id = "amzn1.echo-api.session.test";
  session.attributes = {{"lastTopic", "trauma"}};
  const RequestContext context{"en-GB", "amzn1.echo-api.request.test", "2026-11-27T10:00:00Z", {}};

  const auto request =
      feel::skill::make_request(nlu.understand("what is emotional numbness"), session, context);
  const auto envelope = parsed(request);
  CHECK(envelope.request.type == "IntentRequest");
  CHECK(envelope.request.locale == "en-GB");
  CHECK(envelope.request.request_id == "amzn1.echo-api.request.test");
  REQUIRE(envelope.session);
  CHECK_FALSE(envelope.session->is_new);
  CHECK(envelope.session->attributes == json{{"lastTopic", "trauma"}});
  CHECK(envelope.system.api_endpoint == "https://api.eu.amazonalexa.com");
  CHECK_FALSE(envelope.system.device.device_id.empty());
  REQUIRE(envelope.request.intent);
  CHECK(envelope.request.intent->name == "AskQuestionIntent");
  const auto* topic = envelope.request.intent->slot("topic");
  REQUIRE(topic != nullptr);
  CHECK(topic->value == std::optional<std::string>("emotional numbness"));
  CHECK(topic->resolved_id() == std::optional<std::string>("what-is-numbness"));

  SECTION("an unknown topic is heard without a match") {
    const auto unknown = parsed(
        feel::skill::make_request(nlu.understand("tell me about love songs"), session, context));
    const auto* slot = unknown.request.intent->slot("topic");
    REQUIRE(slot != nullptr);
    REQUIRE(slot->resolutions.size() == 1);
    CHECK(slot->resolutions[0].status == "ER_SUCCESS_NO_MATCH");
    CHECK_FALSE(slot->resolved_id());
  }
  SECTION("a new session has no attributes yet and a launch is a launch") {
    SessionState fresh;
    fresh.open = fresh.is_new = true;
    fresh.session_id = "amzn1.echo-api.session.new";
    const auto launch =
        parsed(feel::skill::make_request(nlu.understand("open feel again"), fresh, context));
    CHECK(launch.request.type == "LaunchRequest");
    CHECK(launch.session->is_new);
    CHECK(launch.session->attributes == json::object());
  }
  SECTION("the session ends with a reason") {
    const auto ended = parsed(feel::skill::make_session_ended(session, context, "USER_INITIATED"));
    CHECK(ended.request.type == "SessionEndedRequest");
    CHECK(ended.request.reason == "USER_INITIATED");
  }
}

TEST_CASE("a conversation carries attributes and starts again after the session ends", "[say]") {
  ScriptedSkill skill;
  skill.answers = {open_turn("Welcome. What would you like?", "What would you like?", {{"n", 1}}),
                   open_turn("Here it is. Want more?", "Want more?", {{"n", 2}}),
                   closing_turn("Goodbye.")};
  Conversation conversation(repository_nlu(), skill.transport(), {});
  std::ostringstream out;

  CHECK(conversation.turn("", out));  // an empty first line opens the skill
  CHECK(conversation.turn("what is trauma", out));
  CHECK(conversation.turn("stop", out));
  CHECK_FALSE(conversation.session().open);
  CHECK(conversation.turn("help", out));

  REQUIRE(skill.requests.size() == 4);
  CHECK(skill.requests[0]["request"]["type"] == "LaunchRequest");
  CHECK(skill.requests[0]["session"]["new"] == true);
  CHECK(skill.requests[1]["session"]["new"] == false);
  CHECK(skill.requests[1]["session"]["attributes"] == json{{"n", 1}});
  CHECK(skill.requests[1]["session"]["sessionId"] == skill.requests[0]["session"]["sessionId"]);
  CHECK(skill.requests[2]["session"]["attributes"] == json{{"n", 2}});
  CHECK(skill.requests[2]["request"]["intent"]["name"] == "AMAZON.StopIntent");
  // After the skill ended the session, the next line starts a new one.
  CHECK(skill.requests[3]["session"]["new"] == true);
  CHECK(skill.requests[3]["session"]["sessionId"] != skill.requests[0]["session"]["sessionId"]);

  const auto text = out.str();
  CHECK(contains(text, "[LaunchRequest]"));
  CHECK(contains(text, "Alexa: Welcome. What would you like?"));
  CHECK(contains(text, "(reprompt: What would you like?)"));
  CHECK(contains(text, "[AskQuestionIntent topic=\"trauma\" -> trauma]"));
  CHECK(contains(text, "Alexa: Goodbye.\n  (session ended)"));
}

TEST_CASE("silence plays the reprompt, then closes the session", "[say]") {
  ScriptedSkill skill;
  skill.answers = {open_turn("Welcome. What would you like?", "Still there?", json::object())};
  Conversation conversation(repository_nlu(), skill.transport(), {});
  std::ostringstream out;
  CHECK(conversation.turn("open feel again", out));
  CHECK(conversation.turn("", out));
  CHECK(skill.requests.size() == 1);  // the reprompt is Alexa's: nothing is sent
  CHECK(contains(out.str(), "Alexa: Still there?"));
  CHECK(conversation.turn("", out));
  REQUIRE(skill.requests.size() == 2);
  CHECK(skill.requests[1]["request"]["type"] == "SessionEndedRequest");
  CHECK(skill.requests[1]["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS");
  CHECK_FALSE(conversation.session().open);
}

TEST_CASE("exit and the end of input close an open session", "[say]") {
  ScriptedSkill skill;
  skill.answers = {open_turn("Welcome. What would you like?", "Still there?", json::object())};
  Conversation conversation(repository_nlu(), skill.transport(), {});
  std::ostringstream out;
  CHECK(conversation.turn("open feel again", out));
  CHECK(conversation.turn("exit", out));
  REQUIRE(skill.requests.size() == 2);
  CHECK(skill.requests[1]["request"]["reason"] == "USER_INITIATED");
  CHECK_FALSE(conversation.session().open);

  CHECK(conversation.turn("open feel again", out));
  conversation.finish(out);
  REQUIRE(skill.requests.size() == 4);
  CHECK(skill.requests[3]["request"]["type"] == "SessionEndedRequest");
  conversation.finish(out);  // nothing open: nothing sent
  CHECK(skill.requests.size() == 4);
}

TEST_CASE("a transport failure is reported and the turn fails", "[say]") {
  Conversation conversation(repository_nlu(),
                            [](const json&, std::string& error) -> std::optional<json> {
                              error = "connection refused";
                              return std::nullopt;
                            },
                            {});
  std::ostringstream out;
  CHECK_FALSE(conversation.turn("open feel again", out));
  CHECK(contains(out.str(), "(no answer: connection refused)\n  (session ended)"));
  CHECK_FALSE(conversation.session().open);
}

TEST_CASE("say talks to the skill in process from piped lines", "[say]") {
  feel::skill::SayOptions options;
  options.content_dir = FEEL_AGAIN_CONTENT_DIR;
  options.skill_package_dir = FEEL_AGAIN_SKILL_PACKAGE_DIR;
  options.seed = 7;
  std::istringstream in("open feel again\nhelp\nstop\n");
  std::ostringstream out;
  CHECK(feel::skill::run_say(options, in, out) == 0);
  const auto text = out.str();
  INFO(text);
  CHECK(contains(text, "> open feel again\n  [LaunchRequest]\nAlexa: "));
  CHECK(contains(text, "  [AMAZON.HelpIntent]\nAlexa: "));
  CHECK(contains(text, "  [AMAZON.StopIntent]\nAlexa: "));
  CHECK(contains(text, "(session ended)"));

  // Help is heard as one of its content variants.
  const auto catalog = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  const auto& variants = catalog.for_locale("en-US").at("help.start");
  CHECK(std::any_of(variants.begin(), variants.end(), [&](const std::string& variant) {
    return contains(text, "Alexa: " + feel::skill::ssml_to_plain_text(variant));
  }));

  SECTION("the raw responses with --json") {
    options.json = true;
    std::istringstream again("open feel again\n");
    std::ostringstream raw;
    CHECK(feel::skill::run_say(options, again, raw) == 0);
    CHECK(contains(raw.str(), "\"shouldEndSession\": false"));
  }
}
