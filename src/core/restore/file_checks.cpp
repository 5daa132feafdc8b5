#include "restore/file_checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

PinnedFile::PinnedFile(const std::filesystem::path& path) : m_path(path) {
  m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m_fd >= 0 && std::filesystem::exists(fmt::format("/proc/self/fd/{}", m_fd))) {
    m_path = fmt::format("/proc/self/fd/{}", m_fd);
  }
}

PinnedFile::~PinnedFile() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

// Throws Error(check_mismatch) for a row count that differs, else Error(content_mismatch) for a
// table whose digest differs; names every such table.
void throw_if_not_as_dumped(const std::vector<TableCheck>& checks, bool snapshot_taken) {
  std::string counts;
  std::string contents;
  for (const auto& check : checks) {
    if (check.expected != check.actual) {
      counts += fmt::format("{}{} ({} rows, the backup recorded {})", counts.empty() ? "" : ", ",
                            sql::quote_identifier(check.table), check.actual, check.expected);
    } else if (check.proof == ProofVerdict::different) {
      contents += (contents.empty() ? "" : ", ") + sql::quote_identifier(check.table);
    }
  }
  if (!counts.empty()) {
    throw Error(ErrorCode::check_mismatch, tx("row counts differ from the backup's: {}", counts),
                snapshot_taken
                    ? tx("the backup was loaded but differs from what was dumped: keep the safety snapshot and "
                         "investigate")
                    : tx("the backup was loaded but differs from what was dumped: keep the backup and investigate"));
  }
  if (!contents.empty()) {
    throw Error(ErrorCode::content_mismatch,
                tx("content differs from the backup's digest (same row count, other rows): {}", contents),
                tx("the rows read back are not the rows dumped: keep the backup{}, and report it with "
                   "restore.log (ifnbackup drill reproduces it into a scratch database)",
                   snapshot_taken ? " and the safety snapshot" : ""));
  }
}

// What identifies the file that was verified: same inode, size and modification time.
std::tuple<dev_t, ino_t, off_t, std::int64_t> file_identity(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {0, 0, -1, 0};
  }
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

[[noreturn]] void refuse_file(const VerifyResult& verification) {
  // Whole but holding statements our dumper never writes: its own code, the line named in the reason.
  const auto code = verification.status == VerifyStatus::incomplete ? ErrorCode::incomplete
                    : verification.refused_for_statements           ? ErrorCode::foreign_statement
                                                                    : ErrorCode::corrupt;
  throw Error(code,
              tx("{} is {}: {}; nothing was restored", verification.path.string(),
                 verify_status_name(verification.status), verification.reason),
              tx("choose another backup: ifnbackup verify checks them all, ifnbackup list shows them"));
}

// Our own files carry a claim of origin: loaded only when signed by our key or a trusted one, unless
// the operator says otherwise. A mysqldump file claims nothing (the plan says it is unsigned).
void refuse_untrusted(const VerifyResult& verification, const Keyring& keys, bool trust_unsigned) {
  const Signer& signer = verification.signer;
  if (trust_unsigned || verification.status != VerifyStatus::ok || signer.trust == SignerTrust::ours ||
      signer.trust == SignerTrust::trusted) {
    return;
  }
  const std::string own = keys.own() ? keys.own()->fingerprint() : "none yet";
  if (signer.trust == SignerTrust::none) {
    throw Error(
        ErrorCode::untrusted_signature,
        tx("{} is not signed (format {}, written before backups were signed): where it comes from "
           "cannot be proven; nothing was restored",
           verification.path.string(), verification.header.contains("format") ? verification.header.at("format") : "?"),
        tx("if you know where it comes from, restore it with --trust-unsigned"));
  }
  throw Error(ErrorCode::untrusted_signature,
              tx("{} is signed by key {}, which is neither this machine's key ({}) nor a trusted key; "
                 "nothing was restored",
                 verification.path.string(), signer.fingerprint, own),
              tx("if it was made by another machine of yours, run 'ifnbackup key show' there and "
                 "'ifnbackup key trust \"<the line it prints>\"' here; or give --trust-unsigned for this restore"));
}

void check_table_choice(const VerifyResult& verification, const std::vector<std::string>& tables) {
  if (verification.status != VerifyStatus::ok) {
    throw Error(ErrorCode::usage,
                tx("--tables needs a file written by ifnbackup; {} is a mysqldump file (no list of its tables)",
                   verification.path.filename().string()),
                tx("restore it whole --into a scratch database, then copy the tables you need"));
  }
  std::string known;
  for (const auto& table : verification.tables) {
    known += (known.empty() ? "" : ", ") + table.name;
  }
  for (const auto& wanted : tables) {
    const bool found = std::any_of(verification.tables.begin(), verification.tables.end(),
                                   [&wanted](const TableCount& table) { return table.name == wanted; });
    if (!found) {
      throw Error(ErrorCode::usage,
                  tx("table '{}' is not in {}; nothing was restored", wanted, verification.path.filename().string()),
                  tx("its tables: {}", known));
    }
  }
}

}  // namespace ifnbackup::restore
