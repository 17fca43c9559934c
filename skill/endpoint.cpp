#include "skill/endpoint.hpp"

#include <nlohmann/json.hpp>

#include "skill/log.hpp"

namespace feel::skill {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string milliseconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", seconds * 1000.0);
  return buffer;
}

}  // namespace

std::string error_body(std::string_view reason, std::string_view detail) {
  nlohmann::json body = {{"error", reason}};
  if (!detail.empty()) body["detail"] = detail;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

AlexaEndpoint::AlexaEndpoint(EndpointOptions options, const SkillCore& core,
                             CertStore* cert_store, Metrics& metrics)
    : options_(std::move(options)),
      core_(core),
      cert_store_(cert_store),
      metrics_(metrics) {}

VerifyError AlexaEndpoint::verify_signed_body(std::string_view cert_chain_url,
                                              std::string_view signature,
                                              std::string_view body, Clock::time_point now,
                                              std::string& detail) const {
  if (cert_chain_url.empty()) {
    detail = "no SignatureCertChainUrl header";
    return VerifyError::cert_url;
  }
  if (signature.empty()) {
    detail = "no Signature-256 header";
    return VerifyError::signature;
  }
  const auto url = parse_cert_url(cert_chain_url);
  if (!url) {
    detail = "certificate URL breaks the rules";
    return VerifyError::cert_url;
  }
  const auto key = cert_store_->signing_key(*url, now);
  if (key.error != VerifyError::none) {
    detail = key.detail;
    return key.error;
  }
  if (!verify_signature(key.key.get(), body, signature)) {
    detail = "signature does not match the body";
    return VerifyError::signature;
  }
  return VerifyError::none;
}

HttpReply AlexaEndpoint::handle(std::string_view cert_chain_url, std::string_view signature,
                                std::string_view body) const {
  const auto started = std::chrono::steady_clock::now();
  const auto now = options_.now();

  const auto refuse = [&](VerifyError reason, std::string_view detail, std::string_view type,
                          std::string_view request_id) {
    metrics_.verification_failure(reason);
    metrics_.observe_request(type, "", 400, seconds_since(started));
    log::warn("request refused", {{"reason", std::string(reason_name(reason))},
                                  {"detail", std::string(detail)},
                                  {"request_id", std::string(request_id)},
                                  {"status", "400"},
                                  {"ms", milliseconds(seconds_since(started))}});
    const bool body_error = reason == VerifyError::body;
    return HttpReply{400, error_body(reason_name(reason), body_error ? detail : "")};
  };

  if (options_.verify) {
    std::string detail;
    const auto error = verify_signed_body(cert_chain_url, signature, body, now, detail);
    if (error != VerifyError::none) return refuse(error, detail, "", "");
  }

  auto parsed = parse_envelope(body);
  if (const auto* failure = std::get_if<ParseError>(&parsed)) {
    return refuse(VerifyError::body, failure->message, "", "");
  }
  const auto& envelope = std::get<Envelope>(parsed);
  const auto& request = envelope.request;

  if (options_.verify) {
    const auto stamp = parse_timestamp(request.timestamp);
    if (!stamp || !timestamp_fresh(*stamp, now, timestamp_tolerance(request.type))) {
      return refuse(VerifyError::timestamp,
                    stamp ? "timestamp too far from now" : "timestamp missing or unreadable",
                    request.type, request.request_id);
    }
    if (options_.skill_ids.count(envelope.application_id()) == 0) {
      return refuse(VerifyError::skill_id, "applicationId not configured", request.type,
                    request.request_id);
    }
  }

  // Handlers see the request's own time: when Alexa sent it (within 150 s of ours when
  // verifying), so a recorded conversation answers the same on any day.
  const auto stamp = parse_timestamp(request.timestamp);
  const auto request_time = stamp ? *stamp : now;
  const auto seed = std::hash<std::string>{}(request.request_id) ^
                    static_cast<std::uint64_t>(now.time_since_epoch().count());
  auto result = core_.answer(envelope, seed, request_time);
  for (const auto& adjustment : result.response.adjustments) {
    log::warn("response adjusted to fit Alexa's limits",
              {{"request_id", request.request_id}, {"adjustment", adjustment}});
  }

  const auto intent = request.intent ? request.intent->name : std::string();
  const auto elapsed = seconds_since(started);
  metrics_.observe_request(request.type, intent, 200, elapsed);
  const auto level = options_.verify ? spdlog::level::info : spdlog::level::warn;
  if (log::enabled(level)) {
    log::event(level, "request",
               {{"request_id", request.request_id},
                {"type", request.type},
                {"intent", intent},
                {"locale", request.locale},
                {"handler", result.handler},
                {"status", "200"},
                {"ms", milliseconds(elapsed)},
                {"verification", options_.verify ? "on" : "OFF"}});
  }
  return HttpReply{200, std::move(result.response.text)};
}

}  // namespace feel::skill
