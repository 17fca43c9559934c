#include "skill/ssml.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using feel::skill::escape_xml;
using feel::skill::final_sentence;
using feel::skill::shorten_ssml;
using feel::skill::Ssml;
using feel::skill::ssml_to_plain_text;
using feel::skill::ssml_well_formed;
using feel::skill::utf8_length;
using namespace std::chrono_literals;

const std::string kReplacement = "\xEF\xBF\xBD";

// The total of every <break time="..."/> in ssml, in milliseconds.
std::int64_t total_break_ms(const std::string& ssml) {
  static const std::regex kBreak(R"re(<break time="(\d+)(ms|s)"/>)re");
  std::int64_t total = 0;
  for (auto it = std::sregex_iterator(ssml.begin(), ssml.end(), kBreak);
       it != std::sregex_iterator(); ++it) {
    const std::int64_t value = std::stoll((*it)[1].str());
    total += (*it)[2].str() == "s" ? value * 1000 : value;
  }
  return total;
}

std::size_t count_breaks(const std::string& ssml) {
  std::size_t n = 0;
  for (std::size_t at = ssml.find("<break"); at != std::string::npos;
       at = ssml.find("<break", at + 1)) {
    ++n;
  }
  return n;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string well_formed_reason(const std::string& ssml) {
  std::string why;
  if (ssml_well_formed(ssml, &why)) return {};
  return why.empty() ? std::string("(no reason given)") : why;
}

// A long exercise: many sentences, elements, breaks and entities, ending in a question.
std::string long_speech(int sentences) {
  std::string inner;
  for (int i = 0; i < sentences; ++i) {
    switch (i % 4) {
      case 0:
        inner += "<s>Breathe in slowly, two, three, four.</s> ";
        break;
      case 1:
        inner +=
            "<prosody rate=\"90%\">Hold it gently &amp; softly.</prosody> <break time=\"4s\"/> ";
        break;
      case 2:
        inner += "And let it go, all the way out! ";
        break;
      default:
        inner += "<p>Notice how your shoulders feel &#8212; heavy, or light.</p> ";
        break;
    }
  }
  return "<speak><s>Welcome to box breathing.</s> " + inner +
         "<s>Ready for another round?</s></speak>";
}

}  // namespace

TEST_CASE("xml escaping escapes markup characters", "[ssml]") {
  SECTION("angle brackets") { CHECK(escape_xml("a < b > c") == "a &lt; b &gt; c"); }
  SECTION("a bare ampersand") { CHECK(escape_xml("Tom & Jerry") == "Tom &amp; Jerry"); }
  SECTION("quotes") { CHECK(escape_xml(R"(say "hi" it's)") == "say &quot;hi&quot; it&apos;s"); }
  SECTION("an injected tag") {
    CHECK(escape_xml(R"(</speak><audio src="x"/>)") ==
          "&lt;/speak&gt;&lt;audio src=&quot;x&quot;/&gt;");
  }
  SECTION("an ampersand that only looks like an entity") {
    CHECK(escape_xml("&amp") == "&amp;amp");
    CHECK(escape_xml("& amp;") == "&amp; amp;");
    CHECK(escape_xml("&AMP;") == "&amp;AMP;");
    CHECK(escape_xml("&nbsp;") == "&amp;nbsp;");
    CHECK(escape_xml("&#;") == "&amp;#;");
    CHECK(escape_xml("&#X41;") == "&amp;#X41;");
    CHECK(escape_xml("&#xZZ;") == "&amp;#xZZ;");
    CHECK(escape_xml("&#0;") == "&amp;#0;");
    // XML forbids references to control characters too: Alexa would reject the SSML.
    CHECK(escape_xml("&#x1F;") == "&amp;#x1F;");
    CHECK(escape_xml("&#27;") == "&amp;#27;");
    CHECK(escape_xml("&#xD800;") == "&amp;#xD800;");
    CHECK(escape_xml("&#1114112;") == "&amp;#1114112;");
    CHECK(escape_xml("&#999999999999;") == "&amp;#999999999999;");
  }
}

TEST_CASE("xml escaping leaves existing entity references alone", "[ssml]") {
  for (const std::string entity :
       {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#123;", "&#x1F600;", "&#x1f600;", "&#9;",
        "&#xA;", "&#0000065;", "&#x10FFFF;"}) {
    CAPTURE(entity);
    CHECK(escape_xml(entity) == entity);
    CHECK(escape_xml("a" + entity + "b") == "a" + entity + "b");
  }
}

