#pragma once
// A gzip stream (RFC 1952) written to a file descriptor the caller owns.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ifnbackup::io {

class GzipWriter {
 public:
  // level: 1 (fast) .. 9 (small), or -1 for zlib's default. `what` names the file in messages.
  GzipWriter(int fd, int level, std::string what);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(std::string_view data);
  // Ends the gzip member (trailer with CRC-32 and length) and writes everything still buffered.
  // The descriptor is neither synced nor closed. write() must not be called afterwards.
  void finish();

  bool finished() const noexcept { return m_finished; }
  std::uint64_t uncompressed_bytes() const noexcept { return m_uncompressed; }
  // Bytes handed to write(2) so far (all of the file once finish() returned).
  std::uint64_t compressed_bytes() const noexcept { return m_compressed; }

 private:
  struct Stream;
  void deflate_input(std::string_view data, int flush);
  void flush_output();

  std::unique_ptr<Stream> m_stream;
  int m_fd;
  std::string m_what;
  bool m_finished = false;
  std::uint64_t m_uncompressed = 0;
  std::uint64_t m_compressed = 0;
};

}  // namespace ifnbackup::io
