#include "util/worker_pool.hpp"

#include <algorithm>

namespace ifnbackup::util {

WorkerPool::WorkerPool(unsigned threads, Limits limits) : m_limits(limits) {
  try {
    for (unsigned thread = 0; thread < std::max(1u, threads); ++thread) {
      m_threads.emplace_back([this, thread] { work(thread); });
    }
  } catch (...) {
    stop_and_join();  // the destructor does not run after a throwing constructor
    throw;
  }
}

WorkerPool::~WorkerPool() {
  stop_and_join();
}

void WorkerPool::submit(Job job, std::size_t weight) {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this, weight] { return m_error || (m_queue.size() < m_limits.queued && fits(weight)); });
  if (m_error) {
    std::rethrow_exception(m_error);
  }
  m_weight += weight;
  m_queue.push_back(Queued{std::move(job), weight});
  m_changed.notify_all();
}

void WorkerPool::wait_for_room(std::size_t weight) {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this, weight] { return m_error || fits(weight); });
  if (m_error) {
    std::rethrow_exception(m_error);
  }
}

void WorkerPool::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_error || (m_queue.empty() && m_busy == 0); });
  if (m_error) {
    std::rethrow_exception(m_error);
  }
}

void WorkerPool::stop_and_join() noexcept {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  for (std::thread& thread : m_threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  m_threads.clear();
}

void WorkerPool::work(unsigned thread) {
  for (;;) {
    Queued queued;
    {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [this] { return m_stopping || m_error || !m_queue.empty(); });
      if (m_stopping || m_error) {
        return;
      }
      queued = std::move(m_queue.front());
      m_queue.pop_front();
      ++m_busy;
    }
    m_changed.notify_all();
    std::exception_ptr error;
    try {
      queued.job(thread);
    } catch (...) {
      error = std::current_exception();
    }
    queued.job = nullptr;  // what the job holds goes before the room it took is given back
    {
      std::lock_guard lock(m_mutex);
      --m_busy;
      m_weight -= queued.weight;
      if (error && !m_error) {
        m_error = error;
      }
    }
    m_changed.notify_all();
  }
}

}  // namespace ifnbackup::util
