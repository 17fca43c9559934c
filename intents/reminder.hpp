#pragma once

// A daily reminder to check in ("remind me to check in every evening at nine thirty"): the
// time and recurrence are said aloud and confirmed before the reminder is created through the
// Alexa reminders API; without the permission the consent card is sent and explained. "Stop
// my reminder" deletes it. The reminder's token is kept in the profile ("reminder"), since it
// is what deleting it needs.
//
// State "reminder": asked to confirm (session attribute "reminder": {"hour", "minute"});
// "reminder-time": asked what time.

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

void add_reminder_handlers(skill::Dispatcher& dispatcher);

}  // namespace feel::intents
