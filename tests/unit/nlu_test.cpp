#include <catch2/catch.hpp>

#include <string>

#include "skill/nlu.hpp"
#include "skill/skill_package.hpp"

namespace {

namespace fs = std::filesystem;
using feel::skill::MatchStatus;
using feel::skill::Nlu;
using feel::skill::RequestKind;
using feel::skill::Understanding;

// The repository's en-US model and built-in phrases: the NLU is tested on what `say` uses.
const Nlu& repository_nlu() {
  static const Nlu nlu(
      feel::skill::load_interaction_model(
          feel::skill::interaction_model_path(FEEL_AGAIN_SKILL_PACKAGE_DIR, "en-US")),
      feel::skill::load_builtin_phrases(
          feel::skill::builtin_phrases_path(FEEL_AGAIN_SKILL_PACKAGE_DIR), "en-US"));
  return nlu;
}

Understanding understand(const std::string& utterance) {
  return repository_nlu().understand(utterance);
}

}  // namespace

TEST_CASE("utterances are normalised as alexa hears them", "[nlu]") {
  using feel::skill::normalize_utterance;
  CHECK(normalize_utterance("  Why CAN'T I feel?! ") == "why can't i feel");
  CHECK(normalize_utterance("why can\xE2\x80\x99t I") == "why can't i");
  CHECK(normalize_utterance("P.T.S.D.") == "p t s d");
  CHECK(normalize_utterance("p. t. s. d.") == "p t s d");
  CHECK(normalize_utterance("'quoted'") == "quoted");
  CHECK(normalize_utterance("") == "");
}

TEST_CASE("samples are parsed into words and slots and compared by shape", "[nlu]") {
  using feel::skill::parse_sample;
  using feel::skill::sample_shape;
  const auto parts = parse_sample("tell me about {topic} please");
  REQUIRE(parts);
  REQUIRE(parts->size() == 3);
  CHECK((*parts)[1].is_slot);
  CHECK((*parts)[1].text == "topic");
  CHECK_FALSE(parse_sample("tell me {topic"));
  CHECK_FALSE(parse_sample("tell me topic}"));
  CHECK_FALSE(parse_sample("tell me {}"));
  CHECK_FALSE(parse_sample("tell {me {topic}}"));
  CHECK(sample_shape("What is  {topic}") == sample_shape("what is {query}"));
  CHECK(sample_shape("tell me about {topic}") != sample_shape("tell me {query}"));
}

TEST_CASE("a known topic resolves to its id", "[nlu]") {
  const auto heard = understand("What is emotional numbness?");
  CHECK(heard.kind == RequestKind::intent);
  CHECK_FALSE(heard.new_session);
  CHECK(heard.intent == "AskQuestionIntent");
  const auto* topic = heard.slot("topic");
  REQUIRE(topic != nullptr);
  REQUIRE(topic->value);
  CHECK(*topic->value == "emotional numbness");
  CHECK(topic->resolution == MatchStatus::match);
  CHECK(topic->id == "what-is-numbness");
  CHECK(topic->resolved_name == "emotional numbness");

  SECTION("through a synonym, in any case") {
    const auto ptsd = understand("tell me about PTSD");
    CHECK(ptsd.intent == "AskQuestionIntent");
    REQUIRE(ptsd.slot("topic") != nullptr);
    CHECK(ptsd.slot("topic")->id == "mental-health-conditions");
  }
  SECTION("a topic on its own") {
    const auto alone = understand("trauma");
    CHECK(alone.intent == "AskQuestionIntent");
    CHECK(alone.slot("topic")->id == "trauma");
  }
}

TEST_CASE("an unknown topic after a carrier phrase is heard without a match", "[nlu]") {
  const auto heard = understand("tell me about love songs");
  CHECK(heard.intent == "AskQuestionIntent");
  const auto* topic = heard.slot("topic");
  REQUIRE(topic != nullptr);
  REQUIRE(topic->value);
  CHECK(*topic->value == "love songs");
  CHECK(topic->resolution == MatchStatus::no_match);
  CHECK(topic->id.empty());
}

TEST_CASE("a free form question captures the words after its carrier phrase", "[nlu]") {
  const auto why = understand("Why can't I feel anything?");
  CHECK(why.intent == "FreeformQuestionIntent");
  REQUIRE(why.slot("query") != nullptr);
  REQUIRE(why.slot("query")->value);
  CHECK(*why.slot("query")->value == "can't i feel anything");
  CHECK(why.slot("query")->resolution == MatchStatus::none);

  SECTION("the longest carrier phrase wins") {
    const auto normal = understand("is it normal to feel nothing");
    CHECK(normal.intent == "FreeformQuestionIntent");
    CHECK(*normal.slot("query")->value == "feel nothing");
    CHECK(normal.matched == "is it normal to {query}");
  }
}

