#include "intents/journal.hpp"

#include <algorithm>
#include <random>

#include "intents/consent.hpp"
#include "intents/exercise.hpp"
#include "intents/practice.hpp"
#include "intents/speaker.hpp"
#include "intents/turns.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {
namespace {

using nlohmann::json;
using skill::HandlerInput;
using skill::ResponseBuilder;
using skill::Ssml;

constexpr const char* kJournal = "journal";
constexpr std::size_t kPromptsPerSession = 3;
constexpr std::size_t kRecentKept = 18;  // three sessions of every theme... or six of one
constexpr std::size_t kMaxNoteChars = 1000;
constexpr std::chrono::seconds kQuietTime{20};

std::string prompts_key(std::string_view theme) { return "journal.prompts." + std::string(theme); }

bool known_theme(const HandlerInput& input, std::string_view theme) {
  return input.speech.find(prompts_key(theme)) != nullptr;
}

json& recent_list(HandlerInput& input) {
  auto& journal = input.memory.profile()[kJournal];
  if (!journal.is_object()) journal = json::object();
  auto& recent = journal["recent"];
  if (!recent.is_array()) recent = json::array();
  return recent;
}

// Three prompts of theme: not heard in recent sessions where possible, otherwise the ones
// heard longest ago.
std::vector<std::string> choose_prompts(HandlerInput& input, std::string_view theme) {
  const auto count = input.speech.at(prompts_key(theme)).size();
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(std::string(theme) + "/" + std::to_string(i));
  std::vector<std::string> recent;
  if (consent(input) == Consent::yes) {
    for (const auto& id : recent_list(input)) {
      if (id.is_string()) recent.push_back(id.get<std::string>());
    }
  }
  std::vector<std::string> fresh;
  std::copy_if(ids.begin(), ids.end(), std::back_inserter(fresh), [&](const std::string& id) {
    return std::find(recent.begin(), recent.end(), id) == recent.end();
  });
  std::mt19937_64 engine(input.seed);
  std::shuffle(fresh.begin(), fresh.end(), engine);
  for (const auto& id : recent) {  // oldest first
    if (fresh.size() >= kPromptsPerSession) break;
    if (std::find(ids.begin(), ids.end(), id) != ids.end() &&
        std::find(fresh.begin(), fresh.end(), id) == fresh.end()) {
      fresh.push_back(id);
    }
  }
  fresh.resize(std::min(fresh.size(), kPromptsPerSession));
  return fresh;
}

void remember_prompts(HandlerInput& input, const std::vector<std::string>& prompts) {
  if (consent(input) != Consent::yes) return;
  auto& recent = recent_list(input);
  for (const auto& id : prompts) {
    recent.erase(std::remove(recent.begin(), recent.end(), json(id)), recent.end());
    recent.push_back(id);
  }
  while (recent.size() > kRecentKept) recent.erase(recent.begin());
  // A prompt history that could not be saved only means a prompt may come again.
  (void)input.memory.save();
}

// The words of a prompt id ("body/2"), or "" when the id does not name one.
std::string prompt_words(const HandlerInput& input, const std::string& id) {
  const auto slash = id.find('/');
  if (slash == std::string::npos) return {};
  const auto* prompts = input.speech.find(prompts_key(id.substr(0, slash)));
  const auto index = std::strtoul(id.c_str() + slash + 1, nullptr, 10);
  if (prompts == nullptr || index >= prompts->size()) return {};
  return (*prompts)[index];
}

// The question that carries on from where the person is, after a note or reading one.
struct CarryOn {
  Ssml question;
  Ssml reprompt;
};

CarryOn carry_on(HandlerInput& input) {
  Speaker speaker(input);
  if (input.state == "journal" || input.state == "offer-breathing") {
    input.attributes["state"] = input.state;
    if (input.state == "journal") return {speaker.say("journal.after"), speaker.say("journal.reprompt")};
    return {speaker.say("offer.breathing"), speaker.say("journal.reprompt.last")};
  }
  return {speaker.say("after.what-else"), speaker.say("launch.reprompt")};
}

ResponseBuilder say_prompt(HandlerInput& input, const json& journal, std::size_t index,
                           Ssml speech = {}) {
  Speaker speaker(input);
  const auto& prompts = journal["prompts"];
  const bool last = index + 1 >= prompts.size();
  const auto theme = journal.value("theme", "free");
  if (index == 0) {
    speech.append(speaker.say("journal.start",
                              {{"theme", speaker.card_text("journal.theme." + theme)}}));
    speech.append(speaker.say(last ? "journal.last" : "journal.first"));
  } else {
    speech.append(speaker.say(last ? "journal.last" : "journal.next"));
  }
  const auto words = prompt_words(input, prompts[index].get<std::string>());
  speech.append(Ssml::from_trusted(words));
  speech.append(speaker.say("journal.reflect")).pause(kQuietTime);
  Ssml reprompt;
  if (last) {
    input.attributes.erase(kJournal);
    input.attributes["state"] = "offer-breathing";
    speech.append(speaker.say("journal.after.last"));
    reprompt = speaker.say("journal.reprompt.last");
  } else {
    auto kept = journal;
    kept["at"] = index;
    input.attributes[kJournal] = std::move(kept);
    input.attributes["state"] = "journal";
    speech.append(speaker.say("journal.after"));
    reprompt = speaker.say("journal.reprompt");
  }
  return open_turn(speech, reprompt, speaker.card_text("journal.card.title"),
                   skill::ssml_to_plain_text(words));
}

// The journal of this session, when its prompts are all known.
std::optional<json> current_journal(const HandlerInput& input) {
  const auto it = input.attributes.find(kJournal);
  if (it == input.attributes.end() || !it->is_object()) return std::nullopt;
  const auto prompts = it->find("prompts");
  const auto at = it->find("at");
  if (prompts == it->end() || !prompts->is_array() || prompts->empty() || at == it->end() ||
      !at->is_number_unsigned()) {
    return std::nullopt;
  }
  for (const auto& id : *prompts) {
    if (!id.is_string() || prompt_words(input, id.get<std::string>()).empty()) return std::nullopt;
  }
  return *it;
}

ResponseBuilder start_journal(HandlerInput& input) {
  auto theme = slot_id(input, "theme").value_or("free");
  if (!known_theme(input, theme)) theme = "free";
  return begin_journal(input, theme);
}

ResponseBuilder next_prompt(HandlerInput& input) {
  const auto journal = current_journal(input);
  if (!journal) return begin_journal(input, "free");
  const auto next = (*journal)["at"].get<std::size_t>() + 1;
  if (next >= (*journal)["prompts"].size()) return begin_journal(input, journal->value("theme", "free"));
  return say_prompt(input, *journal, next);
}

ResponseBuilder journal_help(HandlerInput& input, std::string_view key) {
  Speaker speaker(input);
  input.attributes["state"] = input.state;
  return open_turn(speaker, speaker.say(key), speaker.say("journal.reprompt"));
}

ResponseBuilder note(HandlerInput& input) {
  Speaker speaker(input);
  auto text = slot_words(input, "note");
  text.erase(0, text.find_first_not_of(" \t"));
  if (text.empty()) {
    input.attributes["state"] = input.state;
    return open_turn(speaker, speaker.say("note.empty"), speaker.say("note.empty"));
  }
  if (text.size() > kMaxNoteChars) text.resize(kMaxNoteChars);
  text = skill::to_valid_utf8(text);
  switch (consent(input)) {
    case Consent::yes:
      return keep_note(input, text);
    case Consent::no:
      return ask_consent(input, {{"action", "note"}, {"note", text}}, speaker.say("note.declined"));
    case Consent::unasked:
      break;
  }
  return ask_consent(input, {{"action", "note"}, {"note", text}}, speaker.say("consent.ask"));
}

ResponseBuilder read_note(HandlerInput& input) {
  Speaker speaker(input);
  Ssml speech;
  std::string card = speaker.card_text("note.card.title");
  std::string text;
  if (consent(input) != Consent::yes) {
    speech = speaker.say("note.read.no-consent");
  } else {
    switch (input.memory.last_note(text)) {
      case skill::UserMemory::NoteStatus::found:
        speech = speaker.say("note.read", {{"note", text}});
        break;
      case skill::UserMemory::NoteStatus::none:
        speech = speaker.say("note.none");
        break;
      case skill::UserMemory::NoteStatus::failed:
        speech = speaker.say("note.read.failed");
        break;
    }
  }
  const auto next = carry_on(input);
  speech.append(next.question);
  return open_turn(speech, next.reprompt, std::move(card),
                   skill::ssml_to_plain_text(speech.inner()));
}

}  // namespace

