#pragma once

// Bedside check-ins and their history.
//
// A check-in is a rating from one to five (how connected to their feelings the listener was
// today) and, if they like, a feeling word. Missing or out-of-range ratings are asked for
// again in plain words. It is reflected back without judging, with one next step that fits
// (low: a short grounding exercise; middle: how the week has been; high: a journaling prompt
// about what helped), and kept, sealed, under the listener's local date, only with consent.
//
// History ("how have I been this week", "how was last week"): how many check-ins, the
// average, the direction against the week before, the most frequent feeling word and the
// current streak; when the last two weeks have mostly been ones and twos, a gentle suggestion
// to talk to a professional and the when-to-get-help topic.
//
// State "checkin": asked for the rating; "checkin-feeling": asked for a word (session
// attribute "checkin": {"rating"}); "offer-grounding", "offer-history", "offer-checkin":
// offered a next step.

#include "intents/knowledge.hpp"
#include "skill/dispatch.hpp"
#include "skill/local_time.hpp"

namespace feel::intents {

void add_checkin_handlers(skill::Dispatcher& dispatcher, const Knowledge& knowledge);

// Keeps a check-in (consent given) and answers it; before is said first.
[[nodiscard]] skill::ResponseBuilder finish_checkin(skill::HandlerInput& input, int rating,
                                                    const std::string& feeling,
                                                    const skill::Ssml& before = {});

// The listener's local time now.
[[nodiscard]] skill::LocalTime local_now(skill::HandlerInput& input);

}  // namespace feel::intents
