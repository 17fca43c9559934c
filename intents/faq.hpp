#pragma once

// Questions about emotional numbness, and the conversation around them: yes, no, next,
// repeat, help and starting over, with crisis language answered first in every state.
//
// Conversation state, all in sessionAttributes:
//   lastTopic    the topic id of the last answer given (absent until one is)
//   offer        what the last turn offered: {"kind":"more"|"topic"|"talk","topic":id}
//   heard        topic ids answered in this session, so Next moves somewhere new
//   lastSpeech   the SSML of the last open turn, and lastReprompt its reprompt, for Repeat

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

// The crisis handler, which must come before every other handler.
[[nodiscard]] skill::RequestHandler crisis_handler(const Knowledge& knowledge);

// Questions, yes, no, next, repeat, help in context, start over, pause and resume.
void add_faq_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

// Remembers each open turn's speech for Repeat.
void remember_last_turn(skill::HandlerInput& input, skill::ResponseBuilder& builder);

}  // namespace feel::intents
