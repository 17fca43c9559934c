// Multi-turn conversations as data files (tests/data/conversations/*.json), run over HTTP
// against the running server. Each turn names what is said (a launch, or an intent with
// slots) and the content keys the answer must come from, never literal words.
//
// A turn: {"launch": true} or {"intent": "AskQuestionIntent", "slots": {"topic": {"id":
// "trauma"}}}; a slot is a plain string (heard words, no resolution), {"id": ...} (resolved)
// or {"value": ..., "no_match": true}. "expect": {"keys": [...] (each one's variant is in
// the speech, in order), "not_keys": [...], "open": bool, "lastTopic": id or null,
// "same_speech_as_previous": true, "card_title_key": key}.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "skill/content.hpp"
#include "skill/ssml.hpp"
#include "support/http.hpp"

namespace {

using nlohmann::json;

const feel::skill::SpeechCatalog& catalog() {
  static const auto loaded = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  return loaded;
}

// Where the words of variant (a template: {placeholders} stand for any words) occur in
// plain, at or after from; npos when they do not.
std::size_t find_variant(const std::string& plain, const std::string& variant, std::size_t from) {
  const auto text = feel::skill::ssml_to_plain_text(variant);
  std::size_t start = std::string::npos;
  std::size_t at = from;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto open = text.find('{', pos);
    const auto piece = text.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
    if (!piece.empty()) {
      const auto found = plain.find(piece, at);
      if (found == std::string::npos) return std::string::npos;
      if (start == std::string::npos) start = found;
      at = found + piece.size();
    }
    if (open == std::string::npos) break;
    const auto close = text.find('}', open);
    if (close == std::string::npos) break;
    pos = close + 1;
  }
  return start == std::string::npos ? from : start;
}

// The position after the variant of key found in plain, or npos.
std::size_t find_key(const std::string& plain, const std::string& key, const std::string& locale,
                     std::size_t from) {
  for (const auto& variant : catalog().for_locale(locale).at(key)) {
    const auto at = find_variant(plain, variant, from);
    if (at != std::string::npos) return at + 1;
  }
  return std::string::npos;
}

json slot_json(const std::string& name, const json& spec) {
  json slot = {{"name", name}, {"confirmationStatus", "NONE"}};
  if (spec.is_string()) {
    slot["value"] = spec;
  } else if (spec.contains("id")) {
    slot["value"] = spec.value("value", spec["id"].get<std::string>());
    slot["resolutions"] = {{"resolutionsPerAuthority",
                            {{{"authority", "amzn1.er-authority.echo-sdk.test.TOPIC"},
                              {"status", {{"code", "ER_SUCCESS_MATCH"}}},
                              {"values", {{{"value", {{"name", spec["id"]}, {"id", spec["id"]}}}}}}}}}};
  } else {
    slot["value"] = spec.value("value", "");
    slot["resolutions"] = {{"resolutionsPerAuthority",
                            {{{"authority", "amzn1.er-authority.echo-sdk.test.TOPIC"},
                              {"status", {{"code", "ER_SUCCESS_NO_MATCH"}}}}}}};
  }
  return slot;
}

json request_for(const json& turn, const json& attributes, bool is_new, const std::string& locale) {
  auto envelope = feel::test::request_envelope(turn.value("launch", false) ? "launch" : "intent-help");
  envelope["request"]["locale"] = locale;
  envelope["session"]["new"] = is_new;
  envelope["session"]["attributes"] = attributes;
  if (!turn.value("launch", false)) {
    json slots = json::object();
    const auto specs = turn.value("slots", json::object());
    for (const auto& [name, spec] : specs.items()) {
      slots[name] = slot_json(name, spec);
    }
    envelope["request"]["intent"] = {
        {"name", turn["intent"]}, {"confirmationStatus", "NONE"}, {"slots", slots}};
  }
  return envelope;
}

void check_turn(const json& expect, const json& body, const std::string& locale,
                const std::string& previous_speech) {
  const auto& response = body["response"];
  const auto ssml = response["outputSpeech"]["ssml"].get<std::string>();
  const auto plain = feel::skill::ssml_to_plain_text(ssml);
  INFO("heard: " << plain);
  CHECK(feel::skill::ssml_well_formed(ssml));
  REQUIRE(response.contains("card"));

  std::size_t at = 0;
  const auto keys = expect.value("keys", json::array());
  for (const auto& key : keys) {
    CAPTURE(key);
    at = find_key(plain, key.get<std::string>(), locale, at);
    CHECK(at != std::string::npos);
    if (at == std::string::npos) at = 0;
  }
  const auto not_keys = expect.value("not_keys", json::array());
  for (const auto& key : not_keys) {
    CAPTURE(key);
    CHECK(find_key(plain, key.get<std::string>(), locale, 0) == std::string::npos);
  }
  if (expect.contains("open")) {
    const bool open = response.value("shouldEndSession", true) == false;
    CHECK(open == expect["open"].get<bool>());
    if (open) {
      CHECK(plain.back() == '?');
      REQUIRE(response.contains("reprompt"));
      CHECK(feel::skill::ssml_to_plain_text(
                response["reprompt"]["outputSpeech"]["ssml"].get<std::string>())
                .back() == '?');
    }
  }
  if (expect.contains("lastTopic")) {
    const auto& attributes = body.value("sessionAttributes", json::object());
    if (expect["lastTopic"].is_null()) {
      CHECK_FALSE(attributes.contains("lastTopic"));
    } else {
      CHECK(attributes.value("lastTopic", "") == expect["lastTopic"].get<std::string>());
    }
  }
  if (expect.value("same_speech_as_previous", false)) CHECK(ssml == previous_speech);
  if (expect.contains("card_title_key")) {
    const auto title = response["card"]["title"].get<std::string>();
    CHECK(find_key(title, expect["card_title_key"].get<std::string>(), locale, 0) !=
          std::string::npos);
  }
}

}  // namespace

TEST_CASE("conversations from the data files go as written", "[conversation]") {
  feel::test::RunningServer server(feel::test::local_config());
  auto client = server.client();
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(feel::test::data_path("conversations"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    std::ifstream in(file);
    const auto conversation = json::parse(in);
    const auto locales = conversation.value("locales", json::array({"en-US"}));
    for (const auto& locale : locales) {
      CAPTURE(locale);
      json attributes = json::object();
      std::string previous_speech;
      int number = 0;
      for (const auto& turn : conversation["turns"]) {
        CAPTURE(++number);
        const auto envelope = request_for(turn, attributes, number == 1, locale);
        auto result = feel::test::post_alexa(*client, envelope.dump());
        REQUIRE(result);
        REQUIRE(result->status == 200);
        const auto body = json::parse(result->body);
        check_turn(turn.value("expect", json::object()), body, locale, previous_speech);
        attributes = body.value("sessionAttributes", json::object());
        previous_speech = body["response"]["outputSpeech"]["ssml"].get<std::string>();
        if (body["response"].value("shouldEndSession", true)) {
          attributes = json::object();
        }
      }
    }
  }
}
