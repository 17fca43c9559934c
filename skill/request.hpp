#pragma once

// The typed model of an Alexa request envelope (ALEXA.md section 2).
// Parsing is tolerant of unknown and absent optional fields; a field of the wrong type
// is an error, reported through parse_envelope rather than thrown at the caller.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace feel::skill {

struct ResolvedValue {
  std::string id;
  std::string name;
};

struct Resolution {
  std::string authority;
  std::string status;  // ER_SUCCESS_MATCH, ER_SUCCESS_NO_MATCH, ER_ERROR_TIMEOUT, ...
  std::vector<ResolvedValue> values;
};

struct Slot {
  std::string name;
  std::optional<std::string> value;  // what was heard, if anything
  std::string confirmation_status;
  std::vector<Resolution> resolutions;

  // The id of the first successful match, if any authority matched.
  [[nodiscard]] std::optional<std::string> resolved_id() const;
};

struct Intent {
  std::string name;
  std::string confirmation_status;  // NONE, DENIED, CONFIRMED
  std::map<std::string, Slot> slots;

  [[nodiscard]] const Slot* slot(std::string_view slot_name) const;
};

struct Request {
  std::string type;  // LaunchRequest, IntentRequest, SessionEndedRequest, ...
  std::string request_id;
  std::string timestamp;
  std::string locale;
  std::optional<Intent> intent;  // IntentRequest and CanFulfillIntentRequest
  std::string dialog_state;
  std::string reason;  // SessionEndedRequest
  nlohmann::json error;  // SessionEndedRequest and System.ExceptionEncountered
  nlohmann::json raw;    // the whole "request" object, for request types we do not model
};

struct Session {
  bool is_new = false;
  std::string session_id;
  std::string application_id;
  std::string user_id;
  nlohmann::json attributes = nlohmann::json::object();
};

struct Device {
  std::string device_id;
  std::set<std::string> supported_interfaces;
};

struct System {
  std::string application_id;
  std::string user_id;
  std::string person_id;
  Device device;
  std::string api_endpoint;
  std::string api_access_token;
};

struct Envelope {
  std::string version;
  std::optional<Session> session;
  System system;
  nlohmann::json viewport;  // context.Viewport, absent on screenless devices
  Request request;

  [[nodiscard]] bool supports(std::string_view interface_name) const;
  // The application id from context.System, falling back to the session's.
  [[nodiscard]] const std::string& application_id() const;
  // The user id from context.System, falling back to the session's.
  [[nodiscard]] const std::string& user_id() const;
};

void from_json(const nlohmann::json& j, ResolvedValue& v);
void from_json(const nlohmann::json& j, Resolution& r);
void from_json(const nlohmann::json& j, Slot& s);
void from_json(const nlohmann::json& j, Intent& i);
void from_json(const nlohmann::json& j, Request& r);
void from_json(const nlohmann::json& j, Session& s);
void from_json(const nlohmann::json& j, System& s);
void from_json(const nlohmann::json& j, Envelope& e);

struct ParseError {
  std::string message;  // safe to log: names the field, never echoes its value
};

// Parses a raw body into an envelope. Malformed JSON, a missing request.type or a field of
// the wrong type is a ParseError; unknown fields are ignored.
[[nodiscard]] std::variant<Envelope, ParseError> parse_envelope(std::string_view body);

}  // namespace feel::skill
