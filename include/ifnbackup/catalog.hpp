#pragma once
// The backup catalog: which files of a backup folder are ours, what they are and when they were taken.
//
// Our names (docs/backup-format.md):
//   <prefix>_YYYYMMDD_HHMMSS.sql.gz              a backup (prefix from the options, ifn_connect_backup)
//   pre_restore_safety_YYYYMMDD_HHMMSS.sql.gz    the snapshot taken before a restore
//   either of them + ".age"                      the same, encrypted with age (--encrypt-local; offsite
//                                                objects encrypted with --encrypt-to)
//   any of them + ".partial"                     a file being written, or left behind by a crash
// The time in the name is the LOCAL time of the start of the run and is the only time used to date
// a backup (never the file's mtime, which a copy or a touch changes). Anything else is foreign:
// never verified, listed as a candidate, rotated or removed.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup {

inline constexpr std::string_view k_default_backup_prefix = "ifn_connect_backup";
inline constexpr std::string_view k_safety_snapshot_prefix = "pre_restore_safety";
inline constexpr std::string_view k_backup_suffix = ".sql.gz";
inline constexpr std::string_view k_partial_suffix = ".partial";
inline constexpr std::string_view k_encrypted_suffix = ".age";  // after k_backup_suffix

enum class BackupKind {
  backup,           // <prefix>_YYYYMMDD_HHMMSS.sql.gz
  safety_snapshot,  // pre_restore_safety_YYYYMMDD_HHMMSS.sql.gz
  partial,          // either of the above + .partial
  foreign,          // anything else: not ours
};

// "backup", "safety_snapshot", "partial", "foreign": for logs and JSON.
const char* backup_kind_name(BackupKind kind) noexcept;

// The wall-clock fields written in a name, exactly as written (local time, no zone).
struct LocalDateTime {
  int year = 0;
  unsigned month = 0;  // 1..12
  unsigned day = 0;    // 1..31, valid for the month (leap years included)
  unsigned hour = 0;   // 0..23
  unsigned minute = 0;
  unsigned second = 0;  // 0..59 (a leap second is never written)

  friend bool operator==(const LocalDateTime&, const LocalDateTime&) = default;
};

struct BackupName {
  BackupKind kind = BackupKind::foreign;  // backup, safety_snapshot or partial
  // What the file is (or will be once renamed): backup or safety_snapshot. Equal to kind unless partial.
  BackupKind final_kind = BackupKind::foreign;
  bool encrypted = false;  // <...>.sql.gz.age: age-encrypted (ifnbackup/encrypted_backup.hpp)
  LocalDateTime local;
  // The name's local time as an instant, through the system's time zone (TZ). In a daylight-saving
  // change an hour that does not exist is normalised and a repeated hour takes one of its two readings.
  // A time past what a time_point holds (after the year 2262) is time_point::max().
  std::chrono::system_clock::time_point timestamp;
};

// Recognises one of our names; std::nullopt for anything else (foreign). Pure apart from reading the
// time zone. Strict: exactly 8 + 6 digits, a real calendar date and time, nothing before or after
// (rejects "copy of ...", "....sql.gz.bak", "..._2025122_020000.sql.gz", 2025-02-30, 24:00:00).
// The same names with ".age" after ".sql.gz" are ours too, encrypted: local files and offsite objects.
// An empty prefix matches no backup (safety snapshots are still recognised). The safety prefix is
// tried first: check_backup_prefix refuses it as a prefix.
std::optional<BackupName> parse_backup_name(std::string_view name, std::string_view prefix);

// The longest --prefix: its names, with the stamp and ".sql.gz.age.partial", stay under 255 bytes.
inline constexpr std::size_t k_max_prefix_bytes = 200;

// Error(usage) unless `prefix` can name backups of its own: not empty, no '/' or control character,
// not starting with '.' (hidden) or '-' (read as an option by gunzip and the shell tools), at most
// k_max_prefix_bytes, and not the safety snapshots' prefix (its backups would be rotated as safety
// snapshots by the rotation of any prefix).
void check_backup_prefix(std::string_view prefix);

// How far past now a name's time may be and still count as now: a daylight-saving hour read the
// later way, a clock a little ahead. Later than that, a backup is "dated in the future": never
// "latest", never counted in the retention floor (a name forged to look newest, a clock set wrong).
inline constexpr std::chrono::hours k_future_tolerance{2};

// The name's time is later than now + k_future_tolerance.
bool dated_in_future(std::chrono::system_clock::time_point timestamp, std::chrono::system_clock::time_point now);

// "<prefix>_YYYYMMDD_HHMMSS.sql.gz" for the local time of `when` (seconds truncated).
std::string format_backup_name(std::string_view prefix, std::chrono::system_clock::time_point when);

// One directory entry of a backup folder.
struct CatalogEntry {
  std::string name;  // file name, no directory
  std::filesystem::path path;
  BackupKind kind = BackupKind::foreign;
  BackupKind final_kind = BackupKind::foreign;        // see BackupName; foreign for foreign files
  bool encrypted = false;                             // see BackupName
  LocalDateTime local;                                // from the name; zeros for foreign files
  std::chrono::system_clock::time_point timestamp{};  // from the name; epoch for foreign files
  std::uintmax_t size = 0;                            // of the entry itself (a symlink is not followed)
  std::chrono::system_clock::time_point mtime{};      // of the entry itself (lstat)
};

// Builds an entry for `name` in `dir` from its name alone (size and mtime left zero): for tests and for
// callers that know a file by name. Foreign when the name is not ours.
CatalogEntry catalog_entry_from_name(const std::filesystem::path& dir, std::string_view name, std::string_view prefix);

// The catalog order, "newest first": our files by the name's timestamp, newest first, equal times by
// name; foreign files after all of ours, by name. A strict weak ordering for std::sort.
bool newest_first(const CatalogEntry& a, const CatalogEntry& b) noexcept;

// Every entry of `dir` (not recursive), in catalog order. Symlinks are never followed: a symlink, a
// subfolder, a socket... is foreign whatever its name. An entry that vanishes during the scan (another
// run rotating) is left out. Throws Error(io) when the folder does not exist or cannot be read.
std::vector<CatalogEntry> scan_backup_folder(const std::filesystem::path& dir, std::string_view prefix);

}  // namespace ifnbackup
