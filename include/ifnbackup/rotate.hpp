#pragma once
// ifnbackup rotate: apply the retention policy to the backup folder. Backups never verified
// are verified first, so the floor of good backups is counted on facts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ifnbackup/retention.hpp"

namespace ifnbackup {

struct RotateOptions {
  std::filesystem::path backup_dir;
  std::string prefix = "ifn_connect_backup";
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
