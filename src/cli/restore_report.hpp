#pragma once
// What restore and drill show while they work and after: the progress of each step, each table's
// row counts and content proof, the time each step took.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ifnbackup/restore.hpp"

namespace ifnbackup::cli {

// On a terminal: one status line redrawn in place (StatusLine), every second even while the server
// works on one statement (an index build gives no percentage: its time so far is shown). Otherwise
// (cron, a pipe, a log): a plain line when a step starts and every 10 seconds, never a carriage return.
class ProgressReporter {
 public:
  ProgressReporter();
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  void operator()(const LoadProgress& p);
  // Erases the status line (before the end's report).
  void finish();

 private:
  void tick();
  void render(std::chrono::steady_clock::time_point now);  // under m_mutex

  std::mutex m_mutex;
  bool m_tty;
  bool m_have = false;
  bool m_stop = false;
  LoadProgress m_last;
  std::chrono::steady_clock::time_point m_step_start;
  std::chrono::steady_clock::time_point m_last_log;
  // (when, done) of the last seconds of the current step: the rate and ETA are a moving average.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> m_samples;
  std::condition_variable m_wake;
  std::thread m_ticker;
};

std::string mib(std::uint64_t bytes);  // "12.3 MiB"
// 2712331 -> "2,712,331" (English) or "2 712 331" (French).
std::string grouped(std::uint64_t n);
// 3h12m -> "3 h 12 min"; 40 s -> "40 s"; 2 days 5 h -> "2 d 5 h" ("2 j 5 h").
std::string duration_words(std::chrono::seconds elapsed);
// The step's name as the operator reads it ("loading rows" / "chargement des lignes").
std::string step_words(RestoreStep step);

// "table  backup  restored  content", one line per table.
std::string format_table_checks(const std::vector<TableCheck>& checks);
// "12.3 s", "4 min" (from a minute on, duration_words).
std::string took_words(std::chrono::milliseconds took);
// "verifying 2.1 s · safety snapshot 5.3 s · ..." (the time each step took).
std::string format_step_times(const std::vector<StepTime>& steps);

// Warns when the checks prove less than the content: a file without digests, or without manifest.
// `ours`: the file has our manifest (no check then means a database without tables).
void warn_about_unproven(const std::vector<TableCheck>& checks, bool ours);

}  // namespace ifnbackup::cli
