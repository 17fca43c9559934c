// Exercise plans as data: what a malformed plan file is told, and how the minutes asked are
// kept to the range the skill guides.

#include <catch2/catch.hpp>

#include <fstream>

#include "intents/exercise.hpp"
#include "skill/content.hpp"
#include "support/scratch.hpp"

namespace {

using feel::intents::ExerciseLibrary;

std::filesystem::path plans_file(const std::string& text) {
  const auto path = feel::test::scratch_path("plans.json");
  std::ofstream(path) << text;
  return path;
}

const feel::skill::SpeechCatalog& catalog() {
  static const auto loaded = feel::skill::SpeechCatalog::load(FEEL_AGAIN_CONTENT_DIR);
  return loaded;
}

}  // namespace

TEST_CASE("a malformed exercise plan names its problem", "[exercise]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(ExerciseLibrary::load(plans_file("[]")), Contains("object of exercises"));
  CHECK_THROWS_WITH(ExerciseLibrary::load(plans_file(R"({"x": {"pace": "fast", "steps": []}})")),
                    Contains("x: pace must be cycle or spread"));
  CHECK_THROWS_WITH(ExerciseLibrary::load(plans_file(R"({"x": {"pace": "cycle", "steps": []}})")),
                    Contains("x: needs steps"));
  CHECK_THROWS_WITH(
      ExerciseLibrary::load(plans_file(R"({"x": {"pace": "cycle", "steps": [{"cue": "a", "pause": 0}]}})")),
      Contains("a cycle step needs a pause"));
  CHECK_THROWS_WITH(
      ExerciseLibrary::load(plans_file(R"({"x": {"pace": "spread", "steps": [{"cue": "a"}]}})")),
      Contains("a spread step needs a positive weight"));
  CHECK_THROWS_WITH(ExerciseLibrary::load("/nonexistent/plans.json"), Contains("cannot read"));
}

TEST_CASE("minutes outside one to ten are kept to the nearest end", "[exercise]") {
  const auto library =
      ExerciseLibrary::load(std::filesystem::path(FEEL_AGAIN_CONTENT_DIR) / "en/plans/exercises.json");
  const auto* box = library.find("box-breathing");
  REQUIRE(box != nullptr);
  const auto& speech = catalog().for_locale("en-US");
  CHECK(feel::intents::plan_exercise(*box, 0, speech).seconds ==
        Approx(feel::intents::plan_exercise(*box, 1, speech).seconds));
  CHECK(feel::intents::plan_exercise(*box, 60, speech).seconds ==
        Approx(feel::intents::plan_exercise(*box, 10, speech).seconds));
  for (const auto& exercise : library.all()) {
    CAPTURE(exercise.id);
    for (int minutes = 1; minutes <= 10; ++minutes) {
      CAPTURE(minutes);
      const auto plan = feel::intents::plan_exercise(exercise, minutes, speech);
      CHECK(plan.seconds == Approx(60.0 * minutes).epsilon(0.15));
    }
  }
}
