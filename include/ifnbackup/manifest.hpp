#pragma once
// The trailer of a backup file (docs/backup-format.md): manifest, content checksum, completion
// marker. The writer and the verifier share these definitions.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup {

struct TableCount {
  std::string name;
  std::uint64_t rows = 0;

  friend bool operator==(const TableCount&, const TableCount&) = default;
};

inline constexpr std::string_view k_manifest_begin_line = "-- ifnbackup-manifest-begin";
inline constexpr std::string_view k_manifest_table_prefix = "-- ifnbackup-table: ";
inline constexpr std::string_view k_manifest_end_prefix = "-- ifnbackup-manifest-end: ";
inline constexpr std::string_view k_checksum_prefix = "-- ifnbackup-sha256: ";
inline constexpr std::string_view k_completion_prefix = "-- Dump completed";

// The manifest block, each line ending in '\n':
//   -- ifnbackup-manifest-begin
//   -- ifnbackup-table: `name` rows=N      (backticks inside the name doubled)
//   -- ifnbackup-manifest-end: tables=T rows=R
// Throws Error(internal) for a table name holding a line break (it cannot be written on one line).
std::string format_manifest(const std::vector<TableCount>& tables);

// "-- ifnbackup-sha256: <hex> bytes=<N>\n"
std::string format_checksum_line(std::string_view sha256_hex, std::uint64_t bytes);

// "-- Dump completed on YYYY-MM-DD HH:MM:SS\n", local time like mysqldump.
std::string format_completion_line(std::chrono::system_clock::time_point when);

// Parsers of single lines (without their '\n'); std::nullopt when the line is not of that kind
// or is malformed.
std::optional<TableCount> parse_manifest_table_line(std::string_view line);
struct ManifestTotals {
  std::uint64_t tables = 0;
  std::uint64_t rows = 0;
};
std::optional<ManifestTotals> parse_manifest_end_line(std::string_view line);
struct ChecksumLine {
  std::string sha256_hex;  // lowercase
  std::uint64_t bytes = 0;
};
std::optional<ChecksumLine> parse_checksum_line(std::string_view line);

}  // namespace ifnbackup
