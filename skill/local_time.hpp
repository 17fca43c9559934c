#pragma once

// The listener's local time: the request's instant in the device's IANA time zone (from the
// Alexa settings API, or the operator's default). Night is 21:00 to 06:00 (VOICE.md).

#include <chrono>
#include <string>
#include <string_view>

namespace feel::skill {

struct LocalTime {
  std::string zone;  // the zone it was computed in ("UTC" when the one asked for is unknown)
  int year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  int hour = 0;
  int minute = 0;
  long days_since_epoch = 0;  // the local date as a day number, for counting days

  [[nodiscard]] std::string date() const;  // "2026-11-27"
  [[nodiscard]] bool night() const { return hour >= 21 || hour < 6; }
  [[nodiscard]] bool morning() const { return hour >= 6 && hour < 12; }
};

// now in zone; an unknown zone falls back to UTC.
[[nodiscard]] LocalTime local_time(std::chrono::system_clock::time_point now,
                                   std::string_view zone);
// Whether zone names an IANA time zone this machine knows.
[[nodiscard]] bool known_time_zone(std::string_view zone);
// The date of a day number ("2026-11-27").
[[nodiscard]] std::string date_of_day(long days_since_epoch);

}  // namespace feel::skill
