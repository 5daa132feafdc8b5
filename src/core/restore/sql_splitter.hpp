#pragma once
// Cuts a SQL script (mysqldump, mariadb-dump or ifnbackup output, decompressed) into the statements
// the stock `mariadb` client would send to the server, one mysql_real_query() each. The input comes
// in chunks cut anywhere (inside a quote, a comment, a delimiter or a UTF-8 character); only the
// statement being built and a few bytes of look-ahead are kept in memory.
//
// What it follows (MariaDB client/mysql.cc, read_and_execute() and add_line(), default options;
// checked against the output of the mariadb 10.11 client in a server's general log):
// - Lines end at "\n" or "\r\n"; the "\r" of "\r\n" is not sent, even inside a quoted string.
// - A statement ends at the current delimiter outside '...', "..." and `...` and outside comments.
//   In '...' and "..." a backslash takes the next byte as is; a doubled quote is a quote.
// - `-- ` (dashes then whitespace or end of line; any `--` that starts a statement) and `#` run to
//   the end of the line; /* ... */ runs to the first */. These comments are not sent; the newline
//   ending a line comment is. A space replaces a /* */ comment when text follows on its line.
// - /*! ... */ and /*M! ... */ are sent as text, and the delimiter still ends a statement inside
//   them (mysql.cc checks the delimiter before anything but quotes and /* */ comments).
// - `DELIMITER x` on a line of its own, when no statement is pending, is a client command: it
//   changes the delimiter (`;;`, `$$`, quoted forms) and is not sent.
// - MariaDB 11's first line `/*M!999999\- enable the sandbox mode */` is skipped.
// - Leading whitespace and trailing whitespace/control bytes are trimmed; a statement left empty
//   (only comments, whitespace, a lone delimiter) is not emitted. At the end of the input a
//   statement without delimiter is still emitted.
// Deliberate differences, for binary-safe, CRLF-tolerant restores of dump files:
// - Any byte is data, NUL included (the client needs --binary-mode for that).
// - /*+ ... */ optimizer hints are sent, as newer clients do (10.11's strips them; servers older
//   than the hints read them as a comment anyway).
// - A DELIMITER argument stops at any whitespace, so `DELIMITER ;;\r\n` sets `;;` (the client
//   would set ";;\r" on Linux).
// - A line starting with "delimiter" inside a pending statement keeps its newline (mysql.cc
//   glues the next line to it); such a script is broken for the server either way.
// - Other client commands (`use`, `source`, `\g`, `\c`, ...) are not interpreted: their text is
//   passed on like any other. A backslash outside quotes is copied with the byte after it.
// - The text is assumed UTF-8 (no multi-byte character contains an ASCII byte).
// Session state, followed as the client follows it: after each statement the client reads the
// server's status flags, and so must the caller (set_backslash_escapes, set_ansi_quotes). A dump
// sets a trigger's or routine's own sql_mode around its body, so the body is cut by that mode:
// - NO_BACKSLASH_ESCAPES: a backslash inside '...' and "..." is an ordinary byte.
// - ANSI_QUOTES: "..." is an identifier; a backslash inside it is an ordinary byte (mysql.cc
//   add_line() since MariaDB 10.x reads SERVER_STATUS_ANSI_QUOTES). Cutting such a body with
//   the default rules lets its text after a `"x\"` run as statements of their own.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::restore {

// Tests (LoadSettings::statement_ran): a statement run, on which connection (0: the main one, then the
// loading ones from 1), its text, when it started and ended.
using StatementTimes =
    std::function<void(std::size_t connection, const std::string& text, std::chrono::steady_clock::time_point started,
                       std::chrono::steady_clock::time_point ended)>;

struct Statement {
  std::string text;               // what to send, without its delimiter
  std::uint64_t line = 0;         // 1-based line of the script where the text starts
  bool default_delimiter = true;  // ended by `;` (false inside a DELIMITER ;; block)
  // With SqlSplitter::stream_beyond: how many bytes of the statement went to the piece sink before
  // `text`, which is only its end. 0: `text` is the whole statement.
  std::uint64_t streamed = 0;
};

using StatementSink = std::function<void(Statement&&)>;
using PieceSink = std::function<void(std::string_view)>;

class SqlSplitter {
 public:
  // The stock client's own batch buffer limit (MAX_BATCH_BUFFER_SIZE).
  static constexpr std::size_t k_default_max_statement_bytes = std::size_t{1} << 30;

  explicit SqlSplitter(std::size_t max_statement_bytes = k_default_max_statement_bytes);

  // Consumes a chunk; calls on_statement for each statement completed by it. Throws
  // Error(corrupt) for a statement larger than the limit (an unterminated quote usually) or a
  // DELIMITER command without a usable argument. After a throw, discard the splitter.
  void feed(std::string_view chunk, const StatementSink& on_statement);

  // End of input: emits the trailing statement without delimiter, if any, and resets the
  // splitter for a new script.
  void finish(const StatementSink& on_statement);

