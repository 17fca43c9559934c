#include "intents/crisis.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "skill/content.hpp"
#include "support/labelled.hpp"

namespace {

namespace fs = std::filesystem;
using feel::intents::CrisisDetector;

const fs::path kCrisisJson = fs::path(FEEL_AGAIN_CONTENT_DIR) / "en" / "matching" / "crisis.json";
const fs::path kCrisisData = fs::path(FEEL_AGAIN_TEST_DATA_DIR) / "crisis";

const CrisisDetector& repository_detector() {
  static const CrisisDetector detector = CrisisDetector::load(kCrisisJson);
  return detector;
}

struct Figures {
  std::size_t caught = 0;
  std::size_t crisis = 0;
  std::size_t alarms = 0;
  std::size_t safe = 0;
};

// Runs the detector over a tests/data TSV of utterance<TAB>crisis|safe under a header line.
Figures measure(const std::string& name, const fs::path& file) {
  const auto& detector = repository_detector();
  Figures figures;
  for (const auto& [utterance, label] : feel::test::read_labelled(file)) {
    REQUIRE((label == "crisis" || label == "safe"));
    const bool flagged = detector.is_crisis(utterance);
    if (label == "crisis") {
      ++figures.crisis;
      if (flagged) {
        ++figures.caught;
      } else {
        WARN("crisis missed: \"" << utterance << "\"");
      }
    } else {
      ++figures.safe;
      if (flagged) {
        ++figures.alarms;
        WARN("false alarm: \"" << utterance << "\"");
      }
    }
  }
  std::ostringstream report;
  report.precision(3);
  report << "crisis " << name
         << " recall: " << static_cast<double>(figures.caught) / static_cast<double>(figures.crisis)
         << " (" << figures.caught << "/" << figures.crisis << "), false alarms: " << figures.alarms
         << "/" << figures.safe;
  WARN(report.str());
  return figures;
}

// A scratch crisis.json, removed afterwards.
struct ScratchCrisis {
  fs::path file = fs::temp_directory_path() /
                  ("feel-again-crisis-" + std::to_string(::getpid()) + "-" +
                   std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".json");
  explicit ScratchCrisis(const std::string& text) { std::ofstream(file) << text; }
  ~ScratchCrisis() { fs::remove(file); }
  [[nodiscard]] std::string load_error() const {
    try {
      (void)CrisisDetector::load(file);
    } catch (const feel::skill::ContentError& error) {
      return error.what();
    }
    return "";
  }
};

}  // namespace

TEST_CASE("every held out crisis line is caught with few false alarms", "[crisis]") {
  const auto figures = measure("held-out", kCrisisData / "heldout.tsv");
  REQUIRE(figures.crisis > 0);
  REQUIRE(figures.safe > 0);
  CHECK(figures.caught == figures.crisis);
  CHECK(static_cast<double>(figures.alarms) <= 0.02 * static_cast<double>(figures.safe));
}

TEST_CASE("every tuning crisis line is caught with few false alarms", "[crisis]") {
  const auto figures = measure("tune", kCrisisData / "tune.tsv");
  CHECK(figures.caught == figures.crisis);
  CHECK(static_cast<double>(figures.alarms) <= 0.02 * static_cast<double>(figures.safe));
}

TEST_CASE("crisis language from the issue is caught however it is said", "[crisis]") {
  const auto& detector = repository_detector();
  for (const auto* text : {
           "I want to kill myself.",
           "i wanna die",
           "I WANT TO DIE",
           "i   want  to    die",
           "I'm going to end my life",
           "im going to end my life",
           "I\xE2\x80\x99m thinking about suicide",  // a curly apostrophe
           "i've been self-harming",
           "i keep cutting myself",
           "i'm planning to overdose on my pills tonight",
           "i've been saving up my pills",
           "everyone would be better off without me",
           "they'd all be happier without me",
           "i don't want to be alive anymore",
           "this is killing me, i want to die",
           "i'm dying to know, but really i want to die",
           "<speak>i want to kill myself</speak>",
       }) {
    CAPTURE(text);
    CHECK(detector.is_crisis(text));
  }
}

