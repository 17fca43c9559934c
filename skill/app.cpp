#include "skill/app.hpp"

namespace feel::skill {

SkillCore::SkillCore(SpeechCatalog catalog, intents::Knowledge knowledge,
                     std::unique_ptr<Store> store, std::unique_ptr<Vault> vault)
    : store_(std::move(store)),
      vault_(std::move(vault)),
      catalog_(std::move(catalog)),
      knowledge_(std::move(knowledge)),
      dispatcher_(intents::build_dispatcher(knowledge_)) {}

std::unique_ptr<SkillCore> SkillCore::load(const std::filesystem::path& content_dir,
                                           std::unique_ptr<Store> store,
                                           std::unique_ptr<Vault> vault) {
  auto catalog = SpeechCatalog::load(content_dir);
  auto knowledge = intents::Knowledge::load(content_dir);
  return std::unique_ptr<SkillCore>(new SkillCore(std::move(catalog), std::move(knowledge),
                                                  std::move(store), std::move(vault)));
}

DispatchResult SkillCore::answer(const Envelope& envelope, std::uint64_t seed,
                                 std::chrono::system_clock::time_point now) const {
  UserMemory memory({store_.get(), vault_.get()}, envelope.user_id());
  return dispatcher_.dispatch(envelope, catalog_, memory, seed, now);
}

}  // namespace feel::skill
