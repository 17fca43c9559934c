#pragma once

// The shapes of a turn every handler builds: an open turn (speech ending in a question, a
// shorter reprompt, a card) and a closing turn (speech and a card, the session ends), plus
// reading the small things handlers keep in the session attributes.

#include <optional>
#include <string>
#include <string_view>

#include "intents/speaker.hpp"
#include "skill/response.hpp"

namespace feel::intents {

[[nodiscard]] skill::ResponseBuilder open_turn(const skill::Ssml& speech,
                                               const skill::Ssml& reprompt, std::string title,
                                               std::string card_text);
// The card is titled with card.title and carries the speech as plain text.
[[nodiscard]] skill::ResponseBuilder open_turn(Speaker& speaker, const skill::Ssml& speech,
                                               const skill::Ssml& reprompt);
[[nodiscard]] skill::ResponseBuilder closing_turn(Speaker& speaker, const skill::Ssml& speech);

// The string at attributes[name], or "" when absent or not a string.
[[nodiscard]] std::string string_attribute(const nlohmann::json& attributes, std::string_view name);
// A slot's resolved id, else nullopt.
[[nodiscard]] std::optional<std::string> slot_id(const skill::HandlerInput& input,
                                                 std::string_view slot);
// A slot's heard words, else "".
[[nodiscard]] std::string slot_words(const skill::HandlerInput& input, std::string_view slot);

}  // namespace feel::intents
