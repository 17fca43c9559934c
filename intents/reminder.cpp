#include "intents/reminder.hpp"

#include <cstdio>

#include "intents/speaker.hpp"
#include "intents/turns.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {
namespace {

using nlohmann::json;
using skill::HandlerInput;
using skill::ResponseBuilder;

constexpr const char* kReminder = "reminder";
constexpr const char* kPermission = "alexa::alerts:reminders:skill:readwrite";

struct Time {
  int hour = 0;
  int minute = 0;
};

// AMAZON.TIME as Alexa sends it: "21:30"; the times of day ("EV", "NI") are not a time.
std::optional<Time> time_heard(const HandlerInput& input) {
  const auto words = slot_words(input, "time");
  int hour = -1;
  int minute = -1;
  char extra = 0;
  if (std::sscanf(words.c_str(), "%d:%d%c", &hour, &minute, &extra) != 2) return std::nullopt;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  return Time{hour, minute};
}

// "9:30 PM", as a listener hears a time.
std::string spoken(const Time& time) {
  char text[16];
  const int hour = time.hour % 12 == 0 ? 12 : time.hour % 12;
  std::snprintf(text, sizeof text, "%d:%02d %s", hour, time.minute, time.hour < 12 ? "AM" : "PM");
  return text;
}

ResponseBuilder ask_time(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes["state"] = "reminder-time";
  return open_turn(speaker, speaker.say("reminder.ask-time"), speaker.say("reminder.ask-time"));
}

ResponseBuilder set_reminder(HandlerInput& input) {
  const auto time = time_heard(input);
  if (!time) return ask_time(input);
  Speaker speaker(input);
  input.attributes[kReminder] = {{"hour", time->hour}, {"minute", time->minute}};
  input.attributes["state"] = "reminder";
  const Values values = {{"time", spoken(*time)}};
  return open_turn(speaker, speaker.say("reminder.confirm", values),
                   speaker.say("reminder.confirm.reprompt", values));
}

ResponseBuilder create(HandlerInput& input) {
  Speaker speaker(input);
  const auto asked = input.attributes.value(kReminder, json::object());
  input.attributes.erase(kReminder);
  const Time time{asked.value("hour", -1), asked.value("minute", -1)};
  if (time.hour < 0 || time.hour > 23 || time.minute < 0 || time.minute > 59) return ask_time(input);
  const auto created = input.device.create_daily_reminder(
      time.hour, time.minute, speaker.card_text("reminder.text"), input.now);
  const Values values = {{"time", spoken(time)}};
  switch (created.outcome) {
    case skill::ApiOutcome::ok: {
      auto& profile = input.memory.profile();
      profile[kReminder] = {{"token", created.alert_token}, {"hour", time.hour}, {"minute", time.minute}};
      auto speech = speaker.say("reminder.set", values);
      if (!input.memory.save()) speech.append(speaker.say("reminder.unsaved"));
      speech.append(speaker.say("after.what-else"));
      return open_turn(speaker, speech, speaker.say("launch.reprompt"));
    }
    case skill::ApiOutcome::no_permission: {
      // The consent card goes to the Alexa app; the session ends so they can grant it there.
      ResponseBuilder builder;
      builder.speak(speaker.say("reminder.permission"))
          .permissions_card({kPermission})
          .end_session(true);
      return builder;
    }
    case skill::ApiOutcome::failed:
      break;
  }
  auto speech = speaker.say("reminder.failed");
  speech.append(speaker.say("after.what-else"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

ResponseBuilder not_now(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes.erase(kReminder);
  auto speech = speaker.say("reminder.not-set");
  speech.append(speaker.say("after.what-else"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

ResponseBuilder stop_reminder(HandlerInput& input) {
  Speaker speaker(input);
  auto& profile = input.memory.profile();
  const auto kept = profile.value(kReminder, json::object());
  const auto token = kept.is_object() ? kept.value("token", "") : "";
  skill::Ssml speech;
  if (token.empty()) {
    speech = speaker.say("reminder.none");
  } else if (input.device.delete_reminder(token) == skill::ApiOutcome::ok) {
    profile.erase(kReminder);
    speech = speaker.say("reminder.stopped");
    if (!input.memory.save()) speech.append(speaker.say("reminder.unsaved"));
  } else {
    speech = speaker.say("reminder.stop-failed");
  }
  speech.append(speaker.say("after.what-else"));
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

}  // namespace

void add_reminder_handlers(skill::Dispatcher& dispatcher) {
  dispatcher.add(skill::state_handler("ReminderConfirmed", "reminder", {"AMAZON.YesIntent"}, create))
      .add(skill::state_handler("ReminderDeclined", "reminder", {"AMAZON.NoIntent"}, not_now))
      .add(skill::intent_handler("SetReminderIntent", set_reminder))
      .add(skill::intent_handler("StopReminderIntent", stop_reminder));
}

}  // namespace feel::intents
