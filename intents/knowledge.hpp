#pragma once

// What the skill knows beyond its words: the FAQ topics with their matcher, and the crisis
// language detector, both loaded from speech-content/<language>/matching/.

#include <filesystem>

#include "intents/crisis.hpp"
#include "intents/matcher.hpp"

namespace feel::intents {

struct Knowledge {
  TopicIndex topics;
  CrisisDetector crisis;

  // Throws skill::ContentError naming the file that is missing or wrong.
  [[nodiscard]] static Knowledge load(const std::filesystem::path& content_dir);
};

}  // namespace feel::intents
