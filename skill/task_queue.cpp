#include "skill/task_queue.hpp"

#include <algorithm>

namespace feel::skill {

ElasticTaskQueue::ElasticTaskQueue(std::size_t base_threads, std::size_t max_threads,
                                   std::chrono::milliseconds idle_retire)
    : base_threads_(std::max<std::size_t>(1, base_threads)),
      max_threads_(std::max(max_threads, std::max<std::size_t>(1, base_threads))),
      idle_retire_(idle_retire) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < base_threads_; ++i) start_worker_locked(true);
}

ElasticTaskQueue::~ElasticTaskQueue() { shutdown(); }

void ElasticTaskQueue::start_worker_locked(bool permanent) {
  ++live_;
  workers_.emplace_back([this, permanent] { worker(permanent); });
}

void ElasticTaskQueue::reap_locked() {
  // Retired workers have left their loop; joining them here returns at once.
  for (const auto id : retired_) {
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [id](const std::thread& t) { return t.get_id() == id; });
    if (it != workers_.end()) {
      it->join();
      workers_.erase(it);
    }
  }
  retired_.clear();
}

void ElasticTaskQueue::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    reap_locked();
    tasks_.push_back(std::move(task));
    // Every queued task needs a worker of its own: it may hold it for a whole connection.
    if (idle_ < tasks_.size() && live_ < max_threads_) start_worker_locked(false);
  }
  ready_.notify_one();
}

void ElasticTaskQueue::worker(bool permanent) {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool woke = ready_.wait_for(lock, idle_retire_,
                                      [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (!woke) {
      if (permanent) continue;
      break;  // a quiet spell: give the thread back
    }
    if (tasks_.empty()) break;  // stopping, nothing left to run
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
  --live_;
  if (!stopping_) retired_.push_back(std::this_thread::get_id());
}

void ElasticTaskQueue::shutdown() {
  std::list<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    workers.swap(workers_);
    retired_.clear();
  }
  ready_.notify_all();
  for (auto& worker : workers) {
    if (worker.joinable()) worker.join();
  }
}

std::size_t ElasticTaskQueue::threads() const {
  std::lock_guard lock(mutex_);
  return live_;
}

std::size_t ElasticTaskQueue::busy() const {
  std::lock_guard lock(mutex_);
  return live_ - idle_;
}

}  // namespace feel::skill
