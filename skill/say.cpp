#include "skill/say.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>

#include <httplib.h>
#include <CLI/CLI.hpp>

#include "skill/app.hpp"
#include "skill/config.hpp"
#include "skill/request.hpp"
#include "skill/ssml.hpp"

namespace feel::skill {
namespace {

using nlohmann::json;

// The same pretend skill, user and device on every run: nothing real is ever addressed.
constexpr const char* kApplicationId = "amzn1.ask.skill.feea9a1e-5a7e-4000-8000-000000000001";
constexpr const char* kUserId = "amzn1.ask.account.FEELAGAINSAYLOCALUSER";
constexpr const char* kDeviceId = "amzn1.ask.device.FEELAGAINSAYLOCALDEVICE";
constexpr const char* kAccessToken = "feel-again-say.local.not-a-real-token";

std::string random_uuid() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  const auto high = engine();
  const auto low = engine();
  std::ostringstream out;
  out << std::hex << std::setfill('0') << std::setw(8) << (high >> 32) << '-' << std::setw(4)
      << ((high >> 16) & 0xffff) << "-4" << std::setw(3) << (high & 0xfff) << '-' << std::setw(4)
      << (0x8000 | ((low >> 48) & 0x3fff)) << '-' << std::setw(12) << (low & 0xffffffffffffULL);
  return out.str();
}

std::string iso8601(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// Alexa calls from the region nearest the device.
std::string api_endpoint(std::string_view locale) {
  if (locale == "en-GB" || locale == "en-IN" || locale.substr(0, 2) == "de" ||
      locale.substr(0, 2) == "fr" || locale.substr(0, 2) == "es" || locale.substr(0, 2) == "it") {
    return "https://api.eu.amazonalexa.com";
  }
  if (locale == "en-AU" || locale == "ja-JP") return "https://api.fe.amazonalexa.com";
  return "https://api.amazonalexa.com";
}

json envelope(const SessionState& session, const RequestContext& context, json request) {
  const json application = {{"applicationId", kApplicationId}};
  const json user = {{"userId", kUserId}};
  json body = {{"version", "1.0"},
               {"context",
                {{"System",
                  {{"application", application},
                   {"user", user},
                   {"device", {{"deviceId", kDeviceId}, {"supportedInterfaces", json::object()}}},
                   {"apiEndpoint", context.api_endpoint.empty() ? api_endpoint(context.locale)
                                                                 : context.api_endpoint},
                   {"apiAccessToken", kAccessToken}}}}},
               {"request", std::move(request)}};
  json s = {{"new", session.is_new},
            {"sessionId", session.session_id},
            {"application", application},
            {"user", user}};
  if (!session.is_new) s["attributes"] = session.attributes;
  body["session"] = std::move(s);
  return body;
}

json base_request(const char* type, const RequestContext& context) {
  return {{"type", type},
          {"requestId", context.request_id},
          {"timestamp", context.timestamp},
          {"locale", context.locale}};
}

json slot_json(const HeardSlot& slot) {
  json j = {{"name", slot.name}, {"confirmationStatus", "NONE"}};
  if (!slot.value) return j;
  j["value"] = *slot.value;
  j["source"] = "USER";
  json simple = {{"type", "Simple"}, {"value", *slot.value}};
  // Amazon's own types (a number, a time) arrive as values, without entity resolution.
  if (slot.resolution != MatchStatus::none && slot.type.rfind("AMAZON.", 0) != 0) {
    json authority = {{"authority", std::string("amzn1.er-authority.echo-sdk.") + kApplicationId +
                                        "." + slot.type}};
    if (slot.resolution == MatchStatus::match) {
      authority["status"] = {{"code", "ER_SUCCESS_MATCH"}};
      authority["values"] =
          json::array({{{"value", {{"name", slot.resolved_name}, {"id", slot.id}}}}});
    } else {
      authority["status"] = {{"code", "ER_SUCCESS_NO_MATCH"}};
    }
    json resolutions = {{"resolutionsPerAuthority", json::array({authority})}};
    j["resolutions"] = resolutions;
    simple["resolutions"] = std::move(resolutions);
  }
  j["slotValue"] = std::move(simple);
  return j;
}

std::string format_seconds(long milliseconds) {
  std::ostringstream out;
  if (milliseconds % 1000 == 0) {
    out << milliseconds / 1000 << 's';
  } else {
    out << std::fixed << std::setprecision(2) << static_cast<double>(milliseconds) / 1000.0;
    auto text = out.str();
    while (text.back() == '0') text.pop_back();
    return text + "s";
  }
  return out.str();
}

std::optional<std::string> executable_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::function<void(const std::string&)> espeak(std::string_view locale) {
  // en-US and en-CA sound closest as American English; espeak-ng's "en" is British.
  const std::string voice = locale == "en-US" || locale == "en-CA" ? "en-us" : "en";
  return [command = "espeak-ng -v " + voice](const std::string& text) {
    // The command is fixed; the words go through the pipe, never through a shell.
    FILE* pipe = ::popen(command.c_str(), "w");
    if (pipe == nullptr) return;
    std::fwrite(text.data(), 1, text.size(), pipe);
    ::pclose(pipe);
  };
}

std::string describe(const Understanding& understood) {
  if (understood.kind == RequestKind::launch) return "LaunchRequest";
  std::string out = understood.intent;
  for (const auto& slot : understood.slots) {
    if (!slot.value) continue;
    out += " " + slot.name + "=\"" + *slot.value + "\"";
    if (slot.resolution == MatchStatus::match) out += " -> " + slot.id;
    if (slot.resolution == MatchStatus::no_match) out += " (no match)";
  }
  return out;
}

// The speech of an outputSpeech object as SSML, whatever its type.
std::string speech_of(const json& output_speech) {
  if (!output_speech.is_object()) return {};
  if (output_speech.value("type", "") == "PlainText") {
    return escape_xml(output_speech.value("text", ""));
  }
  return output_speech.value("ssml", "");
}

}  // namespace

json make_request(const Understanding& understood, const SessionState& session,
                  const RequestContext& context) {
  if (understood.kind == RequestKind::launch) {
    auto request = base_request("LaunchRequest", context);
    request["shouldLinkResultBeReturned"] = false;
    return envelope(session, context, std::move(request));
  }
  auto request = base_request("IntentRequest", context);
  json intent = {{"name", understood.intent}, {"confirmationStatus", "NONE"}};
  if (!understood.slots.empty()) {
    json slots = json::object();
    for (const auto& slot : understood.slots) slots[slot.name] = slot_json(slot);
    intent["slots"] = std::move(slots);
  }
  request["intent"] = std::move(intent);
  return envelope(session, context, std::move(request));
}

json make_session_ended(const SessionState& session, const RequestContext& context,
                        std::string_view reason) {
  auto request = base_request("SessionEndedRequest", context);
  request["reason"] = reason;
  return envelope(session, context, std::move(request));
}

std::string heard_text(std::string_view ssml) {
  std::string rebuilt;
  rebuilt.reserve(ssml.size() + 32);
  long pending = -1;  // milliseconds of silence not yet written
  const auto flush = [&] {
    // A break separates words even when it is silent.
    if (pending == 0) rebuilt += ' ';
    if (pending > 0) rebuilt += " [pause " + format_seconds(pending) + "] ";
    pending = -1;
  };
  for (std::size_t i = 0; i < ssml.size();) {
    if (ssml[i] != '<') {
      if (ssml[i] != ' ' && ssml[i] != '\n' && ssml[i] != '\t') flush();
      rebuilt += ssml[i++];
      continue;
    }
    const auto end = ssml.find('>', i);
    if (end == std::string_view::npos) break;
    const auto tag = ssml.substr(i, end - i + 1);
    const auto name = ssml_tag_name(tag);
    i = end + 1;
    if (name == "break") {
      pending = std::max(pending, 0L) + ssml_break_milliseconds(tag);
      continue;
    }
    if (name == "audio") {
      flush();
      rebuilt += " [audio] ";
      continue;
    }
    if (name == "sub" && tag.back() != '/' && !ssml_attribute(tag, "alias").empty()) {
      // The listener hears the alias, not the written words.
      const auto close = ssml.find("</sub>", i);
      flush();
      rebuilt += " " + escape_xml(ssml_attribute(tag, "alias")) + " ";
      i = close == std::string_view::npos ? ssml.size() : close + 6;
      continue;
    }
    rebuilt += tag;
  }
  flush();
  return ssml_to_plain_text(rebuilt);
}

Conversation::Conversation(Nlu nlu, Transport transport, Settings settings)
    : nlu_(std::move(nlu)), transport_(std::move(transport)), settings_(std::move(settings)) {}

RequestContext Conversation::next_context() const {
  return {settings_.locale, "amzn1.echo-api.request." + random_uuid(),
          iso8601(std::chrono::system_clock::now()), settings_.api_endpoint};
}

void Conversation::start_session() {
  session_ = SessionState{};
  session_.open = true;
  session_.is_new = true;
  session_.session_id = "amzn1.echo-api.session." + random_uuid();
  last_reprompt_.clear();
  silences_ = 0;
}

bool Conversation::turn(std::string_view line, std::ostream& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (settings_.echo) out << "> " << line << '\n';
  auto understood = nlu_.understand(line);

  if (understood.kind == RequestKind::silence && session_.open) {
    // Alexa plays the reprompt after about 8 s of silence, and ends the session after 8 more.
    if (++silences_ == 1 && !last_reprompt_.empty()) {
      out << "  (silence: Alexa plays the reprompt)\n";
      const auto heard = heard_text(last_reprompt_);
      out << "Alexa: " << heard << '\n';
      if (settings_.speak) settings_.speak(ssml_to_plain_text(last_reprompt_));
      return true;
    }
    out << "  (silence again: Alexa closes the session)\n";
    return send(make_session_ended(session_, next_context(), "EXCEEDED_MAX_REPROMPTS"), out);
  }
  if (understood.kind == RequestKind::silence) {
    understood.kind = RequestKind::launch;  // an empty first line: "Alexa, open feel again"
    understood.new_session = true;
  }
  if (understood.kind == RequestKind::session_end) {
    if (!session_.open) {
      out << "  (no session is open)\n";
      return true;
    }
    out << "  [SessionEndedRequest USER_INITIATED]\n";
    return send(make_session_ended(session_, next_context(), "USER_INITIATED"), out);
  }

  silences_ = 0;
  if (understood.new_session || !session_.open) start_session();
  out << "  [" << describe(understood) << "]\n";
  return send(make_request(understood, session_, next_context()), out);
}

bool Conversation::send(const json& request, std::ostream& out) {
  std::string error;
  const auto body = transport_(request, error);
  const bool ending_request = request["request"]["type"] == "SessionEndedRequest";
  session_.is_new = false;
  if (!body) {
    // Alexa apologises for the skill and ends the session; so does `say`.
    out << "  (no answer: " << error << ")\n";
    if (session_.open) out << "  (session ended)\n";
    session_ = SessionState{};
    last_reprompt_.clear();
    return false;
  }
  if (settings_.json) out << body->dump(2) << '\n';
  const auto response = body->value("response", json::object());
  const auto speech = speech_of(response.value("outputSpeech", json()));
  if (!speech.empty()) {
    out << "Alexa: " << heard_text(speech) << '\n';
    if (settings_.speak) settings_.speak(ssml_to_plain_text(speech));
  }
  const auto reprompt =
      speech_of(response.value("reprompt", json::object()).value("outputSpeech", json()));
  last_reprompt_ = reprompt;
  if (!reprompt.empty()) out << "  (reprompt: " << heard_text(reprompt) << ")\n";
  const auto attributes = body->value("sessionAttributes", json::object());
  session_.attributes = attributes.is_object() ? attributes : json::object();
  // Left out, shouldEndSession ends the session on a speaker (a screen device keeps it
  // without listening; `say` plays a speaker).
  const auto end = response.find("shouldEndSession");
  const bool ends =
      ending_request || end == response.end() || !end->is_boolean() || end->get<bool>();
  if (ends) {
    out << "  (session ended)\n";
    session_ = SessionState{};
    last_reprompt_.clear();
  }
  return true;
}

void Conversation::finish(std::ostream& out) {
  if (!session_.open) return;
  out << "  (end of input: the person walks away)\n";
  send(make_session_ended(session_, next_context(), "USER_INITIATED"), out);
}

Transport in_process_transport(const SayOptions& options) {
  const auto& seed = options.seed;
  std::unique_ptr<Store> store;
  std::unique_ptr<Vault> vault;
  try {
    store = open_sqlite_store({options.db.empty() ? std::filesystem::path(":memory:")
                                                  : std::filesystem::path(options.db)});
  } catch (const StorageError& error) {
    throw ConfigError(std::string(error.what()) + " (check --db)");
  }
  if (options.db.empty()) {
    vault = std::make_unique<Vault>(Vault::ephemeral());
  } else {
    const auto secret = options.secret_file.empty() ? options.db + ".secret" : options.secret_file;
    vault = std::make_unique<Vault>(Vault::from_secret_file(secret));
  }
  std::unique_ptr<AlexaApi> api;
  if (!options.api_endpoint.empty()) {
    // The stand-in named by --api-endpoint is the one host besides Amazon's the skill may call.
    const auto scheme_end = options.api_endpoint.find("://");
    const auto host = scheme_end == std::string::npos ? options.api_endpoint
                                                       : options.api_endpoint.substr(scheme_end + 3);
    AlexaApiOptions api_options;
    api_options.allowed_hosts = {host.substr(0, host.find('/'))};
    try {
      api = std::make_unique<AlexaApi>(std::move(api_options));
    } catch (const std::exception& error) {
      throw ConfigError("--api-endpoint " + options.api_endpoint + ": " + error.what());
    }
  }
  std::shared_ptr<const SkillCore> core = SkillCore::load(
      options.content_dir, std::move(store), std::move(vault), std::move(api), "UTC");
  auto next_seed = [seed, turn = std::uint64_t{0},
                    engine = std::mt19937_64{std::random_device{}()}]() mutable {
    return seed ? *seed + turn++ : engine();
  };
  return [core, next_seed](const json& request, std::string& error) mutable -> std::optional<json> {
    // Through the same parser as the server, so a malformed request shows up here too.
    auto parsed = parse_envelope(request.dump());
    if (const auto* failure = std::get_if<ParseError>(&parsed)) {
      error = "the request does not parse: " + failure->message;
      return std::nullopt;
    }
    auto result =
        core->answer(std::get<Envelope>(parsed), next_seed(), std::chrono::system_clock::now());
    return std::move(result.response.body);
  };
}

Transport http_transport(const std::string& url, bool insecure) {
  const auto scheme_end = url.find("://");
  const auto scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    throw ConfigError("--url " + url +
                      ": give an http:// or https:// URL, e.g. "
                      "http://127.0.0.1:8443/alexa");
  }
  const auto path_start = url.find('/', scheme_end + 3);
  const auto base = url.substr(0, path_start);
  const auto path =
      path_start == std::string::npos ? std::string("/alexa") : url.substr(path_start);
  auto client = std::make_shared<httplib::Client>(base);
  if (!client->is_valid()) throw ConfigError("--url " + url + ": not a usable URL");
  client->enable_server_certificate_verification(!insecure);
  client->set_connection_timeout(std::chrono::seconds(5));
  client->set_read_timeout(std::chrono::seconds(10));
  return [client, path](const json& request, std::string& error) -> std::optional<json> {
    const auto result = client->Post(path, request.dump(), "application/json");
    if (!result) {
      error = httplib::to_string(result.error());
      if (result.error() == httplib::Error::SSLServerVerification) {
        error += " (a self-signed certificate? --insecure skips the check)";
      }
      return std::nullopt;
    }
    if (result->status != 200) {
      error = "HTTP " + std::to_string(result->status) + " " + result->body.substr(0, 200);
      return std::nullopt;
    }
    auto body = json::parse(result->body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      error = "the response is not a JSON object";
      return std::nullopt;
    }
    return body;
  };
}

