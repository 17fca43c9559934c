#include "intents/core.hpp"

#include "intents/checkin.hpp"
#include "intents/consent.hpp"
#include "intents/faq.hpp"
#include "intents/journal.hpp"
#include "intents/practice.hpp"
#include "intents/reminder.hpp"
#include "intents/speaker.hpp"
#include "intents/turns.hpp"
#include "skill/apl.hpp"
#include "skill/log.hpp"

namespace feel::intents {
namespace {

using skill::HandlerInput;
using skill::ResponseBuilder;

constexpr const char* kFallbackCount = "fallbackCount";

// A first visit (nothing kept for this person) hears the disclaimer; a paused exercise is
// offered back.
// At night a quieter welcome that offers a check-in or slow breathing; in the morning, a
// morning greeting.
ResponseBuilder launch(HandlerInput& input, const Knowledge& knowledge) {
  if (has_paused_exercise(input, knowledge)) return offer_resume(input, knowledge);
  Speaker speaker(input);
  const auto local = local_now(input);
  auto speech = speaker.say(local.night()     ? "launch.welcome.night"
                            : local.morning() ? "launch.welcome.morning"
                                              : "launch.welcome");
  if (!input.memory.known()) speech.append(speaker.say("disclaimer.short"));
  speech.append(speaker.say(local.night() ? "launch.prompt.night" : "launch.prompt"));
  return open_turn(speaker, std::move(speech), speaker.say("launch.reprompt"));
}

ResponseBuilder goodbye(HandlerInput& input) {
  Speaker speaker(input);
  return closing_turn(speaker, speaker.say(local_now(input).night() ? "goodbye.night" : "goodbye"));
}

// From 21:00 to 06:00 every answer is spoken slower and softer (exercises already are).
// On a device with a screen, what was said is also shown: the card's title and text, unless the
// handler rendered something of its own (an exercise step, a chart). Never without APL.
void show_on_screen(HandlerInput& input, ResponseBuilder& builder) {
  if (!input.envelope.supports("Alexa.Presentation.APL")) return;
  const auto& card = builder.card();
  if (!card.is_object() || !card.contains("title")) return;
  for (const auto& directive : builder.directives()) {
    if (directive.value("type", "") == "Alexa.Presentation.APL.RenderDocument") return;
  }
  const auto text = card.value("content", card.value("text", std::string()));
  builder.directive(skill::apl_text_card("feel-again", card.value("title", ""), text));
}

void quiet_at_night(HandlerInput& input, ResponseBuilder& builder) {
  const auto& speech = builder.speech();
  if (!speech || speech->inner().find("<prosody") != std::string::npos || !local_now(input).night()) {
    return;
  }
  const auto quiet = [](const skill::Ssml& ssml) {
    return skill::Ssml::from_trusted(std::string(kQuietProsody) + ssml.inner() + "</prosody>");
  };
  builder.speak(quiet(*speech));
  if (const auto& reprompt = builder.reprompt()) builder.ask(quiet(*reprompt));
}

// Misunderstandings escalate gently: an example first, then two things to say, then a
// graceful exit that says how to come back.
ResponseBuilder fallback(HandlerInput& input) {
  Speaker speaker(input);
  const auto misses = input.attributes.value(kFallbackCount, 0) + 1;
  input.attributes[kFallbackCount] = misses;
  if (misses >= 3) {
    input.attributes.erase(kFallbackCount);
    return closing_turn(speaker, speaker.say("fallback.exit"));
  }
  const auto key = misses == 1 ? "fallback.first" : "fallback.second";
  return open_turn(speaker, speaker.say(key), speaker.say("fallback.reprompt"));
}

ResponseBuilder no_speech(HandlerInput&) {
  ResponseBuilder builder;
  builder.end_session(std::nullopt);
  return builder;
}

ResponseBuilder exception_encountered(HandlerInput& input) {
  // Alexa rejected our previous response. Log its error type (never any user content).
  const auto& error = input.envelope.request.error;
  skill::log::warn("alexa rejected a response",
                   {{"error_type", error.is_object() ? error.value("type", "") : ""}});
  return no_speech(input);
}

// Answered without side effects: nothing is stored and the attributes are left untouched.
skill::RequestHandler can_fulfill_handler(std::set<std::string, std::less<>> intents) {
  skill::RequestHandler handler;
  handler.name = "CanFulfillIntentRequest";
  handler.can_handle = [](const HandlerInput& input) {
    return input.request_type() == "CanFulfillIntentRequest";
  };
  handler.handle = [intents = std::move(intents)](HandlerInput& input) {
    const auto* intent = input.intent();
    const bool known = intent != nullptr && intents.count(intent->name) != 0;
    nlohmann::json answer = {{"canFulfill", known ? "YES" : "NO"}};
    if (intent != nullptr && !intent->slots.empty()) {
      nlohmann::json slots = nlohmann::json::object();
      for (const auto& [name, slot] : intent->slots) {
        const auto understood = known && (slot.resolved_id() || slot.value) ? "YES" : "NO";
        slots[name] = {{"canUnderstand", understood}, {"canFulfill", understood}};
      }
      answer["slots"] = std::move(slots);
    }
    ResponseBuilder builder;
    builder.can_fulfill(std::move(answer)).end_session(std::nullopt);
    return builder;
  };
  return handler;
}

ResponseBuilder apology(HandlerInput& input, const std::exception&) {
  if (!input.envelope.session) return no_speech(input);
  Speaker speaker(input);
  return open_turn(speaker, speaker.say("error.apology"), speaker.say("error.reprompt"));
}

}  // namespace

void add_core_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge) {
  dispatcher.add(skill::request_handler("LaunchRequest",
                                        [&knowledge](HandlerInput& input) {
                                          return launch(input, knowledge);
                                        }))
      .add(skill::intent_handler("AMAZON.StopIntent", goodbye))
      .add(skill::intent_handler("AMAZON.CancelIntent", goodbye))
      .add(skill::intent_handler("AMAZON.FallbackIntent", fallback))
      .add(skill::request_handler("SessionEndedRequest", no_speech))
      .add(skill::request_handler("System.ExceptionEncountered", exception_encountered));

  // Known intents are fixed by now, so CanFulfillIntentRequest can name them.
  dispatcher.add(can_fulfill_handler(dispatcher.intents()));

  // An intent the skill does not know is a misunderstanding, not a failure.
  skill::RequestHandler unknown_intent;
  unknown_intent.name = "UnknownIntent";
  unknown_intent.can_handle = [](const HandlerInput& input) {
    return input.request_type() == "IntentRequest";
  };
  unknown_intent.handle = fallback;
  dispatcher.add(std::move(unknown_intent));

  // Any other request type (AudioPlayer, APL user events, skill events, types Amazon adds
  // later) gets a valid, harmless answer with no speech.
  skill::RequestHandler anything_else;
  anything_else.name = "OtherRequest";
  anything_else.can_handle = [](const HandlerInput&) { return true; };
  anything_else.handle = no_speech;
  dispatcher.add(std::move(anything_else));

  dispatcher.add(skill::ErrorHandler{
      "Apology", [](const HandlerInput&, const std::exception&) { return true; }, apology});
}

