#include "skill/memory.hpp"

#include "skill/log.hpp"
#include "skill/storage.hpp"
#include "skill/vault.hpp"

namespace feel::skill {

UserMemory::UserMemory(MemoryServices services, std::string_view alexa_user_id)
    : services_(services),
      alexa_user_id_(alexa_user_id),
      available_(services_.store != nullptr && services_.vault != nullptr &&
                 !alexa_user_id.empty()) {}

const std::string& UserMemory::user() {
  if (available_ && user_.empty()) user_ = services_.vault->user_key(alexa_user_id_);
  return user_;
}

void UserMemory::fail(const char* operation, const std::exception& error) {
  failed_ = true;
  // The reason comes from SQLite or OpenSSL and never holds stored content.
  log::warn("storage failed", {{"operation", operation}, {"error", error.what()}});
}

void UserMemory::load() {
  if (profile_) return;
  profile_ = nlohmann::json::object();
  if (!available_) return;
  try {
    if (auto kept = services_.store->profile(user())) {
      profile_ = std::move(*kept);
      known_ = true;
    }
  } catch (const std::exception& error) {
    fail("read profile", error);
  }
}

nlohmann::json& UserMemory::profile() {
  load();
  return *profile_;
}

bool UserMemory::known() {
  load();
  return known_;
}

bool UserMemory::save() {
  load();
  if (!available_) return false;
  try {
    services_.store->save_profile(user(), *profile_);
    known_ = true;
    return true;
  } catch (const std::exception& error) {
    fail("save profile", error);
    return false;
  }
}

bool UserMemory::keep_note(std::string_view text, std::chrono::system_clock::time_point now) {
  if (!available_) return false;
  try {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    services_.store->add_note(user(), services_.vault->seal(text, user()), seconds);
    return true;
  } catch (const std::exception& error) {
    fail("keep note", error);
    return false;
  }
}

UserMemory::NoteStatus UserMemory::last_note(std::string& text) {
  if (!available_) return NoteStatus::failed;
  try {
    const auto sealed = services_.store->last_note(user());
    if (!sealed) return NoteStatus::none;
    auto opened = services_.vault->open(*sealed, user());
    if (!opened) throw StorageError("a note does not open with this server's secret");
    text = std::move(*opened);
    return NoteStatus::found;
  } catch (const std::exception& error) {
    fail("read note", error);
    return NoteStatus::failed;
  }
}

bool UserMemory::keep_checkin(std::string_view day, const nlohmann::json& checkin,
                              std::chrono::system_clock::time_point now) {
  if (!available_) return false;
  try {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    services_.store->add_checkin(user(), day, services_.vault->seal(checkin.dump(), user()), seconds);
    return true;
  } catch (const std::exception& error) {
    fail("keep check-in", error);
    return false;
  }
}

std::optional<std::vector<UserMemory::CheckIn>> UserMemory::checkins_since(
    std::string_view since_day) {
  if (!available_) return std::nullopt;
  try {
    std::vector<CheckIn> found;
    for (const auto& stored : services_.store->checkins(user(), since_day)) {
      const auto opened = services_.vault->open(stored.sealed, user());
      if (!opened) throw StorageError("a check-in does not open with this server's secret");
      auto data = nlohmann::json::parse(*opened, nullptr, false);
      if (data.is_object()) found.push_back({stored.day, std::move(data)});
    }
    return found;
  } catch (const std::exception& error) {
    fail("read check-ins", error);
    return std::nullopt;
  }
}

bool UserMemory::erase() {
  if (!available_) return false;
  try {
    services_.store->erase(user());
    profile_ = nlohmann::json::object();
    known_ = false;
    return true;
  } catch (const std::exception& error) {
    fail("erase", error);
    return false;
  }
}

}  // namespace feel::skill
