#include "verify/statement_scan.hpp"

#include <algorithm>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "restore/table_filter.hpp"
#include "sql/text.hpp"

namespace ifnbackup::verify_detail {
namespace {

// Enough of a statement's start for restore::statement_excerpt to quote it, cut.
constexpr std::size_t k_excerpt_keep = 121;
// Row INSERTs handed to the checker and not yet classified hold at most this much together (or
// one statement, whatever its size up to k_statement_hold): verify's memory stays bounded.
constexpr std::size_t k_checker_bytes = 8 * 1024 * 1024;

const restore::StatementClass k_unknown_mode{
    restore::StatementKind::foreign, "sql_mode set in a way that cannot be followed before it", {}, {}};

}  // namespace

StatementScan::StatementScan() {
  m_splitter.stream_beyond(k_statement_hold, [this](std::string_view piece) { take_piece(piece); });
}

StatementScan::~StatementScan() = default;

void StatementScan::take_piece(std::string_view piece) {
  if (!m_streaming) {
    m_streaming = true;
    m_streamed_head.clear();
    if (m_modes.known()) {
      m_streamed =
          std::make_unique<restore::StatementClassifier>(m_ours, m_modes.ansi_quotes(), m_modes.backslash_escapes());
    }
  }
  if (m_streamed_head.size() < k_excerpt_keep) {
    m_streamed_head.append(piece.substr(0, k_excerpt_keep - m_streamed_head.size()));
  }
  if (m_streamed) {
    m_streamed->feed(piece);
  }
}

void StatementScan::take(restore::Statement&& statement) {
  ++m_statements;
  m_largest = std::max<std::uint64_t>(m_largest, statement.streamed + statement.text.size());
  // The loader runs this statement under the modes the file set before it (as the server and the
  // client follow them); the same modes cut and read it here.
  restore::StatementClass kind = k_unknown_mode;
  if (m_streaming) {
    if (m_streamed_head.size() < k_excerpt_keep) {
      m_streamed_head.append(std::string_view(statement.text).substr(0, k_excerpt_keep - m_streamed_head.size()));
    }
    if (m_streamed) {
      m_streamed->feed(statement.text);
      kind = m_streamed->finish();
      // Too long to be read whole: a SET of it cannot be followed.
      if (m_streamed->first_word() == "SET") {
        m_modes.forget();
      }
    }
  } else if (m_modes.known()) {
    // (One longer than the checker's bytes in flight is read here: verify holds at most that one
    // beside those the checker holds. So does every INSERT when the checker thread cannot start.)
    if (statement.text.starts_with("INSERT INTO ") && statement.text.size() <= k_checker_bytes && start_checker()) {
      // Its digest and modes first (both read the text here, in order), then its verdict beside.
      if (m_ours) {
        m_digests.statement(statement.text);
      }
      check_rows_beside(std::move(statement));
      return;
    }
    kind = restore::classify_statement(statement.text, m_ours, m_modes.ansi_quotes(), m_modes.backslash_escapes());
  }
  if (kind.kind == restore::StatementKind::object) {
    const std::lock_guard lock(m_mutex);
    ++m_objects;
  } else if (kind.kind == restore::StatementKind::foreign) {
    note_foreign(m_statements, fmt::format("line {}: {}: {}", statement.line, kind.reason,
                                           restore::statement_excerpt(m_streaming ? m_streamed_head : statement.text)));
  }
  if (!m_streaming) {
    if (kind.kind != restore::StatementKind::foreign) {
      note_tables(statement.text);
    }
    m_modes.observe(statement.text);
    if (m_ours) {
      m_digests.statement(statement.text);
    }
  }
  m_streaming = false;
  m_streamed.reset();
  m_splitter.set_ansi_quotes(m_modes.ansi_quotes());
  m_splitter.set_backslash_escapes(m_modes.backslash_escapes());
}

void StatementScan::check_rows_beside(restore::Statement&& statement) {
  // What take() does after the verdict, for an INSERT: nothing to note (no table created, no mode
  // set: SessionModeTracker reads SET statements only), the splitter's modes unchanged.
  const std::size_t size = statement.text.size();
  m_checker->submit(
      [this, index = m_statements, ours = m_ours, ansi = m_modes.ansi_quotes(), backslash = m_modes.backslash_escapes(),
       statement = std::move(statement)](unsigned) {
        const auto kind = restore::classify_statement(statement.text, ours, ansi, backslash);
        if (kind.kind == restore::StatementKind::object) {
          const std::lock_guard lock(m_mutex);
          ++m_objects;
        } else if (kind.kind == restore::StatementKind::foreign) {
          note_foreign(index, fmt::format("line {}: {}: {}", statement.line, kind.reason,
                                          restore::statement_excerpt(statement.text)));
        }
      },
      size);
}

bool StatementScan::start_checker() {
  if (!m_checker && !m_no_checker) {
    try {
      m_checker = std::make_unique<util::WorkerPool>(
          1, util::WorkerPool::Limits{std::numeric_limits<std::size_t>::max(), k_checker_bytes});
    } catch (const std::system_error&) {
      m_no_checker = true;  // a thread limit reached: every statement classified in line, as before
    }
  }
  return m_checker != nullptr;
}

void StatementScan::note_foreign(std::uint64_t index, std::string message) {
  const std::lock_guard lock(m_mutex);
  if (m_foreign++ == 0 || index < m_first_foreign_index) {
    m_first_foreign = std::move(message);
    m_first_foreign_index = index;
  }
}

void StatementScan::note_tables(std::string_view text) {
  constexpr std::string_view k_create = "CREATE TABLE ";
  constexpr std::string_view k_alter = "ALTER TABLE ";
  std::size_t at = 0;
  if (text.starts_with(k_create)) {
    at = k_create.size();
    constexpr std::string_view k_if_not_exists = "IF NOT EXISTS ";
    if (text.substr(at).starts_with(k_if_not_exists)) {
      at += k_if_not_exists.size();
    }
  } else if (text.starts_with(k_alter)) {
    at = k_alter.size();
  } else {
    return;
  }
  const auto table = sql::parse_quoted_identifier(text, at);
  if (!table) {
    return;
  }
  if (restore::may_add_foreign_key(text)) {
    for (std::string& parent : restore::foreign_key_parents(text, *table)) {
      const std::pair<std::string, std::string> pair(*table, std::move(parent));
      if (!m_created.contains(pair.second) &&
          std::find(m_parents_after_children.begin(), m_parents_after_children.end(), pair) ==
              m_parents_after_children.end()) {
        m_parents_after_children.push_back(pair);
      }
    }
  }
  if (text.starts_with(k_create)) {
    m_created.insert(*table);
  }
}

void StatementScan::feed(std::string_view chunk) {
  if (m_failed) {
    return;
  }
  try {
    m_splitter.feed(chunk, [this](restore::Statement&& statement) { take(std::move(statement)); });
  } catch (const Error& error) {
    m_failed = true;
    note_foreign(m_statements + 1, error.what());
  }
}

void StatementScan::conclude(VerifyResult& result) {
  if (!m_failed) {
    try {
      m_splitter.finish([this](restore::Statement&& statement) { take(std::move(statement)); });
    } catch (const Error& error) {
      note_foreign(m_statements + 1, error.what());
    }
  }
  if (m_checker) {
    m_checker->wait_idle();  // every INSERT's verdict in
  }
  const std::lock_guard lock(m_mutex);
  result.statements = m_statements;
  result.largest_statement = m_largest;
  result.object_statements = m_objects;
  result.foreign_statements = m_foreign;
  result.first_foreign_statement = m_first_foreign;
  result.parents_after_children = m_parents_after_children;
}

}  // namespace ifnbackup::verify_detail
