#pragma once
// The common row statement, checked without tokens: `INSERT INTO `t` [(`a`,...)] VALUES (...),...`
// with literal values only (what our dumper and mariadb-dump write). Pure; the fast path of
// restore/statement_policy over the bulk of a file.
#include <cstdint>
#include <string_view>

namespace ifnbackup::restore {

// The same check over text that comes in pieces cut anywhere (a statement too long to hold whole):
// a state, no text kept.
class PlainInsertCheck {
 public:
  explicit PlainInsertCheck(bool backslash_escapes) noexcept : m_backslash_escapes(backslash_escapes) {}
  void feed(std::string_view piece) noexcept;
  // After the last piece: whether the whole text was such a statement.
  bool finish() const noexcept;

 private:
  enum class State : std::uint8_t {
    literal,      // the fixed text in m_literal, then m_after_literal
    name_open,    // the ` of a name
    name,         // inside `...`
    name_quote,   // a ` inside a name: closes it, or is doubled
    after_table,  // " (" of a column list, or " VALUES"
    after_table_space,
    after_column,  // "," or ")"
    after_values,  // an optional " " then "("
    row_open,      // "("
    value,         // NULL, _binary, a string or a number
    value_after_binary,
    zero,  // a 0: 0x..., or a number
    hex,
    number,
    string,
    string_escape,
    string_quote,  // a ' inside a string: closes it, or is doubled
    after_value,   // "," or ")"
    after_row,     // "," or the end
    refused,
  };

  void expect(std::string_view text, State then) noexcept;
  // One byte; false when it is left for the new state to read.
  bool step(unsigned char c) noexcept;

  bool m_backslash_escapes;
  State m_state = State::literal;
  std::string_view m_literal = "INSERT INTO ";
  State m_after_literal = State::name_open;
  bool m_in_columns = false;  // the name being read is a column's, not the table's
};

// True for such a statement; false means "look closer", not "refuse".
bool is_plain_row_insert(std::string_view statement, bool backslash_escapes);

}  // namespace ifnbackup::restore
