#include "skill/cert_store.hpp"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include "skill/watchdog.hpp"

namespace feel::skill {

void X509StoreFree::operator()(X509_STORE* store) const noexcept { X509_STORE_free(store); }

namespace {

constexpr std::string_view kAlexaSigningName = "echo-api.amazon.com";
constexpr std::string_view kAmazonHost = "s3.amazonaws.com";
// Only chains that verified are cached, so this bounds memory rather than an attacker.
constexpr std::size_t kMaxEntries = 64;

struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* ctx) const noexcept { X509_STORE_CTX_free(ctx); }
};

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* names) const noexcept { GENERAL_NAMES_free(names); }
};

// OpenSSL's stack macros expand to C casts; keep them (and the warning exemption) here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
[[nodiscard]] STACK_OF(X509) * new_cert_stack() { return sk_X509_new_null(); }
[[nodiscard]] bool push_cert(STACK_OF(X509) * stack, X509* cert) {
  return sk_X509_push(stack, cert) > 0;
}
void free_cert_stack(STACK_OF(X509) * stack) { sk_X509_free(stack); }  // the certs are not owned
[[nodiscard]] int general_name_count(const GENERAL_NAMES* names) {
  return sk_GENERAL_NAME_num(names);
}
[[nodiscard]] const GENERAL_NAME* general_name_at(const GENERAL_NAMES* names, int index) {
  return sk_GENERAL_NAME_value(names, index);
}
#pragma GCC diagnostic pop

struct CertStackFree {
  void operator()(STACK_OF(X509) * stack) const noexcept { free_cert_stack(stack); }
};

// Every certificate in a PEM text, in order; nullopt when a block is malformed.
[[nodiscard]] std::optional<std::vector<X509Ptr>> read_pem_certs(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return std::nullopt;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  // Running out of PEM blocks is reported as "no start line"; anything else is damage.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end) return std::nullopt;
  return certs;
}

[[nodiscard]] std::optional<std::string> read_whole_file(const std::filesystem::path& path,
                                                         std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  std::array<char, 4096> buffer{};
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) return std::nullopt;
  }
  if (in.bad()) return std::nullopt;
  return text;
}

// Certificates may say 9999-12-31; clamp to what Clock can hold instead of overflowing.
[[nodiscard]] std::optional<Clock::time_point> to_time_point(const ASN1_TIME* time) {
  using namespace std::chrono;
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                            day{static_cast<unsigned>(tm.tm_mday)}};
  if (!date.ok()) return std::nullopt;
  const sys_seconds stamp =
      sys_days{date} + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
  const auto latest = floor<seconds>(Clock::time_point::max());
  const auto earliest = ceil<seconds>(Clock::time_point::min());
  if (stamp >= latest) return Clock::time_point::max();
  if (stamp <= earliest) return Clock::time_point::min();
  return time_point_cast<Clock::duration>(stamp);
}

// Exact DNS name only: X509_check_host would also take wildcards and fall back to the CN.
[[nodiscard]] bool has_alexa_signing_name(X509* leaf) {
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return false;
  const int count = general_name_count(names.get());
  for (int i = 0; i < count; ++i) {
    const GENERAL_NAME* name = general_name_at(names.get(), i);
    if (name == nullptr || name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    const int length = ASN1_STRING_length(dns);
    if (length < 0) continue;
    const std::string_view value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                 static_cast<std::size_t>(length));
    if (value == kAlexaSigningName) return true;
  }
  return false;
}

struct CheckedChain {
  SigningKey signing;
  Clock::time_point not_before;
  Clock::time_point not_after;
};

