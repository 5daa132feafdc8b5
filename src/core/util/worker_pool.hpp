#pragma once
// Threads that run queued jobs, each on whichever thread is free, and stop at the first job that
// throws: the restore's row loaders (restore/script_loader) and the section decoders of verify
// (verify/section_check). The parallel gzip writer keeps its own (docs/architecture.md says why).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ifnbackup::util {

class WorkerPool {
 public:
  // A job is told which thread runs it (0 .. threads - 1): the thread's own connection or buffer.
  using Job = std::function<void(unsigned thread)>;

  struct Limits {
    std::size_t queued = std::numeric_limits<std::size_t>::max();  // jobs waiting for a thread
    // Of the jobs queued or running together (their bytes, say); a heavier job runs alone.
    std::size_t weight = std::numeric_limits<std::size_t>::max();
  };

  // Starts `threads` threads (at least one). A thread that cannot start: those started are joined
  // and std::thread's std::system_error is thrown.
  WorkerPool(unsigned threads, Limits limits);
  explicit WorkerPool(unsigned threads) : WorkerPool(threads, Limits{}) {}
  // Stops: jobs not started are dropped, running ones end, every thread is joined.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job; waits while the limits are reached. Throws the first job's error: once a job
  // threw, no other job starts.
  void submit(Job job, std::size_t weight = 0);
  // Waits until a job of `weight` would fit beside those queued or running (or none is left),
  // without queueing one: a caller about to hold that much itself (the restore's reader, the
  // statement it is cutting) keeps what it holds and what the jobs hold within the limit. Throws
  // the first job's error.
  void wait_for_room(std::size_t weight);
  // Waits until every queued job has run. Throws the first job's error.
  void wait_idle();

 private:
  struct Queued {
    Job job;
    std::size_t weight = 0;
  };
  bool fits(std::size_t weight) const noexcept {
    return m_weight == 0 || (weight <= m_limits.weight && m_weight <= m_limits.weight - weight);
  }
  void work(unsigned thread);
  void stop_and_join() noexcept;

  Limits m_limits;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Queued> m_queue;
  unsigned m_busy = 0;
  std::size_t m_weight = 0;  // of the jobs queued or running
  bool m_stopping = false;
  std::exception_ptr m_error;
  std::vector<std::thread> m_threads;
};

}  // namespace ifnbackup::util
