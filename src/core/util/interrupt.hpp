#pragma once
// SIGINT/SIGTERM turn into Error(interrupted) at the next check point, so partial files are
// removed by the normal unwinding. The flag is the one piece of global state a signal needs.
#include <atomic>
#include <functional>
#include <thread>

namespace ifnbackup::util {

// Installs the handlers (idempotent) and ignores SIGPIPE and SIGXFSZ (a file size limit then
// shows up as EFBIG from write(), handled like a full disk).
void install_interrupt_handlers();
bool interrupt_requested() noexcept;
// Throws Error(interrupted) if a signal arrived.
void check_interrupted();

// While alive, calls on_interrupt once (from its own thread) shortly after SIGINT/SIGTERM:
// a dump blocked inside the client library (a lock wait, a slow query) is cancelled at once
// instead of when the server next sends a row.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::function<void()> on_interrupt);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  std::function<void()> m_on_interrupt;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace ifnbackup::util
