#include "intents/consent.hpp"

#include "intents/checkin.hpp"
#include "intents/journal.hpp"
#include "intents/speaker.hpp"
#include "intents/turns.hpp"

namespace feel::intents {
namespace {

using nlohmann::json;
using skill::HandlerInput;
using skill::ResponseBuilder;
using skill::Ssml;

constexpr const char* kConsent = "consent";
constexpr const char* kPending = "pending";

// Does what waited for the answer; before says the answer's acknowledgement.
ResponseBuilder carry_out(HandlerInput& input, Ssml before) {
  const auto pending = input.attributes.value(kPending, json::object());
  input.attributes.erase(kPending);
  const auto action = pending.is_object() ? pending.value("action", "") : "";
  // Back to where the person was when the question was asked.
  input.state = pending.is_object() ? pending.value("return", "") : "";
  if (action == "journal") return begin_journal(input, pending.value("theme", "free"), before);
  if (action == "checkin") {
    return finish_checkin(input, pending.value("rating", 3), pending.value("feeling", ""), before);
  }
  Speaker speaker(input);
  if (action == "note" && consent(input) == Consent::yes) {
    return keep_note(input, pending.value("note", ""), before);
  }
  if (action == "note") before.append(speaker.say("note.not-kept"));
  before.append(speaker.say("after.what-else"));
  return open_turn(speaker, before, speaker.say("launch.reprompt"));
}

ResponseBuilder answer(HandlerInput& input, bool yes) {
  Speaker speaker(input);
  input.memory.profile()[kConsent] = yes ? "yes" : "no";
  auto before = speaker.say(yes ? "consent.yes" : "consent.no");
  if (!input.memory.save()) before.append(speaker.say("consent.unsaved"));
  return carry_out(input, before);
}

ResponseBuilder confirm_delete(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes["state"] = "delete";
  return open_turn(speaker, speaker.say("delete.confirm"), speaker.say("delete.reprompt"));
}

ResponseBuilder erase(HandlerInput& input) {
  Speaker speaker(input);
  const bool erased = input.memory.erase();
  if (erased) {
    for (const auto* name : {"exercise", "journal", kPending, "offerTheme"}) {
      input.attributes.erase(name);
    }
  }
  auto speech = speaker.say(erased ? "delete.done" : "delete.failed");
  speech.append(speaker.say("after.what-else"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

ResponseBuilder keep_everything(HandlerInput& input) {
  Speaker speaker(input);
  auto speech = speaker.say("delete.kept");
  speech.append(speaker.say("after.what-else"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

// The person disabled the skill: nothing of theirs is kept. Out of session, so no speech.
ResponseBuilder skill_disabled(HandlerInput& input) {
  (void)input.memory.erase();  // a failure is logged by the memory
  ResponseBuilder builder;
  builder.end_session(std::nullopt);
  return builder;
}

}  // namespace

Consent consent(const HandlerInput& input) {
  const auto answer = string_attribute(input.memory.profile(), kConsent);
  if (answer == "yes") return Consent::yes;
  if (answer == "no") return Consent::no;
  return Consent::unasked;
}

ResponseBuilder ask_consent(HandlerInput& input, json pending, const Ssml& question) {
  Speaker speaker(input);
  pending["return"] = input.state;
  input.attributes[kPending] = std::move(pending);
  input.attributes["state"] = "consent";
  input.attributes.erase("offer");
  return open_turn(speaker, question, speaker.say("consent.reprompt"));
}

void add_consent_handlers(skill::Dispatcher& dispatcher, const Knowledge&) {
  dispatcher
      .add(skill::state_handler("ConsentGiven", "consent", {"AMAZON.YesIntent"},
                                [](HandlerInput& input) { return answer(input, true); }))
      .add(skill::state_handler("ConsentRefused", "consent", {"AMAZON.NoIntent"},
                                [](HandlerInput& input) { return answer(input, false); }))
      .add(skill::state_handler("DeleteConfirmed", "delete", {"AMAZON.YesIntent"}, erase))
      .add(skill::state_handler("DeleteDeclined", "delete", {"AMAZON.NoIntent"}, keep_everything))
      .add(skill::intent_handler("DeleteMyDataIntent", confirm_delete))
      .add(skill::request_handler("AlexaSkillEvent.SkillDisabled", skill_disabled));
}

}  // namespace feel::intents