ResponseBuilder begin_journal(HandlerInput& input, std::string_view theme, const Ssml& before) {
  if (consent(input) == Consent::unasked && input.memory.available()) {
    Speaker speaker(input);
    return ask_consent(input, {{"action", "journal"}, {"theme", theme}}, speaker.say("consent.ask"));
  }
  const auto prompts = choose_prompts(input, theme);
  remember_prompts(input, prompts);
  input.attributes.erase("offer");
  const json journal = {{"theme", theme}, {"prompts", prompts}, {"at", 0}};
  return say_prompt(input, journal, 0, before);
}

ResponseBuilder keep_note(HandlerInput& input, std::string_view text, const Ssml& before) {
  Speaker speaker(input);
  auto speech = before;
  const bool kept = input.memory.keep_note(text, input.now);
  speech.append(speaker.say(kept ? "note.kept" : "note.unsaved"));
  const auto next = carry_on(input);
  speech.append(next.question);
  return open_turn(speech, next.reprompt, speaker.card_text("note.card.title"),
                   skill::ssml_to_plain_text(speech.inner()));
}

void add_journal_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge) {
  dispatcher.add(skill::state_handler(
      "JournalNext", "journal", {"AMAZON.NextIntent", "AMAZON.YesIntent", "AMAZON.ResumeIntent"},
      next_prompt));
  dispatcher.add(skill::state_handler("JournalHelp", "journal", {"AMAZON.HelpIntent"},
                                      [](HandlerInput& input) {
                                        return journal_help(input, "journal.help");
                                      }));
  // Thinking aloud between prompts is not a question, even in a topic's words; a question the
  // matcher knows still is.
  const auto thinking_aloud = [&knowledge](const HandlerInput& input) {
    if (input.state != "journal") return false;
    if (input.is_intent("AMAZON.FallbackIntent")) return true;
    return input.is_intent("FreeformQuestionIntent") &&
           !knowledge.topics.asks_a_topic(slot_words(input, "query"));
  };
  skill::RequestHandler waiting;
  waiting.name = "JournalWaiting";
  waiting.can_handle = thinking_aloud;
  waiting.handle = [](HandlerInput& input) { return journal_help(input, "journal.waiting"); };
  dispatcher.add(std::move(waiting));
  dispatcher.add(skill::state_handler("BreathingOffered", "offer-breathing", {"AMAZON.YesIntent"},
                                      [&knowledge](HandlerInput& input) {
                                        return begin_exercise(input, knowledge, "slow-breathing",
                                                              ExerciseLibrary::kDefaultMinutes);
                                      }));
  dispatcher.add(skill::intent_handler("StartJournalIntent", start_journal))
      .add(skill::intent_handler("JournalNoteIntent", note))
      .add(skill::intent_handler("ReadNoteIntent", read_note));
}

}  // namespace feel::intents
