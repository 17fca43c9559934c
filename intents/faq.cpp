#include "intents/faq.hpp"

#include <algorithm>
#include <array>

#include "intents/speaker.hpp"
#include "intents/turns.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {
namespace {

using nlohmann::json;
using skill::HandlerInput;
using skill::ResponseBuilder;
using skill::Ssml;

constexpr const char* kLastTopic = "lastTopic";
constexpr const char* kOffer = "offer";
constexpr const char* kHeard = "heard";
constexpr const char* kLastSpeech = "lastSpeech";
constexpr const char* kLastReprompt = "lastReprompt";

std::string key(std::string_view topic, std::string_view part) {
  return "topic." + std::string(topic) + "." + std::string(part);
}

void set_offer(HandlerInput& input, std::string_view kind, std::string_view topic = {}) {
  json offer = {{"kind", kind}};
  if (!topic.empty()) offer["topic"] = topic;
  input.attributes[kOffer] = std::move(offer);
}

bool heard(const HandlerInput& input, std::string_view topic) {
  const auto it = input.attributes.find(kHeard);
  if (it == input.attributes.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(),
                     [&](const json& id) { return id.is_string() && id.get<std::string>() == topic; });
}

void mark_heard(HandlerInput& input, std::string_view topic) {
  auto& list = input.attributes[kHeard];
  if (!list.is_array()) list = json::array();
  if (!heard(input, topic)) list.push_back(topic);
}

// The related topic to offer next: the first not yet heard, else the first.
std::string next_related(const HandlerInput& input, const Knowledge& knowledge,
                         std::string_view topic) {
  const auto* info = knowledge.topics.find(topic);
  if (info == nullptr || info->related.empty()) return {};
  for (const auto& related : info->related) {
    if (!heard(input, related)) return related;
  }
  return info->related.front();
}

// The short answer to a topic, and the offer to hear more.
ResponseBuilder answer(HandlerInput& input, std::string_view topic) {
  Speaker speaker(input);
  auto speech = speaker.say(key(topic, "answer"));
  speech.append(speaker.say("offer.more"));
  input.attributes[kLastTopic] = topic;
  mark_heard(input, topic);
  set_offer(input, "more", topic);
  return open_turn(speech, speaker.say("question.reprompt"),
                   speaker.card_text(key(topic, "card.title")),
                   speaker.card_text(key(topic, "card.text")));
}

// The longer answer, and the offer of a related topic.
ResponseBuilder more(HandlerInput& input, const Knowledge& knowledge, std::string_view topic) {
  Speaker speaker(input);
  auto speech = speaker.say(key(topic, "more"));
  input.attributes[kLastTopic] = topic;
  const auto related = next_related(input, knowledge, topic);
  if (related.empty()) {
    input.attributes.erase(kOffer);
    speech.append(speaker.say("offer.what-else"));
  } else {
    set_offer(input, "topic", related);
    speech.append(speaker.say("offer.related", {{"topic", speaker.card_text(key(related, "name"))}}));
  }
  return open_turn(speech, speaker.say("question.reprompt"),
                   speaker.card_text(key(topic, "card.title")),
                   speaker.card_text(key(topic, "card.text")));
}

// A topic's first question that reads as a whole question ("what is emotional numbness"),
// to offer as an example; the first question when none does.
const std::string& example_question(const TopicInfo& topic) {
  static constexpr std::array<std::string_view, 8> kOpenings = {
      "what ", "why ", "how ", "can ", "is ", "does ", "when ", "should "};
  for (const auto& question : topic.questions) {
    const bool reads_as_question = std::any_of(
        kOpenings.begin(), kOpenings.end(),
        [&](std::string_view opening) { return question.rfind(opening, 0) == 0; });
    if (reads_as_question && std::count(question.begin(), question.end(), ' ') >= 2) {
      return question;
    }
  }
  return topic.questions.front();
}

// Not sure: say so, and offer two example questions from two different topics.
ResponseBuilder unsure(HandlerInput& input, const Knowledge& knowledge) {
  Speaker speaker(input);
  const auto& topics = knowledge.topics.topics();
  const auto count = topics.size();  // the index refuses to load without topics
  const auto first = static_cast<std::size_t>(input.seed % count);
  const auto second =
      count < 2 ? first
                : (first + 1 + static_cast<std::size_t>((input.seed / count) % (count - 1))) % count;
  input.attributes.erase(kOffer);
  const auto speech =
      speaker.say("question.unsure", {{"example1", example_question(topics[first])},
                                      {"example2", example_question(topics[second])}});
  return open_turn(speaker, speech, speaker.say("launch.reprompt"));
}

ResponseBuilder answer_text(HandlerInput& input, const Knowledge& knowledge,
                            std::string_view text) {
  if (const auto match = knowledge.topics.best(text)) return answer(input, match->topic);
  return unsure(input, knowledge);
}

ResponseBuilder ask_what(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes.erase(kOffer);
  return open_turn(speaker, speaker.say("ask.what"), speaker.say("launch.reprompt"));
}

ResponseBuilder ask_question(HandlerInput& input, const Knowledge& knowledge) {
  const auto* slot = input.intent()->slot("topic");
  if (slot != nullptr) {
    if (const auto id = slot->resolved_id(); id && knowledge.topics.find(*id) != nullptr) {
      return answer(input, *id);
    }
    if (slot->value && !slot->value->empty()) return answer_text(input, knowledge, *slot->value);
  }
  return ask_what(input);
}

ResponseBuilder freeform_question(HandlerInput& input, const Knowledge& knowledge) {
  const auto* slot = input.intent()->slot("query");
  if (slot != nullptr && slot->value && !slot->value->empty()) {
    return answer_text(input, knowledge, *slot->value);
  }
  return ask_what(input);
}

ResponseBuilder what_else(HandlerInput& input) {
  Speaker speaker(input);
  input.attributes.erase(kOffer);
  return open_turn(speaker, speaker.say("offer.what-else"), speaker.say("launch.reprompt"));
}

ResponseBuilder yes(HandlerInput& input, const Knowledge& knowledge) {
  const auto offer = input.attributes.value(kOffer, json::object());
  const auto kind = offer.is_object() ? offer.value("kind", "") : "";
  const auto topic = offer.is_object() ? offer.value("topic", "") : "";
  const bool known = knowledge.topics.find(topic) != nullptr;
  if (kind == "more" && known) return more(input, knowledge, topic);
  if (kind == "topic" && known) return answer(input, topic);
  if (kind == "talk") {
    Speaker speaker(input);
    input.attributes.erase(kOffer);
    return open_turn(speaker, speaker.say("crisis.continue"), speaker.say("launch.reprompt"));
  }
  return what_else(input);
}

ResponseBuilder no(HandlerInput& input) {
  const auto offer = input.attributes.value(kOffer, json::object());
  if (offer.is_object() && offer.value("kind", "") == "talk") {
    Speaker speaker(input);
    auto speech = speaker.say("crisis.goodbye");
    ResponseBuilder builder;
    builder.speak(speech)
        .simple_card(speaker.card_text("crisis.card.title"), speaker.card_text("crisis.card.text"))
        .end_session(true);
    return builder;
  }
  return what_else(input);
}

ResponseBuilder next(HandlerInput& input, const Knowledge& knowledge) {
  const auto last = string_attribute(input.attributes, kLastTopic);
  const auto related = next_related(input, knowledge, last);
  if (!related.empty()) return answer(input, related);
  Speaker speaker(input);
  input.attributes.erase(kOffer);
  return open_turn(speaker, speaker.say("next.none"), speaker.say("launch.reprompt"));
}

// Exactly the last speech again, reprompt and all; the state is left as it was.
ResponseBuilder repeat(HandlerInput& input) {
  const auto speech = string_attribute(input.attributes, kLastSpeech);
  const auto reprompt = string_attribute(input.attributes, kLastReprompt);
  Speaker speaker(input);
  // The attributes come back from the client: only well-formed SSML is said again.
  if (speech.empty() || reprompt.empty() || !skill::ssml_well_formed(speech) ||
      !skill::ssml_well_formed(reprompt)) {
    return open_turn(speaker, speaker.say("repeat.nothing"), speaker.say("launch.reprompt"));
  }
  input.attributes["state"] = input.state;
  ResponseBuilder builder;
  builder.speak(Ssml::from_trusted(speech))
      .ask(Ssml::from_trusted(reprompt))
      .simple_card(speaker.card_text("card.title"), skill::ssml_to_plain_text(speech));
  return builder;
}

ResponseBuilder help(HandlerInput& input) {
  Speaker speaker(input);
  const bool in_questions = !string_attribute(input.attributes, kLastTopic).empty();
  const auto speech = speaker.say(in_questions ? "help.question" : "help.start");
  return open_turn(speech, speaker.say("help.reprompt"), speaker.card_text("help.card.title"),
                   skill::ssml_to_plain_text(speech.inner()));
}

ResponseBuilder start_over(HandlerInput& input) {
  for (const auto* name : {kLastTopic, kOffer, kHeard}) input.attributes.erase(name);
  Speaker speaker(input);
  return open_turn(speaker, speaker.say("home.start"), speaker.say("launch.reprompt"));
}

ResponseBuilder pause(HandlerInput& input) {
  Speaker speaker(input);
  const auto speech = speaker.say("pause.faq");
  ResponseBuilder builder;
  builder.speak(speech)
      .simple_card(speaker.card_text("card.title"), skill::ssml_to_plain_text(speech.inner()))
      .end_session(true);
  return builder;
}

// Any slot value: the only free text Alexa passes on.
bool has_crisis_language(const HandlerInput& input, const Knowledge& knowledge) {
  const auto* intent = input.intent();
  if (intent == nullptr || input.request_type() != "IntentRequest") return false;
  return std::any_of(intent->slots.begin(), intent->slots.end(), [&](const auto& entry) {
    const auto& value = entry.second.value;
    return value && knowledge.crisis.is_crisis(*value);
  });
}

ResponseBuilder crisis(HandlerInput& input) {
  // The words are never stored: only that a crisis answer was given.
  Speaker speaker(input);
  set_offer(input, "talk");
  ResponseBuilder builder;
  builder.speak(speaker.say("crisis.answer"))
      .ask(speaker.say("crisis.reprompt"))
      .simple_card(speaker.card_text("crisis.card.title"), speaker.card_text("crisis.card.text"));
  return builder;
}

}  // namespace

