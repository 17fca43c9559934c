#include "skill/request.hpp"

// GCC 12 reports dangling-pointer and maybe-uninitialized warnings inside simdjson 3.0's
// inlined result and tape types (false positives: every result is checked or its type known
// before use, and the tape outlives every element here). Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <simdjson.h>

#include <optional>
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

// The readers below work on either document type through one small interface: nlohmann's
// json for the public from_json functions, simdjson's DOM for parse_envelope, where parsing
// is most of the cost of a request.
class JsonValue {
 public:
  explicit JsonValue(const json& j) : j_(&j) {}
  [[nodiscard]] bool is_object() const { return j_->is_object(); }
  [[nodiscard]] bool is_array() const { return j_->is_array(); }
  [[nodiscard]] bool is_string() const { return j_->is_string(); }
  [[nodiscard]] bool is_boolean() const { return j_->is_boolean(); }
  [[nodiscard]] bool is_null() const { return j_->is_null(); }
  [[nodiscard]] std::string_view string() const { return j_->get_ref<const std::string&>(); }
  [[nodiscard]] bool boolean() const { return j_->get<bool>(); }
  [[nodiscard]] std::size_t size() const { return j_->size(); }
  [[nodiscard]] std::optional<JsonValue> find(const char* key) const {
    const auto it = j_->find(key);
    if (it == j_->end()) return std::nullopt;
    return JsonValue(*it);
  }
  template <typename F>
  void for_each_member(F&& f) const {
    for (const auto& item : j_->items()) f(std::string_view(item.key()), JsonValue(item.value()));
  }
  template <typename F>
  void for_each_element(F&& f) const {
    for (const auto& item : *j_) f(JsonValue(item));
  }
  [[nodiscard]] json to_json() const { return *j_; }

 private:
  const json* j_;
};

