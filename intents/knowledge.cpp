#include "intents/knowledge.hpp"

#include "skill/content.hpp"

namespace feel::intents {

Knowledge Knowledge::load(const std::filesystem::path& content_dir) {
  // English is the only language so far; every English locale shares its matching data.
  const auto matching = content_dir / "en" / "matching";
  Knowledge knowledge{TopicIndex::load(matching / "topics.json"),
                      CrisisDetector::load(matching / "crisis.json"),
                      ExerciseLibrary::load(content_dir / "en" / "plans" / "exercises.json")};
  // "Not sure" offers example questions from two different topics.
  if (knowledge.topics.topics().size() < 2) {
    throw skill::ContentError((matching / "topics.json").string() +
                              ": needs at least two topics");
  }
  return knowledge;
}

}  // namespace feel::intents
