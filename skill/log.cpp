#include "skill/log.hpp"

#include <atomic>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace feel::skill::log {
namespace {

constexpr const char* kLoggerName = "feel-again";
std::atomic<Format> g_format{Format::text};

// Created once, thread-safely, and then used without the registry's lock on every request.
spdlog::logger* logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto existing = spdlog::get(kLoggerName);
    if (existing) return existing;
    auto created = spdlog::stderr_logger_mt(kLoggerName);
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    return created;
  }();
  return instance.get();
}

// Plain values print bare; values with spaces or quotes are quoted so a line stays parseable.
void append_text_value(std::string& out, std::string_view value) {
  const bool needs_quotes =
      value.empty() || value.find_first_of(" \"=\t\n") != std::string_view::npos;
  if (!needs_quotes) {
    out += value;
    return;
  }
  out += nlohmann::json(std::string(value)).dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
}

}  // namespace

spdlog::level::level_enum parse_level(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn" || level == "warning") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  if (level == "critical") return spdlog::level::critical;
  if (level == "off") return spdlog::level::off;
  throw std::invalid_argument("unknown log level '" + std::string(level) +
                              "' (use trace, debug, info, warn, error, critical or off)");
}

void setup(Format format, std::string_view level) {
  const auto parsed = parse_level(level);
  auto* log = logger();
  g_format = format;
  if (format == Format::json) {
    log->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  } else {
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  log->set_level(parsed);
  log->flush_on(spdlog::level::warn);
}

bool enabled(spdlog::level::level_enum level) { return logger()->should_log(level); }

void event(spdlog::level::level_enum level, std::string_view message,
           std::initializer_list<Field> fields) {
  auto* log = logger();
  if (!log->should_log(level)) return;
  std::string line;
  line.reserve(128);
  if (g_format == Format::json) {
    nlohmann::json object = nlohmann::json::object();
    object["msg"] = std::string(message);
    for (const auto& field : fields) object[std::string(field.key)] = field.value;
    const auto dumped =
        object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // The pattern supplies the braces around time and level; splice our members in.
    line.assign(dumped, 1, dumped.size() - 2);
  } else {
    line += message;
    for (const auto& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      append_text_value(line, field.value);
    }
  }
  log->log(level, "{}", line);
}

}  // namespace feel::skill::log
