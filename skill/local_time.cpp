#include "skill/local_time.hpp"

#include <cstdio>

#include <date/date.h>
#include <date/tz.h>

namespace feel::skill {
namespace {

const date::time_zone* find_zone(std::string_view zone) {
  if (zone.empty()) return nullptr;
  try {
    return date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

std::string date_of_day(long days_since_epoch) {
  const date::year_month_day ymd{date::sys_days{date::days{days_since_epoch}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::string LocalTime::date() const { return date_of_day(days_since_epoch); }

bool known_time_zone(std::string_view zone) { return find_zone(zone) != nullptr; }

LocalTime local_time(std::chrono::system_clock::time_point now, std::string_view zone) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  LocalTime local;
  date::local_seconds wall;
  if (const auto* found = find_zone(zone)) {
    local.zone = found->name();
    wall = found->to_local(seconds);
  } else {
    local.zone = "UTC";
    wall = date::local_seconds{seconds.time_since_epoch()};
  }
  const auto day = date::floor<date::days>(wall);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss time{wall - day};
  local.year = static_cast<int>(ymd.year());
  local.month = static_cast<unsigned>(ymd.month());
  local.day = static_cast<unsigned>(ymd.day());
  local.hour = static_cast<int>(time.hours().count());
  local.minute = static_cast<int>(time.minutes().count());
  local.days_since_epoch = static_cast<long>(day.time_since_epoch().count());
  return local;
}

}  // namespace feel::skill
