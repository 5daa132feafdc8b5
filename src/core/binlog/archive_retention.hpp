#pragma once
// What rotate removes from the binary log archive (docs/pitr.md, "Retention"): the files of server
// logs older than the one holding the oldest position a kept backup needs (restore --until replays
// from a backup's recorded position onward), never the archive's newest log (the archiver may be
// writing it), never a file of another log name, never a file that is not one the archiver wrote
// (named like ours but not a binary log from where its name says).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "binlog/archive.hpp"
#include "ifnbackup/i18n.hpp"

namespace ifnbackup::binlog {

struct ArchivedFileDecision {
  std::filesystem::path path;
  std::uint64_t bytes = 0;  // on disk
  bool remove = false;
  Text reason;  // English for JSON and the log, the operator's language for the screen
};

// One file (or offsite object) named as the archive's: its name parsed, where it is (a path, or the object's
// name in the bucket), its size.
struct ArchivedFile {
  ArchiveName name;
  std::filesystem::path path;
  std::uint64_t bytes = 0;
};

// The retention rules themselves, shared by the folder and the bucket: `files` in any order; decisions
// oldest log first. A file of an older log than `needed` is removed only when `written_by_us` says it is
// one of ours (asked of removal candidates only; `not_ours` is then the reason it stays). Without
// `needed`, everything is kept for `keep_all_reason`.
std::vector<ArchivedFileDecision> decide_archive_retention(
    std::vector<ArchivedFile> files, const std::optional<LogPosition>& needed, const std::string& needed_by,
    const Text& keep_all_reason, const std::function<bool(const ArchivedFile&)>& written_by_us, const Text& not_ours);

// Whether `position` is older than `oldest` (none yet: true): the oldest position kept backups need.
bool older_position(const LogPosition& position, const std::optional<LogPosition>& oldest);

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
