// Prometheus text exposition format 0.0.4, for node_exporter's textfile collector.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/status.hpp"
#include "io/file_io.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

std::string label_value(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

double seconds_since_epoch(Clock::time_point when) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count()) /
         1000.0;
}

class MetricsText {
 public:
  explicit MetricsText(std::string labels) : m_labels(std::move(labels)) {}
  void gauge(std::string_view name, std::string_view help, double value) {
    m_out +=
        fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{{{}}} {}\n", name, help, name, name, m_labels, number(value));
  }
  const std::string& str() const { return m_out; }

 private:
  static std::string number(double value) {
    if (std::isnan(value)) {
      return "NaN";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
      return fmt::format("{}", static_cast<std::int64_t>(value));
    }
    return fmt::format("{:.3f}", value);
  }
  std::string m_labels;
  std::string m_out;
};

}  // namespace

std::string format_metrics(const MonitoringSituation& situation, std::optional<CheckStatus> check_status) {
  MetricsText text(fmt::format("backup_dir=\"{}\"", label_value(situation.backup_dir.string())));
  const BackupSummary* good = situation.newest_good();
  const RunRecord* last = situation.last_run("backup");
  const RunRecord* last_ok = situation.last_successful_backup_run();

  double last_success = 0;
  if (last_ok != nullptr) {
    last_success = seconds_since_epoch(last_ok->end);
  } else if (good != nullptr) {
    last_success = seconds_since_epoch(good->taken);
  }
  text.gauge("ifnbackup_last_success_timestamp_seconds",
             "End of the last successful backup run (else the newest good backup's name time), 0 if none.",
             last_success);
  text.gauge("ifnbackup_last_backup_success", "1 if the last backup run succeeded, 0 if it failed or none is known.",
             last != nullptr && last->ok() ? 1 : 0);
  text.gauge("ifnbackup_last_backup_exit_code", "Exit code of the last backup run (docs/exit-codes.md), -1 if none.",
             last != nullptr ? last->exit_code : -1);
  text.gauge("ifnbackup_last_backup_duration_seconds", "Duration of the last backup run, successful or not.",
             last != nullptr ? static_cast<double>(last->duration_ms) / 1000.0 : 0.0);
  double size = 0, rows = 0;
  if (last_ok != nullptr) {
    size = static_cast<double>(last_ok->bytes);
    rows = static_cast<double>(last_ok->rows);
  } else if (good != nullptr) {
    size = static_cast<double>(good->size);
  }
  text.gauge("ifnbackup_last_backup_size_bytes", "Compressed size of the last successful backup.", size);
  text.gauge("ifnbackup_last_backup_rows", "Rows written by the last successful backup run.", rows);
  text.gauge("ifnbackup_newest_good_backup_timestamp_seconds",
             "Time in the name of the newest backup known good, 0 if none.",
             good != nullptr ? seconds_since_epoch(good->taken) : 0.0);
  text.gauge("ifnbackup_verify_failures", "Backups whose last verification found them corrupt or incomplete.",
             static_cast<double>(situation.verify_failures()));
  text.gauge("ifnbackup_backups", "Backups in the folder (safety snapshots not counted).",
             static_cast<double>(situation.backups.size()));
  text.gauge("ifnbackup_backup_bytes_used", "Bytes used by backups, safety snapshots and partial files.",
             static_cast<double>(situation.bytes_used));
  if (situation.space) {
    text.gauge("ifnbackup_free_bytes", "Free bytes on the backup folder's file system.",
               static_cast<double>(situation.space->free_bytes));
    text.gauge("ifnbackup_filesystem_size_bytes", "Size of the backup folder's file system.",
               static_cast<double>(situation.space->total_bytes));
  }
  // The weekly restore drill: its age is time() - the timestamp (0: never), its duration the RTO.
  const RunRecord* drill = situation.last_run("drill");
  const RunRecord* drill_ok = situation.last_successful_run("drill");
  text.gauge("ifnbackup_last_drill_success", "1 if the last restore drill succeeded, 0 if it failed or none is known.",
             drill != nullptr && drill->ok() ? 1 : 0);
  text.gauge("ifnbackup_last_drill_exit_code", "Exit code of the last restore drill (docs/exit-codes.md), -1 if none.",
             drill != nullptr ? drill->exit_code : -1);
  text.gauge("ifnbackup_last_drill_success_timestamp_seconds", "End of the last successful restore drill, 0 if none.",
             drill_ok != nullptr ? seconds_since_epoch(drill_ok->end) : 0.0);
  text.gauge("ifnbackup_last_drill_duration_seconds",
             "Verify, load and proof of the last successful restore drill: the time a restore takes (RTO).",
             drill_ok != nullptr ? static_cast<double>(drill_ok->restore_ms) / 1000.0 : 0.0);
  text.gauge("ifnbackup_last_drill_tables_proven", "Tables the last successful restore drill proved identical.",
             drill_ok != nullptr ? static_cast<double>(drill_ok->tables_proven) : 0.0);
  // The offsite copy, from the journal (written once a run asked for one): its age is time() - the timestamp.
  const RunRecord* upload = situation.last_offsite_upload();
  const auto offsite = situation.newest_offsite(Clock::now());
  if (upload != nullptr || offsite) {
    text.gauge("ifnbackup_offsite_newest_timestamp_seconds",
               "Time in the name of the newest backup a run saw offsite with our SHA-256 header, 0 if none.",
               offsite ? seconds_since_epoch(offsite->taken) : 0.0);
    text.gauge("ifnbackup_offsite_newest_age_seconds",
               "Age of that offsite copy when this file was written (prefer time() - the timestamp), -1 if none.",
               offsite ? static_cast<double>(
                             std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - offsite->taken).count())
                       : -1.0);
    text.gauge("ifnbackup_last_offsite_upload_success",
               "1 if the last offsite upload (backup --offsite, push) succeeded, 0 if it failed or none is known.",
               upload != nullptr && upload->offsite == "ok" ? 1 : 0);
    text.gauge("ifnbackup_last_offsite_upload_timestamp_seconds", "End of the last offsite upload run, 0 if none.",
               upload != nullptr ? seconds_since_epoch(upload->end) : 0.0);
  }
  // The binary log archive (docs/pitr.md), only when the folder holds one.
  if (const auto& archive = situation.binlog; archive.exists) {
    const double now = seconds_since_epoch(Clock::now());
    text.gauge("ifnbackup_binlog_newest_event_timestamp_seconds",
               "Time of the newest binary log event archived, 0 if unknown.", archive.newest_event);
    text.gauge("ifnbackup_binlog_recovery_point_timestamp_seconds",
               "The archive holds everything the server wrote before this time (newest event, or the archiver's "
               "last time in step with an idle server), 0 if unknown.",
               archive.recovery_point());
    text.gauge("ifnbackup_binlog_lag_seconds",
               "Age of the recovery point when this file was written (prefer time() - the timestamp), -1 if unknown.",
               archive.recovery_point() == 0 ? -1.0 : std::max(0.0, std::floor(now - archive.recovery_point())));
    text.gauge("ifnbackup_binlog_gaps", "Gaps in the binary log archive (a restore across one is refused).",
               static_cast<double>(archive.gaps.size()));
    text.gauge("ifnbackup_binlog_archiver_running", "1 if an archiver holds the archive's lock now.",
               archive.archiver_running ? 1 : 0);
    text.gauge("ifnbackup_binlog_archive_readable", "0 if the archive's newest file could not be read.",
               archive.problem.empty() ? 1 : 0);
  }
  if (check_status) {
    text.gauge("ifnbackup_check_status", "Result of ifnbackup check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
               static_cast<double>(static_cast<int>(*check_status)));
  }
  return text.str();
}

void write_metrics(const fs::path& path, const std::string& text) {
  // node_exporter reads *.prom: the temporary name does not end so, and the rename is atomic.
  io::replace_file(path, text, 0644);
}

}  // namespace ifnbackup
