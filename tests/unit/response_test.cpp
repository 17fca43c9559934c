#include "skill/response.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace {

using feel::skill::empty_response;
using feel::skill::Limits;
using feel::skill::Response;
using feel::skill::ResponseBuilder;
using feel::skill::Ssml;
using feel::skill::ssml_to_plain_text;
using feel::skill::ssml_well_formed;
using feel::skill::utf8_length;
using nlohmann::json;

std::string serialize(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool mentions(const Response& response, const std::string& words) {
  return std::any_of(
      response.adjustments.begin(), response.adjustments.end(),
      [&](const std::string& line) { return line.find(words) != std::string::npos; });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const json& speech_of(const Response& response) {
  return response.body.at("response").at("outputSpeech");
}

std::string ssml_of(const Response& response) {
  return speech_of(response).at("ssml").get<std::string>();
}

std::string reprompt_of(const Response& response) {
  return response.body.at("response")
      .at("reprompt")
      .at("outputSpeech")
      .at("ssml")
      .get<std::string>();
}

// Many sentences of prose, then one question.
std::string long_text(std::size_t sentences, const std::string& question = "What would help now?") {
  std::string text;
  for (std::size_t i = 0; i < sentences; ++i) {
    text += "Sentence number " + std::to_string(i) + " says something calm and slow. ";
  }
  return text + question;
}

}  // namespace

TEST_CASE("a spoken answer that ends the session has the documented shape", "[response]") {
  const Response response =
      ResponseBuilder().speak(Ssml::from_text("Goodbye for now.")).end_session(true).build();
  CHECK(response.body == json::parse(R"({
    "version": "1.0",
    "response": {
      "outputSpeech": {"type": "SSML", "ssml": "<speak>Goodbye for now.</speak>"},
      "shouldEndSession": true
    }
  })"));
  CHECK(response.adjustments.empty());
  CHECK(response.ends_session());
}

TEST_CASE("ask keeps the session open with a reprompt", "[response]") {
  const Response response = ResponseBuilder()
                                .speak(Ssml::from_text("Want to try a breathing exercise?"))
                                .ask(Ssml::from_text("You can say yes, or ask me something else."))
                                .session_attributes({{"state", "menu"}})
                                .build();
  CHECK(response.body == json::parse(R"({
    "version": "1.0",
    "sessionAttributes": {"state": "menu"},
    "response": {
      "outputSpeech": {"type": "SSML", "ssml": "<speak>Want to try a breathing exercise?</speak>"},
      "reprompt": {"outputSpeech": {"type": "SSML",
                   "ssml": "<speak>You can say yes, or ask me something else.</speak>"}},
      "shouldEndSession": false
    }
  })"));
  CHECK(response.adjustments.empty());
  CHECK_FALSE(response.ends_session());
}

TEST_CASE("ending the session with no value leaves the flag out", "[response]") {
  const Response response = ResponseBuilder().end_session(std::nullopt).build();
  CHECK(response.body == json::parse(R"({"version": "1.0", "response": {}})"));
  CHECK(response.adjustments.empty());
  CHECK(response.ends_session());
}

TEST_CASE("each card type has the documented shape", "[response]") {
  ResponseBuilder builder;
  builder.speak(Ssml::from_text("Here it is."));
  json expected;
  SECTION("simple") {
    builder.simple_card("Feel Again", "Line one.\nLine two & <three>.");
    expected = {
        {"type", "Simple"}, {"title", "Feel Again"}, {"content", "Line one.\nLine two & <three>."}};
  }
  SECTION("standard with images") {
    builder.standard_card("Feel Again", "Breathe.", "https://example.com/s.png",
                          "https://example.com/l.png");
    expected = json::parse(R"({"type": "Standard", "title": "Feel Again", "text": "Breathe.",
      "image": {"smallImageUrl": "https://example.com/s.png",
                "largeImageUrl": "https://example.com/l.png"}})");
  }
  SECTION("standard with one image") {
    builder.standard_card("Feel Again", "Breathe.", "", "https://example.com/l.png");
    expected = json::parse(R"({"type": "Standard", "title": "Feel Again", "text": "Breathe.",
      "image": {"largeImageUrl": "https://example.com/l.png"}})");
  }
  SECTION("standard without images") {
    builder.standard_card("Feel Again", "Breathe.");
    expected = {{"type", "Standard"}, {"title", "Feel Again"}, {"text", "Breathe."}};
  }
  SECTION("permissions consent") {
    builder.permissions_card({"alexa::alerts:reminders:skill:readwrite"});
    expected = json::parse(R"({"type": "AskForPermissionsConsent",
      "permissions": ["alexa::alerts:reminders:skill:readwrite"]})");
  }
  const Response response = builder.build();
  CHECK(response.body.at("response").at("card") == expected);
  CHECK(response.adjustments.empty());
}

