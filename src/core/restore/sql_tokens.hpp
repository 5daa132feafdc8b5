#pragma once
// The tokens of one SQL statement as the server's lexer sees them, roughly: enough for
// restore/statement_policy to name what a statement does and for the session-mode tracker to
// read SET statements. Pure text work.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::restore {

enum class TokenType { word, number, identifier, string, variable, punct };

struct Token {
  TokenType type = TokenType::punct;
  std::string text;  // word: upper-cased; identifier/string: content, unquoted; else as written
  std::string raw;   // word: as written (for messages)
};

// Reads the tokens of a statement from its text, whole or in pieces cut anywhere (a statement too
// long to hold is read as it is cut): only the token being read is kept, and its text only up to
// `text_keep` bytes. Executable comments (/*!NNNNN ... */, /*M!NNNNN ... */) count as code, hints
// /*+ */ as nothing. `ansi_quotes`: "..." is an identifier; `backslash_escapes`: a backslash
// escapes inside quotes.
class Lexer {
 public:
  using Sink = std::function<void(Token&&)>;
  static constexpr std::size_t k_keep_all = std::string::npos;

  Lexer(bool ansi_quotes, bool backslash_escapes, std::size_t text_keep = k_keep_all) noexcept
      : m_ansi_quotes(ansi_quotes), m_backslash_escapes(backslash_escapes), m_text_keep(text_keep) {}

  void feed(std::string_view piece, const Sink& sink);
  // After the last piece: false when the text ends inside a quote or comment.
  bool finish(const Sink& sink);

 private:
  enum class State {
    between,           // outside any token
    slash,             // '/' read: a comment, or the operator
    slash_star,        // "/*"
    slash_star_m,      // "/*M"
    version,           // the digits after /*! or /*M!
    star,              // '*' read: the end of an executable comment, or the operator
    dot,               // '.' read: a number such as .5, or the operator
    comment,           // inside /* */
    comment_star,      // inside /* */ after a '*'
    quoted,            // inside '...', "..." or `...`
    quoted_backslash,  // right after an escaping backslash
    quoted_quote,      // after the quote that may close the token (or be doubled)
    at_signs,          // the @ or @@ of a variable
    variable_name,
    number,
    word,
  };

  // One byte in the current state; false when the byte is left for the next state to read.
  bool step(unsigned char c, const Sink& sink);
  const char* quoted_run(const char* p, const char* end);
  void start_quoted(char quote, bool escapes, TokenType type);
  void keep(char c);
  void keep(const char* data, std::size_t size);
  void emit(TokenType type, const Sink& sink);
  void emit_punct(char c, const Sink& sink);

  bool m_ansi_quotes;
  bool m_backslash_escapes;
  std::size_t m_text_keep;
  State m_state = State::between;
  std::string m_text;  // of the token being read, as written or unquoted
  TokenType m_quoted_type = TokenType::string;
  char m_quote = 0;
  bool m_escapes = false;
  char m_number_first = 0;  // for an exponent's sign: 1e-5, but 0e-5 is 0e minus 5
  char m_number_last = 0;
  bool m_any_token = false;
  TokenType m_last_type = TokenType::punct;
};

// Splits the whole of `statement` into tokens; false for an unterminated quote or comment.
bool tokenize(std::string_view statement, bool ansi_quotes, bool backslash_escapes, std::vector<Token>& out);

std::string upper(std::string_view text);

// Reads tokens with look-ahead. `more_follow`: the tokens are the first ones of a statement that
// has more (too many to keep): done() is false at their end, and a look past them is remembered
// (looked_past_end), since what it would have seen is unknown.
class TokenReader {
 public:
  explicit TokenReader(const std::vector<Token>& tokens, bool more_follow = false)
      : m_tokens(tokens), m_more_follow(more_follow) {}
  bool done() const noexcept { return m_at >= m_tokens.size() && !m_more_follow; }
  const Token* peek(std::size_t ahead = 0) const noexcept {
    if (m_at + ahead < m_tokens.size()) {
      return &m_tokens[m_at + ahead];
    }
    m_looked_past_end = m_looked_past_end || m_more_follow;
    return nullptr;
  }
  // Consumes the word `w` (upper case) when it comes next.
  bool word(std::string_view w);
  // Consumes the punctuation `p` when it comes next.
  bool punct(char p);
  // A name: an identifier or a word. nullopt when the next token is neither.
  std::optional<std::string> name();
  void skip() noexcept { ++m_at; }
  std::size_t position() const noexcept { return m_at; }
  const std::vector<Token>& tokens() const noexcept { return m_tokens; }
  bool looked_past_end() const noexcept { return m_looked_past_end; }

 private:
  const std::vector<Token>& m_tokens;
  bool m_more_follow;
  std::size_t m_at = 0;
  mutable bool m_looked_past_end = false;
};

}  // namespace ifnbackup::restore
