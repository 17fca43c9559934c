#pragma once

// Test helpers for the PKI that tests/pki/make-test-pki.sh makes, the real Amazon fixtures,
// and signing request bodies the way Alexa does (Signature-256).

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace feel::test {

// A file of the generated test PKI (FEEL_AGAIN_TEST_PKI_DIR); throws with what to run when
// the PKI has not been made yet.
[[nodiscard]] std::string pki_path(std::string_view file);

// A file of the real, expired Amazon chains (FEEL_AGAIN_ALEXA_FIXTURES_DIR).
[[nodiscard]] std::string fixture_path(std::string_view file);

// The whole file; throws std::runtime_error when it cannot be read.
[[nodiscard]] std::string read_file(const std::string& path);

// Base64 Signature-256 of the body (RSA PKCS#1 v1.5, SHA-256) with a PEM private key file.
[[nodiscard]] std::string sign_body(std::string_view body, const std::string& key_pem_path);

// The same with a key already loaded; an EC key gives an ECDSA signature (for negative tests).
[[nodiscard]] std::string sign_body_with(EVP_PKEY* key, std::string_view body);

[[nodiscard]] std::shared_ptr<EVP_PKEY> load_private_key(const std::string& key_pem_path);

// The public key of the first certificate in a PEM file.
[[nodiscard]] std::shared_ptr<EVP_PKEY> public_key_of(const std::string& cert_pem_path);

// A fresh P-256 key, for checking that only RSA signatures are accepted.
[[nodiscard]] std::shared_ptr<EVP_PKEY> make_ec_key();

// Standard base64 with padding.
[[nodiscard]] std::string to_base64(std::string_view bytes);

// A UTC calendar time as a system_clock time point.
[[nodiscard]] std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day,
                                                        int hour = 0, int minute = 0,
                                                        int second = 0);

// "2026-11-26T12:34:56Z" (whole seconds), the form Alexa puts in request.timestamp.
[[nodiscard]] std::string iso8601(std::chrono::system_clock::time_point time);

}  // namespace feel::test
