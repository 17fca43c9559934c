#include "skill/verify.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace feel::skill {
namespace {

constexpr std::string_view kCertHost = "s3.amazonaws.com";
constexpr std::string_view kCertPathPrefix = "/echo.api/";

[[nodiscard]] char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

[[nodiscard]] bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[nodiscard]] bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 3986 pchar plus '/', without pct-encoded: '%' is refused outright because a decoded
// "%2e%2e" or "%2F" would let the path mean something other than what we checked.
[[nodiscard]] bool is_path_char(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  return kAllowed.find(c) != std::string_view::npos;
}

// RFC 3986 section 5.2.4, applied to a path without query or fragment.
[[nodiscard]] std::string remove_dot_segments(std::string_view path) {
  std::string input(path);
  std::string output;
  const auto drop_last_output_segment = [&output] {
    const auto slash = output.rfind('/');
    output.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!input.empty()) {
    if (input.starts_with("../")) {
      input.erase(0, 3);
    } else if (input.starts_with("./")) {
      input.erase(0, 2);
    } else if (input.starts_with("/./")) {
      input.erase(0, 2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../")) {
      input.erase(0, 3);
      drop_last_output_segment();
    } else if (input == "/..") {
      input = "/";
      drop_last_output_segment();
    } else if (input == "." || input == "..") {
      input.clear();
    } else {
      const auto end = input.find('/', input.front() == '/' ? 1 : 0);
      const auto length = end == std::string::npos ? input.size() : end;
      output.append(input, 0, length);
      input.erase(0, length);
    }
  }
  return output;
}

// Parses exactly `count` decimal digits.
[[nodiscard]] std::optional<int> parse_digits(std::string_view text, std::size_t count) {
  if (text.size() < count) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

[[nodiscard]] int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (is_digit(c)) return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict standard base64: whole quanta, only the alphabet, '=' only as final padding.
// EVP_DecodeBlock alone would skip surrounding whitespace and count padding as zero bytes.
[[nodiscard]] std::optional<std::vector<unsigned char>> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return std::nullopt;
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  const auto data = text.substr(0, text.size() - padding);
  if (!std::all_of(data.begin(), data.end(), [](char c) { return base64_value(c) >= 0; })) {
    return std::nullopt;
  }
  // Non-canonical encodings (stray bits in the last character) are refused too.
  if (padding == 2 && (base64_value(data.back()) & 0x0F) != 0) return std::nullopt;
  if (padding == 1 && (base64_value(data.back()) & 0x03) != 0) return std::nullopt;

  std::vector<unsigned char> out(text.size() / 4 * 3);
  const int written =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (written < 0 || static_cast<std::size_t>(written) != out.size()) return std::nullopt;
  out.resize(out.size() - padding);
  if (out.empty()) return std::nullopt;
  return out;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string_view reason_name(VerifyError error) {
  switch (error) {
    case VerifyError::none:
      return "none";
    case VerifyError::cert_url:
      return "cert-url";
    case VerifyError::certificate:
      return "certificate";
    case VerifyError::signature:
      return "signature";
    case VerifyError::timestamp:
      return "timestamp";
    case VerifyError::skill_id:
      return "skill-id";
    case VerifyError::body:
      return "body";
  }
  return "unknown";
}

std::optional<CertUrl> parse_cert_url(std::string_view url) {
  // Printable ASCII only: no spaces, controls or bytes a lenient parser might drop.
  if (!std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < '\x7f'; })) {
    return std::nullopt;
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || !iequals(url.substr(0, scheme_end), "https")) {
    return std::nullopt;
  }
  const auto rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  if (authority_end == std::string_view::npos || rest[authority_end] != '/') {
    return std::nullopt;  // no path, or a query or fragment straight after the authority
  }
  const auto authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // user-info

  auto host = authority;
  if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    // Exactly "443": an empty port, port 0 (which some parsers treat as absent), leading
    // zeros and any other number are refused.
    if (authority.substr(colon + 1) != "443") return std::nullopt;
  }
  if (!iequals(host, kCertHost)) return std::nullopt;

  const auto raw_path = rest.substr(authority_end);
  if (!std::all_of(raw_path.begin(), raw_path.end(), is_path_char)) {
    return std::nullopt;  // '%', a query, a fragment, or a character no URL path may hold
  }
  auto path = remove_dot_segments(raw_path);
  if (!path.starts_with(kCertPathPrefix)) return std::nullopt;
  auto file_name = path.substr(path.rfind('/') + 1);
  if (file_name.empty()) return std::nullopt;  // a directory is not a certificate

  return CertUrl{std::string(url), std::move(path), std::move(file_name)};
}

std::optional<Clock::time_point> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto y = parse_digits(text.substr(0, 4), 4);
  const auto mo = parse_digits(text.substr(5, 2), 2);
  const auto d = parse_digits(text.substr(8, 2), 2);
  const auto h = parse_digits(text.substr(11, 2), 2);
  const auto mi = parse_digits(text.substr(14, 2), 2);
  const auto s = parse_digits(text.substr(17, 2), 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  // The year range keeps the result inside system_clock's nanosecond range.
  if (*y < 1970 || *y > 2200 || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;

  auto rest = text.substr(19);
  nanoseconds fraction{0};
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    std::size_t digits = 0;
    while (digits < rest.size() && is_digit(rest[digits])) ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;
    long long value = 0;
    for (std::size_t i = 0; i < 9; ++i) {
      value = value * 10 + (i < digits ? rest[i] - '0' : 0);
    }
    fraction = nanoseconds{value};
    rest.remove_prefix(digits);
  }
  if (rest != "Z" && rest != "+00:00") return std::nullopt;

  const auto stamp = sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s} + fraction;
  return time_point_cast<Clock::duration>(stamp);
}

bool timestamp_fresh(Clock::time_point stamp, Clock::time_point now,
                     std::chrono::seconds tolerance) {
  if (tolerance.count() < 0) return false;
  // The distance in unsigned arithmetic cannot overflow, whatever the two time points are.
  const auto a = static_cast<std::uint64_t>(stamp.time_since_epoch().count());
  const auto b = static_cast<std::uint64_t>(now.time_since_epoch().count());
  const bool stamp_later = stamp >= now;
  const std::uint64_t distance = stamp_later ? a - b : b - a;
  const auto limit = std::chrono::duration_cast<Clock::duration>(tolerance).count();
  return distance <= static_cast<std::uint64_t>(limit);
}

std::chrono::seconds timestamp_tolerance(std::string_view request_type) {
  return request_type.starts_with("AlexaSkillEvent.") ? std::chrono::seconds{3600}
                                                      : std::chrono::seconds{150};
}

bool verify_signature(EVP_PKEY* key, std::string_view body, std::string_view signature_base64) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return false;
  const auto signature = decode_base64(signature_base64);
  if (!signature) return false;

  // OpenSSL 3 looks EVP_sha256() up in its provider tables on every use; fetch it once.
  static const std::unique_ptr<EVP_MD, void (*)(EVP_MD*)> sha256(
      EVP_MD_fetch(nullptr, "SHA2-256", nullptr), EVP_MD_free);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  const bool ok =
      ctx && sha256 &&
      EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, sha256.get(), nullptr, key) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) == 1 &&
      EVP_DigestVerify(ctx.get(), signature->data(), signature->size(),
                       reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
  // A failed verification leaves errors queued on this thread; a later TLS call on the same
  // thread would misread them as its own.
  ERR_clear_error();
  return ok;
}

}  // namespace feel::skill
