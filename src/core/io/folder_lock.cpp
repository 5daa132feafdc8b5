#include "io/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/atomic_file.hpp"

namespace ifnbackup::io {

FolderLock::FolderLock(const std::filesystem::path& folder, const char* lock_name) {
  const auto path = folder / lock_name;
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (m_fd < 0) {
    throw_io_error(errno, tx("opening lock file {}", path.string()));
  }
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    std::string holder;
    char buf[64] = {};
    if (::pread(m_fd, buf, sizeof(buf) - 1, 0) > 0) {
      holder = buf;
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
        holder.pop_back();
      }
    }
    ::close(m_fd);
    m_fd = -1;
    if (saved == EWOULDBLOCK) {
      throw Error(ErrorCode::lock_held,
                  tx("another ifnbackup run is using {}{}", folder.string(),
                     holder.empty() ? "" : fmt::format(" (pid {})", holder)),
                  tx("wait for it to finish; the lock is released automatically when that process ends"));
    }
    throw_io_error(saved, tx("locking {}", path.string()));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(m_fd, 0) == 0) {
    (void)::pwrite(m_fd, pid.data(), pid.size(), 0);
  }
}

FolderLock::~FolderLock() {
  if (m_fd >= 0) {
    ::close(m_fd);  // releases the flock
  }
}

}  // namespace ifnbackup::io
