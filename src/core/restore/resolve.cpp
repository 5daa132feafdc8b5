#include <chrono>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;

namespace {

// A name without a folder: the backup folder's file of that name, before any in the current folder.
bool is_bare_name(const std::string& file) {
  return file.find('/') == std::string::npos;
}

// The newest file of `wanted` kind that verified good and holds a table, not dated in the future:
// a file of a few comment lines verifies too, and a forged name can sort before every real backup.
// A safety snapshot of ours that holds no table (the database was empty) is still the state before
// that restore, so "latest-safety" takes it. Files never verified are verified here, newest first,
// and the results remembered. Given a database, only that database's files count (a file that records
// none, a mysqldump file, never does): another database's backup in the same folder is never "latest".
std::optional<fs::path> newest_usable(const fs::path& backup_dir, const std::string& prefix, BackupKind wanted,
                                      const std::string& keyword, const std::string& database) {
  auto state = VerificationState::load(backup_dir);
  const auto now = std::chrono::system_clock::now();
  bool verified_here = false;
  std::optional<fs::path> chosen;
  for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
    if (entry.kind != wanted) {
      continue;
    }
    if (dated_in_future(entry.timestamp, now)) {
      log_warn("{} is dated in the future: never '{}'", entry.name, keyword);
      continue;
    }
    const VerificationRecord* record = state.find(entry);
    if (record == nullptr || !record->database_known) {
      log_info("verifying {} ({}) before choosing it as '{}'", entry.name,
               record == nullptr ? tx("never verified") : tx("its database not yet known"), keyword);
      verify_entry(entry, state);
      verified_here = true;
      record = state.find(entry);
    }
    if (!database.empty() && !is_backup_of(*record, database)) {
      log_info("{} is not '{}': {}", entry.name, keyword,
               record->database ? tx("it is a backup of database '{}', not '{}'", *record->database, database)
                                : tx("it records no source database (a mysqldump file)"));
      continue;
    }
    const Health health = health_of(record);
    const bool empty_snapshot_of_ours =
        wanted == BackupKind::safety_snapshot && health == Health::empty && record->status == VerifyStatus::ok;
    if (health == Health::good || empty_snapshot_of_ours) {
      chosen = entry.path;
      break;
    }
    log_info("{} is not '{}': {}", entry.name, keyword,
             health == Health::empty ? tx("it holds no table") : tx("it failed verification"));
  }
  if (verified_here) {
    try {
      state.save();
    } catch (const Error& error) {
      log_warn("verification results not remembered: {}", error.message());
    }
  }
  return chosen;
}

std::string newest_names(const fs::path& backup_dir, const std::string& prefix) {
  std::string newest;
  std::error_code ec;
  if (!backup_dir.empty() && fs::is_directory(backup_dir, ec)) {
    int shown = 0;
    for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
      if (entry.kind == BackupKind::backup || entry.kind == BackupKind::safety_snapshot) {
        newest += fmt::format("\n  {}", entry.name);
        if (++shown == 3) {
          break;
        }
      }
    }
  }
  return newest;
}

}  // namespace

std::filesystem::path resolve_backup_file(const std::string& file, const fs::path& backup_dir,
                                          const std::string& prefix, const std::string& database) {
  if (file.empty()) {
    throw Error(ErrorCode::usage, tx("no backup file given"), tx("ifnbackup list shows the backups"));
  }
  std::error_code ec;
  const bool have_folder = !backup_dir.empty() && fs::is_directory(backup_dir, ec);
  // "latest": the newest backup that can be trusted to restore something; "latest-safety": the newest
  // safety snapshot likewise (the procedure's "Scénario 3"). A file named so is "./latest".
  if (file == "latest" || file == "latest-safety") {
    const auto wanted = file == "latest" ? BackupKind::backup : BackupKind::safety_snapshot;
    if (have_folder) {
      if (auto path = newest_usable(backup_dir, prefix, wanted, file, database)) {
        return *path;
      }
    }
    const std::string newest = newest_names(backup_dir, prefix);
    throw Error(ErrorCode::not_found,
                tx(wanted == BackupKind::backup
                       ? N_("no backup for '{}' in {}: none {}verifies good, holds a table and is dated no later "
                            "than now")
                       : N_("no safety snapshot for '{}' in {}: none {}verifies good, holds a table and is dated "
                            "no later than now"),
                   file, have_folder ? Text(backup_dir.string()) : tx("no backup folder"),
                   database.empty() ? Text() : tx("of database '{}' ", database)),
                newest.empty() ? tx("the backup folder holds no backup")
                               : tx("name one of these files to use it anyway (ifnbackup list shows why):{}", newest));
  }
  const fs::path given(file);
  if (is_bare_name(file) && have_folder) {
    const fs::path in_folder = backup_dir / given;
    if (fs::is_regular_file(in_folder, ec)) {
      return in_folder;
    }
  }
  if (fs::is_regular_file(given, ec)) {
    if (is_bare_name(file) && have_folder) {
      log_info("{} is not in the backup folder {}: using the one in the current folder", file, backup_dir.string());
    }
    return given;
  }
  // The procedure writes "backups/<name>" as well: a path whose file is in the backup folder.
  if (!is_bare_name(file) && have_folder && given.has_filename()) {
    const fs::path in_folder = backup_dir / given.filename();
    if (fs::is_regular_file(in_folder, ec)) {
      return in_folder;
    }
  }
  const std::string newest = newest_names(backup_dir, prefix);
  throw Error(ErrorCode::not_found,
              tx("backup file '{}' not found (looked in {} and as given)", file,
                 backup_dir.empty() ? tx("no backup folder") : Text(backup_dir.string())),
              newest.empty() ? tx("the backup folder holds no backup; check --backup-dir")
                             : tx("the newest backups there are:{}", newest));
}

}  // namespace ifnbackup
