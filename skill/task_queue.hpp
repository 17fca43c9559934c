#pragma once

// cpp-httplib gives each connection a worker for as long as the connection lives. With a
// fixed pool, a few dozen stalled clients hold every worker and a fresh request waits behind
// their read timeouts. This queue starts a worker whenever none is idle (up to a ceiling), so
// a stalled connection only ever holds its own thread; workers beyond the base count retire
// after a quiet spell.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace feel::skill {

class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  ElasticTaskQueue(std::size_t base_threads, std::size_t max_threads,
                   std::chrono::milliseconds idle_retire = std::chrono::seconds(30));
  ~ElasticTaskQueue() override;
  ElasticTaskQueue(const ElasticTaskQueue&) = delete;
  ElasticTaskQueue& operator=(const ElasticTaskQueue&) = delete;

  void enqueue(std::function<void()> task) override;
  // Runs every queued task, then joins all workers.
  void shutdown() override;

  [[nodiscard]] std::size_t threads() const;
  [[nodiscard]] std::size_t busy() const;

 private:
  void start_worker_locked(bool permanent);
  void worker(bool permanent);
  void reap_locked();

  const std::size_t base_threads_;
  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_retire_;

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::list<std::thread> workers_;
  std::vector<std::thread::id> retired_;
  std::size_t idle_ = 0;
  std::size_t live_ = 0;
  bool stopping_ = false;
};

}  // namespace feel::skill
