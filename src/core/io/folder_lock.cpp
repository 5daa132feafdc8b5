#include "io/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cstring>
#include <fstream>
#include <sstream>
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

bool folder_lock_held(const std::filesystem::path& folder, const char* lock_name) {
  struct ::stat st {};
  if (::stat((folder / lock_name).c_str(), &st) != 0) {
    return false;
  }
  // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF": the device in hex, the inode in decimal.
  const std::string device = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string number, kind, mode, access, pid, where;
    if (fields >> number >> kind >> mode >> access >> pid >> where && kind == "FLOCK" && where == device) {
      return true;
    }
  }
  return false;
}

}  // namespace ifnbackup::io
