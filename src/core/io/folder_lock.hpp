#pragma once
// One ifnbackup run at a time per backup folder: an flock() on "<folder>/.ifnbackup.lock" (or on
// another lock file of the folder, for runs that must only exclude each other: drills).
// The kernel drops the lock when the process dies, so a crash never leaves a stale lock.
#include <filesystem>

namespace ifnbackup::io {

class FolderLock {
 public:
  static constexpr const char* k_lock_name = ".ifnbackup.lock";
  // Throws Error(lock_held) at once if another process holds it; Error(io) if it cannot be created.
  explicit FolderLock(const std::filesystem::path& folder, const char* lock_name = k_lock_name);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int m_fd = -1;
};

// Whether some process holds the lock now, read from /proc/locks (never by trying to take it: a
// run starting at that instant would find it held). false when it cannot tell.
bool folder_lock_held(const std::filesystem::path& folder, const char* lock_name = FolderLock::k_lock_name);

}  // namespace ifnbackup::io
