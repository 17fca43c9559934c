#include "intents/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

namespace feel::intents {
namespace {

using skill::ContentError;

constexpr double kMaxBreak = 10;
constexpr double kMinSpreadPause = 1;

// Measured as it will be said: at the exercise's slower rate.
double spoken_seconds(const std::string& ssml) {
  return skill::spoken_timing(std::string(kQuietProsody) + ssml + "</prosody>").total();
}

const std::string& first_variant(const skill::LocaleSpeech& speech, std::string_view key) {
  return speech.at(key).front();
}

}  // namespace

std::string Exercise::key(std::string_view part) const {
  return "exercise." + id + "." + std::string(part);
}

ExerciseLibrary ExerciseLibrary::load(const std::filesystem::path& plans_json) {
  const auto fail = [&](const std::string& what) {
    return ContentError(plans_json.string() + ": " + what);
  };
  std::ifstream in(plans_json);
  if (!in) throw fail("cannot read the file");
  const auto data = nlohmann::json::parse(in, nullptr, false);
  if (!data.is_object() || data.empty()) throw fail("must be an object of exercises");
  ExerciseLibrary library;
  for (const auto& [id, spec] : data.items()) {
    if (!spec.is_object()) throw fail(id + ": must be an object");
    Exercise exercise;
    exercise.id = id;
    const auto pace = spec.value("pace", "");
    if (pace != "cycle" && pace != "spread") throw fail(id + ": pace must be cycle or spread");
    exercise.cycle = pace == "cycle";
    exercise.topic = spec.value("topic", "");
    exercise.journal_theme = spec.value("journal", "");
    const auto steps = spec.value("steps", nlohmann::json::array());
    if (!steps.is_array() || steps.empty()) throw fail(id + ": needs steps");
    for (const auto& step : steps) {
      ExerciseStep parsed;
      parsed.cue = step.value("cue", "");
      parsed.pause = step.value("pause", 0.0);
      parsed.weight = step.value("weight", 0.0);
      if (parsed.cue.empty()) throw fail(id + ": every step needs a cue");
      if (exercise.cycle && (parsed.pause <= 0 || parsed.pause > 60)) {
        throw fail(id + ": " + parsed.cue + ": a cycle step needs a pause of 1 to 60 seconds");
      }
      if (!exercise.cycle && parsed.weight <= 0) {
        throw fail(id + ": " + parsed.cue + ": a spread step needs a positive weight");
      }
      exercise.steps.push_back(std::move(parsed));
    }
    library.exercises_.push_back(std::move(exercise));
  }
  return library;
}

const Exercise* ExerciseLibrary::find(std::string_view id) const {
  const auto it = std::find_if(exercises_.begin(), exercises_.end(),
                               [&](const Exercise& exercise) { return exercise.id == id; });
  return it == exercises_.end() ? nullptr : &*it;
}

std::size_t ExercisePlan::round_of(std::size_t step) const {
  const auto it = std::upper_bound(round_starts.begin(), round_starts.end(), step);
  return it == round_starts.begin() ? 0 : static_cast<std::size_t>(it - round_starts.begin()) - 1;
}

std::size_t ExercisePlan::round_end(std::size_t first) const {
  const auto round = round_of(first);
  return round + 1 < round_starts.size() ? round_starts[round + 1] : steps.size();
}

ExercisePlan plan_exercise(const Exercise& exercise, int minutes,
                           const skill::LocaleSpeech& speech) {
  minutes = std::clamp(minutes, ExerciseLibrary::kMinMinutes, ExerciseLibrary::kMaxMinutes);
  const double target = 60.0 * minutes;
  ExercisePlan plan;
  const auto length = minutes == 1 ? first_variant(speech, "exercise.length.one")
                                   : skill::fill_template(first_variant(speech, "exercise.length.many"),
                                                          {{"minutes", std::to_string(minutes)}});
  plan.intro = skill::fill_template(first_variant(speech, exercise.key("intro")),
                                    {{"length", skill::ssml_to_plain_text(length)}});
  const auto words = [&](const std::string& cue) { return first_variant(speech, cue); };

  PlannedStep begin{"exercise.begin", words("exercise.begin"), 0};
  PlannedStep close{exercise.key("close"), words(exercise.key("close")), 0};
  const double fixed =
      spoken_seconds(plan.intro) + spoken_seconds(begin.words) + spoken_seconds(close.words);

  std::vector<PlannedStep> body;
  double leftover = 0;
  if (exercise.cycle) {
    double cycle_seconds = 0;
    for (const auto& step : exercise.steps) cycle_seconds += spoken_seconds(words(step.cue)) + step.pause;
    const auto cycles = std::max(1.0, std::floor((target - fixed) / cycle_seconds));
    for (int i = 0; i < static_cast<int>(cycles); ++i) {
      for (const auto& step : exercise.steps) body.push_back({step.cue, words(step.cue), step.pause});
    }
    leftover = target - fixed - cycles * cycle_seconds;
  } else {
    double said = 0;
    double weights = 0;
    for (const auto& step : exercise.steps) {
      said += spoken_seconds(words(step.cue));
      weights += step.weight;
    }
    const double silence = std::max(0.0, target - fixed - said);
    for (const auto& step : exercise.steps) {
      const double share = std::round(silence * step.weight / weights);
      body.push_back({step.cue, words(step.cue), std::max(kMinSpreadPause, share)});
    }
  }
  // What the cycles leave is shared between settling in and resting at the end.
  begin.pause = std::clamp(std::round(leftover / 2), 0.0, kMaxBreak);
  close.pause = std::clamp(std::round(leftover - begin.pause), 0.0, kMaxBreak);

  plan.steps.push_back(std::move(begin));
  plan.steps.insert(plan.steps.end(), body.begin(), body.end());
  plan.steps.push_back(std::move(close));

  // Rounds: as long as they fit, and only at the end of a cycle.
  const auto cycle_length = exercise.cycle ? exercise.steps.size() : 1;
  plan.round_starts.push_back(0);
  double round_seconds = spoken_seconds(plan.intro);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    const double seconds = spoken_seconds(step.words) + step.pause;
    // A cycle starts at body index 0, 4, 8... (step 1, 5, 9... after "Let's begin").
    const bool boundary = i > 1 && i + 1 < plan.steps.size() && (i - 1) % cycle_length == 0;
    if (boundary && round_seconds + seconds > kRoundSeconds) {
      plan.round_starts.push_back(i);
      round_seconds = 0;
    }
    round_seconds += seconds;
  }
  plan.seconds = fixed;
  for (const auto& step : plan.steps) plan.seconds += step.pause;
  for (const auto& step : body) plan.seconds += spoken_seconds(step.words);
  return plan;
}

skill::Ssml render_steps(const ExercisePlan& plan, std::size_t first, std::size_t last) {
  skill::Ssml ssml;
  for (std::size_t i = first; i < last && i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    ssml.trusted("<s>" + step.words + "</s>");
    ssml.pause(std::chrono::milliseconds(std::lround(step.pause * 1000)));
  }
  return ssml;
}

}  // namespace feel::intents
