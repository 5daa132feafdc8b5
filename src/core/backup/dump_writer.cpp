#include "backup/dump_writer.hpp"

#include <algorithm>

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "io/gzip_member.hpp"
#include "sign/file_signature.hpp"
#include "sign/signing_key.hpp"

namespace ifnbackup::backup {

DumpWriter::DumpWriter(io::ParallelGzipWriter& gzip, std::size_t chunk_bytes, std::uint64_t part_bytes,
                       std::uint64_t min_range_bytes)
    : m_gzip(gzip), m_chunk_bytes(chunk_bytes), m_part_bytes(part_bytes), m_min_range_bytes(min_range_bytes) {
  m_buffer.reserve(chunk_bytes + 2 * 1024 * 1024);
  m_marks.push_back(Mark{Section{}, 0});  // a Section is a prologue by default
}

void DumpWriter::flush() {
  if (m_buffer.empty()) {
    return;
  }
  // Same bytes, two checksums (the file's and its range's, begun at another offset): hashed two
  // streams at a time, which costs less CPU than one after the other (util/sha256).
  util::Sha256::update_both(m_sha, m_range_sha, m_buffer);
  m_gzip.write(m_buffer);
  m_written += m_buffer.size();
  m_buffer.clear();
  if (m_progress) {
    m_progress(m_written, m_rows);
  }
}

void DumpWriter::begin_section(SectionKind kind, const std::string& table) {
  flush();
  m_part_due = false;
  Section section;
  section.kind = kind;
  section.table = table;
  // The first table starts a range of its own after the prologue's, and the objects after a big
  // table's last part, small as these ranges may be: a restore reads the prologue first, the objects
  // last, and the tables between in any order, the biggest first (restore/table_sections.hpp).
  const auto range_owner =
      std::find_if(m_marks.rbegin(), m_marks.rend(), [](const Mark& mark) { return !mark.section.with_previous; });
  const SectionKind owner = range_owner == m_marks.rend() ? SectionKind::prologue : range_owner->section.kind;
  const bool own_range = kind == SectionKind::part || (kind == SectionKind::objects && owner == SectionKind::part) ||
                         (kind == SectionKind::table && owner == SectionKind::prologue);
  if (!own_range && bytes() - m_section_start < m_min_range_bytes) {
    section.with_previous = true;
    m_marks.push_back(Mark{std::move(section), 0});
    return;
  }
  m_marks.push_back(Mark{std::move(section), cut_range()});
  m_section_start = bytes();
}

std::uint64_t DumpWriter::cut_range() {
  const std::uint64_t range = m_gzip.cut();
  m_range_sha256.push_back(util::Sha256::hex(m_range_sha.finish()));
  m_range_sha.reset();
  return range;
}

void DumpWriter::begin_table(const std::string& table) {
  begin_section(SectionKind::table, table);
}

void DumpWriter::end_table(std::uint64_t rows) {
  m_rows += rows;
  for (auto mark = m_marks.rbegin(); mark != m_marks.rend(); ++mark) {
    if (mark->section.kind == SectionKind::table) {
      mark->section.rows = rows;  // on the table's first section, not its parts
      return;
    }
  }
}

void DumpWriter::begin_objects() {
  begin_section(SectionKind::objects, {});
}

// Each section with a range of its own gets that range's place, length and CRC-32.
std::vector<Section> DumpWriter::place_sections(const std::vector<io::GzipRange>& ranges) const {
  std::vector<Section> sections;
  for (const Mark& mark : m_marks) {
    Section section = mark.section;
    if (!section.with_previous) {
      if (mark.range >= ranges.size()) {
        throw Error(ErrorCode::internal, tx("section index out of step with the gzip ranges"));
      }
      const io::GzipRange& range = ranges[mark.range];
      section.at = range.offset;
      section.size = range.compressed;
      section.bytes = range.size;
      section.crc32 = range.crc32;
      section.sha256 = m_range_sha256.at(mark.range);
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

std::string DumpWriter::finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed,
                               const sign::SigningKey* key) {
  m_buffer.append(format_manifest(tables));
  flush();
  cut_range();  // the index starts a range of its own
  const std::vector<Section> sections = place_sections(m_gzip.wait_written());
  const std::uint64_t index_at = m_gzip.compressed_bytes();
  const std::string index = format_index(sections);
  m_buffer.append(index);
  flush();
  m_gzip.finish();
  const std::string index_sha = util::Sha256::hex_of(index);
  const std::string locator = format_index_locator({index_at, m_gzip.compressed_bytes() - index_at, index_sha});
  m_sha.update(locator);
  m_written += locator.size();
  const std::string sha = util::Sha256::hex(m_sha.finish());
  // Outside the hashed content, like the checksum line; the completion marker stays the last line.
  const std::string signature =
      key == nullptr
          ? std::string()
          : sign::format_signature_line(key->public_key(), key->sign(sign::signed_message(sha, m_written, index_sha)));
  m_gzip.append_stored(locator + format_checksum_line(sha, m_written) + signature + format_completion_line(completed));
  return sha;
}

}  // namespace ifnbackup::backup
