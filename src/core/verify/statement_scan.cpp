#include "verify/statement_scan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "restore/table_filter.hpp"
#include "sql/text.hpp"

namespace ifnbackup::verify_detail {
namespace {

// Enough of a statement's start for restore::statement_excerpt to quote it, cut.
constexpr std::size_t k_excerpt_keep = 121;

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
    kind = restore::classify_statement(statement.text, m_ours, m_modes.ansi_quotes(), m_modes.backslash_escapes());
  }
  if (kind.kind == restore::StatementKind::object) {
    ++m_objects;
  } else if (kind.kind == restore::StatementKind::foreign) {
    if (m_foreign++ == 0) {
      m_first_foreign = fmt::format("line {}: {}: {}", statement.line, kind.reason,
                                    restore::statement_excerpt(m_streaming ? m_streamed_head : statement.text));
    }
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
  result.largest_statement = m_largest;
  result.object_statements = m_objects;
  result.foreign_statements = m_foreign;
  result.first_foreign_statement = m_first_foreign;
  result.parents_after_children = m_parents_after_children;
}

}  // namespace ifnbackup::verify_detail
