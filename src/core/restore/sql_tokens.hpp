#pragma once
// The tokens of one SQL statement as the server's lexer sees them, roughly: enough for
// restore/statement_policy to name what a statement does and for the session-mode tracker to
// read SET statements. Pure text work.
#include <cstddef>
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

// Splits `statement` into tokens; false for an unterminated quote or comment. Executable comments
// (/*!NNNNN ... */, /*M!NNNNN ... */) count as code, hints /*+ */ as nothing. `ansi_quotes`: "..."
// is an identifier; `backslash_escapes`: a backslash escapes inside quotes.
bool tokenize(std::string_view statement, bool ansi_quotes, bool backslash_escapes, std::vector<Token>& out);

std::string upper(std::string_view text);

// Reads tokens with look-ahead.
class TokenReader {
 public:
  explicit TokenReader(const std::vector<Token>& tokens) : m_tokens(tokens) {}
  bool done() const noexcept { return m_at >= m_tokens.size(); }
  const Token* peek(std::size_t ahead = 0) const noexcept {
    return m_at + ahead < m_tokens.size() ? &m_tokens[m_at + ahead] : nullptr;
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

 private:
  const std::vector<Token>& m_tokens;
  std::size_t m_at = 0;
};

}  // namespace ifnbackup::restore