TEST_CASE("escaping twice is the same as escaping once", "[ssml]") {
  SECTION("chosen inputs") {
    for (const std::string text :
         {"Tom & Jerry", "<b>bold</b>", "&amp;lt;", "&&&", "&#;&#x;&#12", "quote \" and ' marks",
          "tab\there", "nul\x00here", "bad \xC0\xAF utf8", "\xED\xA0\x80 surrogate",
          "emoji \xF0\x9F\x98\x80", "trailing &", "&#0;", "\x7F\xC2\x80 controls"}) {
      CAPTURE(text);
      const std::string once = escape_xml(text);
      CHECK(escape_xml(once) == once);
      CHECK(ssml_well_formed(once));
    }
  }
  SECTION("random bytes") {
    std::mt19937 random(20261126);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> pick(0, 9);
    const std::string alphabet = "&<>\"';#x0123456789abcdefamplgtquos ";
    for (int round = 0; round < 2000; ++round) {
      std::string text;
      const int length = byte(random) % 40;
      for (int i = 0; i < length; ++i) {
        // Mostly characters that build entities, so the idempotence cases get exercised.
        text.push_back(pick(random) < 6
                           ? alphabet[static_cast<std::size_t>(byte(random)) % alphabet.size()]
                           : static_cast<char>(byte(random)));
      }
      CAPTURE(text);
      const std::string once = escape_xml(text);
      REQUIRE(escape_xml(once) == once);
      REQUIRE(feel::skill::is_valid_utf8(once));
      REQUIRE(well_formed_reason(once).empty());
    }
  }
}

TEST_CASE("xml escaping replaces invalid utf8 with the replacement character", "[ssml]") {
  SECTION("a stray continuation byte") { CHECK(escape_xml("a\x80z") == "a" + kReplacement + "z"); }
  SECTION("an overlong two byte form") {
    CHECK(escape_xml("a\xC0\xAFz") == "a" + kReplacement + kReplacement + "z");
  }
  SECTION("an overlong three byte form") {
    CHECK(escape_xml("a\xE0\x80\xAFz") == "a" + kReplacement + kReplacement + kReplacement + "z");
  }
  SECTION("a surrogate") {
    CHECK(escape_xml("a\xED\xA0\x80z") == "a" + kReplacement + kReplacement + kReplacement + "z");
  }
  SECTION("beyond U+10FFFF") {
    CHECK(escape_xml("a\xF4\x90\x80\x80z") ==
          "a" + kReplacement + kReplacement + kReplacement + kReplacement + "z");
  }
  SECTION("a byte that never appears in utf8") {
    CHECK(escape_xml("a\xF5\xFFz") == "a" + kReplacement + kReplacement + "z");
  }
  SECTION("a truncated sequence is one replacement") {
    CHECK(escape_xml("a\xE2\x82z") == "a" + kReplacement + "z");
    CHECK(escape_xml("a\xF0\x9F\x98") == "a" + kReplacement);
  }
  SECTION("valid multi-byte text is kept") {
    const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
    CHECK(escape_xml(text) == text);
  }
}

TEST_CASE("xml escaping drops control characters and spaces out line breaks", "[ssml]") {
  CHECK(escape_xml(std::string("a\x00"
                               "b\x01\x1F"
                               "c\x7F"
                               "d",
                               8)) == "abcd");
  CHECK(escape_xml("one\ttwo\nthree\r\nfour") == "one two three  four");
  CHECK(escape_xml("c1 \xC2\x85 gone") == "c1  gone");
  CHECK(escape_xml("not a char \xEF\xBF\xBF") == "not a char " + kReplacement);
}

TEST_CASE("text with nothing to escape comes back unchanged", "[ssml]") {
  const std::string text =
      "Numbness can follow trauma: the mind turns feelings down. \xE2\x80\x94 ok";
  CHECK(escape_xml(text) == text);
  CHECK(escape_xml("") == "");
}

