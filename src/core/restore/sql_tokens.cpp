#include "restore/sql_tokens.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ifnbackup::restore {
namespace {

bool is_word_char(unsigned char c) noexcept {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

bool is_digit(unsigned char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void Lexer::keep(char c) {
  if (m_text.size() < m_text_keep) {
    m_text.push_back(c);
  }
}

void Lexer::keep(const char* data, std::size_t size) {
  if (m_text.size() < m_text_keep) {
    m_text.append(data, std::min(size, m_text_keep - m_text.size()));
  }
}

void Lexer::emit(TokenType type, const Sink& sink) {
  Token token{type, {}, {}};
  if (type == TokenType::word) {
    token.text = upper(m_text);
    token.raw = std::move(m_text);
  } else if (type == TokenType::variable) {
    token.text = upper(m_text);  // @@session.sql_mode: the scope and the name, one token; @'x': @ and x
  } else {
    token.text = std::move(m_text);
  }
  m_text.clear();
  m_quote = 0;
  m_state = State::between;
  m_any_token = true;
  m_last_type = type;
  sink(std::move(token));
}

void Lexer::emit_punct(char c, const Sink& sink) {
  m_text.assign(1, c);
  emit(TokenType::punct, sink);
}

void Lexer::start_quoted(char quote, bool escapes, TokenType type) {
  m_state = State::quoted;
  m_quote = quote;
  m_escapes = escapes;
  m_quoted_type = type;
}

// The bulk of a quoted token at once (a string can be most of a huge INSERT).
const char* Lexer::quoted_run(const char* p, const char* end) {
  const char* stop = p;
  while (stop < end && *stop != m_quote && !(m_escapes && *stop == '\\')) {
    ++stop;
  }
  keep(p, static_cast<std::size_t>(stop - p));
  return stop;
}

// One function, long on purpose: a state machine whose every state reads one byte, so all the
// transitions are seen at once in one switch (split, each piece would need the whole state).
bool Lexer::step(unsigned char c, const Sink& sink) {
  const char ch = static_cast<char>(c);
  switch (m_state) {
    case State::between:
      if (std::isspace(c) != 0) {
      } else if (c == '/') {
        m_state = State::slash;
      } else if (c == '*') {
        m_state = State::star;
      } else if (c == '\'' || (c == '"' && !m_ansi_quotes)) {
        start_quoted(ch, m_backslash_escapes, TokenType::string);
      } else if (c == '`' || c == '"') {
        start_quoted(ch, false, TokenType::identifier);
      } else if (c == '@') {
        m_text.assign(1, '@');
        m_state = State::at_signs;
      } else if (is_digit(c)) {
        m_text.assign(1, ch);
        m_number_first = m_number_last = ch;
        m_state = State::number;
      } else if (c == '.') {
        m_state = State::dot;
      } else if (is_word_char(c)) {
        m_text.assign(1, ch);
        m_state = State::word;
      } else {
        emit_punct(ch, sink);
      }
      return true;
    case State::slash:
      if (c == '*') {
        m_state = State::slash_star;
        return true;
      }
      emit_punct('/', sink);
      return false;
    case State::slash_star:
      if (c == '!') {
        m_state = State::version;
        return true;
      }
      if (c == 'M') {
        m_state = State::slash_star_m;
        return true;
      }
      m_state = State::comment;  // its end is looked for from here: "/*/" does not close it
      return false;
    case State::slash_star_m:
      m_state = c == '!' ? State::version : State::comment;
      return c == '!';
    case State::version:
      if (is_digit(c)) {
        return true;
      }
      m_state = State::between;
      return false;
    case State::star:
      if (c == '/') {
        m_state = State::between;  // the end of an executable comment
        return true;
      }
      emit_punct('*', sink);
      return false;
    case State::dot:
      if (is_digit(c) && (!m_any_token || m_last_type == TokenType::punct)) {
        m_text.assign(1, '.');
        m_number_first = m_number_last = '.';
        m_state = State::number;
        return false;
      }
      emit_punct('.', sink);
      return false;
    case State::comment:
      if (c == '*') {
        m_state = State::comment_star;
      }
      return true;
    case State::comment_star:
      m_state = c == '/' ? State::between : c == '*' ? State::comment_star : State::comment;
      return true;
    case State::quoted:
      if (m_escapes && c == '\\') {
        m_state = State::quoted_backslash;
      } else if (ch == m_quote) {
        m_state = State::quoted_quote;
      } else {
        keep(ch);
      }
      return true;
    case State::quoted_backslash:
      keep(ch);
      m_state = State::quoted;
      return true;
    case State::quoted_quote:
      if (ch == m_quote) {
        keep(ch);  // doubled: one quote of the content
        m_state = State::quoted;
        return true;
      }
      emit(m_quoted_type, sink);
      return false;
    case State::at_signs:
      if (c == '@') {
        keep(ch);
        return true;
      }
      if (c == '`' || c == '\'' || c == '"') {
        // @'x' and @"x" are read like strings (backslash escapes as the session has them), @`x` like
        // a name; the token is one @ and the name.
        m_text.assign(1, '@');
        start_quoted(ch, c != '`' && m_backslash_escapes && !(c == '"' && m_ansi_quotes), TokenType::variable);
        return true;
      }
      m_state = State::variable_name;
      return false;
    case State::variable_name:
      if (is_word_char(c) || c == '.') {
        keep(ch);
        return true;
      }
      emit(TokenType::variable, sink);
      return false;
    case State::number: {
      const bool exponent_sign =
          (c == '+' || c == '-') && (m_number_last == 'e' || m_number_last == 'E') && m_number_first != '0';
      if (is_word_char(c) || c == '.' || exponent_sign) {
        keep(ch);
        m_number_last = ch;
        return true;
      }
      emit(TokenType::number, sink);
      return false;
    }
    case State::word:
      if (is_word_char(c)) {
        keep(ch);
        return true;
      }
      emit(TokenType::word, sink);
      return false;
  }
  return true;
}

void Lexer::feed(std::string_view piece, const Sink& sink) {
  const char* p = piece.data();
  const char* const end = p + piece.size();
  while (p < end) {
    if (m_state == State::quoted) {
      p = quoted_run(p, end);
      if (p == end) {
        break;
      }
    } else if (m_state == State::comment) {
      const auto* star = static_cast<const char*>(std::memchr(p, '*', static_cast<std::size_t>(end - p)));
      if (star == nullptr) {
        break;
      }
      p = star;
    } else if (m_state == State::word || m_state == State::number) {
      // A long word or number (the hex of a huge blob) at once; an exponent's sign goes to step().
      const char* stop = p;
      while (stop < end &&
             (is_word_char(static_cast<unsigned char>(*stop)) || (*stop == '.' && m_state == State::number))) {
        ++stop;
      }
      if (stop > p) {
        keep(p, static_cast<std::size_t>(stop - p));
        m_number_last = stop[-1];
        p = stop;
      }
      if (p == end) {
        break;
      }
    }
    if (step(static_cast<unsigned char>(*p), sink)) {
      ++p;
    }
  }
}

bool Lexer::finish(const Sink& sink) {
  bool whole = true;
  switch (m_state) {
    case State::slash:
      emit_punct('/', sink);
      break;
    case State::star:
      emit_punct('*', sink);
      break;
    case State::dot:
      emit_punct('.', sink);
      break;
    case State::slash_star:
    case State::slash_star_m:
    case State::comment:
    case State::comment_star:
    case State::quoted:
    case State::quoted_backslash:  // a backslash last: nothing for it to escape
      whole = false;
      break;
    case State::quoted_quote:
      emit(m_quoted_type, sink);
      break;
    case State::at_signs:
    case State::variable_name:
      emit(TokenType::variable, sink);
      break;
    case State::number:
      emit(TokenType::number, sink);
      break;
    case State::word:
      emit(TokenType::word, sink);
      break;
    case State::between:
    case State::version:
      break;
  }
  m_state = State::between;
  m_text.clear();
  return whole;
}

bool tokenize(std::string_view statement, bool ansi_quotes, bool backslash_escapes, std::vector<Token>& out) {
  Lexer lexer(ansi_quotes, backslash_escapes);
  const Lexer::Sink sink = [&out](Token&& token) { out.push_back(std::move(token)); };
  lexer.feed(statement, sink);
  return lexer.finish(sink);
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
