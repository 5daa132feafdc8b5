#pragma once
// What a file must be before a restore loads it, and what the restored tables must be after: the
// checks of run_restore (restore.cpp), each throwing the Error the operator sees.
#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "ifnbackup/restore.hpp"
#include "ifnbackup/signing.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::restore {

// The file held open from its verification to its load, read through /proc/self/fd (the same
// inode whatever happens to its name). Where /proc is missing, the path itself.
class PinnedFile {
 public:
  explicit PinnedFile(const std::filesystem::path& path);
  ~PinnedFile();
  PinnedFile(const PinnedFile&) = delete;
  PinnedFile& operator=(const PinnedFile&) = delete;
  const std::filesystem::path& path() const noexcept { return m_path; }

 private:
  int m_fd = -1;
  std::filesystem::path m_path;
};

// Throws Error(check_mismatch) for a row count that differs, else Error(content_mismatch) for a
// table whose digest differs; names every such table.
// `snapshot_taken`: the hint speaks of the safety snapshot only when there is one.
void throw_if_not_as_dumped(const std::vector<TableCheck>& checks, bool snapshot_taken);

// What identifies the file that was verified: same device, inode, size and modification time.
std::tuple<dev_t, ino_t, off_t, std::int64_t> file_identity(const std::filesystem::path& path);

// A file that did not verify: Error(incomplete), Error(foreign_statement) or Error(corrupt).
[[noreturn]] void refuse_file(const VerifyResult& verification);

// Our own files carry a claim of origin: loaded only when signed by our key or a trusted one, unless
// the operator says otherwise. A mysqldump file claims nothing (the plan says it is unsigned).
void refuse_untrusted(const VerifyResult& verification, const Keyring& keys, bool trust_unsigned);

// restore --tables: a file of ours that holds every chosen table, else Error(usage).
void check_table_choice(const VerifyResult& verification, const std::vector<std::string>& tables);

}  // namespace ifnbackup::restore
