#pragma once
// The run journal: one JSON line per run of backup, restore, verify, rotate and drill in
// <log-dir>/journal.jsonl, the memory that status and check read ("did last night's backup run?").
//
// A line is appended with O_APPEND in a single write() and fsynced, so a crash can only tear the
// last line; readers skip any line that is not a complete record. Lines never hold a password.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup {

inline constexpr std::string_view k_journal_file_name = "journal.jsonl";

struct RunRecord {
  std::string command;  // "backup", "restore", "verify", "rotate", "drill"
  std::chrono::system_clock::time_point start{};
  std::chrono::system_clock::time_point end{};
  std::string result = "ok";  // "ok" or error_code_name() of the failure ("lock_held")
  int exit_code = 0;
  std::string file;  // the backup written or restored; empty when none
  std::uint64_t bytes = 0;
  std::uint64_t rows = 0;
  std::int64_t duration_ms = 0;
  std::string message;  // one line, for the operator
  // drill lines only: the scratch database, the tables checked and those proven identical, and the
  // restore's own time (verify, load, proof: the RTO measured, without the drop).
  std::string database;
  std::uint64_t tables = 0;
  std::uint64_t tables_proven = 0;
  std::int64_t restore_ms = 0;
  // backup lines only: dumps started again after a schema change under the dump (BackupResult::retries).
  std::uint64_t retries = 0;
  // backup and push with --offsite: "ok" or "failed" (empty: no offsite copy asked), and what was sent
  // where, or why it failed; rotate with --offsite: the offsite rotation's result.
  std::string offsite;
  std::string offsite_message;
  // The newest backup this run saw in the bucket with our SHA-256 header (empty: none seen): backup,
  // the file it uploaded and checked by HEAD; push, the newest file sent or found there; rotate with
  // --offsite, the newest good backup it listed. status and check date the offsite copy by it.
  std::string offsite_file;
  // push: the newest server log of the binary log archive whose copy is offsite after this run
  // ("binlog.000042"; empty: no archive, or none offsite). status and check say how far behind it is.
  std::string binlog_offsite;

  bool ok() const { return exit_code == 0; }
};

// The record as one JSON object followed by '\n'. Times are local ISO 8601 with their zone.
std::string format_journal_line(const RunRecord& record);

// A line back into a record; nullopt for anything that is not a complete record (a torn line).
std::optional<RunRecord> parse_journal_line(std::string_view line);

// Appends one line to <dir>/journal.jsonl (created 0600). Throws Error(io).
void append_journal(const std::filesystem::path& dir, const RunRecord& record);

struct Journal {
  std::vector<RunRecord> records;  // in file order (oldest first)
  std::size_t skipped_lines = 0;   // torn or foreign lines left out
};

// Reads <dir>/journal.jsonl; a missing file is an empty journal. Throws Error(io) when unreadable.
Journal read_journal(const std::filesystem::path& dir);

// The last record of a command, or nullptr.
const RunRecord* last_run(const Journal& journal, std::string_view command);

// "2026-11-25T02:00:04.123+01:00": local time with milliseconds and the zone's offset.
std::string format_iso8601(std::chrono::system_clock::time_point when);
// Reads what format_iso8601 writes (milliseconds optional; "Z" accepted for UTC).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace ifnbackup
