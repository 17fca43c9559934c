#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "skill/content.hpp"
#include "skill/ssml.hpp"

namespace {

namespace fs = std::filesystem;
using feel::skill::ContentError;
using feel::skill::SpeechCatalog;

// A scratch speech-content folder, removed afterwards.
struct ScratchContent {
  fs::path root = fs::temp_directory_path() /
                  ("feel-again-content-" + std::to_string(::getpid()) + "-" +
                   std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  ScratchContent() { fs::create_directories(root); }
  ~ScratchContent() { fs::remove_all(root); }
  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((root / relative).parent_path());
    std::ofstream(root / relative) << text;
  }
};

}  // namespace

TEST_CASE("the repository content loads for every locale", "[content]") {
  const auto catalog = SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  const auto locales = catalog.locales();
  for (const auto* locale : {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}) {
    CAPTURE(locale);
    CHECK(std::find(locales.begin(), locales.end(), locale) != locales.end());
    const auto& speech = catalog.for_locale(locale);
    for (const auto& [key, variants] : catalog.base("en")) {
      CAPTURE(key);
      CHECK(speech.find(key) != nullptr);
    }
    CHECK(speech.find("disclaimer.short") != nullptr);
  }
}

TEST_CASE("a locale overrides its language base", "[content]") {
  ScratchContent content;
  content.write("en/a.json", R"({"greeting": ["Hello."], "shared": ["Same everywhere."]})");
  content.write("en-US/a.json", R"({"greeting": ["Howdy."]})");
  content.write("en-GB/a.json", R"({})");
  const auto catalog = SpeechCatalog::load(content.root);
  CHECK(catalog.for_locale("en-US").at("greeting").front() == "Howdy.");
  CHECK(catalog.for_locale("en-GB").at("greeting").front() == "Hello.");
  CHECK(catalog.for_locale("en-GB").at("shared").front() == "Same everywhere.");
  SECTION("unknown locales fall back to the default") {
    CHECK(catalog.for_locale("fr-FR").locale() == "en-US");
    CHECK(catalog.for_locale("").locale() == "en-US");
    CHECK(catalog.for_locale("en-NZ").locale() == "en-US");
  }
  SECTION("a missing key is an error naming it") {
    CHECK_THROWS_WITH(catalog.for_locale("en-US").at("nothing"), Catch::Contains("nothing"));
  }
}

TEST_CASE("bad content is refused naming the file and key", "[content]") {
  ScratchContent content;
  content.write("en-US/ok.json", R"({"fine": ["Fine."]})");
  SECTION("malformed ssml") {
    content.write("en-US/bad.json", R"({"broken": ["<prosody rate=\"90%\">unclosed"]})");
    CHECK_THROWS_WITH(SpeechCatalog::load(content.root),
                      Catch::Contains("bad.json") && Catch::Contains("broken"));
  }
  SECTION("an empty variant list") {
    content.write("en-US/bad.json", R"({"empty": []})");
    CHECK_THROWS_AS(SpeechCatalog::load(content.root), ContentError);
  }
  SECTION("not json") {
    content.write("en-US/bad.json", "{");
    CHECK_THROWS_WITH(SpeechCatalog::load(content.root), Catch::Contains("bad.json"));
  }
  SECTION("a key defined twice") {
    content.write("en-US/twice.json", R"({"fine": ["Again."]})");
    CHECK_THROWS_WITH(SpeechCatalog::load(content.root), Catch::Contains("twice"));
  }
  SECTION("a break over ten seconds") {
    content.write("en-US/bad.json", R"({"long": ["Wait <break time=\"11s\"/> now."]})");
    CHECK_THROWS_AS(SpeechCatalog::load(content.root), ContentError);
  }
}

TEST_CASE("no default locale folder is an error", "[content]") {
  ScratchContent content;
  content.write("en-GB/a.json", R"({"a": ["A."]})");
  CHECK_THROWS_WITH(SpeechCatalog::load(content.root), Catch::Contains("en-US"));
}

TEST_CASE("variants never repeat the last one and all get used", "[content]") {
  for (std::size_t count : {2u, 3u, 5u}) {
    CAPTURE(count);
    std::set<std::size_t> seen;
    std::optional<std::size_t> last;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      const auto picked = feel::skill::pick_variant(count, seed * 7919, last);
      REQUIRE(picked < count);
      if (last) CHECK(picked != *last);
      seen.insert(picked);
      last = picked;
    }
    CHECK(seen.size() == count);
  }
  CHECK(feel::skill::pick_variant(1, 42, 0) == 0);
}

TEST_CASE("templates escape the values they are given", "[content]") {
  const auto filled = feel::skill::fill_template(
      "You said {what}, {missing}and {what}.", {{"what", "<b>&\"x\""}});
  CHECK(filled == "You said &lt;b&gt;&amp;&quot;x&quot;, and &lt;b&gt;&amp;&quot;x&quot;.");
  CHECK(feel::skill::ssml_well_formed(filled));
}
