#pragma once

// Screens for Alexa devices with a display: Alexa.Presentation.APL.RenderDocument directives,
// for ResponseBuilder::directive(). Each document is fixed JSON with no words in it; all the
// words and the chart's drawing go in the directive's datasources, bound as ${payload...}.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>
#include <vector>

namespace feel::skill {

// A title over a block of text, which scrolls when it is long.
[[nodiscard]] nlohmann::json apl_text_card(std::string_view token, std::string_view title,
                                           std::string_view text);

// An exercise step: the exercise's name, the step's words and the round as "2 / 5" (numbers
// only, so the screen needs no words of its own in any locale).
[[nodiscard]] nlohmann::json apl_exercise_step(std::string_view token, std::string_view name,
                                               std::string_view step, int round, int rounds);

// A bar chart of daily ratings, oldest first: one bar per day with a check-in, its height the
// rating (1 to 5, values outside are clamped), and a gap for a day without one. The caption
// ("Last 14 days") goes under the chart and is also its accessibility label.
[[nodiscard]] nlohmann::json apl_rating_chart(std::string_view token, std::string_view title,
                                              std::string_view caption,
                                              const std::vector<std::optional<int>>& ratings);

}  // namespace feel::skill
