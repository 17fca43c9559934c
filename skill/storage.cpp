#include "skill/storage.hpp"

#include <map>
#include <mutex>
#include <vector>

#include <sqlite3.h>

namespace feel::skill {
namespace {

// Each entry moves the schema from version i to i + 1; entries are never edited once released,
// only appended.
const std::vector<const char*> kMigrations = {
    R"sql(
      CREATE TABLE profiles (
        user TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        updated INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE INDEX notes_by_user ON notes (user, id);
    )sql",
    R"sql(
      CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL,
        day TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE INDEX checkins_by_user ON checkins (user, day);
    )sql",
};

// A use of a statement the store prepared once and keeps; reset for its next use when done.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* kept) : statement_(kept) {}
  ~Statement() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int index, std::string_view blob) {
    sqlite3_bind_blob(statement_, index, blob.data(), static_cast<int>(blob.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }

  // True while there is a row; throws on any error.
  bool step(const char* what) {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    throw StorageError(std::string(what) + ": " + sqlite3_errstr(code));
  }
  std::string text(int column) const {
    const auto* data = sqlite3_column_blob(statement_, column);
    const auto size = sqlite3_column_bytes(statement_, column);
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data),
                                                         static_cast<std::size_t>(size));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& options) {
    const auto path = options.path.string();
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StorageError("cannot open the database " + path + ": " + reason);
    }
    try {
      sqlite3_busy_timeout(db_, options.busy_timeout_ms);
      exec("PRAGMA journal_mode=WAL", "cannot switch to WAL");
      exec("PRAGMA synchronous=FULL", "cannot set synchronous");
      exec("PRAGMA foreign_keys=ON", "cannot enable foreign keys");
      migrate(path);
    } catch (...) {
      for (const auto& [sql, statement] : statements_) sqlite3_finalize(statement);
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override {
    for (const auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::optional<nlohmann::json> profile(std::string_view user) override {
    std::lock_guard lock(mutex_);
    Statement select(prepared("SELECT profile FROM profiles WHERE user = ?"));
    select.bind(1, user);
    if (!select.step("cannot read a profile")) return std::nullopt;
    auto parsed = nlohmann::json::parse(select.text(0), nullptr, false);
    if (!parsed.is_object()) throw StorageError("a stored profile is unreadable");
    return parsed;
  }

  void save_profile(std::string_view user, const nlohmann::json& profile) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*this);
    Statement upsert(prepared("INSERT INTO profiles (user, profile, updated) VALUES (?, ?, unixepoch()) "
                     "ON CONFLICT (user) DO UPDATE SET profile = excluded.profile, "
                     "updated = excluded.updated"));
    upsert.bind(1, user).bind(2, profile.dump());
    upsert.step("cannot save a profile");
    transaction.commit();
  }

  void add_note(std::string_view user, std::string_view sealed, std::int64_t unix_time) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*this);
    Statement insert(prepared("INSERT INTO notes (user, sealed, created) VALUES (?, ?, ?)"));
    insert.bind(1, user).bind_blob(2, sealed).bind(3, unix_time);
    insert.step("cannot keep a note");
    transaction.commit();
  }

  std::optional<std::string> last_note(std::string_view user) override {
    std::lock_guard lock(mutex_);
    Statement select(prepared("SELECT sealed FROM notes WHERE user = ? ORDER BY id DESC LIMIT 1"));
    select.bind(1, user);
    if (!select.step("cannot read a note")) return std::nullopt;
    return select.text(0);
  }

  std::int64_t note_count(std::string_view user) override {
    std::lock_guard lock(mutex_);
    Statement count(prepared("SELECT count(*) FROM notes WHERE user = ?"));
    count.bind(1, user);
    count.step("cannot count notes");
    return count.integer(0);
  }

  void add_checkin(std::string_view user, std::string_view day, std::string_view sealed,
                   std::int64_t unix_time) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*this);
    Statement insert(prepared("INSERT INTO checkins (user, day, sealed, created) VALUES (?, ?, ?, ?)"));
    insert.bind(1, user).bind(2, day).bind_blob(3, sealed).bind(4, unix_time);
    insert.step("cannot keep a check-in");
    transaction.commit();
  }

  std::vector<StoredCheckIn> checkins(std::string_view user, std::string_view since_day) override {
    std::lock_guard lock(mutex_);
    Statement select(prepared("SELECT day, sealed FROM checkins WHERE user = ? AND day >= ? ORDER BY day, id"));
    select.bind(1, user).bind(2, since_day);
    std::vector<StoredCheckIn> found;
    while (select.step("cannot read check-ins")) found.push_back({select.text(0), select.text(1)});
    return found;
  }

  void erase(std::string_view user) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*this);
    for (const auto* sql : {"DELETE FROM notes WHERE user = ?", "DELETE FROM checkins WHERE user = ?",
                            "DELETE FROM profiles WHERE user = ?"}) {
      Statement erase_rows(prepared(sql));
      erase_rows.bind(1, user);
      erase_rows.step("cannot erase a user's data");
    }
    transaction.commit();
  }

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so a busy database fails here, before any
  // change, rather than half-way.
  class Transaction {
   public:
    explicit Transaction(SqliteStore& store) : store_(store) {
      store_.exec("BEGIN IMMEDIATE", "cannot begin a write");
    }
    ~Transaction() {
      if (!committed_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      store_.exec("COMMIT", "cannot commit a write");
      committed_ = true;
    }

   private:
    SqliteStore& store_;
    bool committed_ = false;
  };

  void exec(const char* sql, const char* what) {
    char* message = nullptr;
    const int code = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (code != SQLITE_OK) {
      std::string reason = message != nullptr ? message : sqlite3_errstr(code);
      sqlite3_free(message);
      throw StorageError(std::string(what) + ": " + reason);
    }
  }

  int user_version() {
    Statement version(prepared("PRAGMA user_version"));
    version.step("cannot read the schema version");
    return static_cast<int>(version.integer(0));
  }

  void migrate(const std::string& path) {
    const auto target = static_cast<int>(kMigrations.size());
    const int current = user_version();
    if (current > target) {
      throw StorageError("the database " + path + " has schema version " +
                         std::to_string(current) + ", newer than this build's " +
                         std::to_string(target) + "; run a newer feel-again");
    }
    for (int version = current; version < target; ++version) {
      Transaction transaction(*this);
      exec(kMigrations[static_cast<std::size_t>(version)], "cannot migrate the schema");
      exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str(),
           "cannot record the schema version");
      transaction.commit();
    }
  }

  // Prepared on first use and kept: preparing costs more than most of these queries.
  sqlite3_stmt* prepared(const char* sql) {
    auto& statement = statements_[sql];
    if (statement == nullptr &&
        sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
      throw StorageError(std::string("cannot prepare a statement: ") + sqlite3_errmsg(db_));
    }
    return statement;
  }

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

int sqlite_schema_version() { return static_cast<int>(kMigrations.size()); }

}  // namespace feel::skill
