#include "skill/app.hpp"

namespace feel::skill {

SkillCore::SkillCore(SpeechCatalog catalog, intents::Knowledge knowledge)
    : catalog_(std::move(catalog)),
      knowledge_(std::move(knowledge)),
      dispatcher_(intents::build_dispatcher(knowledge_)) {}

std::unique_ptr<SkillCore> SkillCore::load(const std::filesystem::path& content_dir) {
  auto catalog = SpeechCatalog::load(content_dir);
  auto knowledge = intents::Knowledge::load(content_dir);
  return std::unique_ptr<SkillCore>(new SkillCore(std::move(catalog), std::move(knowledge)));
}

DispatchResult SkillCore::answer(const Envelope& envelope, std::uint64_t seed,
                                 std::chrono::system_clock::time_point now) const {
  return dispatcher_.dispatch(envelope, catalog_, seed, now);
}

}  // namespace feel::skill
