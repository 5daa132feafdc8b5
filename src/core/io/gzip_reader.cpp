#include "io/gzip_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"

namespace ifnbackup::io {
namespace {

// Large enough to hold a whole member of our writer (1 MiB of SQL, compressed) several times.
constexpr std::size_t k_input_buffer_size = 4 * 1024 * 1024;
// The fast path decodes members whose content fits here: our writer's 1 MiB blocks.
constexpr std::size_t k_fast_output_size = 1024 * 1024 + 64 * 1024;
constexpr std::size_t k_fast_input_wanted = 2 * 1024 * 1024;

enum class MemberState { between, inside, done };

}  // namespace

struct GzipReader::Stream {
  std::string name;
  int fd = -1;
  std::optional<MemberInflater> inflater;
  std::vector<unsigned char> in = std::vector<unsigned char>(k_input_buffer_size);
  unsigned char* next_in = nullptr;  // the unread input: next_in[0, avail_in) of `in`
  std::size_t avail_in = 0;
  std::uint64_t file_size = 0;  // of the range read
  std::uint64_t base = 0;       // file offset of the range
  bool ranged = false;          // reads stop at file_size (a section), not at end of file
  std::uint64_t file_read = 0;  // bytes of the range read, including those still in `in`
  bool eof = false;
  MemberState state = MemberState::between;
  // Fast path: a whole member decoded at once by libdeflate (CRC-32 and length checked) into
  // `fast_out`, served from there. Off for good after its first miss (a member too big, or bad
  // data): zlib then decodes, and reports any damage with its exact place.
  libdeflate_decompressor* fast = nullptr;
  bool fast_enabled = true;
  std::vector<char> fast_out;
  std::size_t fast_pos = 0;
  std::size_t fast_len = 0;

  std::uint64_t consumed() const noexcept { return file_read - avail_in; }

