#include "skill/alexa_api.hpp"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>

#include "skill/log.hpp"
#include "skill/watchdog.hpp"

namespace feel::skill {
namespace {

using json = nlohmann::json;

// The regional hosts Amazon names for apiEndpoint (ALEXA.md 2).
constexpr std::array<std::string_view, 3> kAmazonHosts = {
    "api.amazonalexa.com", "api.eu.amazonalexa.com", "api.fe.amazonalexa.com"};
// Device ids come from requests: bound the cache so they cannot grow it without end.
constexpr std::size_t kMaxCachedZones = 10000;

[[nodiscard]] bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

[[nodiscard]] std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

struct Authority {
  std::string host;  // lower case
  int port = 0;      // 0 when absent
};

// "host" or "host:port" with a DNS name or IPv4 address; anything else (user-info, a path,
// a query, an IPv6 literal, a port with a sign or leading zero) is nullopt.
[[nodiscard]] std::optional<Authority> parse_authority(std::string_view text) {
  const auto colon = text.find(':');
  const auto host = text.substr(0, colon);
  if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '-';
      })) {
    return std::nullopt;
  }
  Authority authority{lower(host), 0};
  if (colon != std::string_view::npos) {
    const auto digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || digits.front() < '1' || digits.front() > '9') {
      return std::nullopt;
    }
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), authority.port);
    if (error != std::errc{} || end != digits.data() + digits.size() || authority.port > 65535) {
      return std::nullopt;
    }
  }
  return authority;
}

struct Target {
  bool tls = true;
  std::string host;
  int port = 443;
};

// Where endpoint may be called, or nullopt when it may not (see AlexaApi::allowed).
[[nodiscard]] std::optional<Target> parse_endpoint(std::string_view endpoint,
                                                   const std::vector<std::string>& allowed_hosts) {
  const auto separator = endpoint.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(endpoint.substr(0, separator));
  if (scheme != "https" && scheme != "http") return std::nullopt;
  const bool tls = scheme == "https";
  const auto authority = parse_authority(endpoint.substr(separator + 3));
  if (!authority) return std::nullopt;
  const int default_port = tls ? 443 : 80;
  const int port = authority->port == 0 ? default_port : authority->port;

  const bool amazon =
      tls && port == 443 &&
      std::find(kAmazonHosts.begin(), kAmazonHosts.end(), authority->host) != kAmazonHosts.end();
  const bool listed =
      std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const std::string& entry) {
        const auto allowed = parse_authority(entry);
        return allowed && allowed->host == authority->host &&
               (allowed->port == 0 ? default_port : allowed->port) == port;
      });
  if (!amazon && !listed) return std::nullopt;
  return Target{tls, authority->host, port};
}

// IANA names are letters, digits and "/_-+" ("America/Port-au-Prince", "Etc/GMT+5").
[[nodiscard]] bool plausible_zone(std::string_view zone) {
  return !zone.empty() && zone.size() <= 64 && std::all_of(zone.begin(), zone.end(), [](char c) {
    return is_ascii_alnum(c) || c == '/' || c == '_' || c == '-' || c == '+';
  });
}

