#pragma once
// Streams the decompressed content of a gzip file, member after member (pigz and our parallel
// writer produce several members back to back), checking every member's CRC-32 and length.
// Members of our writer's size are decoded whole by libdeflate (about twice zlib's speed); zlib
// (io/gzip_member's MemberInflater) decodes the rest and is the one that reports damage.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace ifnbackup::io {

class GzipReader {
 public:
  // Opens the file. Throws Error(not_found) if it does not exist, Error(io) if it cannot be read.
  explicit GzipReader(const std::filesystem::path& path);
  // Reads only the `length` bytes from compressed offset `offset`, which must be whole members
  // (a section of the index, docs/backup-format.md): the end of the range is the end of the file.
  GzipReader(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Fills `out` with the next decompressed bytes; returns 0 only at the end of the last member,
  // once every CRC has been checked. Throws Error(corrupt) for bad data or bytes after the last
  // member, Error(incomplete) for a truncated file or an empty one, Error(io) for a read error.
  std::size_t read(std::span<char> out);

  // Calls `chunk` with successive decompressed pieces until the end (same errors as read()).
  void read_all(const std::function<void(std::string_view)>& chunk, std::size_t chunk_size = 1024 * 1024);

  // Called as each member starts, with its compressed offset (in the file) and the uncompressed
  // offset of its first byte (from the start of what this reader reads).
  void on_member_start(std::function<void(std::uint64_t, std::uint64_t)> hook) { m_member_hook = std::move(hook); }

  // Compressed bytes consumed so far and the file's size: for a progress bar.
  std::uint64_t compressed_read() const noexcept;
  std::uint64_t compressed_total() const noexcept;
  std::uint64_t uncompressed_read() const noexcept { return m_uncompressed; }
  // Gzip members fully decoded so far, and how many of them libdeflate decoded whole (members
  // of up to ~1 MiB of content, as our writer makes them; zlib does the others).
  std::uint64_t members() const noexcept { return m_members; }
  std::uint64_t fast_members() const noexcept { return m_fast_members; }

 private:
  struct Stream;
  bool refill();
  bool ensure_input(std::size_t bytes);
  bool start_member();
  bool decode_member_fast();

  std::unique_ptr<Stream> m_stream;
  std::uint64_t m_uncompressed = 0;
  std::uint64_t m_members = 0;
  std::uint64_t m_fast_members = 0;
  std::function<void(std::uint64_t, std::uint64_t)> m_member_hook;
};

}  // namespace ifnbackup::io
