#include "restore/table_filter.hpp"

#include "restore/statement_words.hpp"
#include "sql/text.hpp"

#include <cctype>
#include <optional>

namespace ifnbackup::restore {
namespace {

// A table name: `quoted` (doubled backquotes undone) or bare up to a space, '(' or '*'.
std::optional<std::string> table_name(std::string_view text) {
  if (text.starts_with('`')) {
    std::size_t at = 0;
    return sql::parse_quoted_identifier(text, at);
  }
  std::size_t end = 0;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '(' &&
         text[end] != '*') {
    ++end;
  }
  return end == 0 ? std::nullopt : std::optional<std::string>(text.substr(0, end));
}

// True when `text` (what follows CREATE) is `[DEFINER=...] TRIGGER ...`, in any letter case.
bool names_trigger(std::string_view text) {
  std::string head(text.substr(0, 1024));
  for (char& c : head) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (std::isspace(static_cast<unsigned char>(c))) {
      c = ' ';
    }
  }
  return head.starts_with("TRIGGER ") || head.find(" TRIGGER ") != std::string::npos;
}

}  // namespace

bool TableFilter::keep(std::string_view statement) {
  if (is_session_setting(statement)) {
    return true;
  }
  const std::string_view text = unwrap_version_comment(statement);
  std::string_view rest = text;
  if (take_words(rest, {"DROP", "TABLE", "IF", "EXISTS"}) || take_words(rest, {"CREATE", "TABLE"}) ||
      take_words(rest, {"INSERT", "INTO"}) || take_words(rest, {"ALTER", "TABLE"})) {
    const auto name = table_name(rest);
    m_current_kept = name && m_tables.contains(*name);
    return m_current_kept;
  }
  rest = text;
  // CREATE [DEFINER=...] TRIGGER name ...: views, routines and events come after every table in
  // our dumps, each after a DROP that ends the kept table, so the word alone tells.
  // SHOW CREATE TRIGGER keeps the user's own spelling: `trigger` in any case.
  if (take_word(rest, "CREATE") && names_trigger(rest)) {
    return m_current_kept;
  }
  m_current_kept = false;
  return false;
}

}  // namespace ifnbackup::restore
