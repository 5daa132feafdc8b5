#pragma once
// The binary log archive in the backup folder (docs/pitr.md): `<backup-dir>/binlog/`, holding the
// server's files byte for byte, gzip-compressed, complete or absent:
//   <log>.gz                   a whole server file (binlog.000042.gz): the server went on to the next
//   <log>.from-<offset>.gz     a closed chunk of the file being archived: its bytes from <offset>
//                              (10 digits) to the next chunk's offset; the first chunk is from 0 and
//                              holds the magic number, so `zcat binlog.000042.*` is the server's file
// Chunks of a file become its whole file when the server moves to the next one (gzip members
// concatenated: nothing is decompressed). The archive is its own state: where to resume and whether
// anything is missing are read from these names (and the last chunk's length), never from a
// separate file that could disagree.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::binlog {

inline constexpr std::string_view k_archive_folder = "binlog";
inline constexpr std::string_view k_chunk_marker = ".from-";
inline constexpr std::string_view k_archive_suffix = ".gz";
// The archiver's own lock file, in the archive folder: two archivers never run at once, and a
// following archiver never holds the backup folder's lock (backups go on beside it).
inline constexpr const char* k_archive_lock = ".ifnbackup-binlog.lock";
// Touched by the archiver when it finds itself caught up with the server (the end of a run, a
// heartbeat of an idle server): its mtime tells monitoring that nothing the server wrote before it is
// missing, so an idle server is not taken for a stopped archiver. Not state: nothing resumes from it.
inline constexpr const char* k_in_step_mark = ".ifnbackup-binlog.in-step";

// Written by the archiver after each chunk it closes and each file it joins: the newest file's name,
// size on disk, end and newest event, so status and check need not decompress it (a whole log just after
// a rotation can be a gigabyte). A cache, never state: trusted only when it names the archive's newest
// file at the size it has on disk; otherwise the file is read.
inline constexpr const char* k_newest_note = ".ifnbackup-binlog.newest";

// A server log name: "<base>.<digits>" (binlog.000042, mysql-bin.000001).
struct LogName {
  std::string base;
  std::uint64_t number = 0;
  unsigned width = 0;  // digits as written (6 for the server's own)
  std::string str() const;
  LogName next() const;
  friend bool operator==(const LogName&, const LogName&) = default;
};
std::optional<LogName> parse_log_name(std::string_view name);
bool log_order(const LogName& a, const LogName& b) noexcept;

struct ArchiveChunk {
  std::filesystem::path path;
  std::uint64_t start = 0;
};

// One server file in the archive: whole, or the chunks archived so far.
struct ArchivedLog {
  LogName name;
  std::optional<std::filesystem::path> whole;
  std::vector<ArchiveChunk> chunks;  // by start; empty when whole
};

// A place in the server's binary log.
struct LogPosition {
  std::string file;
  std::uint64_t offset = 0;
  std::string str() const;  // "binlog.000042:1234"
};

// Something missing in the archive, as an operator reads it.
struct ArchiveGap {
  std::string after;   // the last position archived before it ("binlog.000041:end", "binlog.000042:1234")
  std::string before;  // the first one archived after it
};

struct ArchiveScan {
  std::filesystem::path folder;
  std::vector<ArchivedLog> logs;  // in the server's order
  std::vector<ArchiveGap> gaps;
  std::size_t tail_start = 0;                   // the first of `logs` from which the archive has no gap to its end
  std::vector<std::filesystem::path> partials;  // *.partial: left by a run that was killed
  bool empty() const noexcept { return logs.empty(); }
};

// A name of the archive: a whole file's (chunk_start empty) or a chunk's; std::nullopt for any other.
struct ArchiveName {
  LogName log;
  std::optional<std::uint64_t> chunk_start;
};
std::optional<ArchiveName> parse_archive_name(std::string_view name);

std::filesystem::path archive_folder(const std::filesystem::path& backup_dir);
std::string chunk_file_name(const LogName& log, std::uint64_t start);
std::string whole_file_name(const LogName& log);

// Reads the folder's names (nothing is decompressed). A missing folder is an empty archive; a name
// that is not ours is left alone. Gaps: a missing file number between two archived files, chunks
// that do not start at 0 or where the previous one ends (only the last chunk's end is not checked
// here), a file that is not whole followed by a later file.
ArchiveScan scan_archive(const std::filesystem::path& backup_dir);

// The uncompressed size of a chunk or file (it is decompressed and its CRCs checked). Throws
// Error(corrupt/incomplete) for a damaged one.
std::uint64_t archived_size(const std::filesystem::path& path);

// The first event of an archived server file (its Format_description, after the magic number), read
// from its whole file or its chunk from 0; std::nullopt when the archive holds neither. Throws
// Error(corrupt/incomplete) for a damaged file.
std::optional<std::string> archived_header_event(const ArchivedLog& log);

// Where the next archiving run goes on: after the newest whole file, the start of the next file;
// after chunks, the end of the last one. std::nullopt for an empty archive.
std::optional<LogPosition> resume_position(const ArchiveScan& scan);

// Touches the in-step mark (k_in_step_mark) of the archive folder; a failure is logged, not thrown.
void mark_in_step(const std::filesystem::path& folder);
// When the archiver last touched it (UTC, to the nanosecond the file system keeps); nullopt: never.
std::optional<std::chrono::system_clock::time_point> in_step_time(const std::filesystem::path& folder);

struct NewestNote {
  std::string file;                         // a chunk's or a whole file's name
  std::uint64_t size = 0;                   // its size on disk
  std::string end;                          // "end" for a whole file, else the offset the chunk ends at
  std::uint32_t newest = 0;                 // the newest event's timestamp in that file
  std::optional<std::uint32_t> log_newest;  // the newest of the whole server log so far; nullopt: unknown
};
// Replaces the note (a temporary file renamed over it); a failure is logged, not thrown.
void write_newest_note(const std::filesystem::path& folder, const NewestNote& note);
void remove_newest_note(const std::filesystem::path& folder);
// The folder's note when the file it names has that size on disk now; nullopt otherwise (the caller
// checks that it names the file it wants).
std::optional<NewestNote> read_newest_note(const std::filesystem::path& folder);

// Whether the archive holds `position` and everything after it with no gap (as far as the names say).
bool holds_from(const ArchiveScan& scan, const LogPosition& position);

// The chunks of `log` end where the next one starts; returns the gap found by reading their sizes
// (each one decompressed), if any.
std::optional<ArchiveGap> check_chunk_ends(const ArchivedLog& log);

}  // namespace ifnbackup::binlog
