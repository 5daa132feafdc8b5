// rotate's part of the binary log archive: the oldest position a kept backup records, then the
// archive's files of older server logs removed (binlog/archive_retention.hpp decides).
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  for (const auto& decision : decisions) {
    if (decision.remove || decision.entry.kind != BackupKind::backup) {
      continue;
    }
    const auto position = backup_binlog_position(decision.entry.path);
    if (position && binlog::older_position(*position, needed)) {
      needed = position;
      result.needed_by = decision.entry.name;
    }
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
      file.reason = std::string("cannot remove it: ") + std::strerror(errno);
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
