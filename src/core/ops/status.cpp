#include "ifnbackup/status.hpp"

#include <ctime>
#include <set>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

using DayKey = std::tuple<int, unsigned, unsigned>;

DayKey local_day(Clock::time_point when) {
  const std::time_t t = Clock::to_time_t(when);
  std::tm local{};
  ::localtime_r(&t, &local);
  return {local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1), static_cast<unsigned>(local.tm_mday)};
}

// One of our names under another prefix (nightly_x_... seen with --prefix nightly): the part before
// _YYYYMMDD_HHMMSS, taken as the prefix, names a backup.
bool other_prefix_backup(std::string_view name, std::string_view prefix) {
  if (parse_backup_name(name, prefix)) {
    return false;
  }
  std::string_view stem = name;
  for (const auto suffix : {k_partial_suffix, k_encrypted_suffix, k_backup_suffix}) {
    if (stem.ends_with(suffix)) {
      stem.remove_suffix(suffix.size());
    }
  }
  constexpr std::size_t k_underscore_and_stamp = 16;  // _YYYYMMDD_HHMMSS
  if (stem.size() <= k_underscore_and_stamp) {
    return false;
  }
  stem.remove_suffix(k_underscore_and_stamp);
  return parse_backup_name(name, stem).has_value();
}

}  // namespace

const BackupSummary* MonitoringSituation::newest_good() const {
  for (const auto& backup : backups) {
    if (backup.health == Health::good) {
      return &backup;
    }
  }
  return nullptr;
}

const RunRecord* MonitoringSituation::last_run(std::string_view command) const {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->command == command) {
      return &*it;
    }
  }
  return nullptr;
}

const RunRecord* MonitoringSituation::last_successful_backup_run() const {
  return last_successful_run("backup");
}

const RunRecord* MonitoringSituation::last_successful_run(std::string_view command) const {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->command == command && it->ok()) {
      return &*it;
    }
  }
  return nullptr;
}

std::size_t MonitoringSituation::verify_failures() const {
  std::size_t count = 0;
  for (const auto& backup : backups) {
    count += backup.health == Health::bad ? 1 : 0;
  }
  return count;
}

std::optional<OffsiteCopyKnown> MonitoringSituation::newest_offsite(Clock::time_point now) const {
  std::optional<OffsiteCopyKnown> newest;
  for (const auto& run : runs) {
    std::string_view name = run.offsite_file;
    if (name.ends_with(".age")) {
      name.remove_suffix(4);
    }
    const auto parsed = parse_backup_name(name, prefix);
    if (!parsed || parsed->kind != BackupKind::backup || dated_in_future(parsed->timestamp, now)) {
      continue;
    }
    if (!newest || parsed->timestamp >= newest->taken) {
      newest = OffsiteCopyKnown{run.offsite_file, parsed->timestamp, &run};
    }
  }
  return newest;
}

const RunRecord* MonitoringSituation::last_offsite_upload() const {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if ((it->command == "backup" || it->command == "push") && !it->offsite.empty()) {
      return &*it;
    }
  }
  return nullptr;
}

std::optional<OffsiteArchiveKnown> MonitoringSituation::offsite_archive() const {
  if (!binlog.exists || !binlog.problem.empty()) {
    return std::nullopt;
  }
  OffsiteArchiveKnown known;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->command == "push" && !it->binlog_offsite.empty()) {
      known.newest = it->binlog_offsite;
      known.run = &*it;
      break;
    }
  }
  // Server log names of one base sort by their number: a longer number is a later one.
  const auto later = [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a > b;
  };
  for (const auto& log : binlog.whole_logs) {
    if (known.newest.empty() || later(log.name, known.newest)) {
      if (known.behind++ == 0) {
        known.first_behind = log.name;
        known.waiting_since = log.completed;
      }
    }
  }
  return known;
}

