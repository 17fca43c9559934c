#include "skill/request.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace feel::skill {
namespace {

using nlohmann::json;

// nlohmann's parser is iterative, but copying, comparing and dumping a json value recurse:
// a body of deeply nested arrays would overflow the stack later. Real envelopes nest about
// ten levels deep.
constexpr int kMaxDepth = 64;

// Where a field sits in the envelope, built on the stack and turned into text only when
// something is wrong. Names are fixed strings, never keys from the body, so a message can
// be logged safely.
struct Path {
  const Path* parent;
  std::string_view name;
};

[[nodiscard]] std::string to_string(const Path& path) {
  std::vector<std::string_view> names;
  for (const Path* p = &path; p != nullptr; p = p->parent) {
    if (!p->name.empty()) names.push_back(p->name);
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!out.empty() && it->front() != '[') out.push_back('.');
    out += *it;
  }
  return out.empty() ? std::string("the value") : out;
}

// A field of the wrong type. Thrown only inside this file: parse_envelope turns it into a
// ParseError, the public from_json functions into nlohmann's type_error.
class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void wrong_type(const Path& path, const char* expected) {
  throw FieldError(to_string(path) + " must be " + expected);
}

void require_object(const json& j, const Path& path) {
  if (!j.is_object()) wrong_type(path, "an object");
}