[[nodiscard]] CheckedChain check_chain(std::string_view pem, X509_STORE* trusted,
                                       Clock::time_point now) {
  CheckedChain out;
  const auto fail = [&out](std::string detail) {
    ERR_clear_error();  // leave no stale errors for the next TLS call on this thread
    out.signing = SigningKey{VerifyError::certificate, nullptr, std::move(detail)};
    return out;
  };
  if (trusted == nullptr) return fail("no trusted store");
  const auto certs = read_pem_certs(pem);
  if (!certs) return fail("malformed PEM");
  if (certs->empty()) return fail("no certificate in chain");
  X509* leaf = certs->front().get();

  const auto not_before = to_time_point(X509_get0_notBefore(leaf));
  const auto not_after = to_time_point(X509_get0_notAfter(leaf));
  if (!not_before || !not_after) return fail("unreadable leaf dates");
  // The same reading as X509_verify_cert: valid from notBefore, expired from notAfter on.
  if (now < *not_before) return fail("leaf not yet valid");
  if (now >= *not_after) return fail("leaf expired");
  if (!has_alexa_signing_name(leaf)) return fail("leaf lacks SAN echo-api.amazon.com");

  std::unique_ptr<STACK_OF(X509), CertStackFree> untrusted(new_cert_stack());
  if (!untrusted) return fail("out of memory");
  for (auto it = std::next(certs->begin()); it != certs->end(); ++it) {
    if (!push_cert(untrusted.get(), it->get())) return fail("out of memory");
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), trusted, leaf, untrusted.get()) != 1) {
    return fail("cannot start chain verification");
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), Clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    return fail(std::string("chain not trusted: ") +
                X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }

  std::shared_ptr<EVP_PKEY> key(X509_get_pubkey(leaf), EVP_PKEY_free);
  if (!key) return fail("unreadable leaf key");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return fail("leaf key is not RSA");
  ERR_clear_error();
  out.signing = SigningKey{VerifyError::none, std::move(key), {}};
  out.not_before = *not_before;
  out.not_after = *not_after;
  return out;
}

// A configured CA or root bundle must hold at least one certificate.
void require_pem_bundle(const std::string& path, std::string_view what,
                        std::vector<X509Ptr>* certs_out) {
  const auto text = read_whole_file(path, std::size_t{64} * 1024 * 1024);
  if (!text) throw std::runtime_error(std::string(what) + " '" + path + "' cannot be read");
  auto certs = read_pem_certs(*text);
  if (!certs) throw std::runtime_error(std::string(what) + " '" + path + "' is not valid PEM");
  if (certs->empty()) {
    throw std::runtime_error(std::string(what) + " '" + path + "' holds no certificate");
  }
  if (certs_out != nullptr) *certs_out = std::move(*certs);
}

[[nodiscard]] bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

struct MirrorTarget {
  std::string host;
  int port = 443;
  std::string prefix;
};

// https://host[:port][/prefix]; throws on anything else.
[[nodiscard]] MirrorTarget parse_mirror_url(const std::string& url) {
  const auto bad = [&url](std::string_view why) {
    return std::runtime_error("mirror_url '" + url + "' " + std::string(why));
  };
  constexpr std::string_view kScheme = "https://";
  if (!starts_with_ignoring_case(url, kScheme)) throw bad("must start with https://");
  const std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (rest.find_first_of("?#@") != std::string_view::npos) {
    throw bad("must not hold user-info, a query or a fragment");
  }
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  MirrorTarget target;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("has a malformed IPv6 host");
    target.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':') || after.size() == 1) throw bad("has a malformed port");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) throw bad("has an empty port");
    }
  }
  if (target.host.empty()) throw bad("has no host");
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; })) {
      throw bad("has a malformed port");
    }
    target.port = std::stoi(std::string(port_text));
    if (target.port < 1 || target.port > 65535) throw bad("has a port out of range");
  }
  if (slash != std::string_view::npos) {
    target.prefix = std::string(rest.substr(slash));
    while (target.prefix.ends_with('/')) target.prefix.pop_back();
  }
  return target;
}

}  // namespace

X509StorePtr make_trusted_store(const std::string& roots_file) {
  X509StorePtr store(X509_STORE_new());
  if (!store) throw std::runtime_error("cannot allocate a certificate store");
  if (roots_file.empty()) {
    if (X509_STORE_set_default_paths(store.get()) != 1) {
      ERR_clear_error();
      throw std::runtime_error("cannot load the system certificate store");
    }
    ERR_clear_error();  // a missing default file or directory is queued, not fatal
    return store;
  }
  std::vector<X509Ptr> certs;
  require_pem_bundle(roots_file, "trusted roots file", &certs);
  for (const auto& cert : certs) {
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) {  // takes its own reference
      ERR_clear_error();
      throw std::runtime_error("trusted roots file '" + roots_file + "' cannot be loaded");
    }
  }
  return store;
}

SigningKey validate_chain(std::string_view pem, X509_STORE* trusted, Clock::time_point now) {
  return check_chain(pem, trusted, now).signing;
}

