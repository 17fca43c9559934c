#pragma once

// Alexa's signing certificate chains (ALEXA.md 1.3 and 1.4): fetching them over verified HTTPS,
// validating them against a trusted root, and caching the resulting public keys.

#include <openssl/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "skill/verify.hpp"

namespace feel::skill {

struct CertStoreOptions {
  // PEM bundle of roots for Alexa's chain; empty = OpenSSL's default system store.
  std::string trusted_roots_file;
  // Empty = no disk cache. Chains are kept under their Amazon file name (echo-api-cert-12.pem);
  // a chain found there is used without fetching, a fetched chain is written there atomically.
  std::string cache_dir;
  // Empty = fetch the header's URL; else fetch mirror_url + "/" + file name. Must be https.
  std::string mirror_url;
  // CA bundle to verify the TLS server we fetch from; empty = system store.
  std::string fetch_ca_file;
  // The whole fetch (connect, handshake, request, response) must finish within this.
  std::chrono::milliseconds fetch_timeout{2500};
  std::size_t max_chain_bytes = 64 * 1024;
};

struct SigningKey {
  VerifyError error = VerifyError::none;  // none, or certificate
  std::shared_ptr<EVP_PKEY> key;          // the leaf's public key when error == none
  std::string detail;                     // short reason safe to log, e.g. "leaf expired"
};

struct X509StoreFree {
  void operator()(X509_STORE* store) const noexcept;
};
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

// A store holding every certificate of a PEM bundle, or OpenSSL's default system store when
// roots_file is empty. Throws std::runtime_error when the file is unreadable or has no certs.
[[nodiscard]] X509StorePtr make_trusted_store(const std::string& roots_file);

// Pure check of a PEM chain (leaf first, then intermediates): the leaf's dates contain `now`,
// it has a DNS subjectAltName exactly "echo-api.amazon.com" (no wildcard, no CN fallback), and
// the chain verifies to a root in `trusted` at time `now`. Intermediates are never pinned.
[[nodiscard]] SigningKey validate_chain(std::string_view pem, X509_STORE* trusted,
                                        Clock::time_point now);

// Thread-safe source of verified signing keys, one fetch per certificate URL.
class CertStore {
 public:
  // Throws std::runtime_error when trusted_roots_file or fetch_ca_file is unreadable or holds
  // no certificate, when mirror_url is not https, or when cache_dir cannot be created.
  explicit CertStore(CertStoreOptions options);
  ~CertStore();
  CertStore(const CertStore&) = delete;
  CertStore& operator=(const CertStore&) = delete;

  // The verified signing key for this URL. Kept in memory per URL until the leaf's notAfter;
  // the leaf's dates are checked against `now` on every call. Concurrent callers for a URL
  // not yet known share one fetch. A failure is not cached: the next call tries again.
  [[nodiscard]] SigningKey signing_key(const CertUrl& url, Clock::time_point now);

  struct Stats {
    std::uint64_t fetches = 0;
    std::uint64_t fetch_failures = 0;
    std::uint64_t disk_hits = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Entry {
    std::shared_ptr<EVP_PKEY> key;
    Clock::time_point not_before;
    Clock::time_point not_after;
  };
  struct Flight;

  // Disk cache, else fetch; on success also fills `entry`.
  [[nodiscard]] SigningKey load(const CertUrl& url, Clock::time_point now, Entry& entry);
  // The chain's bytes, or false with a short reason in `detail`.
  [[nodiscard]] bool fetch(const CertUrl& url, std::string& body, std::string& detail) const;
  void write_cache(const std::string& file_name, const std::string& pem) const;

  CertStoreOptions options_;
  X509StorePtr trusted_;
  std::string fetch_host_;  // set when mirror_url is given
  int fetch_port_ = 443;
  std::string fetch_prefix_;  // mirror path without trailing '/'

  mutable std::mutex mutex_;
  std::condition_variable flight_done_;
  std::map<std::string, Entry, std::less<>> entries_;                    // by normalised URL
  std::map<std::string, std::shared_ptr<Flight>, std::less<>> flights_;  // fetches under way

  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> fetch_failures_{0};
  std::atomic<std::uint64_t> disk_hits_{0};
};

}  // namespace feel::skill