TEST_CASE("figures of speech are no crisis", "[crisis]") {
  const auto& detector = repository_detector();
  for (const auto* text : {
           "i'm dying to know what happens next",
           "this is killing me",
           "this traffic is killing me",
           "my feet are killing me",
           "i'd kill for a coffee",
           "i'm dead tired",
           "i nearly died laughing",
           "that cake was to die for",
           "i want to dye my hair",
           "i cut myself shaving",
           "i'm bored to death",
           "i feel numb and empty",
           "i don't feel anything anymore",
           "i'm ending things with my boyfriend",
           "",
       }) {
    CAPTURE(text);
    CHECK_FALSE(detector.is_crisis(text));
  }
}

TEST_CASE("invalid utf 8 and ssml characters do not break the detector", "[crisis]") {
  const auto& detector = repository_detector();
  CHECK_FALSE(detector.is_crisis("\xFF\xFE\xFD"));
  CHECK_FALSE(detector.is_crisis("<speak><break time=\"3s\"/>&amp;&lt;&gt;</speak>"));
  CHECK_FALSE(detector.is_crisis(std::string("\0\0\0", 3)));
  CHECK(detector.is_crisis("i want\xFF to \xC3 die"));
  CHECK(detector.is_crisis("i&apos;m going to kill myself"));
  // A long input is read to its end.
  std::string long_text(20000, 'a');
  long_text += " i want to die";
  CHECK(detector.is_crisis(long_text));
  CHECK_FALSE(detector.is_crisis(std::string(20000, '(')));
}

TEST_CASE("crisis checks agree across threads, and their speed is reported", "[crisis]") {
  const auto& detector = repository_detector();
  const std::string text = "i have been feeling really numb and empty since my mother died";
  constexpr int kCalls = 500;
  int flagged = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) flagged += detector.is_crisis(text) ? 1 : 0;
  const auto micros =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      kCalls;
  CHECK(flagged == 0);
  WARN("crisis: " << micros << " us per 12-word check");

  std::vector<std::thread> threads;
  std::vector<int> caught(4, 0);
  for (std::size_t t = 0; t < caught.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i)
        caught[t] += detector.is_crisis("i want to end my life") ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto count : caught) CHECK(count == 100);
}

TEST_CASE("a safe phrase only covers its own words", "[crisis]") {
  ScratchCrisis scratch(R"({"phrases": ["want to die"], "patterns": ["\\bkill(?:ing)? myself\\b"],
                            "safe_phrases": ["want to die my hair", "killing myself laughing"]})");
  const auto detector = CrisisDetector::load(scratch.file);
  CHECK_FALSE(detector.is_crisis("i want to die my hair"));
  CHECK(detector.is_crisis("i want to die my hair and then i want to die"));
  CHECK_FALSE(detector.is_crisis("i was killing myself laughing"));
  CHECK(detector.is_crisis("killing myself laughing is fine but i am killing myself"));
  CHECK(detector.is_crisis("i'm killing myself"));
}

TEST_CASE("patterns are matched without apostrophes", "[crisis]") {
  ScratchCrisis scratch(
      R"({"phrases": [], "patterns": ["\\bdon'?t want to live\\b", "\\bi'd rather\\b"],
                            "safe_phrases": []})");
  const auto detector = CrisisDetector::load(scratch.file);
  CHECK(detector.is_crisis("I don't want to live"));
  CHECK(detector.is_crisis("i dont want to live"));
  CHECK_FALSE(detector.is_crisis("i do want to live"));
  CHECK(detector.is_crisis("I'd rather"));
}

TEST_CASE("broken crisis content names the file and the problem", "[crisis]") {
  SECTION("not json") {
    ScratchCrisis scratch("{ nope");
    CHECK(scratch.load_error().find("crisis") != std::string::npos);
  }
  SECTION("a bad regex") {
    ScratchCrisis scratch(R"({"phrases": [], "patterns": ["(unclosed"], "safe_phrases": []})");
    CHECK(scratch.load_error().find("(unclosed") != std::string::npos);
  }
  SECTION("a missing list") {
    ScratchCrisis scratch(R"({"phrases": ["want to die"], "patterns": []})");
    CHECK(scratch.load_error().find("safe_phrases") != std::string::npos);
  }
  SECTION("nothing to look for") {
    ScratchCrisis scratch(R"({"phrases": [], "patterns": [], "safe_phrases": []})");
    CHECK(scratch.load_error().find("neither") != std::string::npos);
  }
  SECTION("a missing file") {
    CHECK_THROWS_AS(CrisisDetector::load("/nonexistent/crisis.json"), feel::skill::ContentError);
  }
}
