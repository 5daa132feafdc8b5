#pragma once
// Buffers the SQL text of a dump, hashes it (SHA-256, the file's content checksum) and hands
// it to the gzip writer in large chunks. It also marks where each section of the file starts
// (prologue, one per table, the other objects) and ends the file with the section index
// (docs/backup-format.md).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::sign {
class SigningKey;
}

namespace ifnbackup::backup {

class DumpWriter {
 public:
  static constexpr std::uint64_t k_part_bytes = 8 * 1024 * 1024;
  // A table or the objects start their own range only after this much SQL in the current one:
  // tiny tables share a range (a gzip member each would cost compression, see manifest.hpp).
  static constexpr std::uint64_t k_min_range_bytes = 1024 * 1024;

  explicit DumpWriter(io::ParallelGzipWriter& gzip, std::size_t chunk_bytes = 256 * 1024,
                      std::uint64_t part_bytes = k_part_bytes, std::uint64_t min_range_bytes = k_min_range_bytes);

  // Appending straight into the buffer avoids a copy; call maybe_flush() afterwards.
  std::string& buffer() { return m_buffer; }
  void write(std::string_view text) {
    m_buffer.append(text);
    maybe_flush();
  }
  void maybe_flush() {
    if (m_buffer.size() >= m_chunk_bytes) {
      flush();
    }
  }
  // What is written next starts a new section, on a new gzip member. The prologue starts itself.
  void begin_table(const std::string& table);
  // After an INSERT statement of the current table: once its range holds k_part_bytes, the next
  // INSERT of the table (statement_begin) starts a part. Not this call: the table may end here,
  // and a part starts with an INSERT (verify checks it).
  void statement_end() {
    m_part_due = bytes() - m_section_start >= m_part_bytes;
    maybe_flush();
  }
  // Before an INSERT statement of the current table is appended to the buffer.
  void statement_begin() {
    if (m_part_due) {
      begin_section(SectionKind::part, m_marks.back().section.table);
    }
  }
  void end_table(std::uint64_t rows);
  void begin_objects();

  // Writes the manifest (hashed with the content) and the section index, finishes the gzip
  // stream, then appends the index locator, checksum, signature (by `key`; none without one) and
  // completion lines as one stored member. Returns the content's SHA-256 in hex.
  std::string finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed,
                     const sign::SigningKey* key = nullptr);
  // Called after each chunk handed to the gzip writer: SQL bytes so far, rows of the tables ended.
  void on_progress(std::function<void(std::uint64_t, std::uint64_t)> progress) { m_progress = std::move(progress); }
  // Uncompressed bytes handed to the gzip writer so far plus those buffered.
  std::uint64_t bytes() const { return m_written + m_buffer.size(); }

 private:
  struct Mark {
    Section section;      // kind, table, rows, with_previous; placed by finish()
    std::uint64_t range;  // its gzip range (ParallelGzipWriter::cut()); unused with_previous
  };
  void flush();
  // ParallelGzipWriter::cut(), and the SHA-256 of the range it ends.
  std::uint64_t cut_range();
  void begin_section(SectionKind kind, const std::string& table);
  std::vector<Section> place_sections(const std::vector<io::GzipRange>& ranges) const;

  io::ParallelGzipWriter& m_gzip;
  std::function<void(std::uint64_t, std::uint64_t)> m_progress;
  std::uint64_t m_rows = 0;  // of the tables ended
  std::size_t m_chunk_bytes;
  std::string m_buffer;
  util::Sha256 m_sha;
  util::Sha256 m_range_sha;                 // of the current range
  std::vector<std::string> m_range_sha256;  // of each range before it, by number
  std::uint64_t m_written = 0;
  std::vector<Mark> m_marks;
  std::uint64_t m_part_bytes;
  std::uint64_t m_min_range_bytes;
  std::uint64_t m_section_start = 0;  // bytes() where the current range began
  bool m_part_due = false;            // the next INSERT of the table starts a part
};

}  // namespace ifnbackup::backup