TEST_CASE("empty parts are left out of the response", "[response]") {
  const Response response = ResponseBuilder().speak(Ssml::from_text("Hello.")).build();
  const json& inner = response.body.at("response");
  CHECK_FALSE(response.body.contains("sessionAttributes"));
  CHECK_FALSE(inner.contains("reprompt"));
  CHECK_FALSE(inner.contains("card"));
  CHECK_FALSE(inner.contains("directives"));
  CHECK_FALSE(inner.contains("canFulfillIntent"));
  CHECK(inner.at("shouldEndSession") == true);
  SECTION("an empty ssml is no speech") {
    const Response silent = ResponseBuilder().speak(Ssml()).build();
    CHECK_FALSE(silent.body.at("response").contains("outputSpeech"));
  }
}

TEST_CASE("directives and can fulfill answers go into the response", "[response]") {
  const json document = {{"type", "Alexa.Presentation.APL.RenderDocument"},
                         {"token", "home"},
                         {"document", {{"type", "APL"}, {"version", "2024.1"}}}};
  const json answer = {{"canFulfill", "YES"}};
  const Response response = ResponseBuilder()
                                .speak(Ssml::from_text("Here."))
                                .directive(document)
                                .directive({{"type", "Alexa.Presentation.APL.ExecuteCommands"}})
                                .can_fulfill(answer)
                                .end_session(std::nullopt)
                                .build();
  const json& inner = response.body.at("response");
  REQUIRE(inner.at("directives").size() == 2);
  CHECK(inner.at("directives")[0] == document);
  CHECK(inner.at("canFulfillIntent") == answer);
  CHECK_FALSE(inner.contains("shouldEndSession"));
}

TEST_CASE("the empty response is the minimal valid response", "[response]") {
  const Response response = empty_response();
  CHECK(response.body == json::parse(R"({"version":"1.0","response":{}})"));
  CHECK(response.adjustments.empty());
  CHECK(response.ends_session());
}