struct CertStore::Flight {
  bool done = false;
  SigningKey result;
};

CertStore::CertStore(CertStoreOptions options)
    : options_(std::move(options)), trusted_(make_trusted_store(options_.trusted_roots_file)) {
  if (!options_.fetch_ca_file.empty()) {
    require_pem_bundle(options_.fetch_ca_file, "fetch CA file", nullptr);
  }
  if (options_.fetch_timeout <= std::chrono::milliseconds::zero()) {
    throw std::runtime_error("fetch_timeout must be positive");
  }
  if (!options_.mirror_url.empty()) {
    auto target = parse_mirror_url(options_.mirror_url);
    fetch_host_ = std::move(target.host);
    fetch_port_ = target.port;
    fetch_prefix_ = std::move(target.prefix);
  }
  if (!options_.cache_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options_.cache_dir, error);
    if (error || !std::filesystem::is_directory(options_.cache_dir, error)) {
      throw std::runtime_error("certificate cache directory '" + options_.cache_dir +
                               "' cannot be created" +
                               (error ? ": " + error.message() : std::string()));
    }
  }
}

CertStore::~CertStore() = default;

CertStore::Stats CertStore::stats() const {
  return Stats{fetches_.load(std::memory_order_relaxed),
               fetch_failures_.load(std::memory_order_relaxed),
               disk_hits_.load(std::memory_order_relaxed)};
}

SigningKey CertStore::signing_key(const CertUrl& url, Clock::time_point now) {
  // The host is fixed by parse_cert_url, so the normalised path names the certificate.
  const std::string& cache_key = url.path;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (const auto it = entries_.find(cache_key); it != entries_.end()) {
      const Entry& entry = it->second;
      if (now >= entry.not_after) {
        entries_.erase(it);  // never outlive the leaf: load it afresh below
      } else if (now < entry.not_before) {
        return SigningKey{VerifyError::certificate, nullptr, "leaf not yet valid"};
      } else {
        return SigningKey{VerifyError::none, entry.key, {}};
      }
    }
    const auto flight_it = flights_.find(cache_key);
    if (flight_it == flights_.end()) break;
    const auto flight = flight_it->second;
    flight_done_.wait(lock, [&flight] { return flight->done; });
    // A failure is shared with everyone who waited, so one outage is one fetch, not many.
    if (flight->result.error != VerifyError::none) return flight->result;
    // On success loop: the entry is cached now and its dates get checked against our `now`.
  }

  const auto flight = std::make_shared<Flight>();
  flights_.emplace(cache_key, flight);
  lock.unlock();

  const auto finish = [&](SigningKey result, const Entry* entry) {
    lock.lock();
    if (entry != nullptr) {
      if (entries_.size() >= kMaxEntries) {
        const auto oldest = std::min_element(
            entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.second.not_after < b.second.not_after; });
        entries_.erase(oldest);
      }
      entries_.insert_or_assign(cache_key, *entry);
    }
    flight->result = result;
    flight->done = true;
    flights_.erase(cache_key);
    flight_done_.notify_all();
    return result;
  };

  Entry entry;
  SigningKey result;
  try {
    result = load(url, now, entry);
  } catch (...) {
    // Waiters must not hang on a flight that will never land.
    (void)finish(SigningKey{VerifyError::certificate, nullptr, "internal error"}, nullptr);
    throw;
  }
  const bool ok = result.error == VerifyError::none;
  return finish(std::move(result), ok ? &entry : nullptr);
}

SigningKey CertStore::load(const CertUrl& url, Clock::time_point now, Entry& entry) {
  std::string disk_detail;
  if (!options_.cache_dir.empty()) {
    const auto path = std::filesystem::path(options_.cache_dir) / url.file_name;
    if (const auto pem = read_whole_file(path, options_.max_chain_bytes)) {
      auto checked = check_chain(*pem, trusted_.get(), now);
      if (checked.signing.error == VerifyError::none) {
        disk_hits_.fetch_add(1, std::memory_order_relaxed);
        entry = Entry{checked.signing.key, checked.not_before, checked.not_after};
        return std::move(checked.signing);
      }
      disk_detail = "cached chain rejected (" + checked.signing.detail + "), ";
    }
  }

  std::string pem;
  std::string fetch_detail;
  fetches_.fetch_add(1, std::memory_order_relaxed);
  if (!fetch(url, pem, fetch_detail)) {
    fetch_failures_.fetch_add(1, std::memory_order_relaxed);
    return SigningKey{VerifyError::certificate, nullptr,
                      disk_detail + "fetch failed: " + fetch_detail};
  }
  auto checked = check_chain(pem, trusted_.get(), now);
  if (checked.signing.error != VerifyError::none) return std::move(checked.signing);
  if (!options_.cache_dir.empty()) write_cache(url.file_name, pem);
  entry = Entry{checked.signing.key, checked.not_before, checked.not_after};
  return std::move(checked.signing);
}

