#pragma once
// Every statement of a file, cut as the restore cuts it (restore/sql_splitter, following the
// file's own sql_mode settings by text: verify has no server) and classified
// (restore/statement_policy): what the file would make a restore do, known before anything is
// touched.
#include <cstdint>
#include <string>
#include <string_view>

#include "ifnbackup/verify.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"

namespace ifnbackup::verify_detail {

class StatementScan {
 public:
  // `ours`: the file's header says ifnbackup wrote it (stricter rules); may change until the
  // first statement is complete, which comes after the header.
  void set_ours(bool ours) noexcept { m_ours = ours; }
  void feed(std::string_view chunk);
  // After the last chunk. Fills statements, object_statements, foreign_statements,
  // first_foreign_statement of `result`.
  void conclude(VerifyResult& result);

 private:
  void take(restore::Statement&& statement);

  restore::SqlSplitter m_splitter;
  restore::SessionModeTracker m_modes;
  bool m_ours = false;
  bool m_failed = false;  // the splitter refused the text (an unterminated quote)
  std::uint64_t m_statements = 0;
  std::uint64_t m_objects = 0;
  std::uint64_t m_foreign = 0;
  std::string m_first_foreign;
};

}  // namespace ifnbackup::verify_detail
