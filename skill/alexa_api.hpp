#pragma once

// A client for the Alexa APIs a skill calls at a request's apiEndpoint with its apiAccessToken
// (ALEXA.md 4): the device's time zone and daily reminders. Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feel::skill {

struct AlexaApiOptions {
  // Extra hosts ("host" or "host:port") allowed besides Amazon's; for these http:// is accepted
  // too (a local stand-in). "host" alone means the scheme's default port.
  std::vector<std::string> allowed_hosts;
  std::chrono::milliseconds timeout{1500};   // the whole call, well inside Alexa's 8 s
  std::chrono::seconds zone_ttl{24 * 3600};  // how long a device's time zone is cached
  std::chrono::seconds failure_ttl{600};     // how long a failed lookup is remembered
  std::string ca_file;                       // PEM roots for https; empty = system store
};

class AlexaApi {
 public:
  explicit AlexaApi(AlexaApiOptions options);

  // Whether endpoint ("https://api.amazonalexa.com") may be called: https to one of Amazon's API
  // hosts (port absent or 443), or http(s) to an allowed host. Scheme and host only: no path,
  // user-info, query or trailing slash.
  [[nodiscard]] bool allowed(std::string_view endpoint) const;

  // The device's IANA time zone ("Europe/London"). Cached per device id: an answer for
  // zone_ttl, a failure for failure_ttl. nullopt when the endpoint is not allowed, the call fails
  // or times out, the status is not 200, or the body is not a plausible zone name.
  [[nodiscard]] std::optional<std::string> time_zone(std::string_view endpoint,
                                                     std::string_view token,
                                                     std::string_view device_id);

  enum class Outcome { ok, no_permission, failed };
  struct Created {
    Outcome outcome = Outcome::failed;
    std::string alert_token;  // set when outcome == ok
  };

  // A reminder every day at hour:minute local time in time_zone, saying text in locale.
  // 401 or 403 -> no_permission; 200 or 201 with an alertToken -> ok.
  [[nodiscard]] Created create_daily_reminder(std::string_view endpoint, std::string_view token,
                                              int hour, int minute, std::string_view time_zone,
                                              std::string_view locale, std::string_view text,
                                              std::chrono::system_clock::time_point now);

  // Deletes a reminder this skill created. 404 counts as ok (already gone); 401 or 403 ->
  // no_permission.
  [[nodiscard]] Outcome delete_reminder(std::string_view endpoint, std::string_view token,
                                        std::string_view alert_token);

 private:
  struct CachedZone {
    std::optional<std::string> zone;  // nullopt: a remembered failure
    std::chrono::steady_clock::time_point expires;
  };

  void remember(std::string_view key, std::optional<std::string> zone);

  AlexaApiOptions options_;
  std::mutex mutex_;
  std::map<std::string, CachedZone, std::less<>> zones_;  // by "<endpoint> <device id>"
};

}  // namespace feel::skill
