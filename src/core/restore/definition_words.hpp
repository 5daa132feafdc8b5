#pragma once
// What the schema check's shared definitions (restore/shared_definitions.hpp) read in a statement's text,
// shared by the reading of a definition (shared_definitions_text.cpp: the session a statement changes, a
// table's definition without its own names) and the holding and running of tables
// (shared_definitions.cpp). Pure text.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::restore::definition_words {

inline constexpr char k_name_mark = '\x01';
// A foreign key's name, numbered in the order its table's statements give them: "\x02" N "\x02".
inline constexpr char k_constraint_mark = '\x02';
inline constexpr std::array<std::string_view, 3> k_heads = {"DROP TABLE IF EXISTS ", "CREATE TABLE ", "ALTER TABLE "};

inline bool is_word_byte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

inline std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Every maximal run of identifier bytes, in lower case: what an unquoted or quoted name is made of,
// wherever it stands (a string, a comment: more words than references, never fewer).
template <typename Visit>
void for_each_word(std::string_view text, Visit&& visit) {
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && !is_word_byte(static_cast<unsigned char>(text[at]))) {
      ++at;
    }
    const std::size_t start = at;
    while (at < text.size() && is_word_byte(static_cast<unsigned char>(text[at]))) {
      ++at;
    }
    if (at > start) {
      visit(lower(text.substr(start, at - start)));
    }
  }
}

// ASCII letters, digits, `_` and `$`: a name every reference to spells as one word (no quote, no
// space, no case beyond ASCII's).
inline bool is_plain_table_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return c < 0x80 && (std::isalnum(c) != 0 || c == '_' || c == '$');
  });
}

// The session variables of a dump (restore/statement_policy lets no other be set) a table's CREATE
// or ALTER may be read, or refused, differently under (a zero date default and the sql_mode, a
// literal and the client's charset, a TIMESTAMP default and the time zone, a foreign key to a table
// absent or of another column type and foreign_key_checks): saved when a table is
// held back and the session changes after it, and set back around its run when something names it.
// Any other variable's SET runs the tables held back first.
inline constexpr std::array<std::string_view, 5> k_definition_session = {
    "sql_mode", "character_set_client", "collation_connection", "time_zone", "foreign_key_checks"};

// A definition's text with a table's own names put back: its name (quoted) for every name mark, and
// each foreign key's name for its numbered mark.
std::string with_names(std::string_view text, const std::string& quoted, const std::vector<std::string>& constraints);

}  // namespace ifnbackup::restore::definition_words
