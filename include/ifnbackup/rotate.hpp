#pragma once
// ifnbackup rotate: apply the retention policy to the backup folder. Backups never verified, or
// verified more than k_verification_max_age ago, are verified first, so the floor of good backups is
// counted on facts.
// Each file counts for the database it is a backup of (the source database its header records): with
// a database, only that database's backups and safety snapshots are candidates, the others are kept
// ("another database's"); without one, each database's files are judged on their own, with their own
// floor. A good file that records no database (a mysqldump file under one of our names) is never
// removed; a bad or empty one (a damaged header, a fake) is judged with the files rotated, as before.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {

struct RotateOptions {
  std::filesystem::path backup_dir;
  std::string prefix{k_default_backup_prefix};
  std::string database;  // whose backups are rotated; empty: every database's, each on its own
  RetentionPolicy policy;
  bool dry_run = false;
};

struct RotateResult {
  std::vector<RetentionDecision> decisions;  // every file of ours, newest first
  std::vector<std::string> verified;         // files verified during this run
  std::size_t removed = 0;
  std::uint64_t bytes_freed = 0;
};

// Takes the folder's lock (Error(lock_held)). Logs each removal with its reason.
RotateResult run_rotate(const RotateOptions& options);

}  // namespace ifnbackup
