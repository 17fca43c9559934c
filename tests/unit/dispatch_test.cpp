#include <catch2/catch.hpp>

#include <stdexcept>

#include "skill/app.hpp"
#include "skill/dispatch.hpp"

namespace {

using feel::skill::Dispatcher;
using feel::skill::Envelope;
using feel::skill::HandlerInput;
using feel::skill::ResponseBuilder;
using feel::skill::Ssml;

const feel::skill::SpeechCatalog& catalog() {
  static const auto loaded = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  return loaded;
}

Envelope intent_envelope(const std::string& name) {
  Envelope envelope;
  envelope.session = feel::skill::Session{};
  envelope.request.type = "IntentRequest";
  envelope.request.locale = "en-US";
  envelope.request.intent = feel::skill::Intent{name, "NONE", {}};
  return envelope;
}

ResponseBuilder say(std::string words) {
  ResponseBuilder builder;
  builder.speak(Ssml::from_text(words));
  return builder;
}

std::string speech(const feel::skill::DispatchResult& result) {
  return result.response.body["response"]["outputSpeech"]["ssml"].get<std::string>();
}

const auto kNow = std::chrono::system_clock::time_point{};

}  // namespace

TEST_CASE("the first handler that can handle a request answers it", "[dispatch]") {
  Dispatcher dispatcher;
  dispatcher.add(feel::skill::intent_handler("A", [](HandlerInput&) { return say("first"); }))
      .add(feel::skill::intent_handler("A", [](HandlerInput&) { return say("second"); }))
      .add(feel::skill::intent_handler("B", [](HandlerInput&) { return say("bee"); }));
  CHECK_THAT(speech(dispatcher.dispatch(intent_envelope("A"), catalog(), 1, kNow)),
             Catch::Contains("first"));
  CHECK_THAT(speech(dispatcher.dispatch(intent_envelope("B"), catalog(), 1, kNow)),
             Catch::Contains("bee"));
  const auto none = dispatcher.dispatch(intent_envelope("C"), catalog(), 1, kNow);
  CHECK(none.handler == "none");
  CHECK(none.response.body["response"].empty());
  CHECK(dispatcher.intents() == std::set<std::string, std::less<>>{"A", "B"});
}

TEST_CASE("interceptors run around the handler in order", "[dispatch]") {
  Dispatcher dispatcher;
  dispatcher.add_request_interceptor([](HandlerInput& input) { input.attributes["seen"] = 1; })
      .add_request_interceptor([](HandlerInput& input) {
        input.attributes["seen"] = input.attributes["seen"].get<int>() + 1;
      })
      .add(feel::skill::intent_handler("A", [](HandlerInput& input) {
        return say("seen " + std::to_string(input.attributes["seen"].get<int>()));
      }))
      .add_response_interceptor([](const HandlerInput&, ResponseBuilder& builder) {
        builder.ask(Ssml::from_text("Still there?"));
      });
  const auto result = dispatcher.dispatch(intent_envelope("A"), catalog(), 1, kNow);
  CHECK_THAT(speech(result), Catch::Contains("seen 2"));
  CHECK(result.response.body["response"]["shouldEndSession"] == false);
  CHECK(result.response.body["sessionAttributes"]["seen"] == 2);
}

TEST_CASE("a failing handler is answered by an error handler, not an exception", "[dispatch]") {
  Dispatcher dispatcher;
  dispatcher.add(feel::skill::intent_handler(
      "A", [](HandlerInput&) -> ResponseBuilder { throw std::runtime_error("boom"); }));
  SECTION("without an error handler the answer is empty but valid") {
    const auto result = dispatcher.dispatch(intent_envelope("A"), catalog(), 1, kNow);
    CHECK(result.failed);
    CHECK(result.response.body["version"] == "1.0");
  }
  SECTION("the first error handler that accepts it speaks") {
    dispatcher.add(feel::skill::ErrorHandler{
        "Picky", [](const HandlerInput&, const std::exception&) { return false; },
        [](HandlerInput&, const std::exception&) { return say("picky"); }});
    dispatcher.add(feel::skill::ErrorHandler{
        "Sorry", [](const HandlerInput&, const std::exception&) { return true; },
        [](HandlerInput&, const std::exception& e) { return say(std::string("sorry ") + e.what()); }});
    const auto result = dispatcher.dispatch(intent_envelope("A"), catalog(), 1, kNow);
    CHECK(result.failed);
    CHECK(result.handler == "Sorry");
    CHECK_THAT(speech(result), Catch::Contains("sorry boom"));
  }
}

TEST_CASE("the skill apologises when something fails inside a handler", "[dispatch]") {
  const auto core = feel::skill::SkillCore::load(FEEL_AGAIN_CONTENT_DIR);
  auto dispatcher = core->dispatcher();
  // A locale with content missing a key cannot happen after the content check; an exception
  // thrown by an interceptor stands in for any failure.
  dispatcher.add_request_interceptor(
      [](HandlerInput&) { throw std::runtime_error("storage unavailable"); });
  const auto result = dispatcher.dispatch(intent_envelope("AMAZON.HelpIntent"), catalog(), 3, kNow);
  CHECK(result.failed);
  CHECK(result.response.body["response"]["shouldEndSession"] == false);
  const auto& variants = catalog().for_locale("en-US").at("error.apology");
  const auto said = speech(result);
  CHECK(std::any_of(variants.begin(), variants.end(),
                    [&](const std::string& v) { return said.find(v) != std::string::npos; }));
}