// A present, non-null member; null counts as absent, as optional fields often arrive so.
[[nodiscard]] const json* member(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

void read_string(const json& object, const char* key, const Path& parent, std::string& out) {
  const json* value = member(object, key);
  if (value == nullptr) return;
  if (!value->is_string()) wrong_type(Path{&parent, key}, "a string");
  out = value->get_ref<const std::string&>();
}

[[nodiscard]] const json* read_object(const json& object, const char* key, const Path& parent) {
  const json* value = member(object, key);
  if (value != nullptr && !value->is_object()) wrong_type(Path{&parent, key}, "an object");
  return value;
}

[[nodiscard]] const json* read_array(const json& object, const char* key, const Path& parent) {
  const json* value = member(object, key);
  if (value != nullptr && !value->is_array()) wrong_type(Path{&parent, key}, "an array");
  return value;
}

// object.key.inner as a string, e.g. application.applicationId.
void read_nested_string(const json& object, const char* key, const char* inner, const Path& parent,
                        std::string& out) {
  if (const json* nested = read_object(object, key, parent)) {
    read_string(*nested, inner, Path{&parent, key}, out);
  }
}

void read(const json& j, const Path& path, ResolvedValue& v) {
  require_object(j, path);
  read_string(j, "id", path, v.id);
  read_string(j, "name", path, v.name);
}

void read(const json& j, const Path& path, Resolution& r) {
  require_object(j, path);
  read_string(j, "authority", path, r.authority);
  read_nested_string(j, "status", "code", path, r.status);
  if (const json* values = read_array(j, "values", path)) {
    const Path values_path{&path, "values"};
    const Path item_path{&values_path, "[]"};
    r.values.reserve(values->size());
    for (const json& item : *values) {
      require_object(item, item_path);
      if (const json* value = read_object(item, "value", item_path)) {
        read(*value, Path{&item_path, "value"}, r.values.emplace_back());
      }
    }
  }
}

void read(const json& j, const Path& path, Slot& s) {
  require_object(j, path);
  read_string(j, "name", path, s.name);
  if (const json* value = member(j, "value")) {
    if (!value->is_string()) wrong_type(Path{&path, "value"}, "a string");
    s.value = value->get_ref<const std::string&>();
  }
  read_string(j, "confirmationStatus", path, s.confirmation_status);
  if (const json* resolutions = read_object(j, "resolutions", path)) {
    const Path resolutions_path{&path, "resolutions"};
    if (const json* authorities =
            read_array(*resolutions, "resolutionsPerAuthority", resolutions_path)) {
      const Path authorities_path{&resolutions_path, "resolutionsPerAuthority"};
      const Path item_path{&authorities_path, "[]"};
      s.resolutions.reserve(authorities->size());
      for (const json& item : *authorities) read(item, item_path, s.resolutions.emplace_back());
    }
  }
}

void read(const json& j, const Path& path, Intent& i) {
  require_object(j, path);
  read_string(j, "name", path, i.name);
  read_string(j, "confirmationStatus", path, i.confirmation_status);
  const json* slots = member(j, "slots");
  if (slots == nullptr) return;
  const Path slots_path{&path, "slots"};
  // Some tools serialise an empty map as []; anything else that is not an object is wrong.
  if (slots->is_array() && slots->empty()) return;
  if (!slots->is_object()) wrong_type(slots_path, "an object");
  const Path slot_path{&slots_path, "[]"};
  for (const auto& item : slots->items()) {
    Slot slot;
    read(item.value(), slot_path, slot);
    if (slot.name.empty()) slot.name = item.key();
    i.slots.insert_or_assign(item.key(), std::move(slot));
  }
}

void read(const json& j, const Path& path, Request& r, bool keep_raw) {
  require_object(j, path);
  read_string(j, "type", path, r.type);
  read_string(j, "requestId", path, r.request_id);
  read_string(j, "timestamp", path, r.timestamp);
  read_string(j, "locale", path, r.locale);
  if (const json* intent = read_object(j, "intent", path)) {
    read(*intent, Path{&path, "intent"}, r.intent.emplace());
  }
  read_string(j, "dialogState", path, r.dialog_state);
  read_string(j, "reason", path, r.reason);
  if (const json* error = read_object(j, "error", path)) r.error = *error;
  if (keep_raw) r.raw = j;
}

void read(const json& j, const Path& path, Session& s, bool keep_attributes) {
  require_object(j, path);
  if (const json* is_new = member(j, "new")) {
    if (!is_new->is_boolean()) wrong_type(Path{&path, "new"}, "true or false");
    s.is_new = is_new->get<bool>();
  }
  read_string(j, "sessionId", path, s.session_id);
  read_nested_string(j, "application", "applicationId", path, s.application_id);
  read_nested_string(j, "user", "userId", path, s.user_id);
  if (const json* attributes = read_object(j, "attributes", path)) {
    if (keep_attributes) s.attributes = *attributes;
  }
}

void read(const json& j, const Path& path, System& s) {
  require_object(j, path);
  read_nested_string(j, "application", "applicationId", path, s.application_id);
  read_nested_string(j, "user", "userId", path, s.user_id);
  read_nested_string(j, "person", "personId", path, s.person_id);
  if (const json* device = read_object(j, "device", path)) {
    const Path device_path{&path, "device"};
    read_string(*device, "deviceId", device_path, s.device.device_id);
    if (const json* interfaces = read_object(*device, "supportedInterfaces", device_path)) {
      for (const auto& item : interfaces->items()) s.device.supported_interfaces.insert(item.key());
    }
  }
  read_string(j, "apiEndpoint", path, s.api_endpoint);
  read_string(j, "apiAccessToken", path, s.api_access_token);
}

// With copy_blobs false the caller moves session.attributes, context.Viewport and request
// out of the parsed document instead of copying them.
void read(const json& j, const Path& path, Envelope& e, bool copy_blobs) {
  require_object(j, path);
  read_string(j, "version", path, e.version);
  if (const json* session = read_object(j, "session", path)) {
    read(*session, Path{&path, "session"}, e.session.emplace(), copy_blobs);
  }
  if (const json* context = read_object(j, "context", path)) {
    const Path context_path{&path, "context"};
    if (const json* system = read_object(*context, "System", context_path)) {
      read(*system, Path{&context_path, "System"}, e.system);
    }
    if (const json* viewport = read_object(*context, "Viewport", context_path)) {
      if (copy_blobs) e.viewport = *viewport;
    }
  }
  const json* request = member(j, "request");
  if (request == nullptr) throw FieldError("request is missing");
  read(*request, Path{&path, "request"}, e.request, copy_blobs);
}

// Turns this file's FieldError into the exception nlohmann's own conversions throw.
template <typename Read>
void convert(const json& j, Read&& read_value) {
  try {
    std::forward<Read>(read_value)();
  } catch (const FieldError& error) {
    throw json::type_error::create(302, error.what(), &j);
  }
}

[[nodiscard]] bool nested_too_deeply(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

constexpr Path kRoot{nullptr, {}};

}  // namespace

std::optional<std::string> Slot::resolved_id() const {
  for (const Resolution& resolution : resolutions) {
    if (resolution.status == "ER_SUCCESS_MATCH" && !resolution.values.empty()) {
      return resolution.values.front().id;
    }
  }
  return std::nullopt;
}

const Slot* Intent::slot(std::string_view slot_name) const {
  const auto it = slots.find(std::string(slot_name));
  return it == slots.end() ? nullptr : &it->second;
}

bool Envelope::supports(std::string_view interface_name) const {
  return system.device.supported_interfaces.contains(std::string(interface_name));
}

const std::string& Envelope::application_id() const {
  if (!system.application_id.empty() || !session) return system.application_id;
  return session->application_id;
}

void from_json(const nlohmann::json& j, ResolvedValue& v) {
  convert(j, [&] { read(j, kRoot, v); });
}
void from_json(const nlohmann::json& j, Resolution& r) {
  convert(j, [&] { read(j, kRoot, r); });
}
void from_json(const nlohmann::json& j, Slot& s) {
  convert(j, [&] { read(j, kRoot, s); });
}
void from_json(const nlohmann::json& j, Intent& i) {
  convert(j, [&] { read(j, kRoot, i); });
}
void from_json(const nlohmann::json& j, Request& r) {
  convert(j, [&] { read(j, kRoot, r, true); });
}
void from_json(const nlohmann::json& j, Session& s) {
  convert(j, [&] { read(j, kRoot, s, true); });
}
void from_json(const nlohmann::json& j, System& s) {
  convert(j, [&] { read(j, kRoot, s); });
}
void from_json(const nlohmann::json& j, Envelope& e) {
  convert(j, [&] { read(j, kRoot, e, true); });
}

std::variant<Envelope, ParseError> parse_envelope(std::string_view body) {
  if (nested_too_deeply(body)) return ParseError{"JSON nested too deeply"};
  // Invalid UTF-8 inside a string is a parse error too, so it ends up here.
  json document = json::parse(body.begin(), body.end(), nullptr, false);
  if (document.is_discarded()) return ParseError{"malformed JSON"};
  if (!document.is_object()) return ParseError{"the body must be a JSON object"};
  const json* request = member(document, "request");
  if (request == nullptr) return ParseError{"request is missing"};
  if (!request->is_object()) return ParseError{"request must be an object"};
  const json* type = member(*request, "type");
  if (type == nullptr) return ParseError{"request.type is missing"};
  if (!type->is_string()) return ParseError{"request.type must be a string"};
  if (type->get_ref<const std::string&>().empty()) return ParseError{"request.type is empty"};

  Envelope envelope;
  try {
    read(document, kRoot, envelope, false);
  } catch (const FieldError& error) {
    return ParseError{error.what()};
  } catch (const json::exception&) {
    // Not expected: every access above is type-checked first. Never echo nlohmann's text.
    return ParseError{"request envelope has an unexpected shape"};
  }
  // The typed fields are read; the blobs move out of the document instead of being copied.
  if (envelope.session) {
    auto& attributes = document["session"]["attributes"];
    if (attributes.is_object()) envelope.session->attributes = std::move(attributes);
  }
  if (auto context = document.find("context"); context != document.end() && context->is_object()) {
    if (auto viewport = context->find("Viewport");
        viewport != context->end() && viewport->is_object()) {
      envelope.viewport = std::move(*viewport);
    }
  }
  envelope.request.raw = std::move(document["request"]);
  return envelope;
}

}  // namespace feel::skill