skill::Dispatcher build_dispatcher(const Knowledge& knowledge) {
  skill::Dispatcher dispatcher;
  // Crisis language is answered before anything else, in every state of the conversation.
  dispatcher.add(crisis_handler(knowledge));
  // Handlers of a conversation state come before the general ones.
  add_practice_handlers(dispatcher, knowledge);
  add_journal_handlers(dispatcher, knowledge);
  add_consent_handlers(dispatcher, knowledge);
  add_checkin_handlers(dispatcher, knowledge);
  add_reminder_handlers(dispatcher);
  add_faq_handlers(dispatcher, knowledge);
  add_core_handlers(dispatcher, knowledge);
  dispatcher.add_response_interceptor(show_on_screen);
  dispatcher.add_response_interceptor(quiet_at_night);
  dispatcher.add_response_interceptor(remember_last_turn);
  // A turn the skill understood resets the gentle fallback escalation; an unknown intent is
  // a miss like the fallback itself.
  auto understood = dispatcher.intents();
  understood.erase("AMAZON.FallbackIntent");
  dispatcher.add_request_interceptor([understood = std::move(understood)](HandlerInput& input) {
    const auto* intent = input.intent();
    if (intent != nullptr && understood.count(intent->name) != 0) {
      input.attributes.erase(kFallbackCount);
    }
  });
  return dispatcher;
}

}  // namespace feel::intents
