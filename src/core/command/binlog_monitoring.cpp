// status, check and metrics: what the binary log archive holds, and the window a restore --until
// reaches from the backups of the folder (docs/pitr.md, "Monitoring").
#include <spdlog/spdlog.h>

#include "binlog/archive.hpp"
#include "command/backup_header.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup {

BinlogArchiveStatus read_binlog_monitoring(const std::filesystem::path& backup_dir, const std::string& prefix,
                                           const std::string& database) {
  BinlogArchiveStatus status;
  try {
    const auto scan = binlog::scan_archive(backup_dir);
    if (scan.empty()) {
      return status;
    }
    status = read_binlog_archive_status(backup_dir);
    for (const auto& base : recovery_bases(backup_dir, prefix, database)) {
      // Newest first: the last one the archive holds is the oldest reachable.
      if (base.started_utc <= status.newest_event && binlog::holds_from(scan, base.position)) {
        status.window_from = static_cast<std::uint32_t>(base.started_utc);
        status.window_backup = base.path.filename().string();
      }
    }
  } catch (const Error& error) {
    status.exists = true;
    status.problem = error.what();
  } catch (const std::exception& error) {
    status.exists = true;
    status.problem = error.what();
  }
  return status;
}

}  // namespace ifnbackup
