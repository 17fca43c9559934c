#pragma once

// Bounds a whole blocking call: httplib's timeouts bound each step of an exchange (connect,
// each read), never the whole of it. A Watchdog calls stop once at its deadline unless it is
// destroyed (or disarmed) first; fired() says whether it did.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace feel::skill {

class Watchdog {
 public:
  Watchdog(std::chrono::steady_clock::time_point deadline, std::function<void()> stop)
      : thread_([this, deadline, stop = std::move(stop)](std::stop_token token) {
          std::unique_lock lock(mutex_);
          wakeup_.wait_until(lock, token, deadline, [] { return false; });
          if (!token.stop_requested()) {
            fired_ = true;
            stop();
          }
        }) {}
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Stops waiting; after it returns, stop will not be called.
  void disarm() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] bool fired() const { return fired_; }

 private:
  std::atomic<bool> fired_{false};
  std::mutex mutex_;
  std::condition_variable_any wakeup_;
  std::jthread thread_;  // last: it uses the members above
};

}  // namespace feel::skill
