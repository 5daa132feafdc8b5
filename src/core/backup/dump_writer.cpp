#include "backup/dump_writer.hpp"

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "io/gzip_member.hpp"

namespace ifnbackup::backup {

DumpWriter::DumpWriter(io::ParallelGzipWriter& gzip, std::size_t chunk_bytes, std::uint64_t part_bytes)
    : m_gzip(gzip), m_chunk_bytes(chunk_bytes), m_part_bytes(part_bytes) {
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
  Section section;
  section.kind = kind;
  section.table = table;
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

// Each section is members [its first, the next one's first): offsets, sizes and the CRC-32 of
// its content combined from its members' own CRCs (no second pass over the bytes).
std::vector<Section> DumpWriter::place_sections(const std::vector<io::GzipMember>& members,
                                                std::uint64_t end_member) const {
  std::vector<Section> sections;
  for (std::size_t i = 0; i < m_marks.size(); ++i) {
    Section section = m_marks[i].section;
    const std::uint64_t first = m_marks[i].first_member;
    const std::uint64_t last = i + 1 < m_marks.size() ? m_marks[i + 1].first_member : end_member;
    if (first > last || last > members.size()) {
      throw Error(ErrorCode::internal, "section index out of step with the gzip members");
    }
    section.at = first < members.size() ? members[first].offset
                 : members.empty()      ? 0
                                        : members.back().offset + members.back().compressed;
    for (std::uint64_t m = first; m < last; ++m) {
      section.size += members[m].compressed;
      section.bytes += members[m].size;
      section.crc32 = io::gzip_crc32_combine(section.crc32, members[m].crc32, members[m].size);
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

std::string DumpWriter::finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed) {
  m_buffer.append(format_manifest(tables));
  flush();
  const std::uint64_t index_member = m_gzip.cut();
  const auto members = m_gzip.wait_written();
  const std::vector<Section> sections = place_sections(members, index_member);
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
