#pragma once
// One pass over the decompressed content of a backup, in flat memory: hashes everything but a
// short tail (the checksum line's position is only known at the end), collects the header lines
// and finds the manifest block with a substring search that works across chunk boundaries.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/verify.hpp"
#include "util/sha256.hpp"
#include "verify/statement_scan.hpp"

namespace ifnbackup::verify_detail {

class ContentScan {
 public:
  ContentScan();
  ~ContentScan();
  ContentScan(const ContentScan&) = delete;
  ContentScan& operator=(const ContentScan&) = delete;

  void feed(std::string_view chunk);
  // A file with a section index: that many bytes (index block, locator line) lie between the
  // manifest and the checksum line.
  void expect_trailer(std::uint64_t bytes) { m_trailer_bytes = bytes; }
  // The backup's read-back (VerifyCheck::written): the statements are not cut nor judged.
  void skip_statements() noexcept { m_read_statements = false; }
  // A file whose every range's SHA-256 was checked as it was decoded (on the decoding threads: the
  // read-back, the verification before a restore): the content is not hashed again as a whole, and
  // the checksum line's SHA-256, which the signature covers with the index, is taken as the result's.
  // `ifnbackup verify` and rotate's verification hash the whole content.
  void skip_content_hash() noexcept { m_hash_content = false; }
  // After the last chunk: fills status, reason, sha256, tables, completed_at, header and
  // uncompressed_bytes of `result` from the trailer rules of docs/backup-format.md.
  void conclude(VerifyResult& result);

  // The header lines seen so far (also known for a file that turns out truncated).
  const std::map<std::string, std::string>& header() const noexcept { return m_header; }
  // The tables of the last complete manifest block seen, or nullptr.
  const std::vector<TableCount>* manifest_tables() const noexcept {
    return m_have_manifest ? &m_manifest.tables : nullptr;
  }

 private:
  struct Manifest {
    std::vector<TableCount> tables;
    std::uint64_t rows = 0;
    ManifestTotals totals;
    std::uint64_t end_offset = 0;  // stream offset just after the manifest-end line
  };
  enum class Mode { scan, manifest };
  // The last lines of the content, found from its end by conclude()'s steps (offsets in m_tail).
  struct TrailerLines {
    std::size_t marker_start = 0;  // the completion marker
    std::string_view signature;    // format 4 on, between the checksum line and the marker
    std::string_view checksum;
    std::size_t checksum_start = 0;
  };

  void hash_and_keep_tail(std::string_view chunk);
  void hash(std::string_view bytes) noexcept {
    if (m_hash_content) {
      m_sha.update(bytes);
    }
  }
  void keep_after_manifest(std::string_view chunk);
  // A file re-compressed by another tool: its index block and locator line are still between
  // the manifest and the checksum line (`before_checksum`: the content up to that line), but
  // the stored tail that locates them is gone.
  bool index_block_between(std::string_view before_checksum, bool whole) const;
  void scan_header(std::string_view chunk);
  void scan_line_starts(std::string_view chunk);
  void classify_line_start(std::string_view head);
  // The header says ifnbackup wrote this file: its first line or one of its "-- ifnbackup-" lines.
  bool written_by_ifnbackup() const;
  void scan_manifest(std::string_view chunk);
  void start_manifest();
  void manifest_line(std::string_view line, std::uint64_t end_offset);
  void leave_manifest();
  // Why the content is not an SQL dump, or empty if it looks like one.
  std::string not_sql_reason() const;
  // conclude()'s steps, in order. Each returns false (or nullopt) once it has given the verdict.
  bool read_completion_marker(VerifyResult& result, TrailerLines& lines) const;
  std::optional<ChecksumLine> read_checksum_line(VerifyResult& result, TrailerLines& lines) const;
  bool check_content_checksum(VerifyResult& result, const ChecksumLine& checksum, std::size_t checksum_start);
  bool check_signature(VerifyResult& result, const ChecksumLine& checksum, const TrailerLines& lines) const;
  bool check_manifest(VerifyResult& result, std::size_t checksum_start) const;
  // m_tail is the entire content (nothing hashed yet): a line without a '\n' before it starts at 0.
  bool tail_is_whole() const noexcept { return m_hashed == 0; }

  util::Sha256 m_sha;
  std::uint64_t m_hashed = 0;  // bytes already given to m_sha
  std::string m_tail;          // bytes not hashed yet (the last few KiB)
  std::uint64_t m_offset = 0;  // stream offset of the chunk being fed

  // Header.
  bool m_header_open = true;
  std::string m_header_line;
  std::uint64_t m_header_scanned = 0;
  std::map<std::string, std::string> m_header;
  std::string m_prefix;  // the first bytes, to tell an SQL dump from anything else

  // Line starts (what a legacy file holds).
  bool m_line_head_open = true;  // the bytes fed last are the start of a line
  std::string m_line_head;       // the first bytes of the current line, up to a few
  std::uint64_t m_create_table_lines = 0;
  std::uint64_t m_insert_lines = 0;

  // Manifest.
  struct Searcher;
  std::unique_ptr<Searcher> m_searcher;
  Mode m_mode = Mode::scan;
  std::string m_carry;  // the last bytes of the stream, for a match across chunks
  std::string m_line;   // manifest line being assembled
  Manifest m_current;
  bool m_have_manifest = false;
  Manifest m_manifest;  // the last complete manifest block
  std::uint64_t m_trailer_bytes = 0;
  std::string m_after_manifest;  // the first bytes after the last manifest block

  bool m_read_statements = true;
  bool m_hash_content = true;
  StatementScan m_statements;  // what each statement would do
};

}  // namespace ifnbackup::verify_detail