TEST_CASE("built in intents are recognised from their phrases and model samples", "[nlu]") {
  const std::pair<const char*, const char*> cases[] = {
      {"yes", "AMAZON.YesIntent"},
      {"Yeah.", "AMAZON.YesIntent"},
      {"tell me more", "AMAZON.YesIntent"},
      {"no", "AMAZON.NoIntent"},
      {"nope", "AMAZON.NoIntent"},
      {"help", "AMAZON.HelpIntent"},
      {"what can i say", "AMAZON.HelpIntent"},
      {"stop", "AMAZON.StopIntent"},
      {"cancel", "AMAZON.CancelIntent"},
      {"repeat", "AMAZON.RepeatIntent"},
      {"say that again", "AMAZON.RepeatIntent"},
      {"next", "AMAZON.NextIntent"},
      {"start over", "AMAZON.StartOverIntent"},
      {"pause", "AMAZON.PauseIntent"},
      {"resume", "AMAZON.ResumeIntent"},
      {"go home", "AMAZON.NavigateHomeIntent"},
  };
  for (const auto& [utterance, intent] : cases) {
    CAPTURE(utterance);
    const auto heard = understand(utterance);
    CHECK(heard.kind == RequestKind::intent);
    CHECK(heard.intent == intent);
  }
  // The model has no PreviousIntent, so Alexa would never send it: "go back" is not understood.
  CHECK(understand("go back").intent == "AMAZON.FallbackIntent");
}

TEST_CASE("launch phrases start a new session, with or without a request", "[nlu]") {
  for (const auto* phrase :
       {"open feel again", "Alexa, launch Feel Again", "talk to feel again", "start feel again"}) {
    CAPTURE(phrase);
    const auto heard = understand(phrase);
    CHECK(heard.kind == RequestKind::launch);
    CHECK(heard.new_session);
  }
  SECTION("a one-shot request is an intent in a new session") {
    const auto heard = understand("ask feel again what is trauma");
    CHECK(heard.kind == RequestKind::intent);
    CHECK(heard.new_session);
    CHECK(heard.intent == "AskQuestionIntent");
    CHECK(heard.slot("topic")->id == "trauma");
    const auto to = understand("Alexa, ask Feel Again to tell me about hormones");
    CHECK(to.new_session);
    CHECK(to.slot("topic")->id == "hormones");
  }
}

TEST_CASE("silence, exit and anything else are told apart", "[nlu]") {
  CHECK(understand("").kind == RequestKind::silence);
  CHECK(understand("  ").kind == RequestKind::silence);
  CHECK(understand("exit").kind == RequestKind::session_end);
  for (const auto* other : {"what's the weather like", "banana", "play some jazz"}) {
    CAPTURE(other);
    const auto heard = understand(other);
    CHECK(heard.kind == RequestKind::intent);
    CHECK(heard.intent == "AMAZON.FallbackIntent");
    CHECK(heard.slots.empty());
  }
}

TEST_CASE("every declared slot is reported, filled or not", "[nlu]") {
  feel::skill::InteractionModel model;
  model.invocation_name = "test skill";
  model.intents.push_back({"PairIntent",
                           {{"first", "COLOUR"}, {"second", "COLOUR"}},
                           {"{first} and {second}", "just {first}", "{first}"}});
  model.intents.push_back({"AMAZON.FallbackIntent", {}, {}});
  model.types.push_back({"COLOUR", {{"red", "red", {"crimson"}}, {"blue", "blue", {}}}});
  const Nlu nlu(model, {});
  const auto both = nlu.understand("crimson and blue");
  CHECK(both.intent == "PairIntent");
  REQUIRE(both.slots.size() == 2);
  CHECK(both.slots[0].id == "red");
  CHECK(both.slots[1].id == "blue");
  const auto one = nlu.understand("just green");
  CHECK(one.intent == "PairIntent");
  REQUIRE(one.slots.size() == 2);
  CHECK(one.slots[0].resolution == MatchStatus::no_match);
  CHECK_FALSE(one.slots[1].value);
  // A sample of only a slot explains nothing itself: only values the model knows count.
  CHECK(nlu.understand("crimson").slots[0].id == "red");
  CHECK(nlu.understand("green").intent == "AMAZON.FallbackIntent");
}
