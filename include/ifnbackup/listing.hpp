#pragma once
// `ifnbackup list`: what the backup folder holds, newest first, with what is known of each file
// (its last verification), the space used and left, and the newest good backup.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/disk_space.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {

struct ListedFile {
  CatalogEntry entry;                              // a backup, safety snapshot or partial file (never a foreign one)
  std::optional<VerificationRecord> verification;  // std::nullopt: never verified, or changed since
  std::chrono::seconds age{0};                     // of the name's time
  // Its table and row counts are known: it verified ok (only our files have a manifest).
  bool counts_known() const { return verification && verification->status == VerifyStatus::ok; }
};

struct FolderListing {
  std::filesystem::path backup_dir;
  std::vector<ListedFile> files;  // catalog order, newest first
  std::size_t backups = 0;
  std::size_t safety_snapshots = 0;
  std::size_t partials = 0;
  // Files that are not ours (never touched), our own lock, state and log files left out.
  std::size_t foreign = 0;
  std::uint64_t bytes_used = 0;
  std::optional<DiskSpace> space;
  std::optional<ListedFile> newest_good;  // a verified backup holding a table, not dated in the future
};

// Reads the folder and its verification state; reads no backup. Throws Error(usage) for an empty
// folder name, Error(io) when it cannot be read.
FolderListing list_backup_folder(const std::filesystem::path& backup_dir, const std::string& prefix,
                                 std::chrono::system_clock::time_point now);

}  // namespace ifnbackup
