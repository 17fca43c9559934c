#pragma once

// What a handler may remember about the person it is talking to, for one request: the
// ASK SDKs' persistent attributes, with notes sealed by the vault and every failure turned
// into a result the handler can speak about ("I couldn't save that") rather than an
// exception. Loaded lazily, so a turn that needs nothing kept touches no storage.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace feel::skill {

class Store;
class Vault;

// The store and the vault a service was started with.
struct MemoryServices {
  Store* store = nullptr;
  const Vault* vault = nullptr;
};

class UserMemory {
 public:
  // With no store, vault or user id nothing is kept, and every save reports failure.
  UserMemory(MemoryServices services, std::string_view alexa_user_id);

  // Whether anything can be kept at all: a store, a vault and a user id.
  [[nodiscard]] bool available() const { return available_; }

  // The person's profile ({} when nothing is kept, or when it could not be read). Changes are
  // kept only by save().
  [[nodiscard]] nlohmann::json& profile();
  // Whether anything is kept for this person (false when it could not be read).
  [[nodiscard]] bool known();
  [[nodiscard]] bool save();

  // Seals and keeps a note; false when it could not be kept.
  [[nodiscard]] bool keep_note(std::string_view text, std::chrono::system_clock::time_point now);
  enum class NoteStatus { found, none, failed };
  [[nodiscard]] NoteStatus last_note(std::string& text);

  // Seals and keeps a check-in (any JSON) under the listener's local date.
  [[nodiscard]] bool keep_checkin(std::string_view day, const nlohmann::json& checkin,
                                  std::chrono::system_clock::time_point now);
  struct CheckIn {
    std::string day;
    nlohmann::json data;
  };
  // The check-ins from since_day on, oldest first; nullopt when they could not be read.
  [[nodiscard]] std::optional<std::vector<CheckIn>> checkins_since(std::string_view since_day);

  // Removes everything kept for this person.
  [[nodiscard]] bool erase();

  // Whether a storage operation of this request failed.
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  void load();
  void fail(const char* operation, const std::exception& error);
  // The HMAC user key, computed on first use (most turns keep nothing).
  [[nodiscard]] const std::string& user();

  MemoryServices services_;
  std::string_view alexa_user_id_;  // the request's; it outlives this memory
  bool available_ = false;
  std::string user_;
  std::optional<nlohmann::json> profile_;
  bool known_ = false;
  bool failed_ = false;
};

}  // namespace feel::skill
