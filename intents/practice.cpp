#include "intents/practice.hpp"

#include <algorithm>
#include <optional>

#include "intents/exercise.hpp"
#include "intents/journal.hpp"
#include "intents/speaker.hpp"
#include "intents/turns.hpp"
#include "skill/apl.hpp"
#include "skill/nlu.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {
namespace {

using nlohmann::json;
using skill::HandlerInput;
using skill::ResponseBuilder;
using skill::Ssml;

constexpr const char* kExercise = "exercise";
constexpr const char* kPaused = "paused";
constexpr const char* kMinutesAsked = "exerciseMinutes";
constexpr const char* kOfferTheme = "offerTheme";
constexpr const char* kUnsavedSaid = "_unsavedSaid";

struct Position {
  const Exercise* exercise = nullptr;
  int minutes = ExerciseLibrary::kDefaultMinutes;
  std::size_t at = 0;
};

// A position as kept in the session or the profile; these come back from outside, so every
// field is checked.
std::optional<Position> read_position(const json& kept, const Knowledge& knowledge) {
  if (!kept.is_object()) return std::nullopt;
  Position position;
  const auto id = kept.find("id");
  if (id == kept.end() || !id->is_string()) return std::nullopt;
  position.exercise = knowledge.exercises.find(id->get<std::string>());
  if (position.exercise == nullptr) return std::nullopt;
  const auto minutes = kept.find("minutes");
  const auto at = kept.find("at");
  if (minutes == kept.end() || !minutes->is_number_integer() || at == kept.end() ||
      !at->is_number_unsigned()) {
    return std::nullopt;
  }
  position.minutes = std::clamp(minutes->get<int>(), ExerciseLibrary::kMinMinutes,
                                ExerciseLibrary::kMaxMinutes);
  position.at = at->get<std::size_t>();
  return position;
}

json write_position(const Position& position) {
  return {{"id", position.exercise->id}, {"minutes", position.minutes}, {"at", position.at}};
}

std::optional<Position> paused(const HandlerInput& input, const Knowledge& knowledge) {
  const auto& profile = input.memory.profile();
  const auto it = profile.find(kPaused);
  return it == profile.end() ? std::nullopt : read_position(*it, knowledge);
}

std::optional<Position> in_session(const HandlerInput& input, const Knowledge& knowledge) {
  const auto it = input.attributes.find(kExercise);
  return it == input.attributes.end() ? std::nullopt : read_position(*it, knowledge);
}

// Keeps where the person is, for a later session. False when it could not be saved.
bool keep_place(HandlerInput& input, const std::optional<Position>& position) {
  auto& profile = input.memory.profile();
  if (position) {
    profile[kPaused] = write_position(*position);
  } else if (profile.contains(kPaused)) {
    profile.erase(kPaused);
  } else {
    return true;  // nothing kept, nothing to change
  }
  return input.memory.save();
}

std::string name_of(Speaker& speaker, const Exercise& exercise) {
  return speaker.card_text(exercise.key("name"));
}

// Says the round starting at position.at (the introduction first when it is the start), and
// either the question between rounds or, after the last, the question about what they noticed.
ResponseBuilder say_round(HandlerInput& input, Position position, const Ssml& before = {}) {
  Speaker speaker(input);
  const auto& exercise = *position.exercise;
  const auto plan = plan_exercise(exercise, position.minutes, input.speech);
  if (position.at >= plan.steps.size()) position.at = 0;
  const auto first = plan.round_starts[plan.round_of(position.at)];
  const auto end = plan.round_end(first);

  Ssml words;
  if (first == 0) words.trusted(plan.intro);
  words.append(render_steps(plan, first, end));
  Ssml speech = before;
  Ssml reprompt;
  const bool finished = end >= plan.steps.size();
  input.attributes.erase("offer");
  if (finished) {
    input.attributes.erase(kExercise);
    input.attributes[kOfferTheme] = exercise.journal_theme;
    input.attributes["state"] = "reflect";
    keep_place(input, std::nullopt);
    words.append(speaker.say("exercise.reflect"));
    reprompt = speaker.say("exercise.reflect.reprompt");
  } else {
    position.at = end;
    input.attributes[kExercise] = write_position(position);
    input.attributes["state"] = "exercise";
    const bool saved = keep_place(input, position);
    if (!saved && !input.attributes.value(kUnsavedSaid, false)) {
      // Said once a session: the exercise goes on either way.
      input.attributes[kUnsavedSaid] = true;
      speech.append(speaker.say("exercise.unsaved"));
    }
    words.append(speaker.say("exercise.between"));
    reprompt = speaker.say("exercise.between.reprompt");
  }
  // All of it slower and softer, what came before the exercise's words included.
  speech.append(words);
  speech = Ssml::from_trusted(std::string(kQuietProsody) + speech.inner() + "</prosody>");
  const auto name = name_of(speaker, exercise);
  auto builder =
      open_turn(speech, reprompt, speaker.card_text("exercise.card.title", {{"name", name}}),
                skill::ssml_to_plain_text(words.inner()));
  if (input.envelope.supports("Alexa.Presentation.APL")) {
    // The screen shows the round's first step, and where it is in the exercise.
    const auto round = plan.round_of(first);
    builder.directive(skill::apl_exercise_step(
        "exercise", name, skill::ssml_to_plain_text(plan.steps[first].words),
        static_cast<int>(round) + 1, static_cast<int>(plan.round_starts.size())));
  }
  return builder;
}

// AMAZON.NUMBER comes as digits; some simulators pass the words on ("five").
std::optional<int> minutes_heard(const HandlerInput& input) {
  return skill::spoken_number(slot_words(input, "minutes"));
}

ResponseBuilder start_exercise(HandlerInput& input, const Knowledge& knowledge) {
  Speaker speaker(input);
  auto minutes = minutes_heard(input);
  if (!minutes) {
    const auto asked = input.attributes.find(kMinutesAsked);
    if (asked != input.attributes.end() && asked->is_number_integer()) minutes = asked->get<int>();
  }
  const auto id = slot_id(input, "exercise");
  const auto* exercise = id ? knowledge.exercises.find(*id) : nullptr;
  if (exercise == nullptr) {
    // No exercise named: offer two by name, and remember the minutes for the answer.
    if (minutes) input.attributes[kMinutesAsked] = *minutes;
    input.attributes.erase("offer");
    return open_turn(speaker, speaker.say("exercise.choose"), speaker.say("exercise.choose.reprompt"));
  }
  input.attributes.erase(kMinutesAsked);
  Ssml before;
  const int asked = minutes.value_or(ExerciseLibrary::kDefaultMinutes);
  const int clamped = std::clamp(asked, ExerciseLibrary::kMinMinutes, ExerciseLibrary::kMaxMinutes);
  if (clamped != asked) {
    before = speaker.say("exercise.minutes.clamped", {{"minutes", std::to_string(clamped)}});
  }
  return say_round(input, {exercise, clamped, 0}, before);
}

ResponseBuilder go_on(HandlerInput& input, const Knowledge& knowledge) {
  const auto position = in_session(input, knowledge);
  if (!position) return start_exercise(input, knowledge);
  return say_round(input, *position);
}

ResponseBuilder start_again(HandlerInput& input, const Knowledge& knowledge) {
  auto position = in_session(input, knowledge);
  if (!position) return start_exercise(input, knowledge);
  position->at = 0;
  Speaker speaker(input);
  return say_round(input, *position, speaker.say("exercise.from-start"));
}

ResponseBuilder exercise_help(HandlerInput& input, const Knowledge& knowledge) {
  Speaker speaker(input);
  const auto position = in_session(input, knowledge);
  const auto name = position ? name_of(speaker, *position->exercise) : std::string();
  input.attributes["state"] = input.state;
  return open_turn(speaker, speaker.say("exercise.help", {{"name", name}}),
                   speaker.say("exercise.help.reprompt"));
}

ResponseBuilder confirm_stop(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes["state"] = "exercise-stop";
  return open_turn(speaker, speaker.say("exercise.stop.confirm"),
                   speaker.say("exercise.stop.confirm.reprompt"));
}

// Stop or pause: the place is kept (it was saved with the round; saved again to be sure).
ResponseBuilder leave(HandlerInput& input, const Knowledge& knowledge, std::string_view kept_key,
                      std::string_view unsaved_key) {
  Speaker speaker(input);
  const auto position = in_session(input, knowledge);
  const bool saved = position && keep_place(input, position);
  const auto name = position ? name_of(speaker, *position->exercise) : std::string();
  input.attributes.erase(kExercise);
  return closing_turn(speaker, speaker.say(saved ? kept_key : unsaved_key, {{"name", name}}));
}

ResponseBuilder resume(HandlerInput& input, const Knowledge& knowledge) {
  Speaker speaker(input);
  if (const auto position = in_session(input, knowledge)) {
    return say_round(input, *position, speaker.say("exercise.resume.back"));
  }
  if (const auto position = paused(input, knowledge)) {
    return say_round(input, *position, speaker.say("exercise.resume.back"));
  }
  return start_exercise(input, knowledge);
}

ResponseBuilder decline_resume(HandlerInput& input) {
  Speaker speaker(input);
  auto speech = Ssml();
  if (!keep_place(input, std::nullopt)) speech.append(speaker.say("exercise.unsaved"));
  speech.append(speaker.say("exercise.resume.declined"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

ResponseBuilder reflected(HandlerInput& input) {
  Speaker speaker(input);
  // What they said is not kept, only thanked.
  auto speech = speaker.say("exercise.reflect.thanks");
  speech.append(speaker.say("exercise.offer.journal"));
  input.attributes["state"] = "offer-journal";
  return open_turn(speaker, speech, speaker.say("exercise.offer.journal"));
}

ResponseBuilder journal_offered(HandlerInput& input) {
  const auto theme = string_attribute(input.attributes, kOfferTheme);
  input.attributes.erase(kOfferTheme);
  return begin_journal(input, theme.empty() ? "free" : theme);
}

bool in_state(const HandlerInput& input, std::string_view state) { return input.state == state; }

bool any_intent(const HandlerInput& input, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view name) { return input.is_intent(name); });
}

}  // namespace

ResponseBuilder begin_exercise(HandlerInput& input, const Knowledge& knowledge,
                               std::string_view id, int minutes) {
  const auto* exercise = knowledge.exercises.find(id);
  if (exercise == nullptr) return start_exercise(input, knowledge);
  return say_round(input, {exercise, minutes, 0});
}

bool has_paused_exercise(const HandlerInput& input, const Knowledge& knowledge) {
  return paused(input, knowledge).has_value();
}

ResponseBuilder offer_resume(HandlerInput& input, const Knowledge& knowledge) {
  Speaker speaker(input);
  const auto position = paused(input, knowledge);
  const auto plan = plan_exercise(*position->exercise, position->minutes, input.speech);
  const double done = static_cast<double>(position->at) / static_cast<double>(plan.steps.size());
  const auto where = done < 0.34 ? "exercise.where.start"
                     : done < 0.67 ? "exercise.where.middle"
                                   : "exercise.where.end";
  const Values values = {{"name", name_of(speaker, *position->exercise)},
                         {"where", speaker.card_text(where)}};
  input.attributes["state"] = "exercise-resume";
  return open_turn(speaker, speaker.say("exercise.resume.offer", values),
                   speaker.say("exercise.resume.offer.reprompt", values));
}

void add_practice_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge) {
  const auto with = [&knowledge](ResponseBuilder (*handle)(HandlerInput&, const Knowledge&)) {
    return [handle, &knowledge](HandlerInput& input) { return handle(input, knowledge); };
  };
  const std::string exercise = "exercise";
  dispatcher
      .add(skill::state_handler("ExerciseGoOn", exercise,
                            {"AMAZON.NextIntent", "AMAZON.ResumeIntent", "AMAZON.YesIntent"},
                            with(go_on)))
      .add(skill::state_handler("ExerciseStartOver", exercise, {"AMAZON.StartOverIntent"},
                            with(start_again)))
      .add(skill::state_handler("ExerciseHelp", exercise,
                            {"AMAZON.HelpIntent", "AMAZON.FallbackIntent"}, with(exercise_help)))
      .add(skill::state_handler("ExerciseStop", exercise,
                            {"AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NoIntent"},
                            [](HandlerInput& input) { return confirm_stop(input); }))
      .add(skill::state_handler("ExercisePause", exercise, {"AMAZON.PauseIntent"},
                            [&knowledge](HandlerInput& input) {
                              return leave(input, knowledge, "exercise.pause.kept",
                                           "exercise.pause.unsaved");
                            }))
      .add(skill::state_handler("ExerciseStopConfirmed", "exercise-stop",
                            {"AMAZON.YesIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
                             "AMAZON.PauseIntent"},
                            [&knowledge](HandlerInput& input) {
                              return leave(input, knowledge, "exercise.stop.kept",
                                           "exercise.stop.unsaved");
                            }))
      .add(skill::state_handler("ExerciseStopDeclined", "exercise-stop",
                            {"AMAZON.NoIntent", "AMAZON.NextIntent", "AMAZON.ResumeIntent"},
                            with(go_on)))
      .add(skill::state_handler("ExerciseResumeAccepted", "exercise-resume",
                            {"AMAZON.YesIntent", "AMAZON.ResumeIntent", "AMAZON.NextIntent"},
                            with(resume)))
      .add(skill::state_handler("ExerciseResumeDeclined", "exercise-resume", {"AMAZON.NoIntent"},
                            [](HandlerInput& input) { return decline_resume(input); }))
      .add(skill::state_handler("JournalOffered", "offer-journal", {"AMAZON.YesIntent"},
                            [](HandlerInput& input) { return journal_offered(input); }));

  // After an exercise, whatever they say about it is thanked, not answered ("it felt strange"
  // is a remark, whatever topic its words suggest); a question the matcher recognises is still
  // a question.
  skill::RequestHandler reflection;
  reflection.name = "ExerciseReflection";
  reflection.can_handle = [&knowledge](const HandlerInput& input) {
    if (!in_state(input, "reflect")) return false;
    if (any_intent(input, {"AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent",
                           "AMAZON.NextIntent"})) {
      return true;
    }
    return input.is_intent("FreeformQuestionIntent") &&
           !knowledge.topics.asks_a_topic(slot_words(input, "query"));
  };
  reflection.handle = reflected;
  dispatcher.add(std::move(reflection));

  dispatcher.add(skill::intent_handler("StartExerciseIntent", with(start_exercise)));

  // Resume picks up an exercise of this session or a paused one; otherwise the FAQ's resume.
  skill::RequestHandler resume_exercise;
  resume_exercise.name = "ResumeExercise";
  resume_exercise.can_handle = [&knowledge](const HandlerInput& input) {
    return input.is_intent("AMAZON.ResumeIntent") &&
           (in_session(input, knowledge) || has_paused_exercise(input, knowledge));
  };
  resume_exercise.handle = with(resume);
  dispatcher.add(std::move(resume_exercise));
}

}  // namespace feel::intents
