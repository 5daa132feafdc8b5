#include "restore/table_filter.hpp"

#include "restore/statement_words.hpp"
#include "sql/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

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

std::optional<std::string> statement_table(std::string_view statement) {
  std::string_view rest = unwrap_version_comment(statement);
  const bool drop = take_words(rest, {"DROP", "TABLE", "IF", "EXISTS"});
  if (!drop && !take_words(rest, {"CREATE", "TABLE"}) && !take_words(rest, {"INSERT", "INTO"}) &&
      !take_words(rest, {"ALTER", "TABLE"})) {
    return std::nullopt;
  }
  auto name = table_name(rest);
  if (name && drop) {
    // DROP TABLE IF EXISTS `a`, `b` names more than one table: none of them alone.
    std::size_t at = 0;
    const bool quoted = rest.starts_with('`') && sql::parse_quoted_identifier(rest, at).has_value();
    std::string_view after = rest.substr(quoted ? at : name->size());
    while (!after.empty() && std::isspace(static_cast<unsigned char>(after.front()))) {
      after.remove_prefix(1);
    }
    if (!after.empty()) {
      return std::nullopt;
    }
  }
  return name;
}

std::optional<std::string> create_with_keys(std::string_view create, std::string_view add_keys) {
  const auto table = statement_table(create);
  if (!create.starts_with("CREATE TABLE `") || !add_keys.starts_with("ALTER TABLE `") || !table ||
      statement_table(add_keys) != table) {
    return std::nullopt;
  }
  std::size_t at = std::string_view("ALTER TABLE ").size();
  if (!sql::parse_quoted_identifier(add_keys, at)) {
    return std::nullopt;
  }
  constexpr std::string_view k_first = "\n  ADD ";
  constexpr std::string_view k_next = ",\n  ADD ";
  if (add_keys.substr(at, k_first.size()) != k_first) {
    return std::nullopt;
  }
  // SHOW CREATE TABLE writes a newline in a string as \n: a line starting with ')' ends the body.
  const std::size_t closing = create.find("\n)");
  if (closing == std::string_view::npos || create.find("(\n") > closing) {
    return std::nullopt;
  }
  std::string merged(create.substr(0, closing));
  std::string_view rest = add_keys.substr(at + k_first.size());
  for (;;) {
    const std::size_t end = rest.find(k_next);
    merged.append(",\n  ").append(rest.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(end + k_next.size());
  }
  merged.append(create.substr(closing));
  return merged;
}

std::vector<std::string> foreign_key_parents(std::string_view text, std::string_view table) {
  constexpr std::string_view k_foreign_key = " FOREIGN KEY (";
  constexpr std::string_view k_references = " REFERENCES ";
  std::vector<std::string> parents;
  for (auto at = text.find(k_foreign_key); at != std::string_view::npos; at = text.find(k_foreign_key, at + 1)) {
    const auto references = text.find(k_references, at);
    if (references == std::string_view::npos) {
      break;
    }
    std::size_t name_at = references + k_references.size();
    auto parent = sql::parse_quoted_identifier(text, name_at);
    if (!parent || (name_at < text.size() && text[name_at] == '.')) {
      continue;  // `db`.`parent`: a table of another database is not loaded here
    }
    if (*parent != table) {
      parents.push_back(std::move(*parent));
    }
  }
  return parents;
}

bool may_add_foreign_key(std::string_view statement) {
  return contains_any_case(statement, "FOREIGN KEY");
}

std::optional<KeysAndForeignKeys> split_foreign_keys(std::string_view add_keys, bool backslash_escapes) {
  if (!add_keys.starts_with("ALTER TABLE `")) {
    return std::nullopt;
  }
  std::size_t at = std::string_view("ALTER TABLE ").size();
  if (!sql::parse_quoted_identifier(add_keys, at)) {
    return std::nullopt;
  }
  const std::string_view head = add_keys.substr(0, at);
  constexpr std::string_view k_first = "\n  ADD ";
  constexpr std::string_view k_next = ",\n  ADD ";
  if (add_keys.substr(at, k_first.size()) != k_first) {
    return std::nullopt;
  }
  at += k_first.size();
  // Each clause ends at a k_next outside quotes and parentheses (a name may hold one).
  std::vector<std::string_view> clauses;
  std::size_t start = at;
  int depth = 0;
  char quote = 0;
  for (; at < add_keys.size(); ++at) {
    const char c = add_keys[at];
    if (quote != 0) {
      if (c == '\\' && backslash_escapes && quote != '`') {
        ++at;
      } else if (c == quote) {
        quote = 0;  // a doubled quote closes and opens again
      }
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth < 0) {
        return std::nullopt;
      }
    } else if (c == '#' || add_keys.substr(at, 2) == "/*" || add_keys.substr(at, 3) == "-- " || c == ';') {
      return std::nullopt;
    } else if (depth == 0 && add_keys.substr(at, k_next.size()) == k_next) {
      clauses.push_back(add_keys.substr(start, at - start));
      at += k_next.size() - 1;
      start = at + 1;
    }
  }
  if (quote != 0 || depth != 0 || at > add_keys.size()) {
    return std::nullopt;
  }
  clauses.push_back(add_keys.substr(start));
  KeysAndForeignKeys split;
  for (const std::string_view clause : clauses) {
    std::size_t name_end = std::string_view("CONSTRAINT ").size();
    const bool foreign_key = clause.starts_with("CONSTRAINT `") && sql::parse_quoted_identifier(clause, name_end) &&
                             clause.substr(name_end).starts_with(" FOREIGN KEY (");
    if (!foreign_key && may_add_foreign_key(clause)) {
      return std::nullopt;  // a foreign key in a form not ours
    }
    std::string& into = foreign_key ? split.foreign_keys : split.keys;
    into.append(into.empty() ? std::string(head) + std::string(k_first) : std::string(k_next)).append(clause);
  }
  return split;
}

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