  ~Stream() {
    libdeflate_free_decompressor(fast);
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

GzipReader::GzipReader(const std::filesystem::path& path) : GzipReader(path, 0, UINT64_MAX) {}

GzipReader::GzipReader(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length)
    : m_stream(std::make_unique<Stream>()) {
  Stream& s = *m_stream;
  s.name = path.string();
  s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) {
    const int error_number = errno;
    if (error_number == ENOENT) {
      throw Error(ErrorCode::not_found, tx("backup file not found: {}", s.name),
                  tx("check the name and folder ('ifnbackup list' shows the backups, 'latest' names the newest)"));
    }
    throw Error(ErrorCode::io, tx("cannot open {}: {}", s.name, errno_text(error_number)),
                tx("check that the user running ifnbackup may read this file and its folder"));
  }
  struct stat st {};
  if (::fstat(s.fd, &st) != 0) {
    throw Error(ErrorCode::io, tx("cannot stat {}: {}", s.name, errno_text(errno)),
                tx("check that the user running ifnbackup may read this file, and the disk that holds it (dmesg)"));
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error(ErrorCode::io, tx("cannot read {}: it is a directory", s.name),
                tx("give a backup file (.sql.gz), not a folder: 'ifnbackup list' shows them"));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size || (length != UINT64_MAX && length > size - offset)) {
    throw Error(ErrorCode::incomplete, tx("{}: too short for the range {}+{} its index gives", s.name, offset, length),
                tx("the file was cut short (partial copy or disk full); use another backup"));
  }
  s.base = offset;
  s.ranged = length != UINT64_MAX;
  if (s.ranged && length < k_input_buffer_size) {
    // A section: no need for more input room than it has (several are read at once).
    s.in.resize(std::max<std::size_t>(static_cast<std::size_t>(length), 64 * 1024));
  }
  s.file_size = length == UINT64_MAX ? size - offset : length;
  if (offset > 0 && ::lseek(s.fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    throw Error(ErrorCode::io, tx("cannot seek in {}: {}", s.name, errno_text(errno)),
                tx("check that the user running ifnbackup may read this file, and the disk that holds it (dmesg)"));
  }
  ::posix_fadvise(s.fd, static_cast<off_t>(offset), static_cast<off_t>(length == UINT64_MAX ? 0 : length),
                  POSIX_FADV_SEQUENTIAL);

  s.inflater.emplace(s.name);
  s.next_in = s.in.data();
  s.avail_in = 0;
}

GzipReader::~GzipReader() = default;

std::uint64_t GzipReader::compressed_read() const noexcept {
  return m_stream->consumed();
}

std::uint64_t GzipReader::compressed_total() const noexcept {
  return std::max(m_stream->file_size, m_stream->file_read);
}

// Moves the unread input to the front of the buffer and appends what the file has next.
// Returns false at end of file (nothing was added).
bool GzipReader::refill() {
  Stream& s = *m_stream;
  if (s.eof) {
    return false;
  }
  if (s.avail_in > 0 && s.next_in != s.in.data()) {
    std::memmove(s.in.data(), s.next_in, s.avail_in);
  }
  s.next_in = s.in.data();
  // A range ends where its last member does; a whole file at its end.
  const std::uint64_t range_left = s.ranged ? s.file_size - std::min(s.file_size, s.file_read) : UINT64_MAX;
  if (range_left == 0) {
    s.eof = true;
    return false;
  }
  const auto space = static_cast<std::size_t>(std::min<std::uint64_t>(s.in.size() - s.avail_in, range_left));
  if (space == 0) {
    return false;  // the buffer is full: the caller has enough input
  }
  for (;;) {
    const ssize_t n = ::read(s.fd, s.in.data() + s.avail_in, space);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorCode::io, tx("cannot read {}: {}", s.name, errno_text(errno)),
                  tx("check the disk holding the backup folder (dmesg, smartctl) and copy the file elsewhere"));
    }
    if (n == 0) {
      s.eof = true;
      return false;
    }
    s.avail_in += static_cast<std::size_t>(n);
    s.file_read += static_cast<std::uint64_t>(n);
    return true;
  }
}

bool GzipReader::ensure_input(std::size_t bytes) {
  while (m_stream->avail_in < bytes) {
    if (!refill()) {
      return false;
    }
  }
  return true;
}

// At a member boundary: false at a clean end of file, true when another member starts here.
bool GzipReader::start_member() {
  Stream& s = *m_stream;
  if (!ensure_input(1)) {
    if (m_members == 0) {
      throw Error(ErrorCode::incomplete, tx("{}: empty file", s.name),
                  tx("the backup was interrupted before anything was written; use another backup"));
    }
    return false;
  }
  const bool have_two = ensure_input(2);
  const bool magic_ok = s.next_in[0] == 0x1f && (!have_two || s.next_in[1] == 0x8b);
  if (!magic_ok) {
    if (m_members == 0) {
      throw Error(
          ErrorCode::corrupt, tx("{}: not a gzip file", s.name),
          tx("this is not a backup of ifnbackup or mysqldump | gzip: check the file name, or use another backup"));
    }
    throw Error(ErrorCode::corrupt,
                tx("{}: trailing garbage after gzip member {} at compressed offset {}", s.name, m_members,
                   s.base + s.consumed()),
                tx("the file was damaged after it was written (disk, copy): use another backup"));
  }
  if (!have_two) {
    throw Error(
        ErrorCode::incomplete,
        tx("{}: unexpected end of file in a gzip header at compressed offset {}", s.name, s.base + s.consumed()),
        tx("the backup was cut short (disk full, killed run or partial copy); use another backup"));
  }
  if (m_members > 0) {
    s.inflater->reset();
  }
  if (m_member_hook) {
    m_member_hook(s.base + s.consumed(), m_uncompressed);
  }
  s.state = MemberState::inside;
  return true;
}

// At the start of a member (header checked): decodes it whole with libdeflate when it is all in
// the buffer and its content fits `fast_out`. False (input untouched) otherwise: zlib goes on.
bool GzipReader::decode_member_fast() {
  Stream& s = *m_stream;
  if (!s.fast_enabled) {
    return false;
  }
  if (s.fast == nullptr) {
    s.fast = libdeflate_alloc_decompressor();
    s.fast_out.resize(k_fast_output_size);
    if (s.fast == nullptr) {
      s.fast_enabled = false;
      return false;
    }
  }
  // A member of ours takes at most ~1.1 MiB compressed: top the buffer up below 2 MiB only, so
  // that the unread rest is moved to its front once every few members, not for each one.
  while (s.avail_in < k_fast_input_wanted && refill()) {
  }
  std::size_t in_used = 0;
  std::size_t out_len = 0;
  const libdeflate_result rc = libdeflate_gzip_decompress_ex(s.fast, s.next_in, s.avail_in, s.fast_out.data(),
                                                             s.fast_out.size(), &in_used, &out_len);
  if (rc != LIBDEFLATE_SUCCESS) {
    s.fast_enabled = false;
    return false;
  }
  s.next_in += in_used;
  s.avail_in -= in_used;
  s.fast_pos = 0;
  s.fast_len = out_len;
  m_uncompressed += out_len;
  ++m_members;
  ++m_fast_members;
  s.state = MemberState::between;
  return true;
}

std::size_t GzipReader::read(std::span<char> out) {
  Stream& s = *m_stream;
  if (out.empty()) {
    return 0;
  }
  for (;;) {
    if (s.fast_pos < s.fast_len) {
      const std::size_t n = std::min(out.size(), s.fast_len - s.fast_pos);
      std::memcpy(out.data(), s.fast_out.data() + s.fast_pos, n);
      s.fast_pos += n;
      return n;
    }
    if (s.state == MemberState::done) {
      return 0;
    }
    if (s.state == MemberState::between) {
      if (!start_member()) {
        s.state = MemberState::done;
        return 0;
      }
      if (decode_member_fast()) {
        continue;
      }
    }
    const auto step = s.inflater->inflate({s.next_in, s.avail_in}, out, s.base + s.consumed());
    s.next_in += step.consumed;
    s.avail_in -= step.consumed;
    m_uncompressed += step.produced;
    if (step.failure != 0) {
      s.inflater->raise(step);
    }
    if (step.member_end) {
      ++m_members;
      s.state = MemberState::between;
      if (step.produced > 0) {
        return step.produced;
      }
      continue;
    }
    if (step.produced > 0) {
      return step.produced;
    }
    if (s.avail_in > 0) {
      continue;
    }
    if (!refill()) {
      throw Error(ErrorCode::incomplete,
                  tx("{}: unexpected end of file at compressed offset {}: the gzip stream is truncated", s.name,
                     s.base + s.consumed()),
                  tx("the backup was cut short (disk full, killed run or partial copy); use another backup"));
    }
  }
}

void GzipReader::read_all(const std::function<void(std::string_view)>& chunk, std::size_t chunk_size) {
  std::vector<char> buffer(std::max<std::size_t>(chunk_size, 4096));
  for (;;) {
    const std::size_t n = read(buffer);
    if (n == 0) {
      return;
    }
    chunk(std::string_view(buffer.data(), n));
  }
}

}  // namespace ifnbackup::io
