#pragma once

// `feel-again check`: finds before a deploy what Amazon's certification, Alexa's model build or
// the skill's own voice rules (VOICE.md) would reject: speech keys missing in a locale, SSML that
// does not parse, answers longer than one breath, interaction model mistakes (ALEXA.md section
// 5), intents without handlers and handlers without intents, and locales that disagree.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace feel::skill {

// Spoken length limits, in words of what a listener hears.
struct LengthLimits {
  std::size_t answer = 45;  // topic.*.answer, counted with the longest offer.more after it
  std::size_t more = 120;   // topic.*.more
  std::size_t other = 60;   // every other speech key; *.card.text is read, not heard: no limit
};

// Every problem found, each naming the file and the key, sample or field; empty when all is
// well. handled_intents: the intents the dispatcher has handlers for; empty when unknown (the
// skill does not load), which leaves the handler checks out.
[[nodiscard]] std::vector<std::string> check_skill(
    const std::filesystem::path& content_dir, const std::filesystem::path& skill_package_dir,
    const std::set<std::string, std::less<>>& handled_intents, const LengthLimits& limits = {});

struct CheckOptions {
  std::string content_dir;        // default: default_content_dir()
  std::string skill_package_dir;  // default: default_skill_package_dir()
  bool exercise_lengths = false;  // also print measure_exercises()
};

class SkillCore;

// An exercise run from start to end through the skill (started, then "next" until it is
// over): its spoken length, measured from the SSML of every answer, and how many answers.
struct ExerciseLength {
  std::string id;
  int minutes = 0;
  double seconds = 0;
  std::size_t rounds = 0;
};
[[nodiscard]] std::vector<ExerciseLength> measure_exercises(const SkillCore& core,
                                                            const std::string& locale);

// Declares the flags of `feel-again check` on app.
void add_check_flags(CLI::App& app, CheckOptions& options);

// Loads the skill for its handled intents, checks, and prints each problem to out. Returns the
// exit status: 0 when there is none, 1 otherwise.
[[nodiscard]] int run_check(CheckOptions& options, std::ostream& out);

}  // namespace feel::skill