skill::RequestHandler crisis_handler(const Knowledge& knowledge) {
  skill::RequestHandler handler;
  handler.name = "Crisis";
  handler.can_handle = [&knowledge](const HandlerInput& input) {
    return has_crisis_language(input, knowledge);
  };
  handler.handle = crisis;
  return handler;
}

void add_faq_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge) {
  const auto with = [&knowledge](ResponseBuilder (*handle)(HandlerInput&, const Knowledge&)) {
    return [handle, &knowledge](HandlerInput& input) { return handle(input, knowledge); };
  };
  // Crisis words said on their own ("suicide") carry no slot: the model gives them an intent.
  dispatcher.add(skill::intent_handler("CrisisSupportIntent", crisis))
      .add(skill::intent_handler("AskQuestionIntent", with(ask_question)))
      .add(skill::intent_handler("FreeformQuestionIntent", with(freeform_question)))
      .add(skill::intent_handler("AMAZON.YesIntent", with(yes)))
      .add(skill::intent_handler("AMAZON.NoIntent", no))
      .add(skill::intent_handler("AMAZON.NextIntent", with(next)))
      .add(skill::intent_handler("AMAZON.RepeatIntent", repeat))
      .add(skill::intent_handler("AMAZON.HelpIntent", help))
      .add(skill::intent_handler("AMAZON.StartOverIntent", start_over))
      .add(skill::intent_handler("AMAZON.NavigateHomeIntent", start_over))
      .add(skill::intent_handler("AMAZON.PauseIntent", pause))
      .add(skill::intent_handler("AMAZON.ResumeIntent", start_over));
}

void remember_last_turn(HandlerInput& input, ResponseBuilder& builder) {
  const auto& speech = builder.speech();
  const auto& reprompt = builder.reprompt();
  if (!speech || !reprompt) return;
  input.attributes[kLastSpeech] = speech->inner();
  input.attributes[kLastReprompt] = reprompt->inner();
}

}  // namespace feel::intents