TEST_CASE("utf8 validity and length follow the standard", "[ssml]") {
  CHECK(feel::skill::is_valid_utf8("plain \xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(feel::skill::is_valid_utf8("\xC1\xBF"));
  CHECK_FALSE(feel::skill::is_valid_utf8("\xED\xBF\xBF"));
  CHECK_FALSE(feel::skill::is_valid_utf8("\xF8\x88\x80\x80\x80"));
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == 3);
  CHECK(utf8_length("a\xE2\x82z") == 3);
  CHECK(feel::skill::to_valid_utf8("a\xE2\x82z\xFF") == "a" + kReplacement + "z" + kReplacement);
  CHECK(feel::skill::to_valid_utf8("<kept & raw>") == "<kept & raw>");
}

TEST_CASE("a pause becomes break tags of at most ten seconds", "[ssml]") {
  SECTION("no pause") {
    CHECK(Ssml().pause(0ms).empty());
    CHECK(Ssml().pause(-5s).empty());
  }
  SECTION("milliseconds") { CHECK(Ssml().pause(250ms).inner() == R"(<break time="250ms"/>)"); }
  SECTION("whole seconds") { CHECK(Ssml().pause(4s).inner() == R"(<break time="4s"/>)"); }
  SECTION("exactly ten seconds is one break") {
    CHECK(Ssml().pause(10s).inner() == R"(<break time="10s"/>)");
  }
  SECTION("twenty five seconds") {
    CHECK(Ssml().pause(25s).inner() ==
          R"(<break time="10s"/><break time="10s"/><break time="5s"/>)");
  }
  SECTION("just over ten seconds") {
    CHECK(Ssml().pause(10'001ms).inner() == R"(<break time="10s"/><break time="1ms"/>)");
  }
  SECTION("any length sums exactly and stays well formed") {
    for (const auto length : {1ms, 999ms, 9'999ms, 10'500ms, 20'000ms, 61'234ms, 600'000ms}) {
      const std::string ssml = Ssml().pause(length).inner();
      CAPTURE(length.count(), ssml);
      CHECK(total_break_ms(ssml) == length.count());
      CHECK(count_breaks(ssml) == static_cast<std::size_t>((length.count() + 9'999) / 10'000));
      CHECK(well_formed_reason(ssml).empty());
    }
  }
}

TEST_CASE("the ssml builder escapes text and keeps trusted fragments", "[ssml]") {
  Ssml speech = Ssml::from_text("Tom & Jerry <3 ");
  speech.trusted(R"(<say-as interpret-as="digits">988</say-as>)").pause(2s).text("done.");
  CHECK(
      speech.inner() ==
      R"(Tom &amp; Jerry &lt;3 <say-as interpret-as="digits">988</say-as><break time="2s"/>done.)");
  Ssml more = Ssml::from_trusted("<s>More?</s>");
  speech.append(more);
  CHECK(ends_with(speech.inner(), "done. <s>More?</s>"));
  SECTION("appended fragments are separate sentences") {
    auto first = Ssml::from_text("One.");
    first.append(Ssml::from_text("Two.")).append(Ssml::from_text(" Three."));
    CHECK(first.inner() == "One. Two. Three.");
    CHECK(Ssml().append(Ssml::from_text("Alone.")).inner() == "Alone.");
  }
  CHECK(speech.speak() == "<speak>" + speech.inner() + "</speak>");
  CHECK(well_formed_reason(speech.speak()).empty());
  CHECK(Ssml().speak() == "<speak></speak>");
}

TEST_CASE("plain text from ssml gives the words", "[ssml]") {
  SECTION("tags go and sentences stay apart") {
    CHECK(ssml_to_plain_text("<speak><s>Hello.</s><s>How are you?</s></speak>") ==
          "Hello. How are you?");
  }
  SECTION("inline tags do not split words") {
    CHECK(ssml_to_plain_text(R"(Call <say-as interpret-as="digits">988</say-as>.)") == "Call 988.");
  }
  SECTION("a break separates words") {
    CHECK(ssml_to_plain_text(R"(in<break time="4s"/>and out)") == "in and out");
  }
  SECTION("entities are decoded") {
    CHECK(ssml_to_plain_text("Tom &amp; Jerry &lt;3 &quot;x&quot; it&apos;s &#65;&#x42; &gt;") ==
          "Tom & Jerry <3 \"x\" it's AB >");
    CHECK(ssml_to_plain_text("&#x1F600;") == "\xF0\x9F\x98\x80");
  }
  SECTION("white space collapses and is trimmed") {
    CHECK(ssml_to_plain_text("  <p> a \n\t b </p>  ") == "a b");
  }
  SECTION("an attribute with a > inside") {
    CHECK(ssml_to_plain_text(R"(<sub alias="a>b">x</sub>)") == "x");
  }
  SECTION("nothing") { CHECK(ssml_to_plain_text("<speak></speak>").empty()); }
}

TEST_CASE("the well formedness checker accepts valid ssml", "[ssml]") {
  for (const std::string ssml : {
           "",
           "plain words",
           "<speak>Hello.</speak>",
           "  <speak><p><s>One.</s><s>Two?</s></p></speak>\n",
           R"(<prosody rate="90%" pitch='low'>Slowly.</prosody>)",
           R"(<break time="10s"/><break time="250ms" /><break strength="x-strong"/>)",
           R"(<break time="3s"></break>)",
           R"(<say-as interpret-as="telephone">988</say-as>)",
           R"(<amazon:emotion name="disappointed" intensity="low">Oh.</amazon:emotion>)",
           R"(<amazon:effect name="whispered">quiet</amazon:effect>)",
           R"(<amazon:domain name="conversational">hey</amazon:domain>)",
           R"(<audio src="https://example.com/a.mp3"/>)",
           R"(<phoneme alphabet="ipa" ph="p&#x251;&#x2D0;">pa</phoneme>)",
           R"(<sub alias="and">&amp;</sub> <w role="amazon:VB">read</w> <mark name="m"/>)",
           R"(<lang xml:lang="fr-FR">bonjour</lang> <voice name="Brian">hi</voice>)",
           "<emphasis level=\"strong\">now</emphasis> &lt;3 &#x1F600; caf\xC3\xA9 > ok",
       }) {
    CAPTURE(ssml);
    CHECK(well_formed_reason(ssml).empty());
  }
}

TEST_CASE("the well formedness checker rejects invalid ssml with a reason", "[ssml]") {
  for (const std::string ssml : {
           "<speak>Hello.",
           "Hello.</speak>",
           "<p><s>crossed</p></s>",
           "a bare & ampersand",
           "&nbsp;",
           "&#0;",
           "a < b",
           "<>",
           "<unknown>x</unknown>",
           "<script>alert(1)</script>",
           "<speak><speak>nested</speak></speak>",
           "words <speak>after words</speak>",
           "<speak>one</speak> and more",
           "<speak>one</speak><p>two</p>",
           R"(<prosody rate=90%>x</prosody>)",
           R"(<prosody rate="90%>x</prosody>)",
           R"(<prosody rate="90%" rate="80%">x</prosody>)",
           R"(<prosody rate="90%"pitch="low">x</prosody>)",
           R"(<prosody rate>x</prosody>)",
           R"(<sub alias="<b>">x</sub>)",
           R"(<sub alias="a & b">x</sub>)",
           R"(<break time="11s"/>)",
           R"(<break time="10001ms"/>)",
           R"(<break time="99999999999s"/>)",
           R"(<break time="1.5s"/>)",
           R"(<break time="5 s"/>)",
           R"(<break time="-1s"/>)",
           R"(<break strength="loud"/>)",
           R"(<break volume="x"/>)",
           R"(<break time="1s">words</break>)",
           "<!-- comment -->",
           "<![CDATA[x]]>",
           "<?xml version=\"1.0\"?><speak/>",
           "bad \xC0\xAF utf8",
           "control \x01 char",
           "<p",
           "<p/",
           "</>",
       }) {
    CAPTURE(ssml);
    std::string why;
    CHECK_FALSE(ssml_well_formed(ssml, &why));
    CHECK_FALSE(why.empty());
  }
  SECTION("the reason names the problem") {
    std::string why;
    CHECK_FALSE(ssml_well_formed(R"(<break time="12s"/>)", &why));
    CHECK(why.find("10 s") != std::string::npos);
    CHECK_FALSE(ssml_well_formed("<foo/>", &why));
    CHECK(why.find("<foo>") != std::string::npos);
    CHECK_FALSE(ssml_well_formed("<p>open", &why));
    CHECK(why.find("unclosed <p>") != std::string::npos);
    CHECK_FALSE(ssml_well_formed("no reason asked <"));
  }
}

TEST_CASE("ssml that fits is not shortened", "[ssml]") {
  const std::string ssml = long_speech(3);
  CHECK(shorten_ssml(ssml, utf8_length(ssml)) == ssml);
  CHECK(shorten_ssml(ssml, 100'000) == ssml);
}

TEST_CASE("shortening keeps the final question and stays well formed", "[ssml]") {
  const std::string ssml = long_speech(200);
  REQUIRE(well_formed_reason(ssml).empty());
  const std::size_t length = utf8_length(ssml);
  REQUIRE(length > 8'000);
  for (const std::size_t max : {std::size_t{8'000}, std::size_t{4'000}, std::size_t{1'000},
                                std::size_t{300}, std::size_t{120}, std::size_t{60}}) {
    CAPTURE(max);
    const std::string shorter = shorten_ssml(ssml, max);
    CAPTURE(shorter);
    CHECK(utf8_length(shorter) <= max);
    CHECK(well_formed_reason(shorter).empty());
    CHECK(shorter.rfind("<speak>", 0) == 0);
    const std::string words = ssml_to_plain_text(shorter);
    CHECK(ends_with(words, "Ready for another round?"));
    // Sentences go from the middle: the opening stays while there is room for it.
    if (max >= 120) CHECK(words.rfind("Welcome to box breathing.", 0) == 0);
    // Whole sentences only, never a cut word.
    CHECK(words.find("\xE2\x80\xA6") == std::string::npos);
  }
  SECTION("as long as fits, not shorter") {
    const std::string shorter = shorten_ssml(ssml, 8'000);
    CHECK(utf8_length(shorter) > 7'800);
  }
}

TEST_CASE("shortening closes the elements left open", "[ssml]") {
  SECTION("a prosody around every sentence") {
    std::string ssml = R"(<speak><prosody rate="90%">)";
    for (int i = 0; i < 50; ++i) ssml += "Breathe in. Hold. <break time=\"4s\"/>And out. ";
    ssml += "Ready for another round?</prosody></speak>";
    const std::string shorter = shorten_ssml(ssml, 200);
    CAPTURE(shorter);
    CHECK(utf8_length(shorter) <= 200);
    CHECK(well_formed_reason(shorter).empty());
    CHECK(ends_with(shorter, "Ready for another round?</prosody></speak>"));
    CHECK(shorter.find(R"(<prosody rate="90%">)") != std::string::npos);
  }
  SECTION("an element opened in a removed sentence and closed in the question") {
    std::string ssml = "<speak>First. ";
    for (int i = 0; i < 30; ++i) ssml += "Filler sentence number " + std::to_string(i) + ". ";
    ssml += R"(<emphasis level="moderate">Middle. Still middle. Want more?</emphasis></speak>)";
    const std::string shorter = shorten_ssml(ssml, 120);
    CAPTURE(shorter);
    CHECK(utf8_length(shorter) <= 120);
    CHECK(well_formed_reason(shorter).empty());
    CHECK(ends_with(ssml_to_plain_text(shorter), "Want more?"));
  }
  SECTION("input that was never closed") {
    std::string ssml = R"(<speak><p>)";
    for (int i = 0; i < 40; ++i) ssml += "Some words here. ";
    ssml += "<s>Is that all?";
    const std::string shorter = shorten_ssml(ssml, 100);
    CAPTURE(shorter);
    CHECK(utf8_length(shorter) <= 100);
    CHECK(well_formed_reason(shorter).empty());
    CHECK(ends_with(shorter, "Is that all?</s></p></speak>"));
  }
  SECTION("empty sentence wrappers are removed, audio is kept") {
    const std::string ssml =
        "<speak><s>One long sentence here.</s><s>Another long one here.</s>"
        "<s><audio src=\"https://example.com/chime.mp3\"/>Last?</s></speak>";
    const std::string shorter = shorten_ssml(ssml, utf8_length(ssml) - 1);
    CHECK(shorter ==
          "<speak><s>One long sentence here.</s><s><audio "
          "src=\"https://example.com/chime.mp3\"/>Last?</s></speak>");
  }
}

TEST_CASE("a single giant sentence is cut at a word boundary with an ellipsis", "[ssml]") {
  std::string ssml = R"(<speak><prosody rate="90%">This sentence)";
  for (int i = 0; i < 500; ++i) ssml += " goes on";
  ssml += " forever?</prosody></speak>";
  const std::string original_words = ssml_to_plain_text(ssml);
  for (const std::size_t max : {std::size_t{1'000}, std::size_t{100}, std::size_t{70}}) {
    CAPTURE(max);
    const std::string shorter = shorten_ssml(ssml, max);
    CAPTURE(shorter);
    CHECK(utf8_length(shorter) <= max);
    CHECK(utf8_length(shorter) > max - 10);
    CHECK(well_formed_reason(shorter).empty());
    CHECK(ends_with(shorter, "\xE2\x80\xA6</prosody></speak>"));
    const std::string words = ssml_to_plain_text(shorter);
    REQUIRE(ends_with(words, "\xE2\x80\xA6"));
    const std::string kept = words.substr(0, words.size() - 3);
    CHECK(kept.rfind("This sentence goes on", 0) == 0);
    // A whole word before the ellipsis: the original has a space right after it.
    CHECK(original_words.rfind(kept, 0) == 0);
    CHECK(original_words[kept.size()] == ' ');
  }
  SECTION("one word too long for any boundary is cut hard, not inside an entity") {
    const std::string word =
        "<speak>" + std::string(300, 'a') + "&amp;" + std::string(300, 'b') + "</speak>";
    for (std::size_t max = 20; max < 330; max += 7) {
      CAPTURE(max);
      const std::string shorter = shorten_ssml(word, max);
      CHECK(utf8_length(shorter) <= max);
      CHECK(well_formed_reason(shorter).empty());
    }
  }
  SECTION("a limit too small for the wrapper gives an empty fragment") {
    CHECK(shorten_ssml(ssml, 10).empty());
  }
}

TEST_CASE("shortening counts code points, not bytes", "[ssml]") {
  std::string ssml = "<speak>";
  for (int i = 0; i < 20; ++i) ssml += "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 ok. ";
  ssml += "Done?</speak>";
  const std::size_t length = utf8_length(ssml);
  REQUIRE(length < ssml.size());
  const std::string shorter = shorten_ssml(ssml, length - 20);
  CHECK(utf8_length(shorter) <= length - 20);
  CHECK(utf8_length(shorter) > length - 40);  // two sentences of 13 code points go
  CHECK(well_formed_reason(shorter).empty());
}

TEST_CASE("shortening random ssml always gives a well formed result within the limit", "[ssml]") {
  std::mt19937 random(7);
  const std::vector<std::string> pieces{"Hello there. ",
                                        "How are you? ",
                                        "<s>",
                                        "</s>",
                                        "<p>",
                                        "</p>",
                                        R"(<prosody rate="90%">)",
                                        "</prosody>",
                                        R"(<break time="2s"/>)",
                                        "&amp; ",
                                        "word ",
                                        "\xC3\xA9t\xC3\xA9! ",
                                        "longerwordwithoutspaces",
                                        R"(<say-as interpret-as="digits">)",
                                        "</say-as>"};
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  for (int round = 0; round < 300; ++round) {
    std::string inner;
    const int count = 5 + round % 60;
    for (int i = 0; i < count; ++i) inner += pieces[pick(random)];
    const std::string ssml = "<speak>" + inner + " Last one?</speak>";
    const std::size_t max = 17 + static_cast<std::size_t>(round) % 200;
    CAPTURE(ssml, max);
    const std::string shorter = shorten_ssml(ssml, max);
    CAPTURE(shorter);
    REQUIRE(utf8_length(shorter) <= max);
    // Random nesting is often invalid; input that fits comes back as it was, anything
    // shortened is balanced.
    if (shorter != ssml || ssml_well_formed(ssml)) REQUIRE(well_formed_reason(shorter).empty());
  }
}

TEST_CASE("the final sentence comes with its elements", "[ssml]") {
  CHECK(final_sentence("<speak><s>Hello.</s> <s>Want more?</s></speak>") ==
        "<speak> <s>Want more?</s></speak>");
  CHECK(final_sentence(R"(<speak><prosody rate="90%">In. Out. Again?</prosody></speak>)") ==
        R"(<speak><prosody rate="90%"> Again?</prosody></speak>)");
  CHECK(final_sentence("<speak>Only one</speak>") == "<speak>Only one</speak>");
  CHECK(final_sentence("<speak></speak>") == "<speak></speak>");
}