// A bearer token goes into a header line: visible ASCII only, so it cannot inject headers.
[[nodiscard]] bool plausible_token(std::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

// One path segment, percent-encoded so an id cannot add segments, a query or dot segments.
[[nodiscard]] std::optional<std::string> path_segment(std::string_view value) {
  if (value.empty() || value.size() > 1024 ||
      value.find_first_not_of('.') == std::string_view::npos) {
    return std::nullopt;
  }
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    if (is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// A local date-time without zone, as the Reminders API writes it: 2026-11-27T21:30:00.000.
[[nodiscard]] std::string local_date_time(std::chrono::sys_days day,
                                          std::chrono::milliseconds since_midnight) {
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time_of_day{since_midnight};
  std::array<char, 96> text{};  // room for any int in every field: no truncation to warn of
  std::snprintf(text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time_of_day.hours().count()),
                static_cast<int>(time_of_day.minutes().count()),
                static_cast<int>(time_of_day.seconds().count()),
                static_cast<int>(time_of_day.subseconds().count()));
  return text.data();
}

struct Reply {
  int status = 0;  // 0: no answer, see error
  std::string body;
  std::string error;
};

// One request with the bearer token, bounded as a whole by options.timeout: httplib's timeouts
// bound each step, a watchdog stops the client at the deadline.
template <class Send>
[[nodiscard]] Reply exchange(const Target& target, const AlexaApiOptions& options,
                             std::string_view token, Send&& send) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (target.tls) {
    client = std::make_unique<httplib::SSLClient>(target.host, target.port);
    client->enable_server_certificate_verification(true);
    if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
  } else {
    client = std::make_unique<httplib::ClientImpl>(target.host, target.port);
  }
  client->set_follow_location(false);
  client->set_keep_alive(false);
  client->set_bearer_token_auth(std::string(token));
  client->set_connection_timeout(options.timeout);
  client->set_read_timeout(options.timeout);
  client->set_write_timeout(options.timeout);

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  // httplib's one thread-safe way to abort a request in flight.
  Watchdog watchdog(deadline, [&client] { client->stop(); });
  const httplib::Result result = send(*client);
  watchdog.disarm();

  Reply reply;
  if (result) {
    reply.status = result->status;
    reply.body = result->body;
  } else {
    reply.error = watchdog.fired() ? "timed out" : httplib::to_string(result.error());
  }
  return reply;
}

void warn_failed(std::string_view operation, const Reply& reply) {
  if (reply.status != 0) {
    log::warn("alexa api call failed",
              {{"operation", std::string(operation)}, {"status", std::to_string(reply.status)}});
  } else {
    log::warn("alexa api call failed",
              {{"operation", std::string(operation)}, {"error", reply.error}});
  }
}

void warn_failed(std::string_view operation, std::string_view error) {
  warn_failed(operation, Reply{0, {}, std::string(error)});
}

}  // namespace

AlexaApi::AlexaApi(AlexaApiOptions options) : options_(std::move(options)) {
  if (options_.timeout <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("alexa api timeout must be positive");
  }
  for (const auto& entry : options_.allowed_hosts) {
    if (!parse_authority(entry)) {
      throw std::invalid_argument("alexa api allowed host '" + entry +
                                  "' is not host or host:port");
    }
  }
  if (!options_.ca_file.empty() && !std::ifstream(options_.ca_file)) {
    throw std::invalid_argument("alexa api CA file '" + options_.ca_file + "' cannot be read");
  }
}

bool AlexaApi::allowed(std::string_view endpoint) const {
  try {
    return parse_endpoint(endpoint, options_.allowed_hosts).has_value();
  } catch (...) {
    return false;  // only allocation can fail here
  }
}

std::optional<std::string> AlexaApi::time_zone(std::string_view endpoint, std::string_view token,
                                               std::string_view device_id) {
  constexpr std::string_view kOperation = "time_zone";
  try {
    const auto target = parse_endpoint(endpoint, options_.allowed_hosts);
    const auto device = path_segment(device_id);
    if (!target || !device || !plausible_token(token)) {
      warn_failed(kOperation, !target ? "endpoint not allowed" : "bad device id or token");
      return std::nullopt;
    }
    // A device is asked through its own endpoint: the pair is what is cached.
    const auto key = std::string(endpoint) + ' ' + std::string(device_id);
    {
      std::lock_guard lock(mutex_);
      if (const auto it = zones_.find(key);
          it != zones_.end() && std::chrono::steady_clock::now() < it->second.expires) {
        return it->second.zone;
      }
    }
    const auto reply = exchange(*target, options_, token, [&](httplib::ClientImpl& client) {
      return client.Get("/v2/devices/" + *device + "/settings/System.timeZone");
    });
    std::optional<std::string> zone;
    if (reply.status == 200) {
      const auto body = json::parse(reply.body, nullptr, false);
      if (body.is_string() && plausible_zone(body.get_ref<const std::string&>())) {
        zone = body.get<std::string>();
      }
    }
    if (!zone) {
      if (reply.status == 200) {
        warn_failed(kOperation, "not a time zone");
      } else {
        warn_failed(kOperation, reply);
      }
    }
    remember(key, zone);
    return zone;
  } catch (...) {
    warn_failed(kOperation, "internal error");
    return std::nullopt;
  }
}

