#include "io/gzip_writer.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "ifnbackup/error.hpp"
#include "io/file_io.hpp"

namespace ifnbackup::io {
namespace {

constexpr std::size_t k_output_buffer_size = 256 * 1024;

// The one place where a zlib deflate return code becomes an Error.
void check_deflate(int rc, const z_stream& stream, std::string_view what) {
  if (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) {
    return;  // Z_BUF_ERROR only means "no progress possible now"; not fatal in a deflate loop.
  }
  const std::string detail = stream.msg != nullptr ? stream.msg : zError(rc);
  if (rc == Z_MEM_ERROR) {
    throw Error(ErrorCode::internal, "out of memory while compressing " + std::string(what));
  }
  throw Error(ErrorCode::internal, "compression of " + std::string(what) + " failed: " + detail);
}

}  // namespace

struct GzipWriter::Stream {
  z_stream z{};
  bool initialized = false;
  std::vector<unsigned char> out = std::vector<unsigned char>(k_output_buffer_size);

  ~Stream() {
    if (initialized) {
      deflateEnd(&z);
    }
  }
};

GzipWriter::GzipWriter(int fd, int level, std::string what)
    : m_stream(std::make_unique<Stream>()), m_fd(fd), m_what(std::move(what)) {
  if (level != Z_DEFAULT_COMPRESSION && (level < 1 || level > 9)) {
    throw Error(ErrorCode::usage, "invalid compression level " + std::to_string(level),
                "use a level from 1 (fastest) to 9 (smallest)");
  }
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  const int rc = deflateInit2(&m_stream->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  check_deflate(rc, m_stream->z, m_what);
  m_stream->initialized = true;
  m_stream->z.next_out = m_stream->out.data();
  m_stream->z.avail_out = static_cast<uInt>(m_stream->out.size());
}

GzipWriter::~GzipWriter() = default;

void GzipWriter::write(std::string_view data) {
  if (m_finished) {
    throw Error(ErrorCode::internal, "write to " + m_what + " after its gzip stream was finished");
  }
  m_uncompressed += data.size();
  // avail_in is 32 bits: feed very large inputs in slices.
  constexpr std::size_t k_slice = UINT_MAX / 2;
  while (data.size() > k_slice) {
    deflate_input(data.substr(0, k_slice), Z_NO_FLUSH);
    data.remove_prefix(k_slice);
  }
  deflate_input(data, Z_NO_FLUSH);
}

void GzipWriter::finish() {
  if (m_finished) {
    return;
  }
  deflate_input({}, Z_FINISH);
  flush_output();
  m_finished = true;
}

void GzipWriter::deflate_input(std::string_view data, int flush) {
  z_stream& z = m_stream->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  for (;;) {
    const int rc = deflate(&z, flush);
    check_deflate(rc, z, m_what);
    if (z.avail_out == 0) {
      flush_output();
      continue;
    }
    if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_in == 0) {
      return;
    }
  }
}

void GzipWriter::flush_output() {
  Stream& s = *m_stream;
  const std::size_t used = s.out.size() - s.z.avail_out;
  if (used > 0) {
    write_fully(m_fd, std::string_view(reinterpret_cast<const char*>(s.out.data()), used), m_what);
    m_compressed += used;
  }
  s.z.next_out = s.out.data();
  s.z.avail_out = static_cast<uInt>(s.out.size());
}

}  // namespace ifnbackup::io
