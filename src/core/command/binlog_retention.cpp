// rotate's part of the binary log archive: the oldest position a kept backup records, then the
// archive's files of older server logs removed (binlog/archive_retention.hpp decides).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>

#include "binlog/archive_retention.hpp"
#include "command/backup_header.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/printable.hpp"
#include "io/folder_lock.hpp"

namespace ifnbackup {

BinlogRetentionResult rotate_binlog_archive(const std::filesystem::path& backup_dir,
                                            const std::vector<RetentionDecision>& decisions, bool dry_run) {
  BinlogRetentionResult result;
  if (binlog::scan_archive(backup_dir).empty()) {
    return result;
  }
  result.exists = true;
  const io::FolderLock lock(backup_dir);
  std::optional<binlog::LogPosition> needed;
  const auto consider = [&](const std::filesystem::path& path, const std::string& name) {
    const auto position = backup_binlog_position(path);
    if (position && binlog::older_position(*position, needed)) {
      needed = position;
      result.needed_by = name;
    }
  };
  std::set<std::string> decided;
  for (const auto& decision : decisions) {
    decided.insert(decision.entry.name);
    if (decision.remove || decision.entry.kind != BackupKind::backup) {
      continue;
    }
    consider(decision.entry.path, decision.entry.name);
  }
  // Backups of another prefix in the folder (another schedule's, rotated by its own runs) are not among
  // the decisions: what they need is kept too (a rotation of 'nightly' removed what 'weekly' needed).
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(backup_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (decided.count(name) != 0 || !name.ends_with(".sql.gz") || name.starts_with(k_safety_snapshot_prefix) ||
        entry.is_symlink(error) || !entry.is_regular_file(error)) {
      continue;
    }
    consider(entry.path(), name);
  }
  if (needed) {
    result.needed_from = needed->str();
  }
  for (auto& decision : binlog::plan_archive_retention(backup_dir, needed, result.needed_by)) {
    BinlogRetentionFile file{decision.path.filename().string(), decision.bytes, decision.remove, decision.reason};
    if (decision.remove && dry_run) {
      log_info("would remove binlog/{}: {}", file.name, file.reason);
    } else if (decision.remove && ::unlink(decision.path.c_str()) != 0) {
      log_error("cannot remove {}: {}", decision.path.string(), std::strerror(errno));
      file.remove = false;
      file.reason = tx("cannot remove it: {}", std::strerror(errno));
    } else if (decision.remove) {
      log_info("removed binlog/{} ({} bytes): {}", file.name, file.bytes, file.reason);
      ++result.removed;
      result.bytes_freed += file.bytes;
    }
    result.files.push_back(std::move(file));
  }
  return result;
}

}  // namespace ifnbackup
