#pragma once
// One exception type with a stable code. The codes are the process exit codes,
// documented in docs/exit-codes.md: never renumber, only append.
#include <stdexcept>
#include <string>

#include "ifnbackup/i18n.hpp"

namespace ifnbackup {

enum class ErrorCode : int {
  ok = 0,
  internal = 1,              // a bug or an unexpected condition
  usage = 2,                 // bad command line, option value or config file
  config = 3,                // insecure or unreadable password/config file
  connection = 4,            // cannot connect or authenticate
  lock_held = 5,             // another ifnbackup run holds the backup folder's lock
  io = 6,                    // cannot create, write, sync or rename a file (incl. disk full)
  server = 7,                // the server failed a query or went away mid-run
  interrupted = 8,           // SIGINT/SIGTERM: partial work removed
  unknown_database = 9,      // the database to back up does not exist
  corrupt = 10,              // a backup file fails its gzip or content checksum
  incomplete = 11,           // a backup file is truncated (no completion marker)
  aborted = 12,              // restore: the operator did not type OUI
  restore_rolled_back = 13,  // restore failed; the safety snapshot was loaded back
  restore_failed = 14,       // restore failed and the database was NOT rolled back
  not_found = 15,            // the named backup file does not exist
  check_mismatch = 16,       // restore loaded, but row counts differ from the backup's
  doctor_warnings = 17,      // doctor found something to fix (nothing failed)
  content_mismatch = 18,     // restore loaded, but a table's content differs from the backup's digest
  foreign_statement = 19,    // a file holds a statement a backup may not (another database, SET GLOBAL...)
  untrusted_signature = 20,  // restore: our file is unsigned or signed by a key neither ours nor trusted
  not_restorable = 21,       // backup written and verified, but the server refused its schema (schema check)
  offsite = 22,              // the offsite copy (S3) failed: credentials, bucket, network, clock; local files kept
  wrong_identity = 23,       // an age-encrypted file is addressed to none of the identities given
  binlog_gap = 24,           // the binary log archive misses events (purged before archived): never a silent gap
};

// Short stable name of a code, for logs and JSON ("lock_held").
const char* error_code_name(ErrorCode code) noexcept;

// The message and the hint are Texts (ifnbackup/i18n.hpp): what() is the English one (log file,
// journal, JSON), message().local and hint().local the operator's language (the terminal's `error:`
// and `hint:` lines). Build them with tx("...") so that both exist.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, Text message, Text hint = {}, unsigned server_error = 0)
      : std::runtime_error(message.english),
        m_code(code),
        m_message(std::move(message)),
        m_hint(std::move(hint)),
        m_server_error(server_error) {}
  ErrorCode code() const noexcept { return m_code; }
  // The server's (or the client library's) error number behind an Error(server); 0: none.
  unsigned server_error() const noexcept { return m_server_error; }
  // The message in both languages (what() is its English side).
  const Text& message() const noexcept { return m_message; }
  // What the operator should do next, in English (what(), the log file); may be empty.
  const std::string& hint() const noexcept { return m_hint.english; }
  // The hint in both languages.
  const Text& hint_text() const noexcept { return m_hint; }

 private:
  ErrorCode m_code;
  Text m_message;
  Text m_hint;
  unsigned m_server_error = 0;
};

}  // namespace ifnbackup
