#pragma once

// Journaling: a session of three prompts on a theme, each followed by quiet time, chosen so a
// returning person does not hear the prompts of their recent sessions again; and private notes,
// kept (sealed) only with consent, that only the person can hear back.
//
// State "journal": between prompts; session attribute "journal": {"theme", "prompts": [ids],
// "at": the prompt said last}. State "offer-breathing": after the last prompt.
// Kept with consent: the profile's "journal": {"recent": [prompt ids, oldest first]}, and notes.

#include <string_view>

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"

namespace feel::intents {

void add_journal_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

// Starts a journaling session on theme (a JOURNAL_THEME id), asking for consent first when it
// has never been asked. before is said first.
[[nodiscard]] skill::ResponseBuilder begin_journal(skill::HandlerInput& input,
                                                   std::string_view theme,
                                                   const skill::Ssml& before = {});

// Keeps a note now (consent given), and says whether it was kept.
[[nodiscard]] skill::ResponseBuilder keep_note(skill::HandlerInput& input, std::string_view note,
                                               const skill::Ssml& before = {});

}  // namespace feel::intents
