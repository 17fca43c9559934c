#pragma once

// How a handler turns content keys into speech. Variants rotate without repeating the last
// one said in this session (remembered in the session attributes under "_said").

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skill/dispatch.hpp"
#include "skill/ssml.hpp"

namespace feel::intents {

using Values = std::vector<std::pair<std::string_view, std::string>>;

class Speaker {
 public:
  explicit Speaker(skill::HandlerInput& input) : input_(input) {}

  // One variant of key, with {placeholders} filled (and escaped) from values.
  [[nodiscard]] skill::Ssml say(std::string_view key, const Values& values = {});
  // The same, as plain text for a card.
  [[nodiscard]] std::string card_text(std::string_view key, const Values& values = {});

 private:
  [[nodiscard]] std::string choose(std::string_view key, const Values& values);

  skill::HandlerInput& input_;
};

}  // namespace feel::intents
