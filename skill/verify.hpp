#pragma once

// Proving that a request came from Alexa (ALEXA.md section 1). Everything here works on the
// raw body bytes and is independent of HTTP; the clock is always passed in.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

namespace feel::skill {

using Clock = std::chrono::system_clock;

// The reason class of a failed verification; its name is what the 400 body reports.
enum class VerifyError { none, cert_url, certificate, signature, timestamp, skill_id, body };
[[nodiscard]] std::string_view reason_name(VerifyError error);

// A signing-certificate URL that passed every rule of ALEXA.md 1.2.
struct CertUrl {
  std::string url;        // as given in the header
  std::string path;       // after dot-segment removal, starts with /echo.api/
  std::string file_name;  // the last path segment, e.g. echo-api-cert-12.pem
};
// nullopt when the URL breaks any rule; checked before any network I/O.
[[nodiscard]] std::optional<CertUrl> parse_cert_url(std::string_view url);

// ISO 8601 UTC timestamps as Alexa sends them ("2026-11-26T12:34:56Z", optional fractional
// seconds, "+00:00" accepted). nullopt on anything else.
[[nodiscard]] std::optional<Clock::time_point> parse_timestamp(std::string_view text);

// Within tolerance of now in both directions.
[[nodiscard]] bool timestamp_fresh(Clock::time_point stamp, Clock::time_point now,
                                   std::chrono::seconds tolerance);

// The tolerance for a request type: 150 s, or 3,600 s for AlexaSkillEvent.* requests.
[[nodiscard]] std::chrono::seconds timestamp_tolerance(std::string_view request_type);

// RSA PKCS#1 v1.5 with SHA-256 over the raw body; false on bad base64, empty or mismatch.
[[nodiscard]] bool verify_signature(EVP_PKEY* key, std::string_view body,
                                    std::string_view signature_base64);

}  // namespace feel::skill
