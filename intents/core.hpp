#pragma once

// The skill's conversation basics: launch, stop, cancel, fallback, and the request types that
// need a valid answer but no conversation.

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

// Registers the basic handlers, the unknown-intent fallback and the apology error handler;
// call it after every other handler is added, since it answers whatever is left.
void add_core_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

// The assembled skill: every handler, interceptor and error handler, in order.
[[nodiscard]] skill::Dispatcher build_dispatcher(const Knowledge& knowledge);

}  // namespace feel::intents
