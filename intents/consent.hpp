#pragma once

// Consent and erasure. The skill asks once, in plain words, before keeping anything about
// feelings (notes, prompt history, later check-ins) and remembers the answer in the profile's
// "consent": "yes" or "no". "Delete my data", confirmed by a yes, removes everything kept for
// the person; so does the AlexaSkillEvent.SkillDisabled event.
//
// State "consent": asked; session attribute "pending" holds what to do after the answer
// ({"action": "journal", "theme"} or {"action": "note", "note"}). State "delete": asked to
// confirm the erasure.

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

enum class Consent { unasked, yes, no };

[[nodiscard]] Consent consent(const skill::HandlerInput& input);

// Asks for consent, to do pending afterwards.
[[nodiscard]] skill::ResponseBuilder ask_consent(skill::HandlerInput& input,
                                                 nlohmann::json pending,
                                                 const skill::Ssml& question);

void add_consent_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

}  // namespace feel::intents
