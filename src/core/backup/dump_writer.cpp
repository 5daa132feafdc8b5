#include "backup/dump_writer.hpp"

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "io/gzip_member.hpp"

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
  m_sha.update(m_buffer);
  m_gzip.write(m_buffer);
  m_written += m_buffer.size();
  m_buffer.clear();
}

void DumpWriter::begin_section(SectionKind kind, const std::string& table) {
  flush();
  m_part_due = false;
  Section section;
  section.kind = kind;
  section.table = table;
  if (kind != SectionKind::part && bytes() - m_section_start < m_min_range_bytes) {
    section.with_previous = true;
    m_marks.push_back(Mark{std::move(section), 0});
    return;
  }
  m_marks.push_back(Mark{std::move(section), m_gzip.cut()});
  m_section_start = bytes();
}

void DumpWriter::begin_table(const std::string& table) {
  begin_section(SectionKind::table, table);
}

void DumpWriter::end_table(std::uint64_t rows) {
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
        throw Error(ErrorCode::internal, "section index out of step with the gzip ranges");
      }
      const io::GzipRange& range = ranges[mark.range];
      section.at = range.offset;
      section.size = range.compressed;
      section.bytes = range.size;
      section.crc32 = range.crc32;
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

std::string DumpWriter::finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed) {
  m_buffer.append(format_manifest(tables));
  flush();
  m_gzip.cut();  // the index starts a range of its own
  const std::vector<Section> sections = place_sections(m_gzip.wait_written());
  const IndexLocator locator_at{m_gzip.compressed_bytes(), 0};
  m_buffer.append(format_index(sections));
  flush();
  m_gzip.finish();
  const std::string locator = format_index_locator({locator_at.at, m_gzip.compressed_bytes() - locator_at.at});
  m_sha.update(locator);
  m_written += locator.size();
  const std::string sha = util::Sha256::hex(m_sha.finish());
  m_gzip.append_stored(locator + format_checksum_line(sha, m_written) + format_completion_line(completed));
  return sha;
}

}  // namespace ifnbackup::backup
