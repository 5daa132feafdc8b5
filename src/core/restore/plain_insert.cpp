#include "restore/plain_insert.hpp"

namespace ifnbackup::restore {
namespace {

// Inline, not <cctype>'s: these run on most bytes of a file's rows (a call to the C library each).
bool is_digit(unsigned char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_hex_digit(unsigned char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_number_byte(unsigned char c) noexcept {
  return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

void PlainInsertCheck::expect(std::string_view text, State then) noexcept {
  m_state = State::literal;
  m_literal = text;
  m_after_literal = then;
}

// One function, long on purpose: the state machine of one INSERT's bytes, every state in one switch
// so that each transition is read beside the others (and the hot path stays one call per byte).
bool PlainInsertCheck::step(unsigned char c) noexcept {
  switch (m_state) {
    case State::literal:
      if (c != static_cast<unsigned char>(m_literal.front())) {
        m_state = State::refused;
        return true;
      }
      m_literal.remove_prefix(1);
      if (m_literal.empty()) {
        m_state = m_after_literal;
      }
      return true;
    case State::name_open:
      m_state = c == '`' ? State::name : State::refused;
      return true;
    case State::name:
      if (c == '`') {
        m_state = State::name_quote;
      }
      return true;
    case State::name_quote:
      if (c == '`') {
        m_state = State::name;  // doubled
        return true;
      }
      m_state = m_in_columns ? State::after_column : State::after_table;
      return false;
    case State::after_table:
      m_state = c == ' ' ? State::after_table_space : State::refused;
      return true;
    case State::after_table_space:
      if (c == '(') {
        m_in_columns = true;
        m_state = State::name_open;
      } else if (c == 'V') {
        expect("ALUES", State::after_values);
      } else {
        m_state = State::refused;
      }
      return true;
    case State::after_column:
      if (c == ',') {
        m_state = State::name_open;
      } else if (c == ')') {
        expect(" VALUES", State::after_values);
      } else {
        m_state = State::refused;
      }
      return true;
    case State::after_values:
      // " VALUES " or " VALUES", then the first row.
      m_state = c == ' ' ? State::row_open : c == '(' ? State::value : State::refused;
      return true;
    case State::row_open:
      m_state = c == '(' ? State::value : State::refused;
      return true;
    case State::value:
      if (c == 'N') {
        expect("ULL", State::after_value);
        return true;
      }
      if (c == '_') {
        expect("binary ", State::value_after_binary);
        return true;
      }
      [[fallthrough]];
    case State::value_after_binary:
      if (c == '\'') {
        m_state = State::string;
      } else if (c == '0') {
        m_state = State::zero;
      } else if (is_number_byte(c)) {
        m_state = State::number;
      } else {
        m_state = State::refused;
      }
      return true;
    case State::zero:
      if (c == 'x') {
        m_state = State::hex;
        return true;
      }
      m_state = State::number;
      return false;
    case State::hex:
      if (is_hex_digit(c)) {
        return true;
      }
      m_state = State::after_value;
      return false;
    case State::number:
      if (is_number_byte(c)) {
        return true;
      }
      m_state = State::after_value;
      return false;
    case State::string:
      if (c == '\\' && m_backslash_escapes) {
        m_state = State::string_escape;
      } else if (c == '\'') {
        m_state = State::string_quote;
      }
      return true;
    case State::string_escape:
      m_state = State::string;
      return true;
    case State::string_quote:
      if (c == '\'') {
        m_state = State::string;  // '' inside
        return true;
      }
      m_state = State::after_value;
      return false;
    case State::after_value:
      m_state = c == ',' ? State::value : c == ')' ? State::after_row : State::refused;
      return true;
    case State::after_row:
      m_state = c == ',' ? State::row_open : State::refused;
      return true;
    case State::refused:
      return true;
  }
  return true;
}

void PlainInsertCheck::feed(std::string_view piece) noexcept {
  const char* p = piece.data();
  const char* const end = p + piece.size();
  while (p < end && m_state != State::refused) {
    // The bulk of a row statement at once: string contents, hex and decimal digits, names.
    if (m_state == State::string) {
      while (p < end && *p != '\'' && !(*p == '\\' && m_backslash_escapes)) {
        ++p;
      }
    } else if (m_state == State::hex) {
      while (p < end && is_hex_digit(static_cast<unsigned char>(*p))) {
        ++p;
      }
    } else if (m_state == State::number) {
      while (p < end && is_number_byte(static_cast<unsigned char>(*p))) {
        ++p;
      }
    } else if (m_state == State::name) {
      while (p < end && *p != '`') {
        ++p;
      }
    }
    if (p == end) {
      break;
    }
    if (step(static_cast<unsigned char>(*p))) {
      ++p;
    }
  }
}

bool PlainInsertCheck::finish() const noexcept {
  return m_state == State::after_row;
}

bool is_plain_row_insert(std::string_view statement, bool backslash_escapes) {
  PlainInsertCheck check(backslash_escapes);
  check.feed(statement);
  return check.finish();
}

}  // namespace ifnbackup::restore
