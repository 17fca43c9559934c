// The store and the vault: what is kept is there after reopening, sealed notes open only for
// their user and this secret, the schema is versioned, and erasure removes everything.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include <sqlite3.h>

#include "skill/config.hpp"
#include "skill/storage.hpp"
#include "skill/vault.hpp"
#include "support/scratch.hpp"

namespace {

using feel::skill::open_sqlite_store;
using feel::skill::StorageError;
using feel::skill::Vault;

Vault test_vault(unsigned char fill) {
  std::array<unsigned char, Vault::kSecretBytes> secret{};
  secret.fill(fill);
  return Vault(secret);
}

}  // namespace

TEST_CASE("a user key is stable per user id and never the id itself", "[vault]") {
  const auto vault = test_vault(1);
  const auto key = vault.user_key("amzn1.ask.account.ABC");
  CHECK(key.size() == 64);
  CHECK(key == vault.user_key("amzn1.ask.account.ABC"));
  CHECK(key != vault.user_key("amzn1.ask.account.ABD"));
  CHECK(key.find("ABC") == std::string::npos);
  CHECK(key != test_vault(2).user_key("amzn1.ask.account.ABC"));
}

TEST_CASE("a sealed note opens only for its user under the same secret", "[vault]") {
  const auto vault = test_vault(1);
  const auto sealed = vault.seal("i felt my hands today", "user-a");
  CHECK(sealed.find("hands") == std::string::npos);
  CHECK(vault.open(sealed, "user-a") == "i felt my hands today");
  CHECK_FALSE(vault.open(sealed, "user-b"));
  CHECK_FALSE(test_vault(2).open(sealed, "user-a"));
  SECTION("a changed byte is refused") {
    auto tampered = sealed;
    tampered[tampered.size() / 2] ^= 1;
    CHECK_FALSE(vault.open(tampered, "user-a"));
  }
  SECTION("two seals of the same words differ") { CHECK(vault.seal("same", "u") != vault.seal("same", "u")); }
  SECTION("a short text is refused") { CHECK_FALSE(vault.open("short", "user-a")); }
}

TEST_CASE("the secret file is generated private and read back", "[vault]") {
  const auto path = feel::test::scratch_path("secret");
  const auto first = Vault::from_secret_file(path);
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  CHECK(Vault::from_secret_file(path).user_key("u") == first.user_key("u"));

  SECTION("a file others can read is refused") {
    ::chmod(path.c_str(), 0644);
    CHECK_THROWS_AS(Vault::from_secret_file(path), feel::skill::ConfigError);
  }
  SECTION("a malformed secret is refused") {
    const auto bad = feel::test::scratch_path("bad-secret");
    std::ofstream(bad) << "not hex\n";
    ::chmod(bad.c_str(), 0600);
    CHECK_THROWS_AS(Vault::from_secret_file(bad), feel::skill::ConfigError);
  }
}

TEST_CASE("what the store keeps is there after reopening, until erased", "[storage]") {
  const auto path = feel::test::scratch_path("store.db");
  {
    auto store = open_sqlite_store({path});
    CHECK_FALSE(store->profile("u1"));
    store->save_profile("u1", {{"consent", "yes"}});
    store->add_note("u1", std::string("\x00\x01sealed", 8), 100);
    store->add_note("u1", "second", 200);
    store->add_note("u2", "other", 300);
  }
  auto store = open_sqlite_store({path});
  REQUIRE(store->profile("u1"));
  CHECK(store->profile("u1")->value("consent", "") == "yes");
  CHECK(store->last_note("u1") == "second");
  CHECK(store->note_count("u1") == 2);
  store->erase("u1");
  CHECK_FALSE(store->profile("u1"));
  CHECK_FALSE(store->last_note("u1"));
  CHECK(store->last_note("u2") == "other");
}

TEST_CASE("the schema is versioned and a newer database is refused", "[storage]") {
  const auto path = feel::test::scratch_path("versioned.db");
  { auto store = open_sqlite_store({path}); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nullptr);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  CHECK(sqlite3_column_int(statement, 0) == feel::skill::sqlite_schema_version());
  sqlite3_finalize(statement);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))) == "wal");
  sqlite3_finalize(statement);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK_THROWS_AS(open_sqlite_store({path}), StorageError);
}

TEST_CASE("a write while another process holds the lock fails cleanly and changes nothing",
          "[storage]") {
  const auto path = feel::test::scratch_path("locked.db");
  auto store = open_sqlite_store({path, 50});
  store->save_profile("u", {{"n", 1}});
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK_THROWS_AS(store->save_profile("u", {{"n", 2}}), StorageError);
  CHECK_THROWS_AS(store->add_note("u", "x", 1), StorageError);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(store->profile("u")->value("n", 0) == 1);
  store->save_profile("u", {{"n", 3}});
  CHECK(store->profile("u")->value("n", 0) == 3);
}

TEST_CASE("an unopenable database is a clear error", "[storage]") {
  CHECK_THROWS_WITH(open_sqlite_store({"/nonexistent/folder/x.db"}),
                    Catch::Contains("cannot open the database"));
}
