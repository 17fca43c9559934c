#pragma once

// The skill without any transport: content, knowledge and the dispatcher, loaded once, with
// what it keeps (store, vault) and the Alexa APIs it may call. The HTTP server and
// `feel-again say` both answer through it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "intents/core.hpp"
#include "skill/content.hpp"
#include "skill/alexa_api.hpp"
#include "skill/dispatch.hpp"
#include "skill/request.hpp"
#include "skill/storage.hpp"
#include "skill/vault.hpp"

namespace feel::skill {

class SkillCore {
 public:
  // Loads speech-content/ (and the matching data in it); throws ContentError naming what is
  // wrong. Without a store and a vault nothing is kept across sessions.
  [[nodiscard]] static std::unique_ptr<SkillCore> load(const std::filesystem::path& content_dir,
                                                       std::unique_ptr<Store> store = nullptr,
                                                       std::unique_ptr<Vault> vault = nullptr,
                                                       std::unique_ptr<AlexaApi> api = nullptr,
                                                       std::string default_time_zone = "UTC");

  [[nodiscard]] DispatchResult answer(const Envelope& envelope, std::uint64_t seed,
                                      std::chrono::system_clock::time_point now) const;

  [[nodiscard]] const SpeechCatalog& catalog() const { return catalog_; }
  [[nodiscard]] const Dispatcher& dispatcher() const { return dispatcher_; }
  [[nodiscard]] const intents::Knowledge& knowledge() const { return knowledge_; }

 private:
  SkillCore(SpeechCatalog catalog, intents::Knowledge knowledge, std::unique_ptr<Store> store,
            std::unique_ptr<Vault> vault, std::unique_ptr<AlexaApi> api,
            std::string default_time_zone);

  std::unique_ptr<Store> store_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AlexaApi> api_;  // null: no Alexa API is called (the default time zone)
  std::string default_time_zone_;
  SpeechCatalog catalog_;
  intents::Knowledge knowledge_;
  Dispatcher dispatcher_;  // its handlers refer to knowledge_, so it is built after it
};

}  // namespace feel::skill
