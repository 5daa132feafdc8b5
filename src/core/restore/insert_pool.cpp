#include "restore/insert_pool.hpp"
#include "ifnbackup/printable.hpp"

namespace ifnbackup::restore {

void log_warnings(db::Connection& connection, std::uint64_t line, KnownWarnings& known) {
  try {
    for (const auto& row : connection.query("SHOW WARNINGS").rows) {
      if (row.size() >= 3 && !known.explain(row[1].value_or(""), row[2].value_or(""))) {
        log_warn("line {}: {} {}: {}", line, row[0].value_or(""), row[1].value_or(""), row[2].value_or(""));
      }
    }
  } catch (const Error&) {
    // Reading warnings is best effort; the count is still reported.
  }
}

// A row INSERT of our own dumps: it depends on nothing but the table, which exists already.
bool is_row_insert(std::string_view text) {
  return text.starts_with("INSERT INTO ");
}

Text statement_error(const std::string& file, const Statement& statement,
                     const db::Connection::StatementResult& result) {
  return tx("{} line {}: error {}: {} (statement: {})", file, statement.line, result.error_number, result.error,
            statement_excerpt(statement.text));
}

// Deadlock, lock wait timeout: the statement was rolled back whole and may run again.
bool is_retryable(unsigned error_number) {
  return error_number == 1213 || error_number == 1205;
}

}  // namespace ifnbackup::restore