TEST_CASE("speech and reprompt over their limits are shortened and logged", "[response]") {
  const std::string text = long_text(200);
  const Response response = ResponseBuilder()
                                .speak(Ssml::from_text(text))
                                .ask(Ssml::from_text(long_text(200, "Yes or no?")))
                                .build(Limits{});
  const std::string ssml = ssml_of(response);
  CHECK(utf8_length(ssml) <= 8'000);
  CHECK(utf8_length(ssml) > 7'900);
  CHECK(ssml.rfind("<speak>", 0) == 0);
  CHECK(ssml_well_formed(ssml));
  CHECK(ends_with(ssml_to_plain_text(ssml), "What would help now?"));
  CHECK(ends_with(ssml_to_plain_text(reprompt_of(response)), "Yes or no?"));
  CHECK(utf8_length(reprompt_of(response)) <= 8'000);
  CHECK(mentions(response, "speech shortened from " + std::to_string(utf8_length(text) + 15) +
                               " to " + std::to_string(utf8_length(ssml)) + " characters"));
  CHECK(mentions(response, "reprompt shortened from"));
  SECTION("smaller limits are honoured too") {
    const Response small = ResponseBuilder()
                               .speak(Ssml::from_text(text))
                               .ask(Ssml::from_text("Yes or no?"))
                               .build(Limits{300, 8'000, 8'000, 24'000});
    CHECK(utf8_length(ssml_of(small)) <= 300);
    CHECK(ends_with(ssml_to_plain_text(ssml_of(small)), "What would help now?"));
  }
}

TEST_CASE("card text over the limit is cut at a sentence boundary", "[response]") {
  const std::string text = long_text(300);
  const Response response =
      ResponseBuilder().speak(Ssml::from_text("Done.")).simple_card("Feel Again", text).build();
  const json& card = response.body.at("response").at("card");
  const std::string content = card.at("content").get<std::string>();
  CHECK(utf8_length(content) + utf8_length(card.at("title").get<std::string>()) <= 8'000);
  CHECK(utf8_length(content) > 7'900);
  CHECK(ends_with(content, "calm and slow."));
  CHECK(text.rfind(content, 0) == 0);
  CHECK(mentions(response, "card text shortened from " + std::to_string(text.size())));
  SECTION("a huge title gives way too") {
    const Response both = ResponseBuilder()
                              .speak(Ssml::from_text("Done."))
                              .standard_card(std::string(9'000, 'T'), text)
                              .build(Limits{8'000, 8'000, 1'000, 24'000});
    const json& big = both.body.at("response").at("card");
    CHECK(utf8_length(big.at("title").get<std::string>()) +
              utf8_length(big.at("text").get<std::string>()) <=
          1'000);
    CHECK(mentions(both, "card title shortened"));
    CHECK(mentions(both, "card text shortened"));
  }
}

TEST_CASE("an open session without ask gets the final sentence as its reprompt", "[response]") {
  const Response response =
      ResponseBuilder()
          .speak(Ssml::from_trusted("<s>That sounds hard.</s> <s>Want to hear more?</s>"))
          .end_session(false)
          .build();
  CHECK(response.body.at("response").at("shouldEndSession") == false);
  CHECK(reprompt_of(response) == "<speak> <s>Want to hear more?</s></speak>");
  CHECK(mentions(response, "without a reprompt"));
  CHECK_FALSE(response.ends_session());
}

TEST_CASE("an open session with nothing said is ended instead", "[response]") {
  SECTION("nothing at all") {
    const Response response = ResponseBuilder().end_session(false).build();
    CHECK(response.body.at("response").at("shouldEndSession") == true);
    CHECK(mentions(response, "nothing said"));
  }
  SECTION("a directive may keep it open without speech") {
    const Response response =
        ResponseBuilder().directive({{"type", "Dialog.Delegate"}}).end_session(false).build();
    CHECK(response.body.at("response").at("shouldEndSession") == false);
    CHECK(response.adjustments.empty());
  }
}

TEST_CASE("the whole response is kept under the byte limit", "[response]") {
  const Limits limits;
  SECTION("a huge card shrinks first") {
    const Response response = ResponseBuilder()
                                  .speak(Ssml::from_text(long_text(80)))
                                  .ask(Ssml::from_text("Shall we go on?"))
                                  .simple_card("Feel Again", long_text(300))
                                  .directive({{"type", "Alexa.Presentation.APL.RenderDocument"},
                                              {"document", std::string(14'000, 'd')}})
                                  .build(limits);
    const std::size_t size = serialize(response.body).size();
    CAPTURE(response.adjustments);
    CHECK(size <= limits.response_bytes);
    CHECK(size > limits.response_bytes - 200);
    CHECK(mentions(response, "card text shortened"));
    CHECK(mentions(response, "to keep the response under 24000 bytes"));
    CHECK_FALSE(mentions(response, "speech shortened"));
    CHECK(response.body.at("response").contains("directives"));
    CHECK(ends_with(ssml_to_plain_text(ssml_of(response)), "What would help now?"));
  }
  SECTION("speech shrinks next, keeping its question") {
    const Response response = ResponseBuilder()
                                  .speak(Ssml::from_text(long_text(140)))
                                  .ask(Ssml::from_text("Shall we go on?"))
                                  .directive({{"type", "Alexa.Presentation.APL.RenderDocument"},
                                              {"document", std::string(18'000, 'd')}})
                                  .build(limits);
    CAPTURE(response.adjustments);
    CHECK(serialize(response.body).size() <= limits.response_bytes);
    CHECK(mentions(response, "speech shortened"));
    CHECK(response.body.at("response").contains("directives"));
    CHECK(ends_with(ssml_to_plain_text(ssml_of(response)), "What would help now?"));
    CHECK(ssml_well_formed(ssml_of(response)));
  }
  SECTION("a huge directive is dropped and the speech kept whole") {
    const std::string text = long_text(40);
    const Response response = ResponseBuilder()
                                  .speak(Ssml::from_text(text))
                                  .ask(Ssml::from_text("Shall we go on?"))
                                  .directive({{"type", "Alexa.Presentation.APL.RenderDocument"},
                                              {"document", std::string(30'000, 'd')}})
                                  .build(limits);
    CAPTURE(response.adjustments);
    CHECK(serialize(response.body).size() <= limits.response_bytes);
    CHECK_FALSE(response.body.at("response").contains("directives"));
    CHECK(mentions(response, "1 directive(s) dropped"));
    CHECK_FALSE(mentions(response, "speech shortened"));
    CHECK(ssml_of(response) == "<speak>" + text + "</speak>");
  }
  SECTION("json escaping counts against the limit") {
    // Every quote costs two bytes once serialised, and the card is full of them.
    const Response response = ResponseBuilder()
                                  .speak(Ssml::from_text("Done."))
                                  .simple_card("Quotes", std::string(7'990, '"'))
                                  .build(Limits{8'000, 8'000, 8'000, 10'000});
    CHECK(serialize(response.body).size() <= 10'000);
    CHECK(mentions(response, "card text shortened"));
  }
  SECTION("attributes too large to fix are reported") {
    const Response response = ResponseBuilder()
                                  .speak(Ssml::from_text("Done."))
                                  .session_attributes({{"blob", std::string(30'000, 'x')}})
                                  .build(limits);
    CHECK(mentions(response, "still"));
    CHECK(ssml_of(response) == "<speak>Done.</speak>");
  }
}

TEST_CASE("build never throws on invalid utf8", "[response]") {
  const std::string bad = "caf\xC3 \xFF\xFE bad \xED\xA0\x80 end";
  ResponseBuilder builder;
  builder.speak(Ssml::from_trusted(bad))
      .ask(Ssml::from_text(bad))
      .simple_card(bad, bad)
      .directive({{"type", "Custom"}, {"value", bad}})
      .session_attributes({{"note", bad}, {bad, 1}});
  Response response;
  REQUIRE_NOTHROW(response = builder.build());
  std::string body;
  REQUIRE_NOTHROW(body = serialize(response.body));
  CHECK(feel::skill::is_valid_utf8(body));
  const json& card = response.body.at("response").at("card");
  CHECK(card.at("content").get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
  CHECK(feel::skill::is_valid_utf8(card.at("title").get<std::string>()));
  SECTION("a standard card and permissions too") {
    REQUIRE_NOTHROW(ResponseBuilder().standard_card(bad, bad, bad, bad).build());
    const Response permissions = ResponseBuilder().permissions_card({bad}).build();
    CHECK(feel::skill::is_valid_utf8(serialize(permissions.body)));
  }
  SECTION("under tight limits") { REQUIRE_NOTHROW(builder.build(Limits{20, 20, 5, 300})); }
}

TEST_CASE("session attributes that are not an object are left out", "[response]") {
  const Response response =
      ResponseBuilder().speak(Ssml::from_text("Hi.")).session_attributes(json::array()).build();
  CHECK_FALSE(response.body.contains("sessionAttributes"));
  CHECK(mentions(response, "session attributes"));
}

TEST_CASE("the serialised response is exactly the json body", "[response]") {
  ResponseBuilder builder;
  builder.speak(Ssml::from_text("Quotes \" backslash \\ tab\t and caf\u00e9, \u2014 dash."))
      .ask(Ssml::from_text("Still there?"))
      .simple_card("Title \"x\"", std::string("line one\nline two \x01 and \xff bad byte"))
      .session_attributes({{"n", 3}, {"neg", -2}, {"f", 1.5}, {"b", true}, {"z", nullptr},
                           {"list", {1, "two", {{"k", "v"}}}}});
  const auto response = builder.build();
  CHECK(response.text ==
        response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  CHECK(empty_response().text == empty_response().body.dump());
}
