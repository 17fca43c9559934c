#include "support/pki.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

#ifndef FEEL_AGAIN_TEST_PKI_DIR
#error "FEEL_AGAIN_TEST_PKI_DIR must name the directory make-test-pki.sh writes"
#endif
#ifndef FEEL_AGAIN_ALEXA_FIXTURES_DIR
#error "FEEL_AGAIN_ALEXA_FIXTURES_DIR must name shared/alexa-fixtures"
#endif

namespace feel::test {
namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};

[[nodiscard]] std::unique_ptr<BIO, BioFree> memory_bio(const std::string& text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("PEM text too large");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw std::runtime_error("BIO_new_mem_buf failed");
  return bio;
}

}  // namespace

std::string pki_path(std::string_view file) {
  const std::filesystem::path dir(FEEL_AGAIN_TEST_PKI_DIR);
  if (!std::filesystem::exists(dir / ".done")) {
    throw std::runtime_error("test PKI missing: run tests/pki/make-test-pki.sh " + dir.string() +
                             " (ctest does it through the make_test_pki fixture)");
  }
  return (dir / file).string();
}

std::string fixture_path(std::string_view file) {
  return (std::filesystem::path(FEEL_AGAIN_ALEXA_FIXTURES_DIR) / file).string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<EVP_PKEY> load_private_key(const std::string& key_pem_path) {
  const auto pem = read_file(key_pem_path);
  const auto bio = memory_bio(pem);
  std::shared_ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                EVP_PKEY_free);
  ERR_clear_error();
  if (!key) throw std::runtime_error("no private key in " + key_pem_path);
  return key;
}

std::shared_ptr<EVP_PKEY> public_key_of(const std::string& cert_pem_path) {
  const auto pem = read_file(cert_pem_path);
  const auto bio = memory_bio(pem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) throw std::runtime_error("no certificate in " + cert_pem_path);
  std::shared_ptr<EVP_PKEY> key(X509_get_pubkey(cert.get()), EVP_PKEY_free);
  if (!key) throw std::runtime_error("unreadable public key in " + cert_pem_path);
  return key;
}

std::shared_ptr<EVP_PKEY> make_ec_key() {
  std::shared_ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("EC key generation failed");
  return key;
}

std::string to_base64(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max() / 2)) {
    throw std::runtime_error("too much to encode");
  }
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string sign_body_with(EVP_PKEY* key, std::string_view body) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(body.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, body.size()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("cannot start signing");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     body.size()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("signing failed");
  }
  signature.resize(length);
  return to_base64(signature);
}

std::string sign_body(std::string_view body, const std::string& key_pem_path) {
  const auto key = load_private_key(key_pem_path);
  return sign_body_with(key.get(), body);
}

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour,
                                          int minute, int second) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                            std::chrono::day{day}};
  if (!date.ok()) throw std::invalid_argument("not a calendar date");
  return time_point_cast<system_clock::duration>(sys_days{date} + hours{hour} + minutes{minute} +
                                                 seconds{second});
}

std::string iso8601(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto days = floor<std::chrono::days>(secs);
  const year_month_day date{days};
  const hh_mm_ss clock{secs - days};
  std::array<char, 32> text{};
  const int written = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()));
  return std::string(text.data(), static_cast<std::size_t>(written));
}

}  // namespace feel::test
