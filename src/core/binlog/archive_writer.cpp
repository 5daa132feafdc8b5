#include "binlog/archive_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "binlog/event.hpp"
#include "io/file_io.hpp"

namespace ifnbackup::binlog {

namespace {

// Small blocks: a chunk is closed every few seconds, and one block is all the memory it holds.
constexpr std::size_t k_block_bytes = 256 * 1024;

void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    io::throw_io_error(errno, fmt::format("opening {}", folder.string()));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    io::throw_io_error(saved, fmt::format("syncing {}", folder.string()));
  }
}

}  // namespace

ChunkWriter::ChunkWriter(const std::filesystem::path& folder, const LogName& log, std::uint64_t start, int level)
    : m_start(start),
      m_opened(std::chrono::steady_clock::now()),
      m_file(folder / chunk_file_name(log, start)),
      m_gzip(m_file.fd(), level, m_file.final_path().string(), 1, k_block_bytes) {
  if (start == 0) {
    m_gzip.write(k_magic);
    m_bytes += k_magic.size();
  }
}

void ChunkWriter::append(std::string_view event) {
  m_gzip.write(event);
  m_bytes += event.size();
}

void ChunkWriter::commit() {
  m_gzip.finish();
  m_file.commit();
}

std::filesystem::path join_chunks(const std::filesystem::path& folder, const LogName& log) {
  const auto whole = folder / whole_file_name(log);
  std::vector<std::filesystem::path> chunks;
  const std::string prefix = log.str() + std::string(k_chunk_marker);
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(k_archive_suffix)) {
      chunks.push_back(entry.path());
    }
  }
  std::sort(chunks.begin(), chunks.end());  // fixed-width offsets: the name order is the file order
  std::error_code exists_error;
  if (!std::filesystem::exists(whole, exists_error)) {
    io::AtomicFile file(whole);
    std::vector<char> buffer(1 << 20);
    for (const auto& chunk : chunks) {
      const int in = ::open(chunk.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0) {
        io::throw_io_error(errno, fmt::format("opening {}", chunk.string()));
      }
      for (;;) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n < 0) {
          const int saved = errno;
          ::close(in);
          io::throw_io_error(saved, fmt::format("reading {}", chunk.string()));
        }
        if (n == 0) {
          break;
        }
        io::write_fully(file.fd(), std::string_view(buffer.data(), static_cast<std::size_t>(n)), whole.string());
      }
      ::close(in);
    }
    file.commit();
  }
  for (const auto& chunk : chunks) {
    std::error_code error;
    std::filesystem::remove(chunk, error);
  }
  sync_folder(folder);
  return whole;
}

}  // namespace ifnbackup::binlog
