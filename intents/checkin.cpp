#include "intents/checkin.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "intents/consent.hpp"
#include "intents/exercise.hpp"
#include "intents/journal.hpp"
#include "intents/practice.hpp"
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

constexpr const char* kCheckIn = "checkin";
constexpr int kLowest = 1;
constexpr int kHighest = 5;

// Every word heard in any slot of the request.
std::vector<std::string> words_heard(const HandlerInput& input) {
  std::vector<std::string> words;
  const auto* intent = input.intent();
  if (intent == nullptr) return words;
  for (const auto& [name, slot] : intent->slots) {
    if (!slot.value) continue;
    std::string word;
    for (char c : *slot.value + " ") {
      if (c == ' ') {
        if (!word.empty()) words.push_back(std::move(word));
        word.clear();
      } else {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
  }
  return words;
}

// The rating said: a number (digits or words), or a word for a level ("pretty low"). An
// answer to "how connected were you?" may come as any intent ("three" alone, "a three I
// guess"): then the one number among its words.
std::optional<int> rating_heard(const HandlerInput& input) {
  if (const auto level = slot_id(input, "level")) return skill::spoken_number(*level);
  if (const auto rating = skill::spoken_number(slot_words(input, "rating"))) return rating;
  std::optional<int> found;
  for (const auto& word : words_heard(input)) {
    if (const auto number = skill::spoken_number(word)) {
      if (found) return std::nullopt;  // two numbers: not an answer
      found = number;
    }
  }
  return found;
}

// A feeling word: the slot's resolved value, or a feeling's name among the words heard.
std::string feeling_heard(const HandlerInput& input) {
  const auto id = slot_id(input, "feeling").value_or("");
  if (!id.empty() && input.speech.find("feeling." + id) != nullptr) return id;
  for (const auto& word : words_heard(input)) {
    if (input.speech.find("feeling." + word) != nullptr) return word;
  }
  return "";
}

ResponseBuilder ask_rating(HandlerInput& input, bool again) {
  Speaker speaker(input);
  input.attributes["state"] = "checkin";
  return open_turn(speaker, speaker.say(again ? "checkin.ask-rating.again" : "checkin.ask-rating"),
                   speaker.say("checkin.ask-rating.reprompt"));
}

ResponseBuilder ask_feeling(HandlerInput& input, int rating) {
  Speaker speaker(input);
  input.attributes[kCheckIn] = {{"rating", rating}};
  input.attributes["state"] = "checkin-feeling";
  return open_turn(speaker, speaker.say("checkin.ask-feeling"), speaker.say("checkin.ask-feeling.reprompt"));
}

// With both answers: consent first when it was never asked, else keep (or not) and answer.
ResponseBuilder complete(HandlerInput& input, int rating, const std::string& feeling) {
  input.attributes.erase(kCheckIn);
  switch (consent(input)) {
    case Consent::unasked:
      if (input.memory.available()) {
        Speaker speaker(input);
        return ask_consent(input, {{"action", "checkin"}, {"rating", rating}, {"feeling", feeling}},
                           speaker.say("consent.ask"));
      }
      break;
    case Consent::no: {
      Speaker speaker(input);
      return finish_checkin(input, rating, feeling, speaker.say("checkin.not-kept"));
    }
    case Consent::yes:
      break;
  }
  return finish_checkin(input, rating, feeling);
}

ResponseBuilder check_in(HandlerInput& input) {
  // What was said earlier in this check-in ("sad" first, then the rating).
  const auto earlier = input.attributes.value(kCheckIn, json::object());
  auto feeling = feeling_heard(input);
  if (feeling.empty() && earlier.is_object()) feeling = earlier.value("feeling", "");
  // After the rating, the words answer the feeling question, not the rating again.
  std::optional<int> rating =
      input.state == "checkin-feeling" ? std::nullopt : rating_heard(input);
  if (!rating && input.state == "checkin-feeling" && earlier.is_object()) {
    const int kept = earlier.value("rating", 0);
    if (kept >= kLowest && kept <= kHighest) rating = kept;
  }
  if (!rating) {
    if (!feeling.empty()) input.attributes[kCheckIn] = {{"feeling", feeling}};
    return ask_rating(input, false);
  }
  if (*rating < kLowest || *rating > kHighest) return ask_rating(input, true);
  if (feeling.empty() && input.state != "checkin-feeling") return ask_feeling(input, *rating);
  return complete(input, *rating, feeling);
}

// "Skip", no, or something else after the feeling question: the check-in without a word.
ResponseBuilder without_feeling(HandlerInput& input) {
  const auto kept = input.attributes.value(kCheckIn, json::object());
  const int rating = kept.is_object() ? kept.value("rating", 0) : 0;
  if (rating < kLowest || rating > kHighest) return ask_rating(input, false);
  return complete(input, rating, "");
}

struct Week {
  std::size_t count = 0;
  double average = 0;
};

Week week_of(const std::vector<skill::UserMemory::CheckIn>& checkins, long first_day, long last_day) {
  Week week;
  double total = 0;
  for (const auto& checkin : checkins) {
    const auto day = checkin.data.value("dayNumber", 0L);
    if (day < first_day || day > last_day) continue;
    ++week.count;
    total += checkin.data.value("rating", 0);
  }
  if (week.count > 0) week.average = total / static_cast<double>(week.count);
  return week;
}

std::string one_decimal(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", value);
  std::string out = text;
  if (out.size() > 2 && out.substr(out.size() - 2) == ".0") out.resize(out.size() - 2);
  return out;
}

ResponseBuilder history(HandlerInput& input) {
  Speaker speaker(input);
  const auto today = local_now(input).days_since_epoch;
  const bool last_week = slot_id(input, "period").value_or("this-week") == "last-week";
  const long end = last_week ? today - 7 : today;
  const auto since = skill::date_of_day(std::min(end - 13, today - 13));
  std::vector<skill::UserMemory::CheckIn> checkins;
  if (consent(input) == Consent::yes) {
    if (auto found = input.memory.checkins_since(since)) checkins = std::move(*found);
  }
  const auto week = week_of(checkins, end - 6, end);
  if (week.count == 0) {
    input.attributes["state"] = "offer-checkin";
    return open_turn(speaker, speaker.say(last_week ? "history.none.last-week" : "history.none"),
                     speaker.say("history.offer.checkin"));
  }
  const auto period = last_week ? std::string("last-week") : std::string("this-week");
  auto speech = speaker.say("history.summary." + period + (week.count == 1 ? ".one" : ""),
                            {{"count", std::to_string(week.count)},
                             {"average", one_decimal(week.average)}});
  const auto before = week_of(checkins, end - 13, end - 7);
  if (before.count > 0) {
    const double change = week.average - before.average;
    speech.append(speaker.say(change > 0.3 ? "history.up" : change < -0.3 ? "history.down" : "history.steady"));
  }
  std::map<std::string, int> words;
  for (const auto& checkin : checkins) {
    const auto day = checkin.data.value("dayNumber", 0L);
    const auto feeling = checkin.data.value("feeling", "");
    if (day >= end - 6 && day <= end && !feeling.empty()) ++words[feeling];
  }
  if (!words.empty()) {
    const auto most = std::max_element(words.begin(), words.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    speech.append(speaker.say("history.feeling", {{"feeling", speaker.card_text("feeling." + most->first)}}));
  }
  if (!last_week) {
    std::set<long> days;
    for (const auto& checkin : checkins) days.insert(checkin.data.value("dayNumber", 0L));
    long streak = 0;
    for (long day = days.count(today) ? today : today - 1; days.count(day); --day) ++streak;
    if (streak >= 2) speech.append(speaker.say("history.streak", {{"streak", std::to_string(streak)}}));
  }
  // Mostly ones and twos over the last two weeks: a gentle word about getting help.
  std::size_t recent = 0;
  std::size_t low = 0;
  for (const auto& checkin : checkins) {
    if (checkin.data.value("dayNumber", 0L) < today - 13) continue;
    ++recent;
    if (checkin.data.value("rating", kHighest) <= 2) ++low;
  }
  Ssml reprompt;
  if (recent >= 4 && 3 * low >= 2 * recent) {
    speech.append(speaker.say("history.low")).append(speaker.say("history.offer.help"));
    input.attributes["offer"] = {{"kind", "topic"}, {"topic", "when-to-get-help"}};
    reprompt = speaker.say("history.offer.help");
  } else {
    input.attributes["state"] = "offer-checkin";
    speech.append(speaker.say("history.offer.checkin"));
    reprompt = speaker.say("history.offer.checkin");
  }
  auto builder = open_turn(speech, reprompt, speaker.card_text("history.card.title"),
                           skill::ssml_to_plain_text(speech.inner()));
  if (input.envelope.supports("Alexa.Presentation.APL")) {
    // The last 14 days' ratings, oldest first; a day's last check-in counts.
    std::vector<std::optional<int>> ratings(14);
    for (const auto& checkin : checkins) {
      const auto age = today - checkin.data.value("dayNumber", 0L);
      if (age >= 0 && age < 14) ratings[static_cast<std::size_t>(13 - age)] = checkin.data.value("rating", 0);
    }
    builder.directive(skill::apl_rating_chart("history", speaker.card_text("history.chart.title"),
                                              speaker.card_text("history.chart.caption"), ratings));
  }
  return builder;
}

}  // namespace

skill::LocalTime local_now(HandlerInput& input) {
  return skill::local_time(input.now, input.device.time_zone());
}

ResponseBuilder finish_checkin(HandlerInput& input, int rating, const std::string& feeling,
                               const Ssml& before) {
  Speaker speaker(input);
  const auto local = local_now(input);
  auto speech = before;
  if (consent(input) == Consent::yes) {
    char time[8];
    std::snprintf(time, sizeof time, "%02d:%02d", local.hour, local.minute);
    const json checkin = {{"rating", rating},
                          {"feeling", feeling},
                          {"time", time},
                          {"zone", local.zone},
                          {"dayNumber", local.days_since_epoch}};
    const bool kept = input.memory.keep_checkin(local.date(), checkin, input.now);
    speech.append(speaker.say(kept ? "checkin.kept" : "checkin.unsaved"));
  }
  const auto band = rating <= 2 ? "low" : rating == 3 ? "mid" : "high";
  speech.append(speaker.say(std::string("checkin.reflect.") + band, {{"rating", std::to_string(rating)}}));
  if (!feeling.empty()) {
    speech.append(speaker.say("checkin.feeling", {{"feeling", speaker.card_text("feeling." + feeling)}}));
  }
  Ssml next;
  if (local.night()) {
    next = speaker.say("checkin.night.close");
    input.attributes["state"] = "offer-breathing";
  } else if (rating <= 2) {
    next = speaker.say("checkin.next.low");
    input.attributes["state"] = "offer-grounding";
  } else if (rating == 3) {
    next = speaker.say("checkin.next.mid");
    input.attributes["state"] = "offer-history";
  } else {
    next = speaker.say("checkin.next.high");
    input.attributes["state"] = "offer-journal";
    input.attributes["offerTheme"] = "noticing";
  }
  speech.append(next);
  return open_turn(speech, next, speaker.card_text("checkin.card.title"),
                   skill::ssml_to_plain_text(speech.inner()));
}

void add_checkin_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge) {
  dispatcher
      .add(skill::state_handler("CheckInSkipFeeling", "checkin-feeling",
                                {"AMAZON.NoIntent", "AMAZON.NextIntent", "AMAZON.FallbackIntent",
                                 "AMAZON.YesIntent"},
                                without_feeling))
      .add(skill::state_handler("CheckInOffered", "offer-checkin", {"AMAZON.YesIntent"},
                                [](HandlerInput& input) { return ask_rating(input, false); }))
      .add(skill::state_handler("HistoryOffered", "offer-history", {"AMAZON.YesIntent"}, history))
      .add(skill::state_handler("GroundingOffered", "offer-grounding", {"AMAZON.YesIntent"},
                                [&knowledge](HandlerInput& input) {
                                  return begin_exercise(input, knowledge, "grounding", 2);
                                }))
      .add(skill::state_handler("CheckInAgain", "checkin", {"AMAZON.FallbackIntent"},
                                [](HandlerInput& input) { return ask_rating(input, true); }))
      .add(skill::state_handler(
          "CheckInAnswer", "checkin",
          {"AskQuestionIntent", "FreeformQuestionIntent", "StartExerciseIntent"}, check_in))
      .add(skill::state_handler("CheckInFeeling", "checkin-feeling",
                                {"AskQuestionIntent", "FreeformQuestionIntent"},
                                [](HandlerInput& input) {
                                  return feeling_heard(input).empty() ? without_feeling(input)
                                                                      : check_in(input);
                                }))
      .add(skill::intent_handler("CheckInIntent", check_in))
      .add(skill::intent_handler("MoodHistoryIntent", history));
}

}  // namespace feel::intents
