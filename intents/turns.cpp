#include "intents/turns.hpp"

#include "skill/ssml.hpp"

namespace feel::intents {

skill::ResponseBuilder open_turn(const skill::Ssml& speech, const skill::Ssml& reprompt,
                                 std::string title, std::string card_text) {
  skill::ResponseBuilder builder;
  builder.speak(speech).ask(reprompt).simple_card(std::move(title), std::move(card_text));
  return builder;
}

skill::ResponseBuilder open_turn(Speaker& speaker, const skill::Ssml& speech,
                                 const skill::Ssml& reprompt) {
  return open_turn(speech, reprompt, speaker.card_text("card.title"),
                   skill::ssml_to_plain_text(speech.inner()));
}

skill::ResponseBuilder closing_turn(Speaker& speaker, const skill::Ssml& speech) {
  skill::ResponseBuilder builder;
  builder.speak(speech)
      .simple_card(speaker.card_text("card.title"), skill::ssml_to_plain_text(speech.inner()))
      .end_session(true);
  return builder;
}

std::string string_attribute(const nlohmann::json& attributes, std::string_view name) {
  const auto it = attributes.find(name);
  return it != attributes.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<std::string> slot_id(const skill::HandlerInput& input, std::string_view slot) {
  const auto* intent = input.intent();
  const auto* found = intent != nullptr ? intent->slot(slot) : nullptr;
  return found != nullptr ? found->resolved_id() : std::nullopt;
}

std::string slot_words(const skill::HandlerInput& input, std::string_view slot) {
  const auto* intent = input.intent();
  const auto* found = intent != nullptr ? intent->slot(slot) : nullptr;
  return found != nullptr && found->value ? *found->value : "";
}

}  // namespace feel::intents
