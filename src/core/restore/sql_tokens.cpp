#include "restore/sql_tokens.hpp"

#include <cctype>

namespace ifnbackup::restore {
namespace {

bool is_word_char(unsigned char c) noexcept {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

}  // namespace

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

// The statement as the server's lexer sees it, roughly: enough to name what a statement does.
// Executable comments (/*!NNNNN ... */, /*M!NNNNN ... */) count as code; hints /*+ */ as nothing.
class Lexer {
 public:
  Lexer(std::string_view text, bool ansi_quotes, bool backslash_escapes)
      : m_text(text), m_ansi_quotes(ansi_quotes), m_backslash_escapes(backslash_escapes) {}

  // False when the text cannot be read (an unterminated quote).
  bool run(std::vector<Token>& out) {
    while (m_at < m_text.size()) {
      const auto c = static_cast<unsigned char>(m_text[m_at]);
      if (std::isspace(c) != 0) {
        ++m_at;
      } else if (starts("/*!") || starts("/*M!")) {
        m_at += starts("/*M!") ? 4 : 3;
        while (m_at < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_at])) != 0) {
          ++m_at;
        }
      } else if (starts("/*")) {
        const std::size_t end = m_text.find("*/", m_at + 2);
        if (end == std::string_view::npos) {
          return false;
        }
        m_at = end + 2;
      } else if (starts("*/")) {
        m_at += 2;
      } else if (c == '\'' || (c == '"' && !m_ansi_quotes)) {
        std::string content;
        if (!quoted(static_cast<char>(c), m_backslash_escapes, content)) {
          return false;
        }
        out.push_back(Token{TokenType::string, std::move(content), {}});
      } else if (c == '`' || c == '"') {
        std::string content;
        if (!quoted(static_cast<char>(c), false, content)) {
          return false;
        }
        out.push_back(Token{TokenType::identifier, std::move(content), {}});
      } else if (c == '@') {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && m_text[m_at] == '@') {
          ++m_at;
        }
        if (m_at < m_text.size() && (m_text[m_at] == '`' || m_text[m_at] == '\'' || m_text[m_at] == '"')) {
          std::string content;
          // @'x' and @"x" are read like strings (backslash escapes as the session has them), @`x` like a name.
          const char quote = m_text[m_at];
          const bool escapes = quote != '`' && m_backslash_escapes && !(quote == '"' && m_ansi_quotes);
          if (!quoted(quote, escapes, content)) {
            return false;
          }
          out.push_back(Token{TokenType::variable, std::string(m_text.substr(start, 1)) + upper(content), {}});
          continue;
        }
        // @@session.sql_mode, @@GLOBAL.x: the scope and the name, one token.
        while (m_at < m_text.size() &&
               (is_word_char(static_cast<unsigned char>(m_text[m_at])) || m_text[m_at] == '.')) {
          ++m_at;
        }
        out.push_back(Token{TokenType::variable, upper(m_text.substr(start, m_at - start)), {}});
      } else if (std::isdigit(c) != 0 || (c == '.' && m_at + 1 < m_text.size() &&
                                          std::isdigit(static_cast<unsigned char>(m_text[m_at + 1])) != 0 &&
                                          (out.empty() || out.back().type == TokenType::punct))) {
        const std::size_t start = m_at;
        while (m_at < m_text.size()) {
          const char d = m_text[m_at];
          const bool exponent_sign = (d == '+' || d == '-') && m_at > start &&
                                     (m_text[m_at - 1] == 'e' || m_text[m_at - 1] == 'E') &&
                                     m_text[start] != '0';
          if (is_word_char(static_cast<unsigned char>(d)) || d == '.' || exponent_sign) {
            ++m_at;
          } else {
            break;
          }
        }
        out.push_back(Token{TokenType::number, std::string(m_text.substr(start, m_at - start)), {}});
      } else if (is_word_char(c)) {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && is_word_char(static_cast<unsigned char>(m_text[m_at]))) {
          ++m_at;
        }
        const std::string_view word = m_text.substr(start, m_at - start);
        out.push_back(Token{TokenType::word, upper(word), std::string(word)});
      } else {
        out.push_back(Token{TokenType::punct, std::string(1, static_cast<char>(c)), {}});
        ++m_at;
      }
    }
    return true;
  }

 private:
  bool starts(std::string_view prefix) const noexcept { return m_text.substr(m_at).starts_with(prefix); }

  bool quoted(char quote, bool escapes, std::string& content) {
    ++m_at;
    while (m_at < m_text.size()) {
      const char c = m_text[m_at];
      if (escapes && c == '\\' && m_at + 1 < m_text.size()) {
        content.push_back(m_text[m_at + 1]);
        m_at += 2;
      } else if (c == quote) {
        if (m_at + 1 < m_text.size() && m_text[m_at + 1] == quote) {
          content.push_back(quote);
          m_at += 2;
        } else {
          ++m_at;
          return true;
        }
      } else {
        content.push_back(c);
        ++m_at;
      }
    }
    return false;
  }

  std::string_view m_text;
  std::size_t m_at = 0;
  bool m_ansi_quotes;
  bool m_backslash_escapes;
};

}  // namespace

bool tokenize(std::string_view statement, bool ansi_quotes, bool backslash_escapes, std::vector<Token>& out) {
  return Lexer(statement, ansi_quotes, backslash_escapes).run(out);
}

bool TokenReader::word(std::string_view w) {
  if (const Token* t = peek(); t != nullptr && t->type == TokenType::word && t->text == w) {
    ++m_at;
    return true;
  }
  return false;
}

bool TokenReader::punct(char p) {
  if (const Token* t = peek(); t != nullptr && t->type == TokenType::punct && t->text.size() == 1 && t->text[0] == p) {
    ++m_at;
    return true;
  }
  return false;
}

std::optional<std::string> TokenReader::name() {
  if (const Token* t = peek(); t != nullptr && (t->type == TokenType::identifier || t->type == TokenType::word)) {
    ++m_at;
    return t->text;
  }
  return std::nullopt;
}

}  // namespace ifnbackup::restore
