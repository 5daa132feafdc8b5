#pragma once
// Monitoring: what the backup folder, its verification state and the run journal say together
// (status), the procedure's four alerts as a Nagios check (check), and the same figures for
// Prometheus (metrics). Gathering reads the disk once; everything after it is pure.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/i18n.hpp"

#include "ifnbackup/binlog_status.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/disk_space.hpp"
#include "ifnbackup/journal.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {

// One backup of the folder and what is known of it.
struct BackupSummary {
  std::string name;
  LocalDateTime local;                          // from the name
  std::chrono::system_clock::time_point taken;  // the name's timestamp
  std::uint64_t size = 0;
  // good: verified good, or written by a backup run that succeeded (journal) and not since found bad.
  Health health = Health::unknown;
  std::string reason;  // why it is bad
};

// The newest offsite copy the journal knows (RunRecord::offsite_file of backup, push and rotate runs):
// no network call, so status and check answer at once; `list --offsite` asks the bucket itself.
struct OffsiteCopyKnown {
  std::string name;                             // the object's name (NAME.sql.gz or NAME.sql.gz.age)
  std::chrono::system_clock::time_point taken;  // the time in its name
  const RunRecord* run = nullptr;               // the run that saw it
};

// The binary log archive's copies offsite (docs/pitr.md), as the journal knows them (push lines'
// binlog_offsite), against the folder's whole logs: no network call.
struct OffsiteArchiveKnown {
  std::string newest;               // the newest server log offsite; empty: the journal knows none
  const RunRecord* run = nullptr;   // the push that recorded it
  std::size_t behind = 0;           // whole logs of the folder after it: not offsite yet
  std::string first_behind;         // the oldest of them
  std::uint32_t waiting_since = 0;  // when it became whole (UTC seconds)
};

struct MonitoringSituation {
  std::filesystem::path backup_dir;
  std::string prefix{k_default_backup_prefix};
  bool folder_readable = true;
  Text folder_problem;                 // why not readable (English for JSON, local for the terminal)
  std::vector<BackupSummary> backups;  // newest first; backups only (no safety snapshots)
  std::size_t safety_snapshots = 0;
  std::uint64_t bytes_used = 0;  // backups, safety snapshots and partials
  std::optional<DiskSpace> space;
  std::vector<RunRecord> runs;  // the journal, oldest first
  std::size_t journal_skipped_lines = 0;
  // The binary log archive (docs/pitr.md): filled by the caller (read_binlog_monitoring), not by
  // gather_situation; exists is false without one, and nothing is said of it then.
  BinlogArchiveStatus binlog;

  const BackupSummary* newest_good() const;
  const RunRecord* last_run(std::string_view command) const;
  const RunRecord* last_successful_backup_run() const;
  const RunRecord* last_successful_run(std::string_view command) const;
  std::size_t verify_failures() const;  // backups whose last verification failed
  // The newest copy of ours any run saw offsite (by the time in its name, never one dated in the future
  // of now); nullopt when the journal records none.
  std::optional<OffsiteCopyKnown> newest_offsite(std::chrono::system_clock::time_point now) const;
  // The last backup or push that asked for an offsite copy (RunRecord::offsite "ok" or "failed").
  const RunRecord* last_offsite_upload() const;
  // The archive's copies offsite; nullopt when the folder holds no archive.
  std::optional<OffsiteArchiveKnown> offsite_archive() const;
};

// Reads the folder, its state file and the journal in journal_dir. Never throws for a missing or
// unreadable folder: folder_readable is false and folder_problem says why.
// `database` (the configured one; empty: every file): a backup verified as another database's is left
// out, so a database whose backups stopped is not hidden by another's in a shared folder.
MonitoringSituation gather_situation(const std::filesystem::path& backup_dir, std::string_view prefix,
                                     const std::filesystem::path& journal_dir, const std::string& database = {});

// --- check: the procedure's "Alertes Recommandées" (docs/monitoring.md)

enum class CheckStatus { ok = 0, warning = 1, critical = 2, unknown = 3 };  // Nagios plugin exit codes

const char* check_status_name(CheckStatus status) noexcept;  // "OK", "WARNING", "CRITICAL", "UNKNOWN"

struct CheckThresholds {
  std::chrono::seconds max_age = std::chrono::hours(25);
  double min_free_percent = 10.0;
  // The weekly restore drill: WARNING when no successful drill is newer; zero: no drill alert at all.
  std::chrono::seconds drill_max_age = std::chrono::days(8);
  // --offsite configured: WARNING when the newest offsite copy of the journal is older than this, when
  // there is none, or when the last upload failed.
  bool offsite = false;
  std::chrono::seconds offsite_max_age = std::chrono::hours(26);
  // The binary log archive, when the folder holds one: WARNING when its recovery point (the newest
  // archived event, or the archiver's last time in step with an idle server) is older than this
  // (lagging, or stopped); CRITICAL when it has a gap or cannot be read.
  std::chrono::seconds binlog_max_lag = std::chrono::minutes(5);
};

struct CheckAlert {
  CheckStatus status = CheckStatus::ok;
  std::string text;
};

struct CheckReport {
  CheckStatus status = CheckStatus::ok;  // the worst alert's
  std::vector<CheckAlert> alerts;        // worst first; empty when OK
  std::string summary;                   // what is fine, for the OK line
  std::string perfdata;                  // Nagios perfdata: label=value[UOM];warn;crit;min;max ...
};

CheckReport evaluate_check(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                           std::chrono::system_clock::time_point now);

// "IFNBACKUP CRITICAL - newest good backup ... | age=...": the plugin's one line (no newline).
std::string format_check_line(const CheckReport& report);

// --- status: the last days, one state per local calendar day

enum class DayState {
  ok,          // a good backup is named for that day
  unverified,  // a backup exists but was never verified nor recorded by a successful run
  failed,      // no good backup, and a backup run failed or a backup of that day failed verification
  missing,     // nothing
};

const char* day_state_name(DayState state) noexcept;  // "ok", "unverified", "failed", "missing"

struct HistoryDay {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  DayState state = DayState::missing;
  std::size_t backups = 0;
  std::uint64_t bytes = 0;  // of that day's newest good backup (else newest backup)
};

// The `days` local days ending with the day of `now` (oldest first).
std::vector<HistoryDay> backup_history(const MonitoringSituation& situation, std::chrono::system_clock::time_point now,
                                       int days = 30);

// --- metrics: Prometheus text exposition format (node_exporter's textfile collector)

// Every sample carries a backup_dir label. check_status is exported when given.
std::string format_metrics(const MonitoringSituation& situation, std::optional<CheckStatus> check_status = {});

// Writes text to a temporary file in path's folder, fsyncs and renames it over path (mode 0644:
// node_exporter reads it). Throws Error(io).
void write_metrics(const std::filesystem::path& path, const std::string& text);

}  // namespace ifnbackup
