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

// InsertPool's longer members: the key builds' idle connections, the session settings a turn
// runs under, and one statement on a worker's connection (rows as LOAD DATA where it pays).

std::optional<InsertPool::BesideKeyBuilds> InsertPool::idle_beside_key_builds() {
  BesideKeyBuilds beside;
  {
    std::unique_lock lock(m_tables_mutex);
    const auto only_key_builds = [&] {
      return m_turns_waiting == 0 && std::none_of(m_running.begin(), m_running.end(),
                                                  [](Running running) { return running == Running::other; });
    };
    m_tables_changed.wait(lock, [&] { return m_tables_failed || only_key_builds(); });
    if (m_tables_failed) {
      lock.unlock();
      drain();  // throws the failure
      return std::nullopt;
    }
    for (std::size_t i = 0; i < m_running.size(); ++i) {
      if (m_running[i] == Running::none) {
        beside.idle.push_back(m_connections[i]);
      }
    }
    for (const auto& [table, turns] : m_busy_tables) {
      beside.tables.push_back(table);
    }
  }
  if (beside.tables.empty()) {
    return std::nullopt;
  }
  return beside;
}

void InsertPool::catch_up(std::size_t connection, std::size_t upto) {
  std::vector<Statement> due;
  {
    const std::lock_guard lock(m_tables_mutex);
    const std::size_t end = std::min(upto, m_session_base + m_session.size());
    for (std::size_t i = m_session_run[connection]; i < end; ++i) {
      due.push_back(m_session[i - m_session_base]);
    }
  }
  for (const auto& statement : due) {
    const auto result = m_connections[connection]->run_statement(statement.text);
    if (!result.ok) {
      throw Error(ErrorCode::server, statement_error(m_file, statement, result));
    }
    const std::lock_guard lock(m_tables_mutex);
    ++m_session_run[connection];
    // Those every connection ran are let go.
    const std::size_t oldest = *std::min_element(m_session_run.begin(), m_session_run.end());
    while (m_session_base < oldest) {
      m_session.pop_front();
      ++m_session_base;
    }
  }
}

void InsertPool::run(db::Connection& connection, const Statement& statement, unsigned thread) {
  db::Connection::StatementResult result;
  std::exception_ptr error;
  bool as_load_data = false;
  bool short_load = false;
  const bool rows = is_row_insert(statement.text);
  const auto started = std::chrono::steady_clock::now();
  try {
    for (int attempt = 1;; ++attempt) {
      result =
          rows ? run_rows(connection, statement, as_load_data, short_load) : connection.run_statement(statement.text);
      if (result.ok || short_load || !is_retryable(result.error_number) || attempt == 3) {
        break;
      }
      log_warn("line {}: error {} ({}), running the statement again", statement.line, result.error_number,
               result.error);
    }
    if (!result.ok) {
      error = std::make_exception_ptr(Error(ErrorCode::server, statement_error(m_file, statement, result)));
    } else if (result.warnings > 0 && warnings() < k_warnings_logged) {
      log_warnings(connection, statement.line, m_known);
    }
  } catch (const Error&) {
    error = std::current_exception();
  } catch (const std::exception& caught) {
    // out of memory, a library fault: an Error, so the restore still rolls back
    error = std::make_exception_ptr(Error(ErrorCode::internal, tx("line {}: {}", statement.line, caught.what())));
  }
  if (m_statement_ran) {
    m_statement_ran(thread + 1, statement.text, started, std::chrono::steady_clock::now());
  }
  ++m_statements;
  m_load_data_statements += as_load_data ? 1 : 0;
  m_row_statements += rows ? 1 : 0;
  m_warnings += result.warnings;
  m_rows += result.ok && rows ? result.affected_rows : 0;
  if (!rows && statement.text.starts_with("ALTER TABLE ")) {
    const auto took = std::chrono::steady_clock::now() - started;
    m_keys_nanoseconds += static_cast<std::uint64_t>(std::chrono::nanoseconds(took).count());
    const double seconds = std::chrono::duration<double>(took).count();
    const std::lock_guard lock(m_tables_mutex);
    if (seconds > m_slowest_keys_seconds) {
      m_slowest_keys_seconds = seconds;
      m_slowest_keys = statement_excerpt(statement.text.substr(0, statement.text.find('\n')));
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

db::Connection::StatementResult InsertPool::run_rows(db::Connection& connection, const Statement& statement,
                                                     bool& as_load_data, bool& short_load) {
  as_load_data = false;
  short_load = false;
  if (!m_load_data.load() || connection.no_backslash_escapes() || statement.text.size() > k_load_data_max_bytes ||
      statement.text.size() < k_load_data_min_bytes) {
    return connection.run_statement(statement.text);
  }
  // One row goes as the INSERT it is: LOAD DATA gains nothing on one row, and on MariaDB 10.11
  // a table whose whole load is one LOAD DATA row, under the dump's UNIQUE_CHECKS=0 and
  // FOREIGN_KEY_CHECKS=0 (InnoDB's bulk insert into an empty table), with a VIRTUAL column, gets
  // AUTO_INCREMENT 2 from the ALTER TABLE ... ADD KEY that follows, whatever its id (the stock
  // client's INSERT keeps max(id)+1: fuzz seeds 7040 and 7055, RestoreFidelity.OneRowTable...).
  const auto load = insert_to_load_data(statement.text, 2);
  if (!load) {
    return connection.run_statement(statement.text);
  }
  auto result = connection.load_local(load->statement, load->rows);
  if (!result.ok) {
    // Refused (local_infile off on the server or in an option file, a proxy, a server without
    // this syntax) or failed: the statement had no effect, and the INSERT decides. When the
    // INSERT passes where LOAD DATA did not (other than a deadlock), rows go as INSERTs from now on.
    auto insert = connection.run_statement(statement.text);
    if (insert.ok && !is_retryable(result.error_number) && m_load_data.exchange(false)) {
      log_warn(
          "LOAD DATA LOCAL failed (error {}: {}) where the INSERT passes: rows are sent as INSERT "
          "statements from now on",
          result.error_number, result.error);
    }
    return insert;
  }
  as_load_data = true;
  if (result.affected_rows != load->row_count) {
    // LOCAL skips a row it cannot insert (a duplicate key) with a warning, where the INSERT
    // fails: fail the same way, with the server's reason (the rest of the rows are in: no retry).
    short_load = true;
    std::string reason;
    try {
      const auto warnings = connection.query("SHOW WARNINGS LIMIT 1");
      if (!warnings.rows.empty() && warnings.rows[0].size() >= 3) {
        result.error_number = static_cast<unsigned>(std::stoul(warnings.rows[0][1].value_or("0")));
        reason = ": " + warnings.rows[0][2].value_or("");
      }
    } catch (const std::exception&) {
      // the count alone still tells what went wrong
    }
    result.ok = false;
    result.error =
        fmt::format("{} of the statement's {} rows were loaded{}", result.affected_rows, load->row_count, reason);
  }
  return result;
}

}  // namespace ifnbackup::restore
