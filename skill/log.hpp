#pragma once

// The service's one named logger, in plain text or one JSON object per line.
// Never pass what a user said, journal text, tokens or raw user ids to these functions.

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/common.h>

namespace spdlog {
class logger;
}

namespace feel::skill::log {

enum class Format { text, json };

struct Field {
  std::string_view key;
  std::string value;
};

// Creates (or re-creates) the "feel-again" logger on stderr. Throws std::invalid_argument on
// an unknown level name.
void setup(Format format, std::string_view level);
[[nodiscard]] spdlog::level::level_enum parse_level(std::string_view level);

// An event with structured fields: `msg key=value ...` as text, or
// {"time":...,"level":...,"msg":...,"key":"value"} as JSON.
void event(spdlog::level::level_enum level, std::string_view message,
           std::initializer_list<Field> fields = {});

inline void info(std::string_view message, std::initializer_list<Field> fields = {}) {
  event(spdlog::level::info, message, fields);
}
inline void warn(std::string_view message, std::initializer_list<Field> fields = {}) {
  event(spdlog::level::warn, message, fields);
}
inline void error(std::string_view message, std::initializer_list<Field> fields = {}) {
  event(spdlog::level::err, message, fields);
}

[[nodiscard]] bool enabled(spdlog::level::level_enum level);

}  // namespace feel::skill::log
