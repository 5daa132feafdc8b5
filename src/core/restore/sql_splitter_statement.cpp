// The statement being cut: held up to a size, handed over in pieces past it (verify), room made for
// the file's largest at once (the load), trimmed and emitted as the stock client sends it.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/sql_splitter_text.hpp"

namespace ifnbackup::restore {

using namespace splitter_text;

void SqlSplitter::stream_beyond(std::size_t hold_bytes, PieceSink on_piece) {
  m_hold_bytes = hold_bytes;
  m_on_piece = std::move(on_piece);
  // At once: a string grown to it by doubling would copy it into twice its size on the way.
  m_statement.reserve(hold_bytes);
}

void SqlSplitter::before_growth(std::size_t step, GrowthWait wait) {
  m_growth_step = std::max<std::size_t>(step, 1);
  m_growth_wait = std::move(wait);
  m_next_growth_wait = m_growth_step;
}

void SqlSplitter::append(const char* data, std::size_t size) {
  if (size == 0) {
    return;
  }
  if (!pending()) {
    m_statement_line = m_line;
  }
  // Refused as soon as it passes the limit, whether held or handed over.
  if (m_streamed + m_statement.size() + size > m_max_statement_bytes) {
    throw Error(
        ErrorCode::corrupt,
        tx("the statement starting at line {} is larger than {} bytes", m_statement_line, m_max_statement_bytes),
        tx("an unterminated quote or comment makes the rest of the file one statement; check the "
           "file near that line"));
  }
  if (m_on_piece && m_statement.size() + size > m_hold_bytes) {
    hand_over();
  }
  const std::size_t needed = m_statement.size() + size;
  if (m_growth_wait && needed >= m_next_growth_wait) {
    m_growth_wait(needed);
    m_next_growth_wait = (needed / m_growth_step + 1) * m_growth_step;
  }
  if (needed > m_statement.capacity() && needed > k_room_for_largest_from && needed < m_expected_largest) {
    m_statement.reserve(m_expected_largest);
    m_reserved_for_largest = true;
  }
  m_statement.append(data, size);
}

// Everything held so far goes to the piece sink but what emit() and line_reads_as_delimiter_command()
// may still need: a trailing run of bytes emit() trims, and fewer than 9 bytes kept of this line.
void SqlSplitter::hand_over() {
  std::size_t keep_from = m_statement.size();
  while (keep_from > 0 && m_statement.size() - keep_from < k_trailing_junk_keep &&
         is_trailing_junk(static_cast<unsigned char>(m_statement[keep_from - 1]))) {
    --keep_from;
  }
  if (!m_line_starts_with_delimiter && m_line_output < keep_from) {
    const std::size_t kept = m_statement.size() - m_line_output;
    if (kept >= k_delimiter_command.size()) {
      // Decided for good: later bytes of the line do not change its first ones.
      m_line_starts_with_delimiter =
          match_prefix(m_statement.data() + m_line_output, kept, k_delimiter_command, true) == Prefix::full;
    } else {
      keep_from = m_line_output;
    }
  }
  if (keep_from == 0) {
    return;
  }
  m_on_piece(std::string_view(m_statement).substr(0, keep_from));
  m_statement.erase(0, keep_from);
  m_streamed += keep_from;
  m_line_output = m_line_output > keep_from ? m_line_output - keep_from : 0;
}

void SqlSplitter::emit(const StatementSink& on_statement) {
  std::size_t size = m_statement.size();
  while (size > 0 && is_trailing_junk(static_cast<unsigned char>(m_statement[size - 1]))) {
    --size;
  }
  m_statement.resize(size);
  if (std::exchange(m_reserved_for_largest, false) && m_statement.size() < m_statement.capacity() / 2) {
    m_statement.shrink_to_fit();  // queued for a loading thread: hold what it is, not the room made
  }
  if (pending()) {
    Statement statement{std::move(m_statement), m_statement_line, m_delimiter == k_default_delimiter, m_streamed};
    on_statement(std::move(statement));
    // Keep the buffer's capacity for the next statement when the sink did not take it.
    m_statement = std::move(statement.text);
  }
  m_statement.clear();
  m_streamed = 0;
  m_next_growth_wait = m_growth_step;
  mark_line_output();
}

}  // namespace ifnbackup::restore
