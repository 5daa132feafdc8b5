#include "io/gzip_member.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fcntl.h>
#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::io {
namespace {

// Gzip header: magic, CM=8 (deflate), no flags, MTIME 0, XFL 0, OS 255 (unknown).
constexpr unsigned char k_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
// Header, the stored block's header (BFINAL=1 BTYPE=00, LEN, NLEN), then CRC-32 and ISIZE.
constexpr std::size_t k_overhead = sizeof k_header + 5 + 8;

void put_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

std::uint32_t get_le(const unsigned char* p, int bytes) {
  std::uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = value << 8 | p[i];
  }
  return value;
}

}  // namespace

std::uint32_t gzip_crc32(std::string_view data, std::uint32_t crc) {
  return libdeflate_crc32(crc, data.data(), data.size());
}

std::uint32_t gzip_crc32_combine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t length_b) {
  return static_cast<std::uint32_t>(crc32_combine(crc_a, crc_b, static_cast<z_off_t>(length_b)));
}

std::uint64_t zlib_gzip_size(std::string_view data, int level) {
  if (data.size() > UINT_MAX) {
    throw Error(ErrorCode::internal, "zlib_gzip_size of " + std::to_string(data.size()) + " bytes");
  }
  z_stream z{};
  // windowBits 15 + 16: a gzip member; memLevel 8 and the default strategy: gzip(1)'s settings.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(ErrorCode::internal, tx("cannot start zlib's compressor"));
  }
  struct Ender {
    z_stream& z;
    ~Ender() { deflateEnd(&z); }
  } ender{z};
  // The output goes through a small scratch buffer: only its length is wanted.
  unsigned char scratch[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));  // zlib only reads it
  z.avail_in = static_cast<uInt>(data.size());
  for (;;) {
    z.next_out = scratch;
    z.avail_out = sizeof scratch;
    const int rc = ::deflate(&z, Z_FINISH);
    if (rc == Z_STREAM_END) {
      return z.total_out;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw Error(ErrorCode::internal, tx("zlib's compressor failed ({})", rc));
    }
  }
}

struct MemberInflater::Zlib {
  z_stream z{};
  bool ready = false;
  ~Zlib() {
    if (ready) {
      inflateEnd(&z);
    }
  }
};

MemberInflater::MemberInflater(std::string name) : m_zlib(std::make_unique<Zlib>()), m_name(std::move(name)) {
  // windowBits 15 + 16: gzip only (a raw zlib stream is not a backup file).
  const int rc = inflateInit2(&m_zlib->z, 15 + 16);
  if (rc != Z_OK) {
    throw_error(rc, 0);
  }
  m_zlib->ready = true;
}

MemberInflater::~MemberInflater() = default;

void MemberInflater::reset() {
  inflateReset(&m_zlib->z);
}

MemberInflater::Step MemberInflater::inflate(std::span<const unsigned char> in, std::span<char> out,
                                             std::uint64_t offset) {
  z_stream& z = m_zlib->z;
  const auto available = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT_MAX));
  const auto capacity = static_cast<uInt>(std::min<std::size_t>(out.size(), UINT_MAX));
  z.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const; it only reads the input
  z.avail_in = available;
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = capacity;
  const int rc = ::inflate(&z, Z_NO_FLUSH);
  Step step;
  step.consumed = available - z.avail_in;
  step.produced = capacity - z.avail_out;
  step.member_end = rc == Z_STREAM_END;
  const bool stuck = rc == Z_BUF_ERROR && step.produced == 0 && z.avail_in > 0;  // cannot happen
  if ((rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) || stuck) {
    step.failure = rc;
    step.failure_offset = offset + step.consumed;
  }
  return step;
}

void MemberInflater::throw_error(int rc, std::uint64_t offset) const {
  const std::string detail = m_zlib->z.msg != nullptr ? m_zlib->z.msg : zError(rc);
  switch (rc) {
    case Z_DATA_ERROR:
    case Z_NEED_DICT:
      throw Error(ErrorCode::corrupt, tx("{}: {} at compressed offset {}", m_name, detail, offset),
                  tx("the file is damaged; use another backup"));
    case Z_MEM_ERROR:
      throw Error(ErrorCode::internal, tx("out of memory while decompressing {}", m_name),
                  tx("free memory (fewer --threads) and run again"));
    default:
      throw Error(ErrorCode::internal, tx("cannot decompress {}: {}", m_name, detail));
  }
}

std::string stored_gzip_member(std::string_view text) {
  if (text.size() > k_max_stored_bytes) {
    throw Error(ErrorCode::internal, tx("stored gzip member of {} bytes", text.size()));
  }
  const auto length = static_cast<std::uint32_t>(text.size());
  std::string out;
  out.reserve(k_overhead + text.size());
  out.append(reinterpret_cast<const char*>(k_header), sizeof k_header);
  out.push_back(1);  // BFINAL=1, BTYPE=00 (stored), padded to the byte
  put_le(out, length, 2);
  put_le(out, ~length & 0xffffu, 2);
  out.append(text);
  put_le(out, gzip_crc32(text), 4);
  put_le(out, length, 4);
  return out;
}

std::optional<StoredTail> read_stored_tail(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                tx("cannot open {}: {}", path.string(), errno_text(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    throw Error(ErrorCode::io, tx("cannot read {}: {}", path.string(), errno_text(errno)),
                tx("check that the user running ifnbackup may read this file, and the disk that holds it (dmesg)"));
  }
  const auto file_size = static_cast<std::uint64_t>(end);
  const std::uint64_t want = std::min<std::uint64_t>(file_size, k_overhead + k_max_stored_bytes);
  std::string tail(want, '\0');
  std::size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd, tail.data() + got, want - got, static_cast<off_t>(file_size - want + got));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw Error(ErrorCode::io, tx("cannot read {}: {}", path.string(), errno_text(errno)),
                  tx("check that the user running ifnbackup may read this file, and the disk that holds it (dmesg)"));
    }
    if (n == 0) {
      return std::nullopt;  // shrank while read
    }
    got += static_cast<std::size_t>(n);
  }
  if (want < k_overhead) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(tail.data());
  const std::uint32_t length = get_le(bytes + want - 4, 4);
  if (length > k_max_stored_bytes || k_overhead + length > want) {
    return std::nullopt;
  }
  const std::size_t start = want - k_overhead - length;
  const unsigned char* member = bytes + start;
  if (std::memcmp(member, k_header, 4) != 0 || member[10] != 1 || get_le(member + 11, 2) != length ||
      get_le(member + 13, 2) != (~length & 0xffffu)) {
    return std::nullopt;
  }
  StoredTail result;
  result.offset = file_size - want + start;
  result.text.assign(tail, start + 15, length);
  if (gzip_crc32(result.text) != get_le(member + 15 + length, 4)) {
    return std::nullopt;
  }
  return result;
}

}  // namespace ifnbackup::io
