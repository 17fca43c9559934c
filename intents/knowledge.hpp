#pragma once

// What the skill knows beyond its words: the FAQ topics with their matcher and the crisis
// language detector (speech-content/<language>/matching/), and the exercises' plans
// (speech-content/<language>/plans/).

#include <filesystem>

#include "intents/crisis.hpp"
#include "intents/exercise.hpp"
#include "intents/matcher.hpp"

namespace feel::intents {

struct Knowledge {
  TopicIndex topics;
  CrisisDetector crisis;
  ExerciseLibrary exercises;

  // Throws skill::ContentError naming the file that is missing or wrong.
  [[nodiscard]] static Knowledge load(const std::filesystem::path& content_dir);
};

}  // namespace feel::intents