[[nodiscard]] json to_nlohmann(simdjson::dom::element element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::OBJECT: {
      json object = json::object();
      const simdjson::dom::object fields = element.get_object().value_unsafe();
      for (const auto field : fields) {
        object[std::string(field.key)] = to_nlohmann(field.value);
      }
      return object;
    }
    case element_type::ARRAY: {
      json array = json::array();
      const simdjson::dom::array items = element.get_array().value_unsafe();
      for (const auto item : items) {
        array.push_back(to_nlohmann(item));
      }
      return array;
    }
    case element_type::STRING:
      return std::string(element.get_string().value_unsafe());
    case element_type::INT64: {
      // As nlohmann's own parser does: a non-negative integer is unsigned.
      const std::int64_t value = element.get_int64().value_unsafe();
      if (value >= 0) return static_cast<std::uint64_t>(value);
      return value;
    }
    case element_type::UINT64:
      return element.get_uint64().value_unsafe();
    case element_type::DOUBLE:
      return element.get_double().value_unsafe();
    case element_type::BOOL:
      return element.get_bool().value_unsafe();
    case element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

class DomValue {
 public:
  explicit DomValue(simdjson::dom::element e) : e_(e) {}
  [[nodiscard]] bool is_object() const { return e_.is_object(); }
  [[nodiscard]] bool is_array() const { return e_.is_array(); }
  [[nodiscard]] bool is_string() const { return e_.is_string(); }
  [[nodiscard]] bool is_boolean() const { return e_.is_bool(); }
  [[nodiscard]] bool is_null() const { return e_.is_null(); }
  [[nodiscard]] std::string_view string() const { return e_.get_string().value_unsafe(); }
  [[nodiscard]] bool boolean() const { return e_.get_bool().value_unsafe(); }
  [[nodiscard]] std::size_t size() const {
    if (e_.is_array()) return e_.get_array().value_unsafe().size();
    if (e_.is_object()) return e_.get_object().value_unsafe().size();
    return 0;
  }
  [[nodiscard]] std::optional<DomValue> find(const char* key) const {
    const simdjson::dom::object object = e_.get_object().value_unsafe();
    simdjson::dom::element found;
    if (object.at_key(key).get(found) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return DomValue(found);
  }
  template <typename F>
  void for_each_member(F&& f) const {
    const simdjson::dom::object object = e_.get_object().value_unsafe();
    for (const auto field : object) f(field.key, DomValue(field.value));
  }
  template <typename F>
  void for_each_element(F&& f) const {
    const simdjson::dom::array array = e_.get_array().value_unsafe();
    for (const auto item : array) f(DomValue(item));
  }
  [[nodiscard]] json to_json() const { return to_nlohmann(e_); }

 private:
  simdjson::dom::element e_;
};

template <typename V>
void require_object(const V& j, const Path& path) {
  if (!j.is_object()) wrong_type(path, "an object");
}

// A present, non-null member; null counts as absent, as optional fields often arrive so.
template <typename V>
[[nodiscard]] std::optional<V> member(const V& object, const char* key) {
  auto value = object.find(key);
  if (!value || value->is_null()) return std::nullopt;
  return value;
}

template <typename V>
void read_string(const V& object, const char* key, const Path& parent, std::string& out) {
  const auto value = member(object, key);
  if (!value) return;
  if (!value->is_string()) wrong_type(Path{&parent, key}, "a string");
  out = value->string();
}

template <typename V>
[[nodiscard]] std::optional<V> read_object(const V& object, const char* key, const Path& parent) {
  auto value = member(object, key);
  if (value && !value->is_object()) wrong_type(Path{&parent, key}, "an object");
  return value;
}

template <typename V>
[[nodiscard]] std::optional<V> read_array(const V& object, const char* key, const Path& parent) {
  auto value = member(object, key);
  if (value && !value->is_array()) wrong_type(Path{&parent, key}, "an array");
  return value;
}

// object.key.inner as a string, e.g. application.applicationId.
template <typename V>
void read_nested_string(const V& object, const char* key, const char* inner, const Path& parent,
                        std::string& out) {
  if (const auto nested = read_object(object, key, parent)) {
    read_string(*nested, inner, Path{&parent, key}, out);
  }
}

template <typename V>
void read(const V& j, const Path& path, ResolvedValue& v) {
  require_object(j, path);
  read_string(j, "id", path, v.id);
  read_string(j, "name", path, v.name);
}

template <typename V>
void read(const V& j, const Path& path, Resolution& r) {
  require_object(j, path);
  read_string(j, "authority", path, r.authority);
  read_nested_string(j, "status", "code", path, r.status);
  if (const auto values = read_array(j, "values", path)) {
    const Path values_path{&path, "values"};
    const Path item_path{&values_path, "[]"};
    r.values.reserve(values->size());
    values->for_each_element([&](const V& item) {
      require_object(item, item_path);
      if (const auto value = read_object(item, "value", item_path)) {
        read(*value, Path{&item_path, "value"}, r.values.emplace_back());
      }
    });
  }
}

template <typename V>
void read(const V& j, const Path& path, Slot& s) {
  require_object(j, path);
  read_string(j, "name", path, s.name);
  if (const auto value = member(j, "value")) {
    if (!value->is_string()) wrong_type(Path{&path, "value"}, "a string");
    s.value = std::string(value->string());
  }
  read_string(j, "confirmationStatus", path, s.confirmation_status);
  if (const auto resolutions = read_object(j, "resolutions", path)) {
    const Path resolutions_path{&path, "resolutions"};
    if (const auto authorities =
            read_array(*resolutions, "resolutionsPerAuthority", resolutions_path)) {
      const Path authorities_path{&resolutions_path, "resolutionsPerAuthority"};
      const Path item_path{&authorities_path, "[]"};
      s.resolutions.reserve(authorities->size());
      authorities->for_each_element(
          [&](const V& item) { read(item, item_path, s.resolutions.emplace_back()); });
    }
  }
}

template <typename V>
void read(const V& j, const Path& path, Intent& i) {
  require_object(j, path);
  read_string(j, "name", path, i.name);
  read_string(j, "confirmationStatus", path, i.confirmation_status);
  const auto slots = member(j, "slots");
  if (!slots) return;
  const Path slots_path{&path, "slots"};
  // Some tools serialise an empty map as []; anything else that is not an object is wrong.
  if (slots->is_array() && slots->size() == 0) return;
  if (!slots->is_object()) wrong_type(slots_path, "an object");
  const Path slot_path{&slots_path, "[]"};
  slots->for_each_member([&](std::string_view key, const V& value) {
    Slot slot;
    read(value, slot_path, slot);
    if (slot.name.empty()) slot.name = key;
    i.slots.insert_or_assign(std::string(key), std::move(slot));
  });
}

template <typename V>
void read(const V& j, const Path& path, Request& r) {
  require_object(j, path);
  read_string(j, "type", path, r.type);
  read_string(j, "requestId", path, r.request_id);
  read_string(j, "timestamp", path, r.timestamp);
  read_string(j, "locale", path, r.locale);
  if (const auto intent = read_object(j, "intent", path)) {
    read(*intent, Path{&path, "intent"}, r.intent.emplace());
  }
  read_string(j, "dialogState", path, r.dialog_state);
  read_string(j, "reason", path, r.reason);
  if (const auto error = read_object(j, "error", path)) r.error = error->to_json();
  r.raw = j.to_json();
}

template <typename V>
void read(const V& j, const Path& path, Session& s) {
  require_object(j, path);
  if (const auto is_new = member(j, "new")) {
    if (!is_new->is_boolean()) wrong_type(Path{&path, "new"}, "true or false");
    s.is_new = is_new->boolean();
  }
  read_string(j, "sessionId", path, s.session_id);
  read_nested_string(j, "application", "applicationId", path, s.application_id);
  read_nested_string(j, "user", "userId", path, s.user_id);
  if (const auto attributes = read_object(j, "attributes", path)) {
    s.attributes = attributes->to_json();
  }
}

template <typename V>
void read(const V& j, const Path& path, System& s) {
  require_object(j, path);
  read_nested_string(j, "application", "applicationId", path, s.application_id);
  read_nested_string(j, "user", "userId", path, s.user_id);
  read_nested_string(j, "person", "personId", path, s.person_id);
  if (const auto device = read_object(j, "device", path)) {
    const Path device_path{&path, "device"};
    read_string(*device, "deviceId", device_path, s.device.device_id);
    if (const auto interfaces = read_object(*device, "supportedInterfaces", device_path)) {
      interfaces->for_each_member([&](std::string_view key, const V&) {
        s.device.supported_interfaces.emplace(key);
      });
    }
  }
  read_string(j, "apiEndpoint", path, s.api_endpoint);
  read_string(j, "apiAccessToken", path, s.api_access_token);
}

template <typename V>
void read(const V& j, const Path& path, Envelope& e) {
  require_object(j, path);
  read_string(j, "version", path, e.version);
  if (const auto session = read_object(j, "session", path)) {
    read(*session, Path{&path, "session"}, e.session.emplace());
  }
  if (const auto context = read_object(j, "context", path)) {
    const Path context_path{&path, "context"};
    if (const auto system = read_object(*context, "System", context_path)) {
      read(*system, Path{&context_path, "System"}, e.system);
    }
    if (const auto viewport = read_object(*context, "Viewport", context_path)) {
      e.viewport = viewport->to_json();
    }
  }
  const auto request = member(j, "request");
  if (!request) throw FieldError("request is missing");
  read(*request, Path{&path, "request"}, e.request);
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

const std::string& Envelope::user_id() const {
  if (!system.user_id.empty() || !session) return system.user_id;
  return session->user_id;
}

void from_json(const nlohmann::json& j, ResolvedValue& v) {
  convert(j, [&] { read(JsonValue(j), kRoot, v); });
}
void from_json(const nlohmann::json& j, Resolution& r) {
  convert(j, [&] { read(JsonValue(j), kRoot, r); });
}
void from_json(const nlohmann::json& j, Slot& s) {
  convert(j, [&] { read(JsonValue(j), kRoot, s); });
}
void from_json(const nlohmann::json& j, Intent& i) {
  convert(j, [&] { read(JsonValue(j), kRoot, i); });
}
void from_json(const nlohmann::json& j, Request& r) {
  convert(j, [&] { read(JsonValue(j), kRoot, r); });
}
void from_json(const nlohmann::json& j, Session& s) {
  convert(j, [&] { read(JsonValue(j), kRoot, s); });
}
void from_json(const nlohmann::json& j, System& s) {
  convert(j, [&] { read(JsonValue(j), kRoot, s); });
}
void from_json(const nlohmann::json& j, Envelope& e) {
  convert(j, [&] { read(JsonValue(j), kRoot, e); });
}

std::variant<Envelope, ParseError> parse_envelope(std::string_view body) {
  if (nested_too_deeply(body)) return ParseError{"JSON nested too deeply"};
  // One parser per thread keeps its buffers between requests. simdjson validates UTF-8, so
  // invalid UTF-8 anywhere in the body is malformed JSON.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return ParseError{"malformed JSON"};
  }
  const DomValue root(document);
  if (!root.is_object()) return ParseError{"the body must be a JSON object"};
  const auto request = member(root, "request");
  if (!request) return ParseError{"request is missing"};
  if (!request->is_object()) return ParseError{"request must be an object"};
  const auto type = member(*request, "type");
  if (!type) return ParseError{"request.type is missing"};
  if (!type->is_string()) return ParseError{"request.type must be a string"};
  if (type->string().empty()) return ParseError{"request.type is empty"};

  Envelope envelope;
  try {
    read(root, kRoot, envelope);
  } catch (const FieldError& error) {
    return ParseError{error.what()};
  } catch (const std::exception&) {
    // Not expected: every access above is type-checked first. Never echo the library's text.
    return ParseError{"request envelope has an unexpected shape"};
  }
  return envelope;
}

}  // namespace feel::skill
