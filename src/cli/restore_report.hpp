#pragma once
// What restore and drill show while they load and after: the progress, and each table's row counts
// and content proof.
#include <chrono>
#include <string>
#include <vector>

#include "ifnbackup/restore.hpp"

namespace ifnbackup::cli {

// A bar on a terminal; a log line every few seconds otherwise (cron, pipes, logs).
class ProgressReporter {
 public:
  ProgressReporter();
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  void operator()(const LoadProgress& p);

 private:
  bool m_tty;
  bool m_drawn = false;
  std::string m_phase;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_last_log = std::chrono::steady_clock::now();
};

std::string mib(std::uint64_t bytes);  // "12.3 MiB"

// "table  backup  restored  content", one line per table.
std::string format_table_checks(const std::vector<TableCheck>& checks);

// Warns when the checks prove less than the content: a file without digests, or without manifest.
// `ours`: the file has our manifest (no check then means a database without tables).
void warn_about_unproven(const std::vector<TableCheck>& checks, bool ours);

}  // namespace ifnbackup::cli
