#include "skill/app.hpp"

namespace feel::skill {

SkillCore::SkillCore(SpeechCatalog catalog, Dispatcher dispatcher)
    : catalog_(std::move(catalog)), dispatcher_(std::move(dispatcher)) {}

std::unique_ptr<SkillCore> SkillCore::load(const std::filesystem::path& content_dir) {
  auto catalog = SpeechCatalog::load(content_dir);
  return std::unique_ptr<SkillCore>(new SkillCore(std::move(catalog), intents::build_dispatcher()));
}

DispatchResult SkillCore::answer(const Envelope& envelope, std::uint64_t seed,
                                 std::chrono::system_clock::time_point now) const {
  return dispatcher_.dispatch(envelope, catalog_, seed, now);
}

}  // namespace feel::skill
