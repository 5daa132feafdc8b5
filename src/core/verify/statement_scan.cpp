#include "verify/statement_scan.hpp"

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::verify_detail {
void StatementScan::take(restore::Statement&& statement) {
  ++m_statements;
  // The loader runs this statement under the modes the file set before it (as the server and the
  // client follow them); the same modes cut and read it here.
  const auto kind = m_modes.known()
                        ? restore::classify_statement(statement.text, m_ours, m_modes.ansi_quotes(),
                                                      m_modes.backslash_escapes())
                        : restore::StatementClass{restore::StatementKind::foreign,
                                                  "sql_mode set in a way that cannot be followed before it", {}};
  if (kind.kind == restore::StatementKind::object) {
    ++m_objects;
  } else if (kind.kind == restore::StatementKind::foreign) {
    if (m_foreign++ == 0) {
      m_first_foreign = fmt::format("line {}: {}: {}", statement.line, kind.reason, restore::statement_excerpt(statement.text));
    }
  }
  m_modes.observe(statement.text);
  m_splitter.set_ansi_quotes(m_modes.ansi_quotes());
  m_splitter.set_backslash_escapes(m_modes.backslash_escapes());
}

void StatementScan::feed(std::string_view chunk) {
  if (m_failed) {
    return;
  }
  try {
    m_splitter.feed(chunk, [this](restore::Statement&& statement) { take(std::move(statement)); });
  } catch (const Error& error) {
    m_failed = true;
    if (m_foreign++ == 0) {
      m_first_foreign = error.what();
    }
  }
}

void StatementScan::conclude(VerifyResult& result) {
  if (!m_failed) {
    try {
      m_splitter.finish([this](restore::Statement&& statement) { take(std::move(statement)); });
    } catch (const Error& error) {
      if (m_foreign++ == 0) {
        m_first_foreign = error.what();
      }
    }
  }
  result.statements = m_statements;
  result.object_statements = m_objects;
  result.foreign_statements = m_foreign;
  result.first_foreign_statement = m_first_foreign;
}

}  // namespace ifnbackup::verify_detail
