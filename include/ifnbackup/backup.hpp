#pragma once
// ifnbackup backup: one consistent dump of one database into
// <backup_dir>/<prefix>_YYYYMMDD_HHMMSS.sql.gz, complete or absent.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/options.hpp"

namespace ifnbackup {

struct BackupResult {
  std::filesystem::path file;
  std::uint64_t compressed_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  std::uint64_t rows = 0;
  std::vector<TableCount> tables;
  std::string sha256;
  std::string snapshot;  // binlog / GTID / TSO position of the snapshot, or "none"
  std::chrono::milliseconds duration{0};
  unsigned retries = 0;  // dumps started again after a schema change (BackupOptions::retries)
};

// Takes the backup folder's lock (Error(lock_held) if another run has it), then writes the file; a
// schema change under the dump starts it again (BackupOptions::retries), logged as a warning.
BackupResult run_backup(const BackupOptions& options);

// Writes the file; the caller already holds the folder's lock (restore's safety snapshot).
BackupResult write_backup(const BackupOptions& options);

}  // namespace ifnbackup
