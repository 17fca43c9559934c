#include "skill/dispatch.hpp"

#include <algorithm>

#include "skill/log.hpp"

namespace feel::skill {

bool HandlerInput::is_intent(std::string_view name) const {
  const auto* current = intent();
  return current != nullptr && envelope.request.type == "IntentRequest" && current->name == name;
}

const Intent* HandlerInput::intent() const {
  return envelope.request.intent ? &*envelope.request.intent : nullptr;
}

RequestHandler intent_handler(std::string intent,
                              std::function<ResponseBuilder(HandlerInput&)> handle) {
  RequestHandler handler;
  handler.name = intent;
  handler.intents = {intent};
  handler.can_handle = [intent](const HandlerInput& input) { return input.is_intent(intent); };
  handler.handle = std::move(handle);
  return handler;
}

RequestHandler request_handler(std::string request_type,
                               std::function<ResponseBuilder(HandlerInput&)> handle) {
  RequestHandler handler;
  handler.name = request_type;
  handler.can_handle = [request_type](const HandlerInput& input) {
    return input.request_type() == request_type;
  };
  handler.handle = std::move(handle);
  return handler;
}

RequestHandler state_handler(std::string name, std::string state, std::vector<std::string> intents,
                             std::function<ResponseBuilder(HandlerInput&)> handle) {
  RequestHandler handler;
  handler.name = std::move(name);
  handler.intents = intents;
  handler.can_handle = [state = std::move(state), intents](const HandlerInput& input) {
    return input.state == state &&
           std::any_of(intents.begin(), intents.end(),
                       [&](const std::string& intent) { return input.is_intent(intent); });
  };
  handler.handle = std::move(handle);
  return handler;
}

Dispatcher& Dispatcher::add(RequestHandler handler) {
  handlers_.push_back(std::move(handler));
  return *this;
}

Dispatcher& Dispatcher::add(ErrorHandler handler) {
  error_handlers_.push_back(std::move(handler));
  return *this;
}

Dispatcher& Dispatcher::add_request_interceptor(RequestInterceptor interceptor) {
  request_interceptors_.push_back(std::move(interceptor));
  return *this;
}

Dispatcher& Dispatcher::add_response_interceptor(ResponseInterceptor interceptor) {
  response_interceptors_.push_back(std::move(interceptor));
  return *this;
}

std::set<std::string, std::less<>> Dispatcher::intents() const {
  std::set<std::string, std::less<>> names;
  for (const auto& handler : handlers_) names.insert(handler.intents.begin(), handler.intents.end());
  return names;
}

DispatchResult Dispatcher::dispatch(const Envelope& envelope, const SpeechCatalog& catalog,
                                    std::uint64_t seed,
                                    std::chrono::system_clock::time_point now) const {
  UserMemory nothing_kept({}, {});
  OfflineDevice offline("UTC");
  return dispatch(envelope, catalog, nothing_kept, offline, seed, now);
}

DispatchResult Dispatcher::dispatch(const Envelope& envelope, const SpeechCatalog& catalog,
                                    UserMemory& memory, DeviceServices& device,
                                    std::uint64_t seed,
                                    std::chrono::system_clock::time_point now) const {
  nlohmann::json attributes = envelope.session && envelope.session->attributes.is_object()
                                  ? envelope.session->attributes
                                  : nlohmann::json::object();
  std::string state;
  if (const auto it = attributes.find("state"); it != attributes.end()) {
    if (it->is_string()) state = it->get<std::string>();
    attributes.erase(it);
  }
  HandlerInput input{envelope, attributes, catalog.for_locale(envelope.request.locale), memory,
                     device, std::move(state), seed, now};
  DispatchResult result;
  const auto finish = [&](ResponseBuilder builder) {
    for (const auto& interceptor : response_interceptors_) interceptor(input, builder);
    // Out-of-session requests (AudioPlayer, skill events) must not carry session attributes.
    if (envelope.session) builder.session_attributes(std::move(input.attributes));
    return builder.build();
  };
  try {
    for (const auto& interceptor : request_interceptors_) interceptor(input);
    for (const auto& handler : handlers_) {
      if (handler.can_handle(input)) {
        result.handler = handler.name;
        result.response = finish(handler.handle(input));
        return result;
      }
    }
    result.handler = "none";
    result.response = empty_response();
    return result;
  } catch (const std::exception& error) {
    result.failed = true;
    log::error("handler failed", {{"handler", result.handler.empty() ? "interceptor" : result.handler},
                                  {"error", error.what()}});
    for (const auto& handler : error_handlers_) {
      try {
        if (!handler.can_handle(input, error)) continue;
        result.handler = handler.name;
        result.response = finish(handler.handle(input, error));
        return result;
      } catch (const std::exception& nested) {
        log::error("error handler failed", {{"handler", handler.name}, {"error", nested.what()}});
      }
    }
  }
  result.handler = "none";
  result.response = empty_response();
  return result;
}

}  // namespace feel::skill
