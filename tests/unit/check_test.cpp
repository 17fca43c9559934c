#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/app.hpp"
#include "skill/check.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Handled = std::set<std::string, std::less<>>;

std::string words(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "Word" : " word";
  return out + ".";
}

json intent(const std::string& name, json slots, json samples) {
  return {{"name", name}, {"slots", std::move(slots)}, {"samples", std::move(samples)}};
}

// A small skill that passes the check: speech-content/ (an en base, en-US and en-GB), and a
// skill package with two locales. Each test breaks one thing and looks for the problem.
struct Fixture {
  fs::path root =
      fs::temp_directory_path() / ("feel-again-check-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  fs::path content = root / "speech-content";
  fs::path package = root / "intents" / "skill-package";

  json base = {{"card.title", {"Feel Again"}},
               {"offer.more", {"Want to hear more?"}},
               {"help.start", {"You can ask about numbness. What would you like?"}},
               {"topic.a.answer", {"Numbness can follow stress."}},
               {"topic.a.more", {"Some people find it lifts slowly."}},
               {"topic.a.card.text", {words(300)}},
               {"topic.b.answer", {"Emotions are signals."}},
               {"topic.b.more", {"They carry information."}},
               {"exercise.breath.name", {"breathing"}},
               {"exercise.breath.intro", {"Let's breathe for {length}."}},
               {"exercise.breath.in", {"Breathe in."}},
               {"exercise.breath.out", {"And out."}},
               {"exercise.breath.close", {"That's the end."}},
               {"exercise.begin", {"Let's begin."}},
               {"exercise.length.one", {"a minute"}},
               {"exercise.length.many", {"{minutes} minutes"}}};
  json plans = {{"breath",
                 {{"pace", "cycle"},
                  {"steps", {{{"cue", "exercise.breath.in"}, {"pause", 4}},
                             {{"cue", "exercise.breath.out"}, {"pause", 6}}}}}}};
  json us = {{"disclaimer.short", {"Not a substitute; in an emergency, call 911."}},
             {"crisis.answer", {"Call or text 988. Would you like to keep talking?"}}};
  json gb = {{"disclaimer.short", {"Not a substitute; in an emergency, call 999."}},
             {"crisis.answer", {"Call Samaritans. Would you like to keep talking?"}}};
  json matching = {
      {"a", {{"related", {"b"}}, {"questions", {"what is numbness"}}, {"keywords", {"numb"}}}},
      {"b", {{"related", {"a"}}, {"questions", {"what are emotions"}}, {"keywords", {"emotion"}}}}};
  json model = {
      {"interactionModel",
       {{"languageModel",
         {{"invocationName", "feel again"},
          {"intents",
           {intent("AskQuestionIntent", {{{"name", "topic"}, {"type", "TOPIC"}}},
                   {"tell me about {topic}", "{topic}"}),
            intent("FreeformQuestionIntent", {{{"name", "query"}, {"type", "AMAZON.SearchQuery"}}},
                   {"why {query}"}),
            intent("AMAZON.HelpIntent", json::array(), json::array()),
            intent("AMAZON.StopIntent", json::array(), json::array()),
            intent("AMAZON.CancelIntent", json::array(), json::array()),
            intent("AMAZON.NavigateHomeIntent", json::array(), json::array()),
            intent("AMAZON.FallbackIntent", json::array(), json::array())}},
          {"types",
           {{{"name", "TOPIC"},
             {"values",
              {{{"id", "a"}, {"name", {{"value", "numbness"}, {"synonyms", {"feeling numb"}}}}},
               {{"id", "b"},
                {"name", {{"value", "emotions"}, {"synonyms", {"feelings"}}}}}}}}}}}}}}};
  json gb_model = model;
  std::map<std::string, json> other_models;  // locale -> model
  json listing = {{"name", "Feel Again"},
                  {"summary", "A calm guide."},
                  {"description",
                   "Not a substitute for professional medical advice, diagnosis or treatment. "
                   "In an emergency, call your local emergency number."},
                  {"examplePhrases",
                   {"Alexa, open feel again", "Alexa, ask feel again to tell me about numbness",
                    "Alexa, ask feel again why is the sky grey"}}};
  json manifest = {
      {"manifest",
       {{"manifestVersion", "1.0"},
        {"publishingInformation", {{"locales", {{"en-US", listing}, {"en-GB", listing}}}}},
        {"privacyAndCompliance",
         {{"allowsPurchases", false},
          {"usesPersonalInfo", false},
          {"isChildDirected", false},
          {"isExportCompliant", true},
          {"containsAds", false}}},
        {"apis",
         {{"custom",
           {{"endpoint", {{"uri", "https://example.com/alexa"}, {"sslCertificateType", "Trusted"}}},
            {"interfaces", json::array()}}}}}}}};
  json phrases = {
      {"en",
       {{"launch", {"open", "ask"}},
        {"exit", {"exit"}},
        {"intents", {{"AMAZON.HelpIntent", {"help"}}, {"AMAZON.StopIntent", {"stop"}}}}}}};
  Handled handled = {"AskQuestionIntent",    "FreeformQuestionIntent", "AMAZON.HelpIntent",
                     "AMAZON.StopIntent",    "AMAZON.CancelIntent",    "AMAZON.NavigateHomeIntent",
                     "AMAZON.FallbackIntent"};

  ~Fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  void write(const fs::path& file, const json& document) const {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << document.dump(2);
  }

  std::vector<std::string> check() const {
    fs::remove_all(root);
    write(content / "en" / "core.json", base);
    write(content / "en-US" / "locale.json", us);
    write(content / "en-GB" / "locale.json", gb);
    write(content / "en" / "matching" / "topics.json", matching);
    write(content / "en" / "plans" / "exercises.json", plans);
    write(package / "skill.json", manifest);
    write(package / "interactionModels" / "custom" / "en-US.json", model);
    write(package / "interactionModels" / "custom" / "en-GB.json", gb_model);
    for (const auto& [locale, other] : other_models) {
      write(package / "interactionModels" / "custom" / (locale + ".json"), other);
    }
    write(package.parent_path() / "builtin-phrases.json", phrases);
    return feel::skill::check_skill(content, package, handled);
  }

  json& language_model() { return model["interactionModel"]["languageModel"]; }
  json& intent_named(const std::string& name) {
    for (auto& i : language_model()["intents"]) {
      if (i["name"] == name) return i;
    }
    FAIL("no intent " << name);
    throw std::logic_error("unreachable");
  }
  void remove_intent(json& m, const std::string& name) {
    auto& intents = m["interactionModel"]["languageModel"]["intents"];
    for (auto it = intents.begin(); it != intents.end(); ++it) {
      if ((*it)["name"] == name) {
        intents.erase(it);
        return;
      }
    }
  }
};

// True when some problem mentions every one of parts.
bool reported(const std::vector<std::string>& problems, std::initializer_list<std::string> parts) {
  for (const auto& problem : problems) {
    bool all = true;
    for (const auto& part : parts) all = all && problem.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string listed(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& problem : problems) out += problem + "\n";
  return out;
}

}  // namespace

// The content check of the build: a speech key missing in a locale, an answer too long, an
// intent without a handler or a handler without an intent fails it, and the failure lists each
// problem with its file.
TEST_CASE("the repository skill package and speech content pass the check", "[check]") {
  const auto core = feel::skill::SkillCore::load(FEEL_AGAIN_CONTENT_DIR);
  const auto problems = feel::skill::check_skill(
      FEEL_AGAIN_CONTENT_DIR, FEEL_AGAIN_SKILL_PACKAGE_DIR, core->dispatcher().intents());
  INFO(listed(problems));
  CHECK(problems.empty());
}

TEST_CASE("a small well formed skill passes the check", "[check]") {
  const Fixture fixture;
  const auto problems = fixture.check();
  INFO(listed(problems));
  CHECK(problems.empty());
}

TEST_CASE("speech keys missing in a locale are found", "[check]") {
  Fixture fixture;
  SECTION("a key one locale has and another lacks") {
    fixture.gb.erase("crisis.answer");
    const auto problems = fixture.check();
    CHECK(reported(problems, {"en-GB", "crisis.answer", "en-US"}));
  }
  SECTION("a locale of the skill with no speech folder") {
    fixture.manifest["manifest"]["publishingInformation"]["locales"]["en-AU"] = fixture.listing;
    fixture.other_models["en-AU"] = fixture.model;
    CHECK(reported(fixture.check(), {"en-AU", "missing", "emergency numbers"}));
  }
  SECTION("a topic of the model with no answer") {
    fixture.base.erase("topic.b.more");
    CHECK(reported(fixture.check(), {"topic.b.more", "en-US"}));
  }
}

TEST_CASE("broken ssml is reported with its file and key", "[check]") {
  Fixture fixture;
  fixture.base["help.start"] = {"You can <emphasis>ask. What would you like?"};
  const auto problems = fixture.check();
  CHECK(reported(problems, {"speech content", "core.json", "help.start"}));
}

TEST_CASE("speech longer than one breath is found", "[check]") {
  Fixture fixture;
  SECTION("an answer with the offer after it") {
    // 42 words and the 4-word offer make 46, over 45.
    fixture.base["topic.a.answer"] = {words(42)};
    CHECK(reported(fixture.check(), {"core.json", "topic.a.answer", "46 words", "offer.more"}));
    fixture.base["topic.a.answer"] = {words(41)};
    CHECK(fixture.check().empty());
  }
  SECTION("the more of a topic") {
    fixture.base["topic.a.more"] = {words(121)};
    CHECK(reported(fixture.check(), {"topic.a.more", "121 words"}));
  }
  SECTION("any other key, in a locale file too") {
    fixture.gb["crisis.answer"] = {"Short.", words(61)};
    CHECK(reported(fixture.check(), {"locale.json", "crisis.answer", "variant 2", "61 words"}));
  }
  SECTION("card text is read, not heard") {
    fixture.base["topic.b.card.text"] = {words(500)};
    CHECK(fixture.check().empty());
  }
}

TEST_CASE("exercise scripts need words for every step and must add up to the minutes", "[check]") {
  SECTION("a step without words") {
    Fixture fixture;
    fixture.base.erase("exercise.breath.out");
    CHECK(reported(fixture.check(), {"exercises.json", "breath", "exercise.breath.out has no words"}));
  }
  SECTION("a pattern that cannot fit a minute") {
    Fixture fixture;
    fixture.plans["breath"]["steps"][0]["pause"] = 60;
    fixture.plans["breath"]["steps"][1]["pause"] = 60;
    CHECK(reported(fixture.check(), {"breath", "1 minutes come to", "more than 15% off"}));
  }
  SECTION("a malformed plan") {
    Fixture fixture;
    fixture.plans["breath"]["pace"] = "sometimes";
    CHECK(reported(fixture.check(), {"exercises.json", "pace must be cycle or spread"}));
  }
}

TEST_CASE("invocation names follow the rules of amazon", "[check]") {
  Fixture fixture;
  for (const auto* name :
       {"feel", "open feel again", "Feel Again", "feel again skill", "feel again2", "alexa feel"}) {
    CAPTURE(name);
    fixture.language_model()["invocationName"] = name;
    CHECK(reported(fixture.check(), {"en-US.json", "invocation name"}));
  }
  fixture.language_model()["invocationName"] = "sam's feelings";
  CHECK_FALSE(reported(fixture.check(), {"invocation name"}));
}

TEST_CASE("samples must use declared slots and say each utterance once", "[check]") {
  Fixture fixture;
  SECTION("an undeclared slot") {
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("explain {thing}");
    CHECK(reported(fixture.check(), {"AskQuestionIntent", "{thing} is not a slot"}));
  }
  SECTION("unbalanced braces") {
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("explain {topic");
    CHECK(reported(fixture.check(), {"AskQuestionIntent", "braces"}));
  }
  SECTION("the same sample in two intents, whatever the slots are called") {
    auto& freeform = fixture.intent_named("FreeformQuestionIntent");
    freeform["slots"].push_back({{"name", "subject"}, {"type", "TOPIC"}});
    freeform["samples"].push_back("tell me about {subject}");
    CHECK(reported(fixture.check(),
                   {"FreeformQuestionIntent", "conflicts with", "AskQuestionIntent"}));
  }
  SECTION("slots of different types make different utterances") {
    fixture.intent_named("FreeformQuestionIntent")["samples"].push_back("tell me about {query}");
    CHECK_FALSE(reported(fixture.check(), {"conflicts with"}));
  }
  SECTION("the same sample twice in one intent") {
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("Tell me  about {topic}");
    CHECK(reported(fixture.check(), {"AskQuestionIntent", "same intent"}));
  }
  SECTION("a sample that is a built-in intent's phrase") {
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("help");
    CHECK(reported(fixture.check(), {"AskQuestionIntent", "built-in AMAZON.HelpIntent"}));
  }
  SECTION("digits and punctuation") {
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("call 988 about {topic}");
    fixture.intent_named("AskQuestionIntent")["samples"].push_back("tell me, about {topic}");
    const auto problems = fixture.check();
    CHECK(reported(problems, {"call 988", "digits"}));
    CHECK(reported(problems, {"tell me, about", "character"}));
  }
}

TEST_CASE("a search query slot needs a carrier phrase and no other slot", "[check]") {
  Fixture fixture;
  auto& freeform = fixture.intent_named("FreeformQuestionIntent");
  SECTION("no carrier phrase") {
    freeform["samples"].push_back("{query}");
    CHECK(reported(fixture.check(), {"\"{query}\"", "carrier phrase"}));
  }
  SECTION("another slot beside it") {
    freeform["slots"].push_back({{"name", "topic"}, {"type", "TOPIC"}});
    freeform["samples"].push_back("why {query} about {topic}");
    fixture.gb_model = fixture.model;
    CHECK(reported(fixture.check(), {"why {query} about {topic}", "only slot"}));
  }
}

TEST_CASE("required built in intents, slot types and topic ids are checked", "[check]") {
  Fixture fixture;
  SECTION("a required built-in intent is missing") {
    fixture.remove_intent(fixture.model, "AMAZON.NavigateHomeIntent");
    fixture.handled.erase("AMAZON.NavigateHomeIntent");
    CHECK(reported(fixture.check(), {"en-US.json", "AMAZON.NavigateHomeIntent", "required"}));
  }
  SECTION("a custom slot type is used but not defined") {
    fixture.intent_named("AskQuestionIntent")["slots"][0]["type"] = "SUBJECT";
    fixture.gb_model = fixture.model;
    CHECK(reported(fixture.check(), {"slot type SUBJECT", "not defined"}));
  }
  SECTION("topic ids differ from matching topics") {
    fixture.language_model()["types"][0]["values"][1]["id"] = "c";
    const auto problems = fixture.check();
    CHECK(reported(problems, {"en-US.json", "no value with id b", "topics.json"}));
    CHECK(reported(problems, {"en-US.json", "value id c is not a topic"}));
  }
  SECTION("one synonym under two ids") {
    fixture.language_model()["types"][0]["values"][1]["name"]["synonyms"].push_back("Feeling numb");
    CHECK(reported(fixture.check(), {"\"Feeling numb\" also belongs to a"}));
  }
}

TEST_CASE("intents and handlers must match both ways", "[check]") {
  Fixture fixture;
  SECTION("an intent without a handler") {
    fixture.handled.erase("FreeformQuestionIntent");
    CHECK(reported(fixture.check(), {"en-GB.json", "FreeformQuestionIntent", "no handler"}));
  }
  SECTION("a handler whose intent is not in the model") {
    fixture.handled.insert("AMAZON.RepeatIntent");
    CHECK(reported(fixture.check(), {"en-US.json", "AMAZON.RepeatIntent", "not in the model"}));
  }
  SECTION("no handlers known, as when the skill does not load: not checked") {
    fixture.handled.clear();
    CHECK(fixture.check().empty());
  }
  SECTION("request types a handler lists are not intents") {
    fixture.handled.insert("CanFulfillIntentRequest");
    fixture.handled.insert("Alexa.Presentation.APL.UserEvent");
    CHECK(fixture.check().empty());
  }
}

TEST_CASE("every locale has the same intents", "[check]") {
  Fixture fixture;
  fixture.remove_intent(fixture.gb_model, "FreeformQuestionIntent");
  CHECK(reported(fixture.check(), {"en-GB.json", "FreeformQuestionIntent", "missing", "en-US"}));
}

TEST_CASE("the manifest carries the disclaimer and example phrases the model knows", "[check]") {
  Fixture fixture;
  auto& us = fixture.manifest["manifest"]["publishingInformation"]["locales"]["en-US"];
  SECTION("no disclaimer") {
    us["description"] = "A calm guide.";
    CHECK(reported(fixture.check(), {"skill.json", "en-US", "disclaimer"}));
  }
  SECTION("an example phrase no sample matches") {
    us["examplePhrases"][1] = "Alexa, ask feel again for a song";
    CHECK(reported(fixture.check(), {"skill.json", "for a song", "sample"}));
  }
  SECTION("an endpoint without a certificate type") {
    fixture.manifest["manifest"]["apis"]["custom"]["endpoint"].erase("sslCertificateType");
    CHECK(reported(fixture.check(), {"skill.json", "sslCertificateType"}));
  }
  SECTION("a model locale the manifest does not list") {
    fixture.manifest["manifest"]["publishingInformation"]["locales"].erase("en-GB");
    CHECK(reported(fixture.check(), {"en-GB.json", "not in skill.json"}));
  }
}
