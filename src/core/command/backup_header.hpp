#pragma once
// The "-- ifnbackup-<key>: <value>" lines at the head of one of our backups, as restore --until and
// the archive's retention read them (not verified: what is restored is verified whole).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "binlog/archive.hpp"

namespace ifnbackup {

// Empty when the file cannot be read.
std::map<std::string, std::string> read_backup_header(const std::filesystem::path& path);

// "2026-11-30T14:52:38Z" as UTC seconds.
std::optional<std::int64_t> parse_header_time(const std::string& text);

// The snapshot line ("binlog=binlog.000001:595112531 gtid=0-1-35356"): its binlog position, its GTID
// position (empty when it records none).
std::optional<binlog::LogPosition> parse_snapshot_position(const std::string& text);
std::string parse_snapshot_gtid(const std::string& text);
// The binlog position a backup file's header records; nullopt when it records none or cannot be read.
std::optional<binlog::LogPosition> backup_binlog_position(const std::filesystem::path& path);

// One of our backups a restore --until may start from: it records its start and binlog position.
struct RecoveryBase {
  std::filesystem::path path;
  std::string started;  // as its header writes it ("2026-11-30T14:52:38Z")
  std::int64_t started_utc = 0;
  binlog::LogPosition position;
  std::string gtid;  // its GTID position; empty when it records none
};

// Our backups of `database` (empty: any database's) that record their start and binlog position and are
// not known to be bad (the remembered verification), newest first.
std::vector<RecoveryBase> recovery_bases(const std::filesystem::path& backup_dir, const std::string& prefix,
                                         const std::string& database);

}  // namespace ifnbackup
