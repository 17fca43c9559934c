#include "skill/verify.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "support/pki.hpp"

namespace {

using feel::skill::Clock;
using feel::skill::parse_cert_url;
using feel::skill::parse_timestamp;
using feel::skill::timestamp_fresh;
using feel::skill::timestamp_tolerance;
using feel::skill::verify_signature;
using feel::skill::VerifyError;
using feel::test::utc;
using namespace std::chrono_literals;

void require_rejected(std::string_view url) {
  CAPTURE(url);
  CHECK_FALSE(parse_cert_url(url).has_value());
}

constexpr std::string_view kBody =
    R"({"version":"1.0","request":{"type":"LaunchRequest","timestamp":"2026-11-26T12:34:56Z"}})";

}  // namespace

TEST_CASE("the certificate urls amazon lists as valid are accepted", "[verify][cert-url]") {
  SECTION("plain") {
    const auto url = parse_cert_url("https://s3.amazonaws.com/echo.api/echo-api-cert.pem");
    REQUIRE(url);
    CHECK(url->url == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem");
    CHECK(url->path == "/echo.api/echo-api-cert.pem");
    CHECK(url->file_name == "echo-api-cert.pem");
  }
  SECTION("explicit port 443") {
    const auto url = parse_cert_url("https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem");
    REQUIRE(url);
    CHECK(url->path == "/echo.api/echo-api-cert.pem");
  }
  SECTION("dot segments that stay inside echo.api") {
    const auto url =
        parse_cert_url("https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem");
    REQUIRE(url);
    CHECK(url->url == "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem");
    CHECK(url->path == "/echo.api/echo-api-cert.pem");
    CHECK(url->file_name == "echo-api-cert.pem");
  }
  SECTION("single dot segments") {
    const auto url = parse_cert_url("https://s3.amazonaws.com/./echo.api/./echo-api-cert-12.pem");
    REQUIRE(url);
    CHECK(url->path == "/echo.api/echo-api-cert-12.pem");
    CHECK(url->file_name == "echo-api-cert-12.pem");
  }
}

TEST_CASE("scheme and host compare without regard to case", "[verify][cert-url]") {
  for (const std::string_view text : {
           "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
           "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
           "HtTpS://s3.AmAzOnAwS.cOm:443/echo.api/echo-api-cert.pem",
       }) {
    CAPTURE(text);
    const auto url = parse_cert_url(text);
    REQUIRE(url);
    CHECK(url->path == "/echo.api/echo-api-cert.pem");
  }
}

TEST_CASE("the certificate urls amazon lists as invalid are rejected", "[verify][cert-url]") {
  require_rejected("http://s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("https://notamazon.com/echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem");
}

TEST_CASE("a url with a port other than 443 is rejected", "[verify][cert-url]") {
  SECTION("port 0, which some parsers treat as absent") {
    require_rejected("https://s3.amazonaws.com:0/echo.api/echo-api-cert.pem");
  }
  SECTION("port 563") {
    require_rejected("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem");
  }
  SECTION("an empty port") {
    require_rejected("https://s3.amazonaws.com:/echo.api/echo-api-cert.pem");
  }
  SECTION("ports that are not plain 443") {
    for (const std::string_view port : {"80", "4430", "0443", "443abc", "abc", "-443", "+443",
                                        "443:443", "65979", "18446744073709552059"}) {
      require_rejected("https://s3.amazonaws.com:" + std::string(port) +
                       "/echo.api/echo-api-cert.pem");
    }
  }
}

TEST_CASE("a url with user info is rejected", "[verify][cert-url]") {
  SECTION("amazon as the user of another host") {
    require_rejected("https://s3.amazonaws.com@evil.com/echo.api/echo-api-cert.pem");
  }
  SECTION("another host as the user of amazon") {
    require_rejected("https://evil.com@s3.amazonaws.com/echo.api/echo-api-cert.pem");
  }
  SECTION("user and password") {
    require_rejected("https://user:pass@s3.amazonaws.com/echo.api/echo-api-cert.pem");
  }
  SECTION("an empty user") {
    require_rejected("https://@s3.amazonaws.com/echo.api/echo-api-cert.pem");
  }
}

TEST_CASE("the host is compared whole, never as a substring", "[verify][cert-url]") {
  require_rejected("https://s3.amazonaws.com.evil.com/echo.api/echo-api-cert.pem");
  require_rejected("https://evil-s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("https://xs3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com./echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.co/echo.api/echo-api-cert.pem");
  require_rejected("https://evil.com/s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("https://evil.com/https://s3.amazonaws.com/echo.api/echo-api-cert.pem");
}

TEST_CASE("any percent sign in the path is rejected", "[verify][cert-url]") {
  SECTION("encoded dot segments") {
    require_rejected("https://s3.amazonaws.com/echo.api/%2e%2e/evil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/%2E%2E/evil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/.%2e/evil/echo-api-cert.pem");
  }
  SECTION("an encoded slash") {
    require_rejected("https://s3.amazonaws.com/echo.api/..%2Fevil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api%2F..%2Fevil/echo-api-cert.pem");
  }
  SECTION("even a harmless escape") {
    require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert%2D12.pem");
  }
}

TEST_CASE("dot segments are removed before the path prefix is checked", "[verify][cert-url]") {
  SECTION("leaving echo.api") {
    require_rejected("https://s3.amazonaws.com/echo.api/../x");
    require_rejected("https://s3.amazonaws.com/echo.api/../evil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/./../evil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/a/../../evil/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/../../echo.api/../evil.pem");
  }
  SECTION("ending in a directory rather than a file") {
    require_rejected("https://s3.amazonaws.com/echo.api/");
    require_rejected("https://s3.amazonaws.com/echo.api/.");
    require_rejected("https://s3.amazonaws.com/echo.api/x/..");
    require_rejected("https://s3.amazonaws.com/echo.api/..");
    require_rejected("https://s3.amazonaws.com/echo.api");
  }
  SECTION("a double slash before echo.api") {
    require_rejected("https://s3.amazonaws.com//echo.api/echo-api-cert.pem");
    require_rejected("https://s3.amazonaws.com/echo.api/..//echo.api/echo-api-cert.pem");
  }
}

TEST_CASE("a url with a query or fragment is rejected", "[verify][cert-url]") {
  require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1");
  require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert.pem?");
  require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert.pem#frag");
  require_rejected("https://s3.amazonaws.com?/echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com#/echo.api/echo-api-cert.pem");
  require_rejected("https://evil.com#@s3.amazonaws.com/echo.api/echo-api-cert.pem");
}

TEST_CASE("malformed certificate urls are rejected", "[verify][cert-url]") {
  require_rejected("");
  require_rejected("https://");
  require_rejected("https:///echo.api/echo-api-cert.pem");
  require_rejected("https:/s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("//s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("httpss://s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected(" https://s3.amazonaws.com/echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert.pem ");
  require_rejected("https://s3.amazonaws.com/echo.api/echo api.pem");
  require_rejected("https://s3.amazonaws.com/echo.api/echo-api-cert.pem\n");
  require_rejected("https://s3.amazonaws.com\\echo.api/echo-api-cert.pem");
  require_rejected("https://s3.amazonaws.com/echo.api\\..\\evil.pem");
  require_rejected("https://[::1]/echo.api/echo-api-cert.pem");
  require_rejected(std::string_view("https://s3.amazonaws.com/echo.api/a\0b.pem", 41));
  require_rejected("https://s3.amazonaws.com/echo.api/\xc3\xa9.pem");
}

TEST_CASE("alexa timestamps are parsed", "[verify][timestamp]") {
  SECTION("whole seconds") {
    CHECK(parse_timestamp("2026-11-26T12:34:56Z") == utc(2026, 11, 26, 12, 34, 56));
  }
  SECTION("numeric utc offset") {
    CHECK(parse_timestamp("2026-11-26T12:34:56+00:00") == utc(2026, 11, 26, 12, 34, 56));
  }
  SECTION("fractional seconds") {
    CHECK(parse_timestamp("2026-11-26T12:34:56.123Z") == utc(2026, 11, 26, 12, 34, 56) + 123ms);
    CHECK(parse_timestamp("2026-11-26T12:34:56.5+00:00") == utc(2026, 11, 26, 12, 34, 56) + 500ms);
    CHECK(parse_timestamp("2026-11-26T12:34:56.000001Z") == utc(2026, 11, 26, 12, 34, 56) + 1us);
    CHECK(parse_timestamp("2026-11-26T12:34:56.123456789Z") ==
          utc(2026, 11, 26, 12, 34, 56) + 123456789ns);
  }
  SECTION("calendar edges") {
    CHECK(parse_timestamp("2024-02-29T23:59:59Z") == utc(2024, 2, 29, 23, 59, 59));
    CHECK(parse_timestamp("2026-12-31T00:00:00Z") == utc(2026, 12, 31));
    CHECK(parse_timestamp("1970-01-01T00:00:00Z") == Clock::time_point{});
  }
}

TEST_CASE("malformed timestamps are rejected", "[verify][timestamp]") {
  for (const std::string_view text : {
           "",
           "garbage",
           "2026-11-26",
           "2026-11-26T12:34:56",
           "2026-11-26 12:34:56Z",
           "2026-11-26t12:34:56Z",
           "2026-11-26T12:34:56z",
           "2026-11-26T12:34:56+01:00",
           "2026-11-26T12:34:56-00:00",
           "2026-11-26T12:34:56+0000",
           "2026-11-26T12:34:56ZZ",
           "2026-11-26T12:34:56Z ",
           " 2026-11-26T12:34:56Z",
           "2026-11-26T12:34:56.Z",
           "2026-11-26T12:34:56.1234567890Z",
           "2026-11-26T12:34:56,123Z",
           "2026-11-26T12:34:56.12aZ",
           "2026-1-26T12:34:56Z",
           "20261126T123456Z",
           "+2026-11-26T12:34:56Z",
           "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-31T00:00:00Z",
           "2025-02-29T00:00:00Z",
           "2026-11-26T24:00:00Z",
           "2026-11-26T12:60:00Z",
           "2026-11-26T12:34:60Z",
           "2026-11-26T-1:34:56Z",
           "1969-12-31T23:59:59Z",
           "9999-12-31T23:59:59Z",
           "1762000000",
       }) {
    CAPTURE(text);
    CHECK_FALSE(parse_timestamp(text).has_value());
  }
}

TEST_CASE("a timestamp is fresh within 150 seconds either side of now", "[verify][timestamp]") {
  const auto now = utc(2026, 11, 26, 12, 0, 0);
  const auto tolerance = timestamp_tolerance("IntentRequest");
  REQUIRE(tolerance == 150s);
  SECTION("the same instant") { CHECK(timestamp_fresh(now, now, tolerance)); }
  SECTION("exactly at the past edge") { CHECK(timestamp_fresh(now - 150s, now, tolerance)); }
  SECTION("exactly at the future edge") { CHECK(timestamp_fresh(now + 150s, now, tolerance)); }
  SECTION("just beyond the past edge") {
    CHECK_FALSE(timestamp_fresh(now - 150s - 1ms, now, tolerance));
    CHECK_FALSE(timestamp_fresh(now - 151s, now, tolerance));
  }
  SECTION("just beyond the future edge") {
    CHECK_FALSE(timestamp_fresh(now + 150s + 1ms, now, tolerance));
    CHECK_FALSE(timestamp_fresh(now + 151s, now, tolerance));
  }
  SECTION("parsed with fractional seconds") {
    const auto stamp = parse_timestamp("2026-11-26T11:57:30.001Z");
    REQUIRE(stamp);
    CHECK(timestamp_fresh(*stamp, now, tolerance));
    const auto stale = parse_timestamp("2026-11-26T11:57:29.999Z");
    REQUIRE(stale);
    CHECK_FALSE(timestamp_fresh(*stale, now, tolerance));
  }
  SECTION("far apart without overflow") {
    CHECK_FALSE(timestamp_fresh(Clock::time_point::min(), Clock::time_point::max(), tolerance));
    CHECK_FALSE(timestamp_fresh(Clock::time_point::max(), Clock::time_point::min(), tolerance));
  }
  SECTION("a negative tolerance accepts nothing") { CHECK_FALSE(timestamp_fresh(now, now, -1s)); }
}

TEST_CASE("skill events may be up to an hour old", "[verify][timestamp]") {
  const auto now = utc(2026, 11, 26, 12, 0, 0);
  SECTION("the tolerance depends on the request type") {
    CHECK(timestamp_tolerance("AlexaSkillEvent.SkillEnabled") == 3600s);
    CHECK(timestamp_tolerance("AlexaSkillEvent.SkillPermissionAccepted") == 3600s);
    CHECK(timestamp_tolerance("LaunchRequest") == 150s);
    CHECK(timestamp_tolerance("SessionEndedRequest") == 150s);
    CHECK(timestamp_tolerance("AlexaSkillEvent") == 150s);
    CHECK(timestamp_tolerance("alexaskillevent.SkillEnabled") == 150s);
    CHECK(timestamp_tolerance("") == 150s);
  }
  SECTION("an hour old skill event is fresh, a second more is not") {
    const auto tolerance = timestamp_tolerance("AlexaSkillEvent.SkillDisabled");
    CHECK(timestamp_fresh(now - 3600s, now, tolerance));
    CHECK_FALSE(timestamp_fresh(now - 3601s, now, tolerance));
    CHECK_FALSE(timestamp_fresh(now + 3601s, now, tolerance));
  }
  SECTION("a ten minute old intent request is stale") {
    CHECK_FALSE(timestamp_fresh(now - 600s, now, timestamp_tolerance("IntentRequest")));
  }
}

TEST_CASE("a valid signature verifies", "[verify][signature]") {
  const auto key = feel::test::public_key_of(feel::test::pki_path("leaf.pem"));
  const auto signature = feel::test::sign_body(kBody, feel::test::pki_path("leaf.key"));
  CHECK(verify_signature(key.get(), kBody, signature));
  SECTION("over an empty body too") {
    CHECK(verify_signature(key.get(), "",
                           feel::test::sign_body("", feel::test::pki_path("leaf.key"))));
  }
}

TEST_CASE("a tampered body fails verification", "[verify][signature]") {
  const auto key = feel::test::public_key_of(feel::test::pki_path("leaf.pem"));
  const auto signature = feel::test::sign_body(kBody, feel::test::pki_path("leaf.key"));
  SECTION("one character changed") {
    std::string body(kBody);
    body[body.find("Launch")] = 'l';
    CHECK_FALSE(verify_signature(key.get(), body, signature));
  }
  SECTION("whitespace added, as re-serialising would") {
    CHECK_FALSE(verify_signature(key.get(), std::string(kBody) + "\n", signature));
  }
  SECTION("truncated") {
    CHECK_FALSE(verify_signature(key.get(), kBody.substr(0, kBody.size() - 1), signature));
  }
}

TEST_CASE("a signature from the wrong key fails verification", "[verify][signature]") {
  const auto key = feel::test::public_key_of(feel::test::pki_path("leaf.pem"));
  SECTION("an unrelated rsa key") {
    CHECK_FALSE(verify_signature(key.get(), kBody,
                                 feel::test::sign_body(kBody, feel::test::pki_path("other.key"))));
  }
  SECTION("another signing leaf of the same intermediate") {
    CHECK_FALSE(
        verify_signature(key.get(), kBody,
                         feel::test::sign_body(kBody, feel::test::pki_path("chain-wildcard.key"))));
  }
  SECTION("an ecdsa signature from an ec key") {
    const auto ec_key = feel::test::make_ec_key();
    const auto signature = feel::test::sign_body_with(ec_key.get(), kBody);
    CHECK_FALSE(verify_signature(ec_key.get(), kBody, signature));
  }
  SECTION("no key at all") {
    CHECK_FALSE(verify_signature(nullptr, kBody,
                                 feel::test::sign_body(kBody, feel::test::pki_path("leaf.key"))));
  }
}

TEST_CASE("a malformed or empty signature fails verification", "[verify][signature]") {
  const auto key = feel::test::public_key_of(feel::test::pki_path("leaf.pem"));
  const auto signature = feel::test::sign_body(kBody, feel::test::pki_path("leaf.key"));
  // 256 signature bytes encode to 344 characters ending in "==".
  REQUIRE(signature.size() == 344);
  REQUIRE(signature.ends_with("=="));
  SECTION("empty") { CHECK_FALSE(verify_signature(key.get(), kBody, "")); }
  SECTION("not base64 at all") {
    CHECK_FALSE(verify_signature(key.get(), kBody, "!!!!"));
    CHECK_FALSE(verify_signature(key.get(), kBody, "===="));
    CHECK_FALSE(verify_signature(key.get(), kBody, "not a signature"));
  }
  SECTION("a character outside the alphabet") {
    auto bad = signature;
    bad[10] = '*';
    CHECK_FALSE(verify_signature(key.get(), kBody, bad));
  }
  SECTION("url safe alphabet") {
    auto bad = signature;
    bad[0] = '-';
    CHECK_FALSE(verify_signature(key.get(), kBody, bad));
    bad[0] = '_';
    CHECK_FALSE(verify_signature(key.get(), kBody, bad));
  }
  SECTION("padding removed") {
    CHECK_FALSE(verify_signature(key.get(), kBody, signature.substr(0, signature.size() - 2)));
  }
  SECTION("padding added") {
    CHECK_FALSE(verify_signature(key.get(), kBody, signature + "===="));
    CHECK_FALSE(verify_signature(key.get(), kBody, signature.substr(0, 340) + "A=A="));
  }
  SECTION("whitespace inside or around") {
    CHECK_FALSE(verify_signature(key.get(), kBody, " " + signature));
    CHECK_FALSE(verify_signature(key.get(), kBody, signature + "\n"));
    CHECK_FALSE(
        verify_signature(key.get(), kBody, signature.substr(0, 64) + "\n" + signature.substr(64)));
  }
  SECTION("stray bits in the last character before the padding") {
    // Decoders that ignore those bits would yield the genuine signature bytes.
    auto bad = signature;
    auto& last = bad[bad.size() - 3];
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    last = kAlphabet[kAlphabet.find(last) + 1];
    CHECK_FALSE(verify_signature(key.get(), kBody, bad));
  }
  SECTION("a truncated signature") {
    CHECK_FALSE(verify_signature(key.get(), kBody, signature.substr(4)));
  }
  SECTION("the signature of an empty body") {
    CHECK_FALSE(verify_signature(key.get(), kBody,
                                 feel::test::sign_body("", feel::test::pki_path("leaf.key"))));
  }
}

TEST_CASE("every verification error has its reported name", "[verify]") {
  CHECK(feel::skill::reason_name(VerifyError::cert_url) == "cert-url");
  CHECK(feel::skill::reason_name(VerifyError::certificate) == "certificate");
  CHECK(feel::skill::reason_name(VerifyError::signature) == "signature");
  CHECK(feel::skill::reason_name(VerifyError::timestamp) == "timestamp");
  CHECK(feel::skill::reason_name(VerifyError::skill_id) == "skill-id");
  CHECK(feel::skill::reason_name(VerifyError::body) == "body");
  CHECK(feel::skill::reason_name(VerifyError::none) == "none");
}
