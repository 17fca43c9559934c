#pragma once

// Guided exercises, hands-free: start (or offer a choice), go on round by round, repeat,
// start over, pause, stop with a confirmation, resume in this session or a later one, and a
// gentle question afterwards.
//
// State (skill::HandlerInput::state) and attributes:
//   state "exercise"         between rounds; session attribute "exercise": {"id", "minutes",
//                            "at": the first step of the next round}
//   state "exercise-stop"    asked whether to stop
//   state "exercise-resume"  a launch offered to pick up a paused exercise
//   state "reflect"          asked what they noticed
//   state "offer-journal"    offered a journaling prompt (session attribute "offerTheme")
// Kept across sessions, without needing consent: the profile's "paused": {"id", "minutes",
// "at"}, saved after every round and removed when the exercise ends.

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

void add_practice_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

// Whether the person has an exercise paused in an earlier session.
[[nodiscard]] bool has_paused_exercise(const skill::HandlerInput& input, const Knowledge& knowledge);

// Starts exercise id at minutes from its beginning.
[[nodiscard]] skill::ResponseBuilder begin_exercise(skill::HandlerInput& input,
                                                    const Knowledge& knowledge, std::string_view id,
                                                    int minutes);

// A new session with a paused exercise: welcome back, and offer to pick it up.
[[nodiscard]] skill::ResponseBuilder offer_resume(skill::HandlerInput& input,
                                                  const Knowledge& knowledge);

}  // namespace feel::intents