MonitoringSituation gather_situation(const fs::path& backup_dir, std::string_view prefix, const fs::path& journal_dir,
                                     const std::string& database) {
  MonitoringSituation situation;
  situation.backup_dir = backup_dir;
  situation.prefix = std::string(prefix);
  if (!journal_dir.empty()) {
    try {
      auto journal = read_journal(journal_dir);
      situation.runs = std::move(journal.records);
      situation.journal_skipped_lines = journal.skipped_lines;
      // A drill of another prefix's backup proves nothing of this prefix's (check's drill age, metrics).
      std::erase_if(situation.runs, [prefix](const RunRecord& run) {
        return run.command == "drill" && !run.file.empty() &&
               other_prefix_backup(fs::path(run.file).filename().string(), prefix);
      });
    } catch (const Error&) {
      // An unreadable journal is no history: the folder still says what it holds.
    }
  }
  std::error_code ec;
  if (backup_dir.empty() || !fs::is_directory(backup_dir, ec)) {
    situation.folder_readable = false;
    situation.folder_problem = backup_dir.empty() ? tx("no backup folder configured")
                                                  : tx("backup folder {} does not exist", backup_dir.string());
    return situation;
  }
  std::vector<CatalogEntry> entries;
  try {
    entries = scan_backup_folder(backup_dir, prefix);
  } catch (const Error& error) {
    situation.folder_readable = false;
    situation.folder_problem = error.message();
    return situation;
  }
  std::set<std::string> written_by_good_runs;
  for (const auto& run : situation.runs) {
    if (run.command == "backup" && run.ok() && !run.file.empty()) {
      written_by_good_runs.insert(run.file);
    }
  }
  const auto state = VerificationState::load(backup_dir);
  for (const auto& entry : entries) {
    if (entry.kind == BackupKind::foreign) {
      continue;
    }
    situation.bytes_used += entry.size;
    if (entry.kind == BackupKind::safety_snapshot) {
      ++situation.safety_snapshots;
    }
    if (entry.kind != BackupKind::backup) {
      continue;
    }
    BackupSummary summary;
    summary.name = entry.name;
    summary.local = entry.local;
    summary.taken = entry.timestamp;
    summary.size = entry.size;
    const VerificationRecord* record = state.find(entry);
    if (!database.empty() && record != nullptr && record->database_known && !is_backup_of(*record, database)) {
      continue;  // another database's backup (or a mysqldump file, which records none)
    }
    summary.health = health_of(record);
    if (summary.health == Health::bad) {
      summary.reason = record->reason;
    } else if (summary.health == Health::unrestorable) {
      summary.reason = record->schema_check;
    } else if (summary.health == Health::unknown && written_by_good_runs.count(entry.name) > 0) {
      summary.health = Health::good;  // the run verified it before reporting success
    }
    situation.backups.push_back(std::move(summary));
  }
  situation.space = disk_space(backup_dir);
  return situation;
}

const char* day_state_name(DayState state) noexcept {
  switch (state) {
    case DayState::ok:
      return "ok";
    case DayState::unverified:
      return "unverified";
    case DayState::failed:
      return "failed";
    case DayState::missing:
      return "missing";
  }
  return "?";
}

std::vector<HistoryDay> backup_history(const MonitoringSituation& situation, Clock::time_point now, int days) {
  using namespace std::chrono;
  const auto [year, month, day] = local_day(now);
  const sys_days today{year_month_day{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)}};
  std::vector<HistoryDay> history;
  std::map<DayKey, std::size_t> index;
  for (int i = days - 1; i >= 0; --i) {
    const year_month_day date{today - std::chrono::days(i)};
    HistoryDay entry;
    entry.year = static_cast<int>(date.year());
    entry.month = static_cast<unsigned>(date.month());
    entry.day = static_cast<unsigned>(date.day());
    index[{entry.year, entry.month, entry.day}] = history.size();
    history.push_back(entry);
  }
  std::vector<bool> good(history.size(), false), bad(history.size(), false), sized_by_good(history.size(), false);
  // Newest first: the first backup seen for a day is its newest.
  for (const auto& backup : situation.backups) {
    const auto it = index.find({backup.local.year, backup.local.month, backup.local.day});
    if (it == index.end()) {
      continue;
    }
    auto& entry = history[it->second];
    ++entry.backups;
    if (entry.backups == 1) {
      entry.bytes = backup.size;
    }
    if (backup.health == Health::good) {
      if (!sized_by_good[it->second]) {
        entry.bytes = backup.size;
        sized_by_good[it->second] = true;
      }
      good[it->second] = true;
    } else if (backup.health == Health::bad) {
      bad[it->second] = true;
    }
  }
  for (const auto& run : situation.runs) {
    if (run.command != "backup" || run.ok()) {
      continue;
    }
    const auto it = index.find(local_day(run.start));
    if (it != index.end()) {
      bad[it->second] = true;
    }
  }
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (good[i]) {
      history[i].state = DayState::ok;
    } else if (bad[i]) {
      history[i].state = DayState::failed;
    } else if (history[i].backups > 0) {
      history[i].state = DayState::unverified;
    }
  }
  return history;
}

}  // namespace ifnbackup
