#pragma once
// The trailer of a backup file (docs/backup-format.md): manifest, content checksum, completion
// marker. The writer and the verifier share these definitions.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup {

struct TableCount {
  std::string name;
  std::uint64_t rows = 0;
  // The content digest of the rows (proof/row_digest: 32 hex digits); empty in files of format 2
  // and older, which have none.
  std::string digest;

  friend bool operator==(const TableCount&, const TableCount&) = default;
};

inline constexpr std::string_view k_manifest_begin_line = "-- ifnbackup-manifest-begin";
inline constexpr std::string_view k_manifest_table_prefix = "-- ifnbackup-table: ";
inline constexpr std::string_view k_manifest_end_prefix = "-- ifnbackup-manifest-end: ";
inline constexpr std::string_view k_checksum_prefix = "-- ifnbackup-sha256: ";
inline constexpr std::string_view k_completion_prefix = "-- Dump completed";

// A table name in the trailer (manifest and section index), on one line whatever it holds:
// `name` with backticks doubled, or x'<lowercase hex of its UTF-8 bytes>' when it holds a control
// byte (0x00-0x1f, 0x7f: a line break, a tab...). Older files only have the first form.
void append_trailer_name(std::string& out, std::string_view name);
// The whole of `text` as one such name; std::nullopt for anything else (x'...' of a name that
// needs no hexadecimal included: one spelling per name).
std::optional<std::string> parse_trailer_name(std::string_view text);

// A name as the dumper's comment lines (`-- Table structure for table ...`) show it: between
// backticks, backticks doubled, every control byte as \xHH, so that a line break in a name can
// never end the comment and turn the rest of the name into SQL.
std::string comment_identifier(std::string_view name);

// The header line naming the source database: "-- ifnbackup-database: <name>\n", or, for a name
// holding a control byte, "-- ifnbackup-database-hex: <lowercase hex of its bytes>\n".
std::string format_database_header_line(std::string_view database);
// The source database from a file's header lines (VerifyResult::header); std::nullopt when it
// records none (a mysqldump file) or a malformed one.
std::optional<std::string> header_database(const std::map<std::string, std::string>& header);

// The manifest block, each line ending in '\n':
//   -- ifnbackup-manifest-begin
//   -- ifnbackup-table: `name` rows=N digest=<32 hex>   (the name as append_trailer_name writes
//                                                         it; no digest before format 3, nor, from
//                                                         format 5, for a table the reader computes
//                                                         it for: proof::k_computed_digest_bytes)
//   -- ifnbackup-manifest-end: tables=T rows=R
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

// The section index (docs/backup-format.md, "Section index"): where each part of the file lies,
// so one table can be read without the rest. A section that owns a range starts on a gzip member
// boundary; a small table (or the objects) that follows a section of less than 1 MiB is written
// in that section's range instead ("with-previous": a gzip member per tiny table would make the
// file much larger than gzip -6's).
// A big table's rows go on in `part` sections (about every 8 MiB of SQL, between two INSERT
// statements): verify decodes sections on several threads, restore --tables reads a table's
// range and its parts.
enum class SectionKind { prologue, table, part, objects };
struct Section {
  SectionKind kind = SectionKind::prologue;
  std::string table;           // SectionKind::table and part
  std::uint64_t rows = 0;      // SectionKind::table only: all of the table's rows
  bool with_previous = false;  // table or objects in the previous section's range: no range of its own
  std::uint64_t at = 0;        // compressed offset of its first gzip member
  std::uint64_t size = 0;      // compressed bytes (whole members)
  std::uint64_t bytes = 0;     // uncompressed bytes
  std::uint32_t crc32 = 0;     // CRC-32 of the uncompressed bytes
  // SHA-256 of the uncompressed bytes (64 hex digits; format 4 and later, empty before): restore
  // --tables proves the sections it reads alone with these, the index being signed.
  std::string sha256;

  friend bool operator==(const Section&, const Section&) = default;
};

inline constexpr std::string_view k_index_begin_line = "-- ifnbackup-index-begin";
inline constexpr std::string_view k_index_section_prefix = "-- ifnbackup-section: ";
inline constexpr std::string_view k_index_end_prefix = "-- ifnbackup-index-end: ";
inline constexpr std::string_view k_index_locator_prefix = "-- ifnbackup-index-at: ";

// The index block, each line ending in '\n':
//   -- ifnbackup-index-begin
//   -- ifnbackup-section: prologue at=A size=S bytes=B crc32=XXXXXXXX sha256=<64 hex>
//   -- ifnbackup-section: table `name` rows=N at=A size=S bytes=B crc32=XXXXXXXX sha256=<64 hex>
//   -- ifnbackup-section: table `name` rows=N with-previous
//   -- ifnbackup-section: part `name` at=A size=S bytes=B crc32=XXXXXXXX
//   -- ifnbackup-section: objects at=A size=S bytes=B crc32=XXXXXXXX   (or: objects with-previous)
//   -- ifnbackup-index-end: sections=K
// (" sha256=<64 hex>" after the CRC-32 of every section with a range, from format 4 on.)
std::string format_index(const std::vector<Section>& sections);
// The whole block exactly as format_index writes it; std::nullopt for anything else.
std::optional<std::vector<Section>> parse_index(std::string_view text);
// True when the ranges of the sections that own one follow each other from offset 0 (compressed
// and uncompressed alike), none empty, and end at `end_at` compressed / `end_bytes`
// uncompressed; the prologue first (with a range), the objects last, tables between them, each
// part (with a range) right after its table or another part of it.
bool index_is_contiguous(const std::vector<Section>& sections, std::uint64_t end_at, std::uint64_t end_bytes);

// "-- ifnbackup-index-at: <A> size=<S> sha256=<64 hex>\n": where the index block's gzip members are,
// and the SHA-256 of its text (format 4 on; the signature covers it).
struct IndexLocator {
  std::uint64_t at = 0;
  std::uint64_t size = 0;
  std::string sha256;  // empty before format 4
};
std::string format_index_locator(const IndexLocator& locator);
std::optional<IndexLocator> parse_index_locator(std::string_view line);

}  // namespace ifnbackup
