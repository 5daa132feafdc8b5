#pragma once
// Buffers the SQL text of a dump, hashes it (SHA-256, the file's content checksum) and hands
// it to a sink (the gzip stream) in large chunks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::backup {

class DumpWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit DumpWriter(Sink sink, std::size_t chunk_bytes = 256 * 1024);

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
  // Writes the manifest (hashed with the content), then the checksum and completion lines.
  // Returns the content's SHA-256 in hex.
  std::string finish(const std::vector<TableCount>& tables, std::chrono::system_clock::time_point completed);
  // Uncompressed bytes handed to the sink so far plus those buffered.
  std::uint64_t bytes() const { return m_written + m_buffer.size(); }

 private:
  void flush();
  Sink m_sink;
  std::size_t m_chunk_bytes;
  std::string m_buffer;
  util::Sha256 m_sha;
  std::uint64_t m_written = 0;
};

}  // namespace ifnbackup::backup
