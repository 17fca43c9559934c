#pragma once

// The server secret and what is derived from it: the key a user is stored under (HMAC-SHA-256
// of the Alexa userId, so raw ids are never stored) and the sealing of notes at rest
// (AES-256-GCM, a fresh random nonce per note, the user's key as associated data so that a
// note cannot be moved to another user). Keys are derived from the secret with HKDF-SHA-256,
// one per purpose.

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace feel::skill {

class Vault {
 public:
  static constexpr std::size_t kSecretBytes = 32;

  // Reads the secret (64 hex digits) from path, or creates the file with a new random secret
  // (mode 0600) when it does not exist. Throws ConfigError when the file is unreadable,
  // malformed, or readable by anyone but its owner.
  [[nodiscard]] static Vault from_secret_file(const std::filesystem::path& path);
  // A vault with a new random secret that nothing outlives: for a store that is not kept.
  [[nodiscard]] static Vault ephemeral();
  explicit Vault(const std::array<unsigned char, kSecretBytes>& secret);
  ~Vault();
  Vault(Vault&&) noexcept;
  Vault& operator=(Vault&&) noexcept;
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // The key a user's data is stored under: 64 hex digits, the same for the same userId.
  [[nodiscard]] std::string user_key(std::string_view alexa_user_id) const;

  // nonce (12 bytes) | ciphertext | tag (16 bytes).
  [[nodiscard]] std::string seal(std::string_view plain, std::string_view user_key) const;
  // nullopt when the sealed text was not sealed by this vault for this user, or was altered.
  [[nodiscard]] std::optional<std::string> open(std::string_view sealed,
                                                std::string_view user_key) const;

 private:
  std::array<unsigned char, kSecretBytes> note_key_{};
  // HMAC-SHA-256 keyed with the user id key once; each user_key() works on a copy (OpenSSL 3
  // looks algorithms up by name, which costs more than the HMAC itself).
  struct MacTemplate;
  std::unique_ptr<MacTemplate> user_mac_;
};

}  // namespace feel::skill