void add_say_flags(CLI::App& app, SayOptions& options) {
  app.add_option("--content", options.content_dir,
                 "The speech-content folder (default: the source tree's or installed one)")
      ->envname("FEEL_AGAIN_CONTENT");
  app.add_option("--skill-package", options.skill_package_dir,
                 "The ASK CLI skill package, for its interaction models (default: the source "
                 "tree's intents/skill-package)")
      ->envname("FEEL_AGAIN_SKILL_PACKAGE");
  app.add_option("--locale", options.locale, "The device's locale")->capture_default_str();
  app.add_option("--url", options.url,
                 "Send each request to a running `feel-again serve` (e.g. "
                 "http://127.0.0.1:8443/alexa) instead of answering in process");
  app.add_flag("--insecure", options.insecure,
               "With an https:// --url: do not check the server's certificate (self-signed, "
               "local only)");
  app.add_flag("--speak", options.speak, "Also speak each answer through espeak-ng");
  app.add_flag("--json", options.json, "Print each raw response");
  app.add_option("--db", options.db,
                 "In process: the SQLite database of what the skill keeps, so that a later run "
                 "remembers (default: in memory, forgotten at exit)");
  app.add_option("--secret-file", options.secret_file,
                 "In process, with --db: the server secret (default: <db>.secret, generated "
                 "when absent)");
  app.add_option("--api-endpoint", options.api_endpoint,
                 "The apiEndpoint requests carry, e.g. http://127.0.0.1:9000 for a local "
                 "stand-in of the Alexa APIs (time zone, reminders); in process the skill may "
                 "call it");
  app.add_option("--seed", options.seed,
                 "Seed for choosing among speech variants (default: random each turn)");
}