void AlexaApi::remember(std::string_view key, std::optional<std::string> zone) {
  const auto now = std::chrono::steady_clock::now();
  const auto expires = now + (zone ? options_.zone_ttl : options_.failure_ttl);
  std::lock_guard lock(mutex_);
  if (zones_.size() >= kMaxCachedZones) {
    std::erase_if(zones_, [now](const auto& entry) { return entry.second.expires <= now; });
    if (zones_.size() >= kMaxCachedZones) zones_.clear();
  }
  zones_.insert_or_assign(std::string(key), CachedZone{std::move(zone), expires});
}

AlexaApi::Created AlexaApi::create_daily_reminder(std::string_view endpoint, std::string_view token,
                                                  int hour, int minute, std::string_view time_zone,
                                                  std::string_view locale, std::string_view text,
                                                  std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  constexpr std::string_view kOperation = "create_reminder";
  try {
    const auto target = parse_endpoint(endpoint, options_.allowed_hosts);
    if (!target) {
      warn_failed(kOperation, "endpoint not allowed");
      return {};
    }
    if (!plausible_token(token) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        !plausible_zone(time_zone) || locale.empty() || text.empty()) {
      warn_failed(kOperation, "bad arguments");
      return {};
    }
    // Without a time zone database the local date of `now` is not known here, so the start is
    // hour:minute on now's UTC date, read by Alexa in timeZoneId. That may lie up to a day in
    // the past or future; the daily rule still fires every day from then on.
    const auto now_ms = floor<milliseconds>(now);
    const auto today = floor<days>(now_ms);
    const std::string start = local_date_time(today, hours{hour} + minutes{minute});
    const json rule = "FREQ=DAILY;BYHOUR=" + std::to_string(hour) +
                      ";BYMINUTE=" + std::to_string(minute) + ";BYSECOND=0;INTERVAL=1";
    const json content = {{"locale", std::string(locale)}, {"text", std::string(text)}};
    const json body = {
        {"requestTime", local_date_time(today, now_ms - today)},
        {"trigger",
         {{"type", "SCHEDULED_ABSOLUTE"},
          {"scheduledTime", start},
          {"timeZoneId", std::string(time_zone)},
          {"recurrence", {{"startDateTime", start}, {"recurrenceRules", json::array({rule})}}}}},
        {"alertInfo", {{"spokenInfo", {{"content", json::array({content})}}}}},
        {"pushNotification", {{"status", "ENABLED"}}}};
    // Replace, not throw, on invalid UTF-8 in the text.
    const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);

    const auto reply = exchange(*target, options_, token, [&](httplib::ClientImpl& client) {
      return client.Post("/v1/alerts/reminders", payload, "application/json");
    });
    if (reply.status == 401 || reply.status == 403) {
      warn_failed(kOperation, reply);
      return {Outcome::no_permission, {}};
    }
    if (reply.status == 200 || reply.status == 201) {
      const auto answer = json::parse(reply.body, nullptr, false);
      const auto alert = answer.is_object() ? answer.find("alertToken") : answer.end();
      if (alert != answer.end() && alert->is_string() &&
          !alert->get_ref<const std::string&>().empty()) {
        return {Outcome::ok, alert->get<std::string>()};
      }
      warn_failed(kOperation, "no alertToken in the answer");
      return {};
    }
    warn_failed(kOperation, reply);
    return {};
  } catch (...) {
    warn_failed(kOperation, "internal error");
    return {};
  }
}

AlexaApi::Outcome AlexaApi::delete_reminder(std::string_view endpoint, std::string_view token,
                                            std::string_view alert_token) {
  constexpr std::string_view kOperation = "delete_reminder";
  try {
    const auto target = parse_endpoint(endpoint, options_.allowed_hosts);
    const auto alert = path_segment(alert_token);
    if (!target || !alert || !plausible_token(token)) {
      warn_failed(kOperation, !target ? "endpoint not allowed" : "bad alert token or token");
      return Outcome::failed;
    }
    const auto reply = exchange(*target, options_, token, [&](httplib::ClientImpl& client) {
      return client.Delete("/v1/alerts/reminders/" + *alert);
    });
    if (reply.status == 200 || reply.status == 204 || reply.status == 404) return Outcome::ok;
    warn_failed(kOperation, reply);
    if (reply.status == 401 || reply.status == 403) return Outcome::no_permission;
    return Outcome::failed;
  } catch (...) {
    warn_failed(kOperation, "internal error");
    return Outcome::failed;
  }
}

}  // namespace feel::skill
