#pragma once
// A file that appears under its final name only when complete: written as "<name>.partial"
// (O_EXCL, no symlink followed, mode 0600), fsynced, renamed without replacing anything,
// and the folder fsynced. Destroyed before commit(), it removes the partial file.
#include <filesystem>
#include <string>

#include "io/file_io.hpp"

namespace ifnbackup::io {

class AtomicFile {
 public:
  static constexpr const char* k_partial_suffix = ".partial";

  // Throws Error(io) if the partial or the final name already exists or cannot be created.
  explicit AtomicFile(std::filesystem::path final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  int fd() const { return m_fd; }
  const std::filesystem::path& final_path() const { return m_final; }
  const std::filesystem::path& partial_path() const { return m_partial; }
  // fsync, rename to the final name (never over an existing file), fsync the folder.
  void commit();
  // Removes the partial file now (also done by the destructor).
  void discard() noexcept;

 private:
  std::filesystem::path m_final;
  std::filesystem::path m_partial;
  int m_fd = -1;
  bool m_committed = false;
};

// Creates the folder (and parents) with mode 0700 if missing; tightens an existing folder
// we own to 0700 is NOT done silently: a looser mode is reported by the caller. Throws Error(io).
void ensure_private_folder(const std::filesystem::path& dir);

}  // namespace ifnbackup::io
