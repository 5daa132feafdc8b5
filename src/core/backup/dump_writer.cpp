#include "backup/dump_writer.hpp"

#include "ifnbackup/manifest.hpp"

namespace ifnbackup::backup {

DumpWriter::DumpWriter(Sink sink, std::size_t chunk_bytes) : m_sink(std::move(sink)), m_chunk_bytes(chunk_bytes) {
  m_buffer.reserve(chunk_bytes + 2 * 1024 * 1024);
}

void DumpWriter::flush() {
  if (m_buffer.empty()) {
    return;
  }
  m_sha.update(m_buffer);
  m_sink(m_buffer);
  m_written += m_buffer.size();
  m_buffer.clear();
}

std::string DumpWriter::finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed) {
  m_buffer.append(format_manifest(tables));
  flush();
  const std::string sha = util::Sha256::hex(m_sha.finish());
  const std::string trailer = format_checksum_line(sha, m_written) + format_completion_line(completed);
  m_sink(trailer);
  m_written += trailer.size();
  return sha;
}

}  // namespace ifnbackup::backup
