#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup::io {

namespace fs = std::filesystem;

namespace {

void fsync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw_io_error(errno, tx("opening folder {} to sync it", dir.string()));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0 && saved != EINVAL) {
    throw_io_error(saved, tx("syncing folder {}", dir.string()));
  }
}

// rename() that fails with EEXIST instead of replacing the target.
int rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return errno;
  }
  // Filesystems without RENAME_NOREPLACE: link() never replaces either.
  if (::link(from.c_str(), to.c_str()) != 0) {
    return errno;
  }
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

AtomicFile::AtomicFile(fs::path final_path)
    : m_final(std::move(final_path)), m_partial(m_final.string() + k_partial_suffix) {
  struct stat st {};
  if (::lstat(m_final.c_str(), &st) == 0) {
    throw Error(ErrorCode::io, tx("{} already exists", m_final.string()),
                tx("ifnbackup never overwrites a backup; wait a second or choose another name"));
  }
  m_fd = ::open(m_partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (m_fd < 0) {
    throw_io_error(errno, tx("creating {}", m_partial.string()));
  }
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::discard() noexcept {
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  if (!m_committed && !m_partial.empty()) {
    ::unlink(m_partial.c_str());
    m_partial.clear();
  }
}

void AtomicFile::commit() {
  if (::fsync(m_fd) != 0) {
    throw_io_error(errno, tx("syncing {}", m_partial.string()));
  }
  if (::close(m_fd) != 0) {
    m_fd = -1;
    throw_io_error(errno, tx("closing {}", m_partial.string()));
  }
  m_fd = -1;
  if (const int rc = rename_no_replace(m_partial, m_final); rc != 0) {
    throw_io_error(rc, tx("renaming {} to {}", m_partial.string(), m_final.filename().string()));
  }
  m_committed = true;
  fsync_folder(m_final.parent_path().empty() ? fs::path(".") : m_final.parent_path());
}

void ensure_private_folder(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    return;
  }
  const auto parent = dir.parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) {
      throw_io_error(ec.value(), tx("creating folder {}", parent.string()));
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno != EEXIST) {
      throw_io_error(errno, tx("creating folder {}", dir.string()));
    }
    return;
  }
  ::chmod(dir.c_str(), 0700);  // whatever the umask
}

}  // namespace ifnbackup::io
