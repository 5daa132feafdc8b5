#include "util/interrupt.hpp"

#include <chrono>
#include <csignal>

#include "ifnbackup/error.hpp"

namespace ifnbackup::util {

namespace {
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signal_number) {
  g_signal = signal_number;
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR and we check the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
}

bool interrupt_requested() noexcept {
  return g_signal != 0;
}

void check_interrupted() {
  if (g_signal != 0) {
    throw Error(ErrorCode::interrupted, g_signal == SIGINT ? tx("interrupted (SIGINT)") : tx("terminated (SIGTERM)"),
                tx("the partial file was removed; nothing under a final backup name was changed"));
  }
}

InterruptWatcher::InterruptWatcher(std::function<void()> on_interrupt) : m_on_interrupt(std::move(on_interrupt)) {
  m_thread = std::thread([this] {
    while (!m_stop.load()) {
      if (g_signal != 0) {
        m_on_interrupt();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  m_stop = true;
  m_thread.join();
}

}  // namespace ifnbackup::util
