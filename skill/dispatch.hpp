#pragma once

// A dispatcher in the manner of the Alexa Skills Kit SDKs: request interceptors, then the
// first handler (in order) that can handle the request, then response interceptors; an
// exception anywhere goes to the first error handler that accepts it.

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/content.hpp"
#include "skill/device.hpp"
#include "skill/memory.hpp"
#include "skill/request.hpp"
#include "skill/response.hpp"

namespace feel::skill {

// What a handler is given: the parsed request, the conversation state it may change, the
// speech for the request's locale, what is kept about the person across sessions, what it may
// ask of the device (time zone, reminders), and the only clock and randomness it may use.
struct HandlerInput {
  const Envelope& envelope;
  nlohmann::json& attributes;  // sessionAttributes in, and out again with the response
  const LocaleSpeech& speech;
  UserMemory& memory;
  DeviceServices& device;
  // The conversation state the request arrived in (sessionAttributes "state": "exercise",
  // "journal", ...). The dispatcher takes it out of the attributes before any handler runs, so
  // a state lasts one turn unless the handler that answers sets it again.
  std::string state;
  std::uint64_t seed;
  std::chrono::system_clock::time_point now;

  [[nodiscard]] const std::string& request_type() const { return envelope.request.type; }
  [[nodiscard]] bool is_intent(std::string_view name) const;
  [[nodiscard]] const Intent* intent() const;
};

struct RequestHandler {
  std::string name;
  // The intents this handler serves, for the content check and the metrics' label set.
  std::vector<std::string> intents;
  std::function<bool(const HandlerInput&)> can_handle;
  std::function<ResponseBuilder(HandlerInput&)> handle;
};

struct ErrorHandler {
  std::string name;
  std::function<bool(const HandlerInput&, const std::exception&)> can_handle;
  std::function<ResponseBuilder(HandlerInput&, const std::exception&)> handle;
};

using RequestInterceptor = std::function<void(HandlerInput&)>;
// Response interceptors may still change the session attributes (to remember the turn).
using ResponseInterceptor = std::function<void(HandlerInput&, ResponseBuilder&)>;

// A handler for one intent name, or for one request type.
[[nodiscard]] RequestHandler intent_handler(std::string intent,
                                            std::function<ResponseBuilder(HandlerInput&)> handle);
[[nodiscard]] RequestHandler request_handler(std::string request_type,
                                             std::function<ResponseBuilder(HandlerInput&)> handle);

// A handler for any of intents, only in one conversation state (HandlerInput::state).
[[nodiscard]] RequestHandler state_handler(std::string name, std::string state,
                                           std::vector<std::string> intents,
                                           std::function<ResponseBuilder(HandlerInput&)> handle);

struct DispatchResult {
  Response response;
  std::string handler;  // which handler answered, for logs; "none" or an error handler's name
  bool failed = false;  // an error handler answered
};

class Dispatcher {
 public:
  Dispatcher& add(RequestHandler handler);
  Dispatcher& add(ErrorHandler handler);
  Dispatcher& add_request_interceptor(RequestInterceptor interceptor);
  Dispatcher& add_response_interceptor(ResponseInterceptor interceptor);

  // Never throws: with no handler that fits and no error handler, the answer is an empty,
  // valid response.
  [[nodiscard]] DispatchResult dispatch(const Envelope& envelope, const SpeechCatalog& catalog,
                                        UserMemory& memory, DeviceServices& device,
                                        std::uint64_t seed,
                                        std::chrono::system_clock::time_point now) const;
  // The same with nothing kept across sessions and no device services (UTC).
  [[nodiscard]] DispatchResult dispatch(const Envelope& envelope, const SpeechCatalog& catalog,
                                        std::uint64_t seed,
                                        std::chrono::system_clock::time_point now) const;

  [[nodiscard]] std::set<std::string, std::less<>> intents() const;

 private:
  std::vector<RequestHandler> handlers_;
  std::vector<ErrorHandler> error_handlers_;
  std::vector<RequestInterceptor> request_interceptors_;
  std::vector<ResponseInterceptor> response_interceptors_;
};

}  // namespace feel::skill