int run_say(SayOptions& options, std::istream& in, std::ostream& out) {
  if (options.content_dir.empty()) options.content_dir = default_content_dir();
  if (options.skill_package_dir.empty()) options.skill_package_dir = default_skill_package_dir();
  if (options.skill_package_dir.empty()) {
    throw ConfigError("--skill-package: no default found; give the path of intents/skill-package");
  }
  const auto model_file = interaction_model_path(options.skill_package_dir, options.locale);
  std::error_code ec;
  if (!std::filesystem::exists(model_file, ec)) {
    throw ConfigError("--locale " + options.locale + ": no interaction model " +
                      model_file.string());
  }
  Nlu nlu(load_interaction_model(model_file),
          load_builtin_phrases(builtin_phrases_path(options.skill_package_dir), options.locale));
  Transport transport;
  if (options.url.empty()) {
    if (options.content_dir.empty()) {
      throw ConfigError("--content: no default found; give the path of speech-content/");
    }
    transport = in_process_transport(options);
  } else {
    transport = http_transport(options.url, options.insecure);
  }

  const bool terminal = &in == &std::cin && ::isatty(STDIN_FILENO) != 0;
  Conversation::Settings settings;
  settings.locale = options.locale;
  settings.api_endpoint = options.api_endpoint;
  settings.echo = !terminal;
  settings.json = options.json;
  if (options.speak) {
    if (executable_on_path("espeak-ng")) {
      settings.speak = espeak(options.locale);
    } else {
      out << "(espeak-ng is not installed: answers are printed only)\n";
    }
  }
  Conversation conversation(std::move(nlu), std::move(transport), std::move(settings));
  if (terminal) {
    out << "Talking to Feel Again (" << options.locale
        << "). Say \"open feel again\", or press Enter to start; Ctrl-D leaves.\n";
  }
  bool all_answered = true;
  std::string line;
  while (true) {
    if (terminal) out << "> " << std::flush;
    if (!std::getline(in, line)) break;
    all_answered = conversation.turn(line, out) && all_answered;
    out << std::flush;
  }
  if (terminal) out << '\n';
  conversation.finish(out);
  return all_answered ? 0 : 1;
}

}  // namespace feel::skill
