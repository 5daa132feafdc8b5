#include "io/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::io {

void throw_io_error(int error_number, const Text& what) {
  switch (error_number) {
    case ENOSPC:
      throw Error(ErrorCode::io, tx("disk full while {}", what),
                  tx("free space in the backup folder (ifnbackup rotate, or move old backups away) and run again"));
    case EDQUOT:
      throw Error(ErrorCode::io, tx("disk quota exceeded while {}", what),
                  tx("free space or raise the quota of the user running ifnbackup, then run again"));
    case EFBIG:
      throw Error(ErrorCode::io, tx("file size limit reached while {}", what),
                  tx("check 'ulimit -f' and the maximum file size of the backup file system"));
    case EACCES:
    case EPERM:
    case EROFS:
      throw Error(ErrorCode::io, tx("permission denied while {}: {}", what, errno_text(error_number)),
                  tx("check the owner and mode of the backup folder, and that its file system is writable"));
    default:
      throw Error(ErrorCode::io, tx("error while {}: {}", what, errno_text(error_number)),
                  tx("check the disk and file system of that folder (free space, dmesg), then run again"));
  }
}

void write_fully(int fd, std::string_view data, std::string_view name) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_io_error(errno, tx("writing {}", name));
    }
    if (n == 0) {
      // write(2) returning 0 for a regular file means no space could be allocated.
      throw_io_error(ENOSPC, tx("writing {}", name));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void replace_file(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  // A reader (node_exporter's *.prom, our state file) never sees a half-written file.
  const auto temporary = path.parent_path() / fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    throw_io_error(errno, tx("creating {}", temporary.string()));
  }
  try {
    write_fully(fd, content, temporary.string());
    if (::fsync(fd) != 0) {
      throw_io_error(errno, tx("syncing {}", temporary.string()));
    }
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    throw_io_error(rename_errno, tx("renaming {} to {}", temporary.string(), path.string()));
  }
}

}  // namespace ifnbackup::io
