#pragma once

// Guided exercises as data (speech-content/en/plans/exercises.json) and the arithmetic that
// paces them in real time.
//
// An exercise is a list of steps, each a cue (a content key) followed by silence. A "cycle"
// exercise repeats its steps with fixed silences (box breathing: in, hold, out, hold, four
// seconds each) as many times as the minutes asked allow; a "spread" exercise says each step
// once and shares the time left among their silences by weight. Either way the length spoken,
// estimated from the SSML (skill::spoken_timing), comes out at the minutes asked: what the
// cycles cannot fill is a settling pause after "Let's begin" and a resting pause after the
// closing words. The plan is cut into rounds of at most kRoundSeconds, with a question between
// rounds; a cycle is never cut.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "skill/content.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {

struct ExerciseStep {
  std::string cue;     // content key of the words
  double pause = 0;    // cycle: seconds of silence after the cue
  double weight = 0;   // spread: share of the time left
};

struct Exercise {
  std::string id;
  bool cycle = false;
  std::vector<ExerciseStep> steps;
  std::string topic;          // a related FAQ topic
  std::string journal_theme;  // the journaling theme offered afterwards

  // Content keys: "exercise.<id>.<part>".
  [[nodiscard]] std::string key(std::string_view part) const;
};

class ExerciseLibrary {
 public:
  static constexpr int kMinMinutes = 1;
  static constexpr int kMaxMinutes = 10;
  static constexpr int kDefaultMinutes = 3;

  // Throws skill::ContentError naming the file and the problem.
  [[nodiscard]] static ExerciseLibrary load(const std::filesystem::path& plans_json);

  [[nodiscard]] const Exercise* find(std::string_view id) const;
  [[nodiscard]] const std::vector<Exercise>& all() const { return exercises_; }

 private:
  std::vector<Exercise> exercises_;
};

// One thing said, then silence.
struct PlannedStep {
  std::string cue;
  std::string words;  // the cue's words, as SSML
  double pause = 0;
};

struct ExercisePlan {
  std::string intro;  // SSML: the exercise's introduction, with its length said
  std::vector<PlannedStep> steps;  // "Let's begin" and its settling pause, the steps, the close
  std::vector<std::size_t> round_starts;  // the first step of each round
  double seconds = 0;                     // estimated spoken length of the whole exercise

  // The round that step is in.
  [[nodiscard]] std::size_t round_of(std::size_t step) const;
  // One past the last step of the round starting at first.
  [[nodiscard]] std::size_t round_end(std::size_t first) const;
};

inline constexpr double kRoundSeconds = 150;
// Exercises, and everything at night, are spoken at this rate and volume (VOICE.md: slower and
// softer).
inline constexpr std::string_view kQuietProsody = R"(<prosody rate="90%" volume="soft">)";

// The plan for exercise at minutes (clamped to 1..10), in a locale's words (the first variant
// of each key).
[[nodiscard]] ExercisePlan plan_exercise(const Exercise& exercise, int minutes,
                                         const skill::LocaleSpeech& speech);

// The SSML of the steps [first, last): each cue, then its silence as breaks of at most 10 s.
[[nodiscard]] skill::Ssml render_steps(const ExercisePlan& plan, std::size_t first,
                                       std::size_t last);

}  // namespace feel::intents
