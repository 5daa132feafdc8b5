#include "binlog/commit_batch.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "restore/sql_tokens.hpp"
#include "restore/statement_words.hpp"

namespace ifnbackup::binlog {
namespace {

using restore::Token;
using restore::TokenType;

// Longer statements are none of the words read here (nor a SET the batch lets through).
constexpr std::size_t k_short_statement = 4096;

bool tokens_of(std::string_view statement, std::vector<Token>& tokens) {
  return statement.size() <= k_short_statement && restore::tokenize(statement, false, true, tokens);
}

bool is_word(const Token& token, std::string_view word) {
  return token.type == TokenType::word && token.text == word;
}
bool is_punct(const Token& token, char c) {
  return token.type == TokenType::punct && token.text.size() == 1 && token.text[0] == c;
}

// The session variables mariadb-binlog sets between transactions (each event's session state, the
// client's charset command as SET NAMES), which a server transaction may see set: none of them
// commits, or is refused inside a transaction. autocommit is not one (turned on, it commits).
constexpr std::array<std::string_view, 27> k_settings_kept_open{
    "TIMESTAMP",
    "PSEUDO_THREAD_ID",
    "FOREIGN_KEY_CHECKS",
    "SQL_AUTO_IS_NULL",
    "UNIQUE_CHECKS",
    "CHECK_CONSTRAINT_CHECKS",
    "SQL_IF_EXISTS",
    "EXPLICIT_DEFAULTS_FOR_TIMESTAMP",
    "SYSTEM_VERSIONING_INSERT_HISTORY",
    "SQL_MODE",
    "AUTO_INCREMENT_INCREMENT",
    "AUTO_INCREMENT_OFFSET",
    "CHARACTER_SET_CLIENT",
    "CHARACTER_SET_CONNECTION",
    "CHARACTER_SET_RESULTS",
    "COLLATION_CONNECTION",
    "COLLATION_SERVER",
    "COLLATION_DATABASE",
    "CHARACTER_SET_DATABASE",
    "CHARACTER_SET_SERVER",
    "LC_TIME_NAMES",
    "TIME_ZONE",
    "INSERT_ID",
    "LAST_INSERT_ID",
    "RAND_SEED1",
    "RAND_SEED2",
    "SKIP_PARALLEL_REPLICATION",
};

bool kept_open(std::string name) {
  for (const std::string_view scope : {"@@SESSION.", "@@LOCAL.", "@@"}) {
    if (name.starts_with(scope)) {
      name.erase(0, scope.size());
      break;
    }
  }
  if (name.starts_with("@")) {
    return true;  // a user variable
  }
  return std::find(k_settings_kept_open.begin(), k_settings_kept_open.end(), name) != k_settings_kept_open.end();
}

// SET NAMES ..., or SET of session variables all of k_settings_kept_open (or user variables), each
// `name = value` (values may hold parentheses and commas): a statement that may run inside the
// transaction held open. Anything else (SET TRANSACTION, autocommit, sql_log_bin, GLOBAL...) is not.
bool harmless_setting(std::string_view statement) {
  std::vector<Token> tokens;
  if (!tokens_of(statement, tokens) || tokens.size() < 2 || !is_word(tokens[0], "SET")) {
    return false;
  }
  if (is_word(tokens[1], "NAMES")) {
    return true;
  }
  std::size_t at = 1;
  while (at < tokens.size()) {
    if (is_word(tokens[at], "SESSION") || is_word(tokens[at], "LOCAL")) {
      ++at;  // SET SESSION x = ...
    }
    if (at + 1 >= tokens.size()) {
      return false;
    }
    const Token& name = tokens[at];
    if (!((name.type == TokenType::variable || name.type == TokenType::word) && kept_open(name.text))) {
      return false;
    }
    ++at;
    if (is_punct(tokens[at], ':')) {
      ++at;  // :=
    }
    if (at >= tokens.size() || !is_punct(tokens[at], '=')) {
      return false;
    }
    ++at;
    for (int depth = 0; at < tokens.size(); ++at) {
      if (is_punct(tokens[at], '(')) {
        ++depth;
      } else if (is_punct(tokens[at], ')')) {
        --depth;
      } else if (depth == 0 && is_punct(tokens[at], ',')) {
        ++at;
        break;
      }
    }
  }
  return true;
}

// A statement of a held-back transaction that may wait for the transaction's end: DML, BINLOG (row
// events) and session settings that do not change how the next statement is read (sql_mode does:
// the splitter follows the server's). Not DDL (it commits, and may make a table the caller must see).
bool may_wait(std::string_view statement) {
  std::string_view text = restore::unwrap_version_comment(statement);
  if (restore::take_word(text, "SET")) {
    return !restore::contains_any_case(statement.substr(0, k_short_statement), "SQL_MODE") &&
           statement.size() <= k_short_statement;
  }
  return restore::take_word(text, "INSERT") || restore::take_word(text, "UPDATE") ||
         restore::take_word(text, "DELETE") || restore::take_word(text, "REPLACE") ||
         restore::take_word(text, "BINLOG");
}

}  // namespace

TransactionWord transaction_word(std::string_view statement) {
  std::vector<Token> tokens;
  if (!tokens_of(statement, tokens) || tokens.empty() || tokens.size() > 3) {
    return TransactionWord::none;
  }
  const bool alone_or_work = tokens.size() == 1 || (tokens.size() == 2 && is_word(tokens[1], "WORK"));
  if (is_word(tokens[0], "BEGIN") && alone_or_work) {
    return TransactionWord::begin;
  }
  if (tokens.size() == 2 && is_word(tokens[0], "START") && is_word(tokens[1], "TRANSACTION")) {
    return TransactionWord::begin;
  }
  if (is_word(tokens[0], "COMMIT") && alone_or_work) {
    return TransactionWord::commit;
  }
  if (is_word(tokens[0], "ROLLBACK") && alone_or_work) {
    return TransactionWord::rollback;
  }
  return TransactionWord::none;
}

void CommitBatch::commit_held() {
  if (m_open) {
    m_run("COMMIT");
    ++m_commits;
    m_open = false;
  }
  m_held = 0;
  m_bytes = 0;
}

void CommitBatch::run(std::string_view sql) {
  m_run(sql);
  if (m_open && !server_in_transaction()) {
    // The server committed (a statement's implicit commit): what was held is in, the savepoint gone.
    m_open = false;
    m_held = 0;
    m_bytes = 0;
  }
}

void CommitBatch::stream_deferred() {
  m_deferring = false;
  m_run(fmt::format("SAVEPOINT {}", m_savepoint));  // the binary log's transaction inside ours
  run_deferred();
}

std::vector<std::string> CommitBatch::take_deferred() {
  m_deferring = false;
  m_deferred_bytes = 0;
  return std::exchange(m_deferred, {});
}

void CommitBatch::run_deferred() {
  for (const auto& statement : take_deferred()) {
    run(statement);
  }
}

void CommitBatch::feed(std::string_view statement) {
  const TransactionWord word = transaction_word(statement);
  switch (word) {
    case TransactionWord::begin:
      if (m_deferring) {
        run_deferred();  // a BEGIN inside the log's transaction commits it, and what was held: as the client
      }
      if (m_open && !m_in_source && server_in_transaction()) {
        m_deferring = true;  // held back until its end is read
      } else {
        // A BEGIN inside a transaction commits it (the server's implicit commit): as the client runs it.
        m_run(statement);
        m_open = false;
        m_held = 0;
        m_bytes = 0;
      }
      m_in_source = true;
      return;
    case TransactionWord::commit:
      if (m_deferring) {
        run_deferred();  // ended by COMMIT: its statements join the batch
      }
      if (m_in_source) {
        m_in_source = false;
        ++m_transactions;
        if (!server_in_transaction()) {
          // Committed by the server inside it, the rest run under autocommit: nothing is open to hold.
          m_open = false;
          m_held = 0;
          m_bytes = 0;
          return;
        }
        ++m_held;
        m_open = true;
        if (m_commit_each || m_held >= m_limits.transactions || m_bytes >= m_limits.bytes) {
          commit_held();
        }
        return;
      }
      commit_held();
      m_run(statement);
      return;
    case TransactionWord::rollback:
      if (m_deferring) {
        // Ended by ROLLBACK: what is held is committed, then this transaction runs as the client runs
        // it (its non-transactional changes stay, the rest is undone).
        m_in_source = false;
        ++m_transactions;
        const auto deferred = take_deferred();
        commit_held();
        m_run("BEGIN");
        for (const auto& held : deferred) {
          m_run(held);
        }
        m_run(statement);
        return;
      }
      if (m_in_source) {
        m_in_source = false;
        ++m_transactions;
        if (m_open) {
          m_run(fmt::format("ROLLBACK TO SAVEPOINT {}", m_savepoint));  // this transaction's work only
          return;
        }
        m_run(statement);
        return;
      }
      // Outside a transaction (mariadb-binlog's last line): nothing of the binary log's to undo.
      commit_held();
      m_run(statement);
      return;
    case TransactionWord::none:
      break;
  }
  if (m_deferring) {
    if (may_wait(statement) && m_deferred_bytes + statement.size() <= m_limits.defer_bytes) {
      m_deferred.emplace_back(statement);
      m_deferred_bytes += statement.size();
      m_bytes += statement.size();
      return;
    }
    stream_deferred();
  }
  if (!m_in_source && m_open && !harmless_setting(statement)) {
    commit_held();  // DDL, XA, autocommit...: the client runs it after the COMMIT we left out
  }
  m_bytes += statement.size();
  run(statement);
}

void CommitBatch::finish() {
  if (m_in_source) {
    // Cut inside a transaction without mariadb-binlog's closing ROLLBACK: undone, as that ROLLBACK
    // (or the client's end) would undo it; what was held before it stays.
    feed("ROLLBACK");
  }
  commit_held();
}

}  // namespace ifnbackup::binlog
