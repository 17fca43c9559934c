#include "skill/app.hpp"

namespace feel::skill {
namespace {

// The device of one request, through the Alexa APIs at the request's apiEndpoint with its
// access token. The time zone is looked up once per request at most (and cached per device by
// the client); the operator's default stands in when it is not known in time.
class AlexaDevice final : public DeviceServices {
 public:
  AlexaDevice(AlexaApi& api, const Envelope& envelope, const std::string& default_time_zone)
      : api_(api), envelope_(envelope), default_time_zone_(default_time_zone) {}

  std::string time_zone() override {
    if (!zone_) {
      const auto& system = envelope_.system;
      zone_ = api_.time_zone(system.api_endpoint, system.api_access_token, system.device.device_id)
                  .value_or(default_time_zone_);
    }
    return *zone_;
  }

  ReminderCreated create_daily_reminder(int hour, int minute, std::string_view text,
                                        std::chrono::system_clock::time_point now) override {
    const auto& system = envelope_.system;
    const auto created = api_.create_daily_reminder(system.api_endpoint, system.api_access_token,
                                                    hour, minute, time_zone(),
                                                    envelope_.request.locale, text, now);
    return {outcome(created.outcome), created.alert_token};
  }

  ApiOutcome delete_reminder(std::string_view alert_token) override {
    const auto& system = envelope_.system;
    return outcome(api_.delete_reminder(system.api_endpoint, system.api_access_token, alert_token));
  }

 private:
  static ApiOutcome outcome(AlexaApi::Outcome outcome) {
    switch (outcome) {
      case AlexaApi::Outcome::ok:
        return ApiOutcome::ok;
      case AlexaApi::Outcome::no_permission:
        return ApiOutcome::no_permission;
      case AlexaApi::Outcome::failed:
        break;
    }
    return ApiOutcome::failed;
  }

  AlexaApi& api_;
  const Envelope& envelope_;
  const std::string& default_time_zone_;
  std::optional<std::string> zone_;
};

}  // namespace

SkillCore::SkillCore(SpeechCatalog catalog, intents::Knowledge knowledge,
                     std::unique_ptr<Store> store, std::unique_ptr<Vault> vault,
                     std::unique_ptr<AlexaApi> api, std::string default_time_zone)
    : store_(std::move(store)),
      vault_(std::move(vault)),
      api_(std::move(api)),
      default_time_zone_(std::move(default_time_zone)),
      catalog_(std::move(catalog)),
      knowledge_(std::move(knowledge)),
      dispatcher_(intents::build_dispatcher(knowledge_)) {}

std::unique_ptr<SkillCore> SkillCore::load(const std::filesystem::path& content_dir,
                                           std::unique_ptr<Store> store,
                                           std::unique_ptr<Vault> vault,
                                           std::unique_ptr<AlexaApi> api,
                                           std::string default_time_zone) {
  auto catalog = SpeechCatalog::load(content_dir);
  auto knowledge = intents::Knowledge::load(content_dir);
  return std::unique_ptr<SkillCore>(new SkillCore(std::move(catalog), std::move(knowledge),
                                                  std::move(store), std::move(vault),
                                                  std::move(api), std::move(default_time_zone)));
}

DispatchResult SkillCore::answer(const Envelope& envelope, std::uint64_t seed,
                                 std::chrono::system_clock::time_point now) const {
  UserMemory memory({store_.get(), vault_.get()}, envelope.user_id());
  if (api_) {
    AlexaDevice device(*api_, envelope, default_time_zone_);
    return dispatcher_.dispatch(envelope, catalog_, memory, device, seed, now);
  }
  OfflineDevice device(default_time_zone_);
  return dispatcher_.dispatch(envelope, catalog_, memory, device, seed, now);
}

}  // namespace feel::skill
