#pragma once
// Writing the archive (binlog/archive.hpp): one chunk at a time, complete or absent (io::AtomicFile:
// written as .partial, fsynced, renamed, the folder fsynced), and the chunks of a finished server
// file joined into its whole file.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "binlog/archive.hpp"
#include "io/atomic_file.hpp"
#include "io/parallel_gzip_writer.hpp"

namespace ifnbackup::binlog {

class ChunkWriter {
 public:
  // The chunk of `log` from `start` (0: the magic number is written first).
  ChunkWriter(const std::filesystem::path& folder, const LogName& log, std::uint64_t start, int level);
  void append(std::string_view event);
  // Compresses what is left, syncs and renames: the chunk now has its final name.
  void commit();
  std::uint64_t start() const noexcept { return m_start; }
  std::uint64_t bytes() const noexcept { return m_bytes; }
  std::chrono::steady_clock::time_point opened() const noexcept { return m_opened; }

 private:
  std::uint64_t m_start;
  std::uint64_t m_bytes = 0;
  std::chrono::steady_clock::time_point m_opened;
  io::AtomicFile m_file;
  io::ParallelGzipWriter m_gzip;
};

// Joins the chunks of `log` (gzip members concatenated, nothing decompressed) into its whole file,
// then removes them. A whole file already there (a run stopped between the two) only removes them.
// Returns the whole file's path.
std::filesystem::path join_chunks(const std::filesystem::path& folder, const LogName& log);

}  // namespace ifnbackup::binlog
