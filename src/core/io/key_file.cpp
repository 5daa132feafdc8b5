#include "io/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ifnbackup/error.hpp"

namespace ifnbackup::io {

namespace {

struct Closer {
  int fd;
  ~Closer() { ::close(fd); }
};

// explicit_bzero: a wipe the compiler may not drop as a dead store.
void wipe(std::string& text) {
  ::explicit_bzero(text.data(), text.size());
}

void check_access(const std::filesystem::path& path, const struct stat& st, const KeyFileRules& rules) {
  const Text what = tx(rules.what);
  const unsigned mode = st.st_mode & 07777;
  switch (rules.access) {
    case KeyFileAccess::anyone:
      return;
    case KeyFileAccess::owner_only:
      if ((st.st_mode & 077) != 0) {
        throw Error(ErrorCode::config, tx("{} {} is readable by others (mode {:04o})", what, path.string(), mode),
                    rules.access_hint);
      }
      if (st.st_uid != ::geteuid()) {
        throw Error(ErrorCode::config,
                    tx("{} {} belongs to uid {}, not to the user running ifnbackup (uid {})", what, path.string(),
                       st.st_uid, ::geteuid()),
                    rules.owner_hint);
      }
      return;
    case KeyFileAccess::written_by_owner:
      if ((st.st_mode & 022) != 0) {
        throw Error(ErrorCode::config, tx("{} {} may be written by others (mode {:04o})", what, path.string(), mode),
                    rules.access_hint);
      }
      if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        throw Error(
            ErrorCode::config,
            tx("{} {} belongs to uid {}, neither root nor the user running ifnbackup", what, path.string(), st.st_uid),
            rules.owner_hint);
      }
      return;
  }
}

}  // namespace

std::optional<std::string> read_key_file(const std::filesystem::path& path, const KeyFileRules& rules) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && rules.missing_ok) {
      return std::nullopt;
    }
    throw Error(ErrorCode::config, tx("cannot read {} {}: {}", tx(rules.what), path.string(), errno_text(errno)),
                rules.open_hint);
  }
  const Closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::config, tx("{} {} is not a regular file", tx(rules.what), path.string()),
                rules.not_regular_hint);
  }
  check_access(path, st, rules);
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n == 0) {
      ::explicit_bzero(buffer, sizeof buffer);
      return text;
    }
    if (n < 0 || text.size() + static_cast<std::size_t>(n) > rules.limit) {
      const int error_number = errno;
      wipe(text);
      ::explicit_bzero(buffer, sizeof buffer);
      if (n < 0) {
        throw Error(ErrorCode::config,
                    tx("cannot read {} {}: {}", tx(rules.what), path.string(), errno_text(error_number)),
                    rules.read_hint);
      }
      throw Error(ErrorCode::config,
                  tx("{} {} is too large to be one (over {} KiB)", tx(rules.what), path.string(), rules.limit / 1024),
                  rules.too_large_hint);
    }
    // Grown by hand so that no reallocation leaves a copy behind unwiped.
    if (text.capacity() < text.size() + static_cast<std::size_t>(n)) {
      std::string larger;
      larger.reserve(std::max(text.capacity() * 2, text.size() + static_cast<std::size_t>(n)));
      larger = text;
      wipe(text);
      text.swap(larger);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace ifnbackup::io
