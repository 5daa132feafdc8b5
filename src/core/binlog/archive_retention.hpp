#pragma once
// What rotate removes from the binary log archive (docs/pitr.md, "Retention"): the files of server
// logs older than the one holding the oldest position a kept backup needs (restore --until replays
// from a backup's recorded position onward), never the archive's newest log (the archiver may be
// writing it), never a file of another log name, never a file that is not one the archiver wrote
// (named like ours but not a binary log from where its name says).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "binlog/archive.hpp"

namespace ifnbackup::binlog {

struct ArchivedFileDecision {
  std::filesystem::path path;
  std::uint64_t bytes = 0;  // on disk
  bool remove = false;
  std::string reason;
};

// Every file of the archive named as ours, oldest log first. `needed`: the oldest position a kept
// backup needs (std::nullopt: none records one, and the archive is kept whole); `needed_by` names that
// backup in the reasons.
std::vector<ArchivedFileDecision> plan_archive_retention(const std::filesystem::path& backup_dir,
                                                         const std::optional<LogPosition>& needed,
                                                         const std::string& needed_by);

// Whether the file holds what its name says, as the archiver wrote it: a gzip whose bytes start with
// the binary log's magic number (a whole file, a chunk from 0) or with an event that ends where its
// header says (a chunk from `start`).
bool holds_archived_log(const std::filesystem::path& path, std::optional<std::uint64_t> chunk_start);

}  // namespace ifnbackup::binlog
