#pragma once

// POST /alexa without the HTTP: two headers and the raw body in, a status and a JSON body
// out. Verification (when on), parsing, dispatch, metrics and the one log line per request.

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "skill/cert_store.hpp"
#include "skill/app.hpp"
#include "skill/metrics.hpp"
#include "skill/verify.hpp"

namespace feel::skill {

struct HttpReply {
  int status = 200;
  std::string body;
};

struct EndpointOptions {
  bool verify = true;
  std::set<std::string, std::less<>> skill_ids;
  // The clock verification and handlers see; the system clock unless a caller injects one.
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
};

class AlexaEndpoint {
 public:
  // cert_store may be null only when options.verify is false.
  AlexaEndpoint(EndpointOptions options, const SkillCore& core, CertStore* cert_store,
                Metrics& metrics);

  [[nodiscard]] HttpReply handle(std::string_view cert_chain_url, std::string_view signature,
                                 std::string_view body) const;

 private:
  [[nodiscard]] VerifyError verify_signed_body(std::string_view cert_chain_url,
                                               std::string_view signature,
                                               std::string_view body, Clock::time_point now,
                                               std::string& detail) const;

  EndpointOptions options_;
  const SkillCore& core_;
  CertStore* cert_store_;
  Metrics& metrics_;
};

// The JSON body of a refused request: {"error":"<reason>"} (and a detail for body errors).
[[nodiscard]] std::string error_body(std::string_view reason, std::string_view detail = {});

}  // namespace feel::skill
