#pragma once

// What the skill keeps about a person between sessions, behind one interface, and its embedded
// SQLite implementation. Everything is keyed by the user key from vault.hpp (never a raw
// Alexa userId). A profile is a small JSON document (consent answers, the paused exercise,
// recent journal prompts); notes and check-ins are kept apart, already sealed by the vault.
//
// Every method either does all it says, durably, or throws StorageError: a caller that gets
// no exception may tell the person it was saved.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace feel::skill {

// A storage failure (locked, full, unreadable). The message names the operation and SQLite's
// reason, never any stored content.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoredCheckIn {
  std::string day;  // the listener's local date, "2026-11-27"
  std::string sealed;
};

class Store {
 public:
  virtual ~Store() = default;

  // The profile kept for user, or nullopt when nothing is kept.
  [[nodiscard]] virtual std::optional<nlohmann::json> profile(std::string_view user) = 0;
  virtual void save_profile(std::string_view user, const nlohmann::json& profile) = 0;

  virtual void add_note(std::string_view user, std::string_view sealed, std::int64_t unix_time) = 0;
  // The sealed text of the user's most recent note.
  [[nodiscard]] virtual std::optional<std::string> last_note(std::string_view user) = 0;
  [[nodiscard]] virtual std::int64_t note_count(std::string_view user) = 0;

  virtual void add_checkin(std::string_view user, std::string_view day, std::string_view sealed,
                           std::int64_t unix_time) = 0;
  // The user's check-ins from since_day on, oldest first.
  [[nodiscard]] virtual std::vector<StoredCheckIn> checkins(std::string_view user,
                                                            std::string_view since_day) = 0;

  // Everything kept for user, in one transaction.
  virtual void erase(std::string_view user) = 0;
};

struct SqliteOptions {
  std::filesystem::path path;  // ":memory:" for a database that lives as long as the store
  int busy_timeout_ms = 250;   // how long a write waits for a lock held elsewhere
};

// Opens (creating when absent) the database, sets WAL and synchronous=FULL, and runs the schema
// migrations it has not run yet. Throws StorageError when the file cannot be opened or
// migrated, or was written by a newer version of the service.
[[nodiscard]] std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options);

// The schema version this build writes.
[[nodiscard]] int sqlite_schema_version();

}  // namespace feel::skill
