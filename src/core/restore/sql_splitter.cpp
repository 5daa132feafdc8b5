#include "restore/sql_splitter.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "restore/sql_splitter_text.hpp"

namespace ifnbackup::restore {

using namespace splitter_text;

namespace {

using ByteSet = std::array<bool, 256>;

constexpr ByteSet make_set(std::string_view bytes) {
  ByteSet set{};
  for (const char c : bytes) {
    set[static_cast<unsigned char>(c)] = true;
  }
  return set;
}

// Where the fast loops must stop and look closer, per state.
constexpr std::string_view k_normal_stop_bytes = "\\'\"`#-/*\r\n";
constexpr ByteSet k_single_quote_stops = make_set("'\\\r\n");
constexpr ByteSet k_double_quote_stops = make_set("\"\\\r\n");
constexpr ByteSet k_backtick_stops = make_set("`\r\n");
constexpr ByteSet k_comment_stops = make_set("*/\n");

constexpr std::string_view k_sandbox_line = "/*M!999999\\-";
// mysql.cc keeps the delimiter in `char delimiter[16]` (strmake_buf): a longer argument is cut to
// its first 15 bytes, and the script is split at those.
constexpr std::size_t k_client_delimiter_max = 15;
// A DELIMITER (or sandbox) line is held whole until its end; past this it is refused rather than
// held (the stock client would hold it: no dump writes one, a crafted file could make it gigabytes).
constexpr std::size_t k_max_command_line = 64 * 1024;

const char* skip_until(const char* p, const char* end, const ByteSet& stops) noexcept {
  while (end - p >= 4) {
    if (stops[static_cast<unsigned char>(p[0])]) {
      return p;
    }
    if (stops[static_cast<unsigned char>(p[1])]) {
      return p + 1;
    }
    if (stops[static_cast<unsigned char>(p[2])]) {
      return p + 2;
    }
    if (stops[static_cast<unsigned char>(p[3])]) {
      return p + 3;
    }
    p += 4;
  }
  while (p < end && !stops[static_cast<unsigned char>(*p)]) {
    ++p;
  }
  return p;
}

// mysql.cc's my_isspace() for the ASCII range.
constexpr bool is_space(int c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The argument of a DELIMITER command, as mysql.cc's get_arg() reads it: a word, or a quoted string.
std::string parse_delimiter_argument(std::string_view rest, std::uint64_t line) {
  std::size_t i = 0;
  while (i < rest.size() && is_space(rest[i])) {
    ++i;
  }
  std::string value;
  bool closed = true;
  if (i < rest.size() && (rest[i] == '\'' || rest[i] == '"' || rest[i] == '`')) {
    const char quote = rest[i++];
    closed = false;
    while (i < rest.size()) {
      if (rest[i] == quote) {
        if (i + 1 < rest.size() && rest[i + 1] == quote) {
          value += quote;
          i += 2;
          continue;
        }
        closed = true;
        break;
      }
      value += rest[i++];
    }
  } else {
    while (i < rest.size() && !is_space(rest[i])) {
      value += rest[i++];
    }
  }
  if (value.empty() || !closed) {
    throw Error(ErrorCode::corrupt, tx("line {}: DELIMITER must be followed by a delimiter character or string", line),
                tx("the script is malformed near that line; fix it or restore another file"));
  }
  if (value.find('\\') != std::string::npos) {
    throw Error(ErrorCode::corrupt, tx("line {}: DELIMITER cannot contain a backslash", line),
                tx("the script is malformed near that line; fix it or restore another file"));
  }
  value.resize(std::min(value.size(), k_client_delimiter_max));
  return value;
}

}  // namespace

SqlSplitter::SqlSplitter(std::size_t max_statement_bytes) : m_max_statement_bytes(max_statement_bytes) {
  reset();
}

void SqlSplitter::reset() {
  set_delimiter(std::string(k_default_delimiter));
  m_statement.clear();
  m_streamed = 0;
  m_line_starts_with_delimiter.reset();
  m_next_growth_wait = m_growth_step;
  m_carry.clear();
  m_line = 1;
  m_statement_line = 0;
  m_in_string = 0;
  m_ml_comment = false;
  m_ss_comment = false;
  m_line_comment = false;
  m_need_space = false;
  m_at_line_start = true;
  m_line_output = 0;
  m_backslash_escapes = true;
  m_ansi_quotes = false;
}

void SqlSplitter::set_delimiter(std::string delimiter) {
  m_delimiter = std::move(delimiter);
  m_normal_stops = make_set(k_normal_stop_bytes);
  m_normal_stops[static_cast<unsigned char>(m_delimiter.front())] = true;
}

void SqlSplitter::feed(std::string_view chunk, const StatementSink& on_statement) {
  if (!m_carry.empty()) {
    // Move just enough of the chunk behind the pending bytes to decide about them, growing the
    // piece geometrically so that a long pending line (a DELIMITER command) stays linear.
    std::size_t taken = 0;
    while (taken < chunk.size()) {
      const std::size_t pending = m_carry.size();
      const std::size_t piece = std::min(chunk.size() - taken, std::max<std::size_t>(pending, 64));
      m_carry.append(chunk.data() + taken, piece);
      taken += piece;
      const std::size_t used = scan(m_carry.data(), m_carry.data() + m_carry.size(), false, on_statement);
      if (used >= pending) {
        // What is left comes from the chunk itself: go on from there without copying.
        taken -= m_carry.size() - used;
        m_carry.clear();
        break;
      }
      m_carry.erase(0, used);
    }
    if (!m_carry.empty()) {
      return;
    }
    chunk.remove_prefix(taken);
  }
  const std::size_t used = scan(chunk.data(), chunk.data() + chunk.size(), false, on_statement);
  m_carry.assign(chunk.data() + used, chunk.size() - used);
}

void SqlSplitter::finish(const StatementSink& on_statement) {
  if (!m_carry.empty()) {
    const std::string pending = std::move(m_carry);
    m_carry.clear();
    scan(pending.data(), pending.data() + pending.size(), true, on_statement);
  }
  emit(on_statement);
  reset();
}

void SqlSplitter::mark_line_output() noexcept {
  m_line_output = m_statement.size();
  m_line_starts_with_delimiter.reset();
}

void SqlSplitter::end_line() noexcept {
  ++m_line;
  // mysql.cc keeps these per line.
  m_ss_comment = false;
  m_need_space = false;
  m_line_comment = false;
  m_at_line_start = true;
  mark_line_output();
}

// mysql.cc's add_line() ends a line with "\n" unless what it kept of the line (since the line's start,
// its last statement delimiter or comment, where it flushes) starts with the word DELIMITER and the
// line ends outside quotes and comments: it then takes the line for a DELIMITER
// command, even one that began inside a string ('x<newline>DELIMITER ;;'), and drops the line break
// from the statement. The server stores what the client sent, so a restore must drop it too.
bool SqlSplitter::line_reads_as_delimiter_command() const noexcept {
  if (m_in_string != 0 || m_ml_comment) {
    return false;
  }
  if (m_line_starts_with_delimiter) {
    return *m_line_starts_with_delimiter;
  }
  if (m_line_output > m_statement.size()) {
    return false;
  }
  const std::size_t kept = m_statement.size() - m_line_output;
  return kept >= k_delimiter_command.size() &&
         match_prefix(m_statement.data() + m_line_output, kept, k_delimiter_command, true) == Prefix::full;
}

std::size_t SqlSplitter::lookahead_for(unsigned char c) const noexcept {
  std::size_t need = 1;
  switch (c) {
    case '*':
    case '\r':
      need = 2;
      break;
    case '\\':  // a backslash, then \r\n
    case '-':   // --, then the byte after
      need = 3;
      break;
    case '/':
      need = 4;  // /*M!
      break;
    default:
      break;
  }
  if (c == static_cast<unsigned char>(m_delimiter.front())) {
    need = std::max(need, m_delimiter.size());
  }
  return need;
}

// At the start of a line with no statement pending, mysql.cc first tries the line as a client
// command. Only DELIMITER matters here, plus MariaDB 11's sandbox line, which we skip.
SqlSplitter::LineCheck SqlSplitter::check_line_command(const char*& p, const char* end, bool eof) {
  const char* q = p;
  while (q < end && *q != '\n' && is_space(*q)) {
    ++q;
  }
  if (q == end) {
    if (eof) {
      return LineCheck::none;
    }
    p = q;  // blanks before a possible command: nothing to keep, however many (no statement is pending)
    return LineCheck::need_more;
  }
  const auto available = static_cast<std::size_t>(end - q);
  Prefix delimiter = match_prefix(q, available, k_delimiter_command, true);
  if (delimiter == Prefix::full) {
    const std::size_t n = k_delimiter_command.size();
    if (available == n) {
      if (!eof) {
        return LineCheck::need_more;
      }
    } else if (!is_space(q[n])) {
      delimiter = Prefix::no;  // a word such as `delimiters`
    }
  }
  const Prefix sandbox = match_prefix(q, available, k_sandbox_line, false);
  if (!eof && (delimiter == Prefix::partial || sandbox == Prefix::partial)) {
    return LineCheck::need_more;
  }
  if (delimiter != Prefix::full && sandbox != Prefix::full) {
    return LineCheck::none;
  }
  const auto* newline = static_cast<const char*>(std::memchr(q, '\n', available));
  if (newline == nullptr && !eof) {
    if (available > k_max_command_line) {
      throw Error(ErrorCode::corrupt,
                  tx("line {}: a {} line longer than {} KiB", m_line,
                     delimiter == Prefix::full ? "DELIMITER" : "client command", k_max_command_line / 1024),
                  tx("no dump writes one: the file is damaged or was not made by a dump tool; restore another file"));
    }
    return LineCheck::need_more;
  }
  const char* line_end = newline != nullptr ? newline : end;
  if (delimiter == Prefix::full) {
    const char* argument = q + k_delimiter_command.size();
    set_delimiter(parse_delimiter_argument(std::string_view(argument, line_end - argument), m_line));
  }
  if (newline != nullptr) {
    p = newline + 1;
    end_line();
  } else {
    p = end;
  }
  return LineCheck::consumed;
}

// Processes [begin, end) and returns how many bytes were consumed; it stops early (never at eof)
// before a byte whose meaning depends on bytes not received yet. One function, long on purpose: the
// splitter's lexer, as the mysql client's add_line is one loop; its states share `p` and the fast runs.
std::size_t SqlSplitter::scan(const char* const begin, const char* const end, bool eof,
                              const StatementSink& on_statement) {
  const char* p = begin;
  while (p < end) {
    if (m_at_line_start) {
      if (!pending() && m_in_string == 0 && !m_ml_comment) {
        const LineCheck check = check_line_command(p, end, eof);
        if (check == LineCheck::need_more) {
          return static_cast<std::size_t>(p - begin);
        }
        if (check == LineCheck::consumed) {
          continue;
        }
      }
      m_at_line_start = false;
    }

    // Fast loops over the common case: long runs of ordinary text, string contents, comments.
    if (m_line_comment) {
      const auto* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      p = newline != nullptr ? newline : end;
    } else if (m_ml_comment) {
      p = skip_until(p, end, k_comment_stops);
    } else if (m_in_string != 0) {
      const ByteSet& stops = m_in_string == '\''  ? k_single_quote_stops
                             : m_in_string == '"' ? k_double_quote_stops
                                                  : k_backtick_stops;
      const char* q = skip_until(p, end, stops);
      append(p, static_cast<std::size_t>(q - p));
      p = q;
    } else if (!m_need_space && pending()) {
      const char* q = skip_until(p, end, m_normal_stops);
      append(p, static_cast<std::size_t>(q - p));
      p = q;
    }
    if (p == end) {
      break;
    }

    // One byte, in the order of mysql.cc's add_line().
    const auto c = static_cast<unsigned char>(*p);
    const auto available = static_cast<std::size_t>(end - p);
    if (!eof && available < lookahead_for(c)) {
      return static_cast<std::size_t>(p - begin);
    }
    // The next bytes; -1 past the end of the input (the client's end of line).
    const auto peek = [p, available](std::size_t i) -> int {
      return i < available ? static_cast<unsigned char>(p[i]) : -1;
    };

    if (c == '\r' && peek(1) == '\n') {
      ++p;  // the client reads lines without their "\r\n", and ends them with "\n"
      continue;
    }
    if (c == '\n') {
      if (!m_ml_comment && pending() && !line_reads_as_delimiter_command()) {
        append(p, 1);
      }
      end_line();
      ++p;
      continue;
    }
    if (m_line_comment || (!pending() && is_space(c))) {
      ++p;
      continue;
    }
    // mysql.cc: no escape in `...`, nor in "..." under ANSI_QUOTES, nor in any quote under
    // NO_BACKSLASH_ESCAPES.
    const bool escapes =
        m_in_string == 0 || (m_backslash_escapes && m_in_string != '`' && !(m_in_string == '"' && m_ansi_quotes));
    if (!m_ml_comment && c == '\\' && escapes) {
      const int next = peek(1);
      if (next < 0 || next == '\n' || (next == '\r' && peek(2) == '\n')) {
        ++p;  // the client drops a backslash that ends a line
      } else {
        append(p, 2);
        p += 2;
      }
      continue;
    }
    if (!m_ml_comment && m_in_string == 0 && available >= m_delimiter.size() &&
        std::memcmp(p, m_delimiter.data(), m_delimiter.size()) == 0) {
      p += m_delimiter.size();
      emit(on_statement);
      continue;
    }
    if (!m_ml_comment && m_in_string == 0) {
      if (c == '#') {
        m_line_comment = true;
        mark_line_output();  // mysql.cc flushes the line's bytes here
        ++p;
        continue;
      }
      if (c == '-' && peek(1) == '-') {
        const int after = peek(2);
        if (after < 0 || is_space(after) || !pending()) {
          m_line_comment = true;
          mark_line_output();
          p += 2;
          continue;
        }
      }
    }
    if (m_in_string == 0 && c == '/' && peek(1) == '*') {
      const bool executable = peek(2) == '!' || peek(2) == '+' || (peek(2) == 'M' && peek(3) == '!');
      if (!executable) {
        m_ml_comment = true;
        mark_line_output();
        p += 2;
        continue;
      }
    }
    if (m_ml_comment && !m_ss_comment && c == '*' && peek(1) == '/') {
      m_ml_comment = false;
      m_need_space = true;
      mark_line_output();
      p += 2;
      continue;
    }

    // An ordinary byte: track quotes and /*! ... */ on this line, copy it unless in a comment.
    char byte = static_cast<char>(c);
    if (m_in_string == 0 && c == '/' && peek(1) == '*' && (peek(2) == '!' || peek(2) == '+')) {
      m_ss_comment = true;
    } else if (m_in_string == 0 && m_ss_comment && c == '*' && peek(1) == '/') {
      m_ss_comment = false;
      if (!m_ml_comment) {
        append(p, 1);
      }
      ++p;
      byte = '/';
    }
    if (m_in_string != 0 && byte == m_in_string) {
      m_in_string = 0;
    } else if (!m_ml_comment && m_in_string == 0 && (byte == '\'' || byte == '"' || byte == '`')) {
      m_in_string = byte;
    }
    if (!m_ml_comment) {
      // The client would also send a leading space after a comment that starts the statement.
      if (m_need_space && !is_space(byte) && pending()) {
        append(" ", 1);
      }
      m_need_space = false;
      append(&byte, 1);
    }
    ++p;
  }
  return static_cast<std::size_t>(p - begin);
}

std::string statement_excerpt(std::string_view text) {
  std::string out(text.substr(0, 120));
  std::replace(out.begin(), out.end(), '\n', ' ');
  return text.size() > 120 ? out + "..." : out;
}

std::vector<Statement> split_sql(std::string_view script) {
  std::vector<Statement> statements;
  const StatementSink sink = [&statements](Statement&& statement) { statements.push_back(std::move(statement)); };
  SqlSplitter splitter;
  splitter.feed(script, sink);
  splitter.finish(sink);
  return statements;
}

}  // namespace ifnbackup::restore
