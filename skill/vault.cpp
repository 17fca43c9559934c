#include "skill/vault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "skill/config.hpp"

namespace feel::skill {
namespace {

using Key = std::array<unsigned char, Vault::kSecretBytes>;

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kHex[data[i] >> 4];
    hex += kHex[data[i] & 0x0f];
  }
  return hex;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Key> from_hex(std::string_view hex) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.remove_suffix(1);
  }
  if (hex.size() != Vault::kSecretBytes * 2) return std::nullopt;
  Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    const int high = hex_digit(hex[2 * i]);
    const int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return key;
}

Key derive(const Key& secret, std::string_view purpose) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                       EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> context(
      kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr, EVP_KDF_CTX_free);
  if (!context) throw std::runtime_error("HKDF is not available in this OpenSSL");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(purpose.data()),
                                        purpose.size()),
      OSSL_PARAM_construct_end()};
  Key key{};
  if (EVP_KDF_derive(context.get(), key.data(), key.size(), params) != 1) {
    throw std::runtime_error("HKDF derivation failed");
  }
  return key;
}

Key read_or_create_secret(const std::filesystem::path& path) {
  const auto name = path.string();
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    Key secret{};
    if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
      ::close(fd);
      throw ConfigError("could not draw random bytes for a new secret");
    }
    const auto hex = to_hex(secret.data(), secret.size()) + "\n";
    const bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) &&
                         ::fsync(fd) == 0;
    ::close(fd);
    if (!written) throw ConfigError("could not write the new secret to " + name);
    return secret;
  }
  if (errno != EEXIST) {
    throw ConfigError("cannot create the secret file " + name + ": " + std::strerror(errno) +
                      " (check --secret-file and the folder's permissions)");
  }
  struct stat status {};
  if (::stat(name.c_str(), &status) != 0) {
    throw ConfigError("cannot read the secret file " + name + ": " + std::strerror(errno));
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw ConfigError("the secret file " + name +
                      " can be read by others; make it private with: chmod 600 " + name);
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw ConfigError("cannot read the secret file " + name);
  const auto secret = from_hex(text);
  if (!secret) {
    throw ConfigError("the secret file " + name + " must hold 64 hex digits (" +
                      std::to_string(Vault::kSecretBytes) + " bytes)");
  }
  return *secret;
}

}  // namespace

Vault Vault::from_secret_file(const std::filesystem::path& path) {
  return Vault(read_or_create_secret(path));
}

Vault Vault::ephemeral() {
  Key secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throw std::runtime_error("could not draw random bytes for a secret");
  }
  return Vault(secret);
}

struct Vault::MacTemplate {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac{nullptr, EVP_MAC_free};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> keyed{nullptr, EVP_MAC_CTX_free};
};

Vault::Vault(const Key& secret)
    : note_key_(derive(secret, "feel-again note v1")), user_mac_(std::make_unique<MacTemplate>()) {
  const auto user_id_key = derive(secret, "feel-again user id v1");
  user_mac_->mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (user_mac_->mac) user_mac_->keyed.reset(EVP_MAC_CTX_new(user_mac_->mac.get()));
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!user_mac_->keyed ||
      EVP_MAC_init(user_mac_->keyed.get(), user_id_key.data(), user_id_key.size(), params) != 1) {
    throw std::runtime_error("HMAC-SHA-256 is not available in this OpenSSL");
  }
}

Vault::~Vault() = default;
Vault::Vault(Vault&&) noexcept = default;
Vault& Vault::operator=(Vault&&) noexcept = default;

std::string Vault::user_key(std::string_view alexa_user_id) const {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(
      EVP_MAC_CTX_dup(user_mac_->keyed.get()), EVP_MAC_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (!context ||
      EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(alexa_user_id.data()),
                     alexa_user_id.size()) != 1 ||
      EVP_MAC_final(context.get(), digest, &length, sizeof digest) != 1) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return to_hex(digest, length);
}

namespace {

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!context) throw std::runtime_error("out of memory for a cipher context");
  return context;
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string Vault::seal(std::string_view plain, std::string_view user_key) const {
  std::string sealed(kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  if (RAND_bytes(out, static_cast<int>(kNonceBytes)) != 1) {
    throw std::runtime_error("could not draw a nonce");
  }
  auto context = new_context();
  int length = 0;
  const bool ok =
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, note_key_.data(), out) == 1 &&
      EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(user_key),
                        static_cast<int>(user_key.size())) == 1 &&
      EVP_EncryptUpdate(context.get(), out + kNonceBytes, &length, bytes(plain),
                        static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(context.get(), out + kNonceBytes + length, &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          out + kNonceBytes + plain.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM sealing failed");
  return sealed;
}

std::optional<std::string> Vault::open(std::string_view sealed, std::string_view user_key) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  const auto size = sealed.size() - kNonceBytes - kTagBytes;
  std::string plain(size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  const auto* in = bytes(sealed);
  std::array<unsigned char, kTagBytes> tag{};
  std::memcpy(tag.data(), in + kNonceBytes + size, kTagBytes);
  auto context = new_context();
  int length = 0;
  const bool ok =
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, note_key_.data(), in) == 1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(user_key),
                        static_cast<int>(user_key.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), out, &length, in + kNonceBytes, static_cast<int>(size)) ==
          1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(context.get(), out + length, &length) == 1;
  if (!ok) return std::nullopt;
  return plain;
}

}  // namespace feel::skill