  // For a reader that only looks at statements (verify), whose memory must not grow with them: a
  // statement is held up to `hold_bytes`; past that, its text goes to `on_piece` as it is cut,
  // in order, but for its last bytes (up to 64 KiB that the statement's end may trim, the first
  // bytes of a line a DELIMITER check reads), and the sink then gets the rest with `streamed` set.
  // The pieces and the text are the statement the splitter would emit whole, except that a run of
  // more than 64 KiB of trailing control bytes is no longer trimmed whole.
  void stream_beyond(std::size_t hold_bytes, PieceSink on_piece);

  // The size of the file's largest statement, as its verification found it: a statement that
  // passes 4 MiB gets room for that at once, instead of doubling its buffer on the way (each
  // doubling copies the text into twice its size: the last one held three times a huge statement).
  // The text given to the sink is cut back to its size when it is less than half that room.
  void expect_largest(std::size_t bytes) noexcept { m_expected_largest = bytes; }

  // Called each time the statement being cut is about to pass another `step` bytes, with the size
  // it will have, before it grows: a caller that holds other statements (the loader's queue) may
  // wait there until they leave room for it.
  using GrowthWait = std::function<void(std::size_t)>;
  void before_growth(std::size_t step, GrowthWait wait);

  const std::string& delimiter() const noexcept { return m_delimiter; }
  // Whether a backslash escapes the next byte inside '...' and "..." (false under the server's
  // NO_BACKSLASH_ESCAPES). Takes effect from the next byte processed; reset to true by finish().
  void set_backslash_escapes(bool on) noexcept { m_backslash_escapes = on; }
  // Whether "..." is an identifier (the server's ANSI_QUOTES), in which a backslash is an ordinary
  // byte. Takes effect from the next byte processed; reset to false by finish().
  void set_ansi_quotes(bool on) noexcept { m_ansi_quotes = on; }
  // Bytes of input received but not processed yet, waiting for the bytes that decide them (a
  // DELIMITER line is held to its end, at most 64 KiB): bounded, whatever the input.
  std::size_t pending_input_bytes() const noexcept { return m_carry.size(); }
  // Line of the next byte to be processed (a few look-ahead bytes may still be pending).
  std::uint64_t line() const noexcept { return m_line; }

 private:
  using ByteSet = std::array<bool, 256>;
  enum class LineCheck { none, consumed, need_more };

  std::size_t scan(const char* begin, const char* end, bool eof, const StatementSink& on_statement);
  LineCheck check_line_command(const char*& p, const char* end, bool eof);
  std::size_t lookahead_for(unsigned char c) const noexcept;
  void set_delimiter(std::string delimiter);
  void append(const char* data, std::size_t size);
  void hand_over();
  // A statement is pending: text held or handed over.
  [[nodiscard]] bool pending() const noexcept { return !m_statement.empty() || m_streamed > 0; }
  void mark_line_output() noexcept;
  void end_line() noexcept;
  [[nodiscard]] bool line_reads_as_delimiter_command() const noexcept;
  void emit(const StatementSink& on_statement);
  void reset();

  std::size_t m_max_statement_bytes;
  std::size_t m_hold_bytes = static_cast<std::size_t>(-1);
  std::size_t m_expected_largest = 0;
  bool m_reserved_for_largest = false;
  std::size_t m_growth_step = 0;
  GrowthWait m_growth_wait;
  std::size_t m_next_growth_wait = 0;  // the size at which m_growth_wait is called next
  PieceSink m_on_piece;
  std::uint64_t m_streamed = 0;  // bytes of the pending statement handed to m_on_piece
  // Whether the current line's kept bytes start with DELIMITER, decided when they were handed over.
  std::optional<bool> m_line_starts_with_delimiter;
  std::string m_delimiter;
  ByteSet m_normal_stops{};  // bytes the fast loop stops at outside quotes and comments
  std::string m_statement;
  std::string m_carry;  // unprocessed tail of earlier chunks, waiting for look-ahead
  std::uint64_t m_line = 1;
  std::uint64_t m_statement_line = 0;
  std::size_t m_line_output = 0;  // where this line's bytes start in m_statement (mysql.cc's `line`)
  char m_in_string = 0;           // the open quote: ' " ` or 0
  bool m_ml_comment = false;      // inside /* */
  bool m_ss_comment = false;      // inside /*! or /*+ opened on this line (mysql.cc's ss_comment)
  bool m_line_comment = false;    // inside -- or # until the end of the line
  bool m_need_space = false;      // a /* */ comment just ended on this line
  bool m_at_line_start = true;
  bool m_backslash_escapes = true;
  bool m_ansi_quotes = false;
};

// The first 120 bytes of a statement on one line (its newlines as spaces), "..." when cut: what a
// message quotes of it. Control bytes are escaped by the log sinks (ifnbackup/printable.hpp).
std::string statement_excerpt(std::string_view text);

// The whole script at once (tests, small scripts).
std::vector<Statement> split_sql(std::string_view script);

}  // namespace ifnbackup::restore
