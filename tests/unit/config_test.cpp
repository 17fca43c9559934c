#include <catch2/catch.hpp>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "skill/config.hpp"
#include "support/pki.hpp"

namespace {

using feel::skill::ConfigError;
using feel::skill::ServeConfig;

ServeConfig parse(std::vector<std::string> args) {
  CLI::App app;
  ServeConfig config;
  feel::skill::add_serve_flags(app, config);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return config;
}

}  // namespace

TEST_CASE("defaults are loopback, port 8443 and local development", "[config]") {
  auto config = parse({});
  CHECK(config.host == "127.0.0.1");
  CHECK(config.port == 8443);
  CHECK(config.local_development());
  CHECK_FALSE(config.verifying());
  CHECK_NOTHROW(feel::skill::validate(config));
  CHECK_FALSE(config.content_dir.empty());
}

TEST_CASE("skill ids turn verification on and may repeat", "[config]") {
  auto config = parse({"--skill-id", "a", "--skill-id", "b"});
  CHECK(config.verifying());
  CHECK(config.skill_ids == std::vector<std::string>{"a", "b"});
  SECTION("insecure no verify turns it off again") {
    auto insecure = parse({"--skill-id", "a", "--insecure-no-verify"});
    CHECK_FALSE(insecure.verifying());
    CHECK_FALSE(insecure.local_development());
  }
}

TEST_CASE("flags are read from the environment", "[config]") {
  ::setenv("FEEL_AGAIN_PORT", "9999", 1);
  ::setenv("FEEL_AGAIN_SKILL_ID", "one,two", 1);
  auto config = parse({});
  ::unsetenv("FEEL_AGAIN_PORT");
  ::unsetenv("FEEL_AGAIN_SKILL_ID");
  CHECK(config.port == 9999);
  CHECK(config.skill_ids == std::vector<std::string>{"one", "two"});
}

TEST_CASE("inconsistent configuration is refused with what to fix", "[config]") {
  SECTION("listening beyond loopback without a skill id") {
    auto config = parse({"--host", "0.0.0.0"});
    CHECK_THROWS_WITH(feel::skill::validate(config), Catch::Contains("--skill-id"));
  }
  SECTION("listening beyond loopback with insecure no verify is the operator's choice") {
    auto config = parse({"--host", "0.0.0.0", "--insecure-no-verify"});
    CHECK_NOTHROW(feel::skill::validate(config));
  }
  SECTION("a certificate without a key") {
    auto config = parse({"--tls-cert", feel::test::pki_path("server.pem")});
    CHECK_THROWS_WITH(feel::skill::validate(config), Catch::Contains("--tls-key"));
  }
  SECTION("a missing trusted roots file") {
    auto config = parse({"--skill-id", "a", "--trusted-roots", "/nonexistent.pem"});
    CHECK_THROWS_AS(feel::skill::validate(config), ConfigError);
  }
  SECTION("a plain http mirror") {
    auto config = parse({"--skill-id", "a", "--cert-mirror", "http://mirror.example"});
    CHECK_THROWS_WITH(feel::skill::validate(config), Catch::Contains("https"));
  }
}
