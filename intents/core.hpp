#pragma once

// The skill's conversation basics: launch, help, stop, cancel, home, fallback, and the
// request types that need a valid answer but no conversation.

#include "skill/dispatch.hpp"

namespace feel::intents {

// Registers the basic handlers, the unknown-intent fallback and the apology error handler.
void add_core_handlers(skill::Dispatcher& dispatcher);

// The assembled skill: every handler, interceptor and error handler, in order.
[[nodiscard]] skill::Dispatcher build_dispatcher();

}  // namespace feel::intents
