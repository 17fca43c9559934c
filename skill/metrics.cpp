#include "skill/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace feel::skill {
namespace {

constexpr std::array<std::string_view, 20> kRequestTypes = {
    "LaunchRequest",
    "IntentRequest",
    "SessionEndedRequest",
    "CanFulfillIntentRequest",
    "System.ExceptionEncountered",
    "Connections.Response",
    "Alexa.Presentation.APL.UserEvent",
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillPermissionChanged",
    "AlexaSkillEvent.SkillAccountLinked",
    "AudioPlayer.PlaybackStarted",
    "AudioPlayer.PlaybackFinished",
    "AudioPlayer.PlaybackStopped",
    "AudioPlayer.PlaybackNearlyFinished",
    "AudioPlayer.PlaybackFailed",
    "PlaybackController.PlayCommandIssued",
    "Reminders.ReminderCreated",
    "Reminders.ReminderDeleted",
};

constexpr std::array<VerifyError, 7> kReasons = {
    VerifyError::none,      VerifyError::cert_url, VerifyError::certificate,
    VerifyError::signature, VerifyError::timestamp, VerifyError::skill_id,
    VerifyError::body};

std::size_t reason_index(VerifyError reason) {
  const auto it = std::find(kReasons.begin(), kReasons.end(), reason);
  return static_cast<std::size_t>(it - kReasons.begin()) % kReasons.size();
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

}  // namespace

Metrics::Metrics(std::set<std::string, std::less<>> known_intents)
    : known_intents_(std::move(known_intents)) {}

std::string_view Metrics::label_for_type(std::string_view type) const {
  if (type.empty()) return "none";
  const auto it = std::find(kRequestTypes.begin(), kRequestTypes.end(), type);
  return it == kRequestTypes.end() ? std::string_view("other") : *it;
}

std::string_view Metrics::label_for_intent(std::string_view intent) const {
  if (intent.empty()) return "";
  const auto it = known_intents_.find(intent);
  return it == known_intents_.end() ? std::string_view("other") : std::string_view(*it);
}

void Metrics::observe_request(std::string_view request_type, std::string_view intent, int status,
                              double seconds) {
  {
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(label_for_type(request_type)), std::string(label_for_intent(intent)),
                 status}];
  }
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e6)),
                                std::memory_order_relaxed);
}

void Metrics::verification_failure(VerifyError reason) {
  verification_failures_[reason_index(reason)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const Gauges& gauges) const {
  std::ostringstream out;
  out << "# HELP feel_again_requests_total Alexa requests answered, by request type, intent and "
         "HTTP status.\n"
         "# TYPE feel_again_requests_total counter\n";
  {
    std::lock_guard lock(mutex_);
    for (const auto& [labels, count] : requests_) {
      const auto& [type, intent, status] = labels;
      out << "feel_again_requests_total{type=\"" << type << "\",intent=\"" << intent
          << "\",status=\"" << status << "\"} " << count << '\n';
    }
  }
  out << "# HELP feel_again_request_duration_seconds Time from a whole request body to its "
         "response.\n"
         "# TYPE feel_again_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out << "feel_again_request_duration_seconds_bucket{le=\"" << format_double(kBuckets[i])
        << "\"} " << cumulative << '\n';
  }
  cumulative += buckets_[kBuckets.size()].load(std::memory_order_relaxed);
  out << "feel_again_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "feel_again_request_duration_seconds_sum "
      << format_double(static_cast<double>(latency_sum_micros_.load()) / 1e6) << '\n'
      << "feel_again_request_duration_seconds_count " << latency_count_.load() << '\n';

  out << "# HELP feel_again_verification_failures_total Requests refused by verification, by "
         "reason.\n"
         "# TYPE feel_again_verification_failures_total counter\n";
  for (std::size_t i = 1; i < kReasons.size(); ++i) {
    out << "feel_again_verification_failures_total{reason=\"" << reason_name(kReasons[i])
        << "\"} " << verification_failures_[i].load(std::memory_order_relaxed) << '\n';
  }
  out << "# HELP feel_again_cert_fetches_total Signing-certificate chains fetched over the "
         "network.\n"
         "# TYPE feel_again_cert_fetches_total counter\n"
      << "feel_again_cert_fetches_total{result=\"ok\"} "
      << gauges.cert_fetches - std::min(gauges.cert_fetches, gauges.cert_fetch_failures) << '\n'
      << "feel_again_cert_fetches_total{result=\"failed\"} " << gauges.cert_fetch_failures
      << '\n'
      << "# HELP feel_again_cert_cache_disk_hits_total Chains read from --cert-cache instead of "
         "fetched.\n"
         "# TYPE feel_again_cert_cache_disk_hits_total counter\n"
      << "feel_again_cert_cache_disk_hits_total " << gauges.cert_disk_hits << '\n'
      << "# HELP feel_again_worker_threads Connection worker threads alive.\n"
         "# TYPE feel_again_worker_threads gauge\n"
      << "feel_again_worker_threads " << gauges.worker_threads << '\n'
      << "# HELP feel_again_busy_threads Connection worker threads holding a connection.\n"
         "# TYPE feel_again_busy_threads gauge\n"
      << "feel_again_busy_threads " << gauges.busy_threads << '\n';
  return out.str();
}

}  // namespace feel::skill
