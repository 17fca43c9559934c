#pragma once

// Counters and a latency histogram, rendered in the Prometheus text format.
// Label values come only from closed sets (known request types and intents, "other" for
// anything else) so a caller cannot grow the series without bound.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "skill/verify.hpp"

namespace feel::skill {

class Metrics {
 public:
  // The intents whose names may appear as label values; any other is counted as "other".
  explicit Metrics(std::set<std::string, std::less<>> known_intents = {});

  void observe_request(std::string_view request_type, std::string_view intent, int status,
                       double seconds);
  void verification_failure(VerifyError reason);

  struct Gauges {
    std::uint64_t cert_fetches = 0;  // attempts, failed ones included
    std::uint64_t cert_fetch_failures = 0;
    std::uint64_t cert_disk_hits = 0;
    std::size_t worker_threads = 0;
    std::size_t busy_threads = 0;
  };
  [[nodiscard]] std::string render(const Gauges& gauges) const;

  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

 private:
  [[nodiscard]] std::string_view label_for_type(std::string_view type) const;
  [[nodiscard]] std::string_view label_for_intent(std::string_view intent) const;

  std::set<std::string, std::less<>> known_intents_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> latency_count_{0};
  std::atomic<std::uint64_t> latency_sum_micros_{0};
  std::array<std::atomic<std::uint64_t>, 7> verification_failures_{};
};

}  // namespace feel::skill
