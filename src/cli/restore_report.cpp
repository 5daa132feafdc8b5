#include "restore_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/printable.hpp"

namespace ifnbackup::cli {

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0);
}

ProgressReporter::ProgressReporter() : m_tty(::isatty(STDERR_FILENO) == 1) {}

ProgressReporter::~ProgressReporter() {
  if (m_drawn) {
    std::cerr << "\n";
  }
}

void ProgressReporter::operator()(const LoadProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  if (p.phase != m_phase) {
    m_phase = p.phase;
    m_start = now;
  }
  const double seconds = std::chrono::duration<double>(now - m_start).count();
  const double fraction =
      p.compressed_total == 0 ? 0.0 : static_cast<double>(p.compressed_read) / static_cast<double>(p.compressed_total);
  const double rate = seconds > 0 ? static_cast<double>(p.compressed_read) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(p.compressed_total - p.compressed_read) / rate : 0.0;
  if (m_tty) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::cerr << fmt::format("\r{} [{}{}] {:3.0f}% {} / {} {}/s ETA {:.0f}s   ", p.phase, std::string(filled, '#'),
                             std::string(width - filled, '.'), fraction * 100, mib(p.compressed_read),
                             mib(p.compressed_total), mib(static_cast<std::uint64_t>(rate)), eta)
              << std::flush;
    m_drawn = true;
  } else if (now - m_last_log > std::chrono::seconds(5)) {
    m_last_log = now;
    spdlog::info("{}: {:.0f}% ({} of {}, {} statements, ETA {:.0f} s)", p.phase, fraction * 100, mib(p.compressed_read),
                 mib(p.compressed_total), p.statements, eta);
  }
}

std::string format_table_checks(const std::vector<TableCheck>& checks) {
  std::string table = fmt::format("{:<40} {:>12} {:>12}  {}\n", "table", "backup", "restored", "content");
  for (const auto& check : checks) {
    // A table's name comes from the file: no raw control byte reaches the terminal.
    std::string name = printable(check.table);  // and its line breaks and tabs too: one line a table
    for (std::size_t at = name.find_first_of("\n\t"); at != std::string::npos; at = name.find_first_of("\n\t", at)) {
      name.replace(at, 1, name[at] == '\n' ? "\\x0a" : "\\x09");
    }
    table +=
        fmt::format("{:<40} {:>12} {:>12}  {}\n", name, check.expected, check.actual, proof_verdict_name(check.proof));
  }
  return table;
}

void warn_about_unproven(const std::vector<TableCheck>& checks, bool ours) {
  const bool unrecorded = std::any_of(
      checks.begin(), checks.end(), [](const TableCheck& check) { return check.proof == ProofVerdict::not_recorded; });
  if (unrecorded) {
    spdlog::warn(
        "this file has no content digests (written by mysqldump or an older ifnbackup): only row counts "
        "were checked");
  } else if (checks.empty() && !ours) {
    spdlog::warn("this file has no manifest (mysqldump's): nothing could be checked after the load");
  }
}

}  // namespace ifnbackup::cli