bool CertStore::fetch(const CertUrl& url, std::string& body, std::string& detail) const {
  const bool mirrored = !fetch_host_.empty();
  const std::string host = mirrored ? fetch_host_ : std::string(kAmazonHost);
  const int port = mirrored ? fetch_port_ : 443;
  // The normalised path, never the header's raw spelling: what we checked is what we fetch.
  const std::string path = mirrored ? fetch_prefix_ + "/" + url.file_name : url.path;

  httplib::SSLClient client(host, port);
  client.enable_server_certificate_verification(true);
  if (!options_.fetch_ca_file.empty()) client.set_ca_cert_path(options_.fetch_ca_file);
  client.set_follow_location(false);
  client.set_keep_alive(false);
  // httplib's timeouts bound each step (TCP connect and TLS handshake each get the connection
  // timeout); the watchdog below bounds the whole exchange.
  const auto budget = options_.fetch_timeout;
  client.set_connection_timeout(std::max(budget / 2, std::chrono::milliseconds{1}));
  client.set_read_timeout(budget);
  client.set_write_timeout(budget);

  const auto deadline = std::chrono::steady_clock::now() + budget;
  // httplib's one thread-safe way to abort a request in flight.
  Watchdog watchdog(deadline, [&client] { client.stop(); });

  int status = 0;
  bool too_big = false;
  const std::size_t cap = options_.max_chain_bytes;
  body.clear();
  const auto result = client.Get(
      path,
      [&](const httplib::Response& response) {
        status = response.status;
        if (status != 200) return false;  // includes every redirect
        // Refuse an announced oversize body before reading it; the receiver enforces the cap
        // for chunked or lying responses.
        const auto announced = response.get_header_value("Content-Length");
        std::uint64_t length = 0;
        const auto [end, error] =
            std::from_chars(announced.data(), announced.data() + announced.size(), length);
        if (error == std::errc{} && end == announced.data() + announced.size() && length > cap) {
          too_big = true;
          return false;
        }
        return true;
      },
      [&](const char* data, std::size_t length) {
        if (length > cap - body.size()) {
          too_big = true;
          return false;
        }
        body.append(data, length);
        return true;
      });
  watchdog.disarm();

  if (too_big) {
    detail = "body over " + std::to_string(cap) + " bytes";
  } else if (status != 0 && status != 200) {
    detail = "status " + std::to_string(status);
  } else if (watchdog.fired()) {
    detail = "timed out after " + std::to_string(budget.count()) + " ms";
  } else if (!result) {
    detail = httplib::to_string(result.error());
    if (const long verify = client.get_openssl_verify_result(); verify != X509_V_OK) {
      detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
  } else if (result->status != 200) {
    detail = "status " + std::to_string(result->status);
  } else if (body.empty()) {
    detail = "empty body";
  } else {
    return true;
  }
  body.clear();
  return false;
}

void CertStore::write_cache(const std::string& file_name, const std::string& pem) const {
  // Temp file plus rename, so another process never reads half a chain. Failure to write is
  // not an error for the request: the chain is in memory, and the next start fetches again.
  static std::atomic<std::uint64_t> counter{0};
  const std::filesystem::path dir(options_.cache_dir);
  const auto final_path = dir / file_name;
  const auto temp_path = dir / (file_name + ".tmp-" + std::to_string(::getpid()) + "-" +
                                std::to_string(counter.fetch_add(1)));
  std::error_code error;
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    out.write(pem.data(), static_cast<std::streamsize>(pem.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(temp_path, error);
      return;
    }
  }
  std::filesystem::rename(temp_path, final_path, error);
  if (error) std::filesystem::remove(temp_path, error);
}

}  // namespace feel::skill
