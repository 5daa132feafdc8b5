#include "restore/shared_definitions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "restore/definition_words.hpp"
#include "restore/statement_words.hpp"
#include "sql/text.hpp"

// The text of a definition (restore/shared_definitions.hpp): the session a statement changes, a table's
// CREATE/ALTER without its own names and its foreign keys' names.
namespace ifnbackup::restore {

using namespace definition_words;

namespace {

// Variables a dump sets that change nothing in how a table is read.
constexpr std::array<std::string_view, 3> k_other_session = {"character_set_results", "unique_checks", "sql_notes"};

bool is_one_of(std::string_view word, auto const& list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return lower(text.substr(first, last - first + 1));
}

// What a SET's assignment target is: `sql_mode`, `@user`, `global ...` (then unknown).
SessionChange set_target(std::string target) {
  for (const std::string_view prefix : {"session ", "local ", "@@session.", "@@local.", "@@"}) {
    if (target.starts_with(prefix)) {
      target = trimmed(std::string_view(target).substr(prefix.size()));
      break;
    }
  }
  if (target.starts_with('@')) {
    return SessionChange::none;  // a user variable
  }
  if (is_one_of(target, k_definition_session)) {
    return SessionChange::saved;
  }
  return is_one_of(target, k_other_session) ? SessionChange::none : SessionChange::unknown;
}

}  // namespace

SessionChange session_change(std::string_view statement) {
  std::string_view text = unwrap_version_comment(statement);
  if (!take_word(text, "SET")) {
    if (std::string_view rest = text;
        take_words(rest, {"ALTER", "DATABASE"}) || take_words(rest, {"ALTER", "SCHEMA"})) {
      return SessionChange::unknown;  // the database's charset: a table declared without one takes it
    }
    for (const std::string_view word : {"CREATE", "DROP", "ALTER", "LOCK", "UNLOCK", "INSERT", "REPLACE", "SELECT"}) {
      if (std::string_view rest = text; take_word(rest, word)) {
        return SessionChange::none;
      }
    }
    return SessionChange::unknown;
  }
  if (text.ends_with("*/")) {
    text.remove_suffix(2);
  }
  std::string_view head = text;
  if (take_word(head, "NAMES") || take_words(head, {"CHARACTER", "SET"}) || take_word(head, "CHARSET")) {
    return text.find(',') == std::string_view::npos ? SessionChange::saved : SessionChange::unknown;
  }
  // Each assignment's target, the text before its `=` (a quoted value's commas make pieces without
  // one, skipped; a value holding `=` makes an unknown target: the conservative side).
  SessionChange change = SessionChange::none;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string_view piece = text.substr(at, comma - at);
    if (const auto equals = piece.find('='); equals != std::string_view::npos) {
      const std::string_view target = piece.substr(0, equals != 0 && piece[equals - 1] == ':' ? equals - 1 : equals);
      change = std::max(change, set_target(trimmed(target)));
    }
    at = comma + 1;
  }
  return change;
}

std::optional<std::string> definition_without_name(std::string_view statement, std::string_view name) {
  if (statement.find_first_of(std::string_view("\x01\x02", 2)) != std::string_view::npos) {
    return std::nullopt;  // the marks would be ambiguous
  }
  const std::string quoted = sql::quote_identifier(name);
  for (const std::string_view head : k_heads) {
    if (statement.starts_with(head) && statement.substr(head.size()).starts_with(quoted)) {
      // `d`.`t`: the first name is the database's, another in each such table (wt20h).
      const std::string_view rest = statement.substr(head.size() + quoted.size());
      if (rest.substr(std::min(rest.find_first_not_of(" \t\r\n"), rest.size())).starts_with('.')) {
        return std::nullopt;
      }
      std::string out(head);
      out += k_name_mark;
      out += statement.substr(head.size() + quoted.size());
      return out;
    }
  }
  return std::nullopt;
}

namespace definition_words {

// A definition's text with a table's own names put back: its name (quoted) for every name mark, and
// each foreign key's name for its numbered mark.
std::string with_names(std::string_view text, const std::string& quoted, const std::vector<std::string>& constraints) {
  std::string out;
  out.reserve(text.size() + quoted.size());
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (text[at] == k_name_mark) {
      out += quoted;
    } else if (text[at] == k_constraint_mark) {
      const std::size_t end = text.find(k_constraint_mark, at + 1);
      out += sql::quote_identifier(constraints.at(std::stoul(std::string(text.substr(at + 1, end - at - 1)))));
      at = end;
    } else {
      out += text[at];
    }
  }
  return out;
}

}  // namespace definition_words

namespace {

// Counts the (non-overlapping) occurrences of `what` in `text`.
std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) {
    ++count;
  }
  return count;
}

// Reads "`a`, `b`)" at `at`: the columns of a foreign key, up to and past its closing parenthesis.
bool skip_column_list(std::string_view text, std::size_t& at) {
  for (;;) {
    if (!sql::parse_quoted_identifier(text, at)) {
      return false;
    }
    if (text.substr(at).starts_with(")")) {
      ++at;
      return true;
    }
    if (!text.substr(at).starts_with(",")) {
      return false;
    }
    at += text.substr(at).starts_with(", ") ? 2 : 1;
  }
}

}  // namespace

std::optional<std::string> foreign_keys_without_names(std::string_view text, std::string_view table,
                                                      std::vector<std::string>& names) {
  const std::string lowered = lower(text);
  const std::size_t foreign_keys = occurrences(lowered, "foreign key");
  if (foreign_keys == 0) {
    return std::string(text);
  }
  // Only text a plain scan reads as the server does: quoted strings and names, no comment, no
  // backslash, no double quote (whose meaning depends on the session's sql_mode).
  if (text.find_first_of("\\\"#") != std::string_view::npos || text.find("--") != std::string_view::npos ||
      text.find("/*") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  std::size_t copied = 0;
  std::size_t found = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '\'') {
      for (++at;; ++at) {
        if (at >= text.size()) {
          return std::nullopt;
        }
        if (text[at] == '\'') {
          if (at + 1 < text.size() && text[at + 1] == '\'') {
            ++at;  // a doubled quote
            continue;
          }
          ++at;
          break;
        }
      }
      continue;
    }
    if (c == '`') {
      if (!sql::parse_quoted_identifier(text, at)) {
        return std::nullopt;
      }
      continue;
    }
    if (!is_word_byte(static_cast<unsigned char>(c))) {
      ++at;
      continue;
    }
    const std::size_t start = at;
    while (at < text.size() && is_word_byte(static_cast<unsigned char>(text[at]))) {
      ++at;
    }
    if (lowered.compare(start, at - start, "constraint") != 0 || !text.substr(at).starts_with(" `")) {
      continue;
    }
    // CONSTRAINT `name` FOREIGN KEY (`a`, ...) REFERENCES `parent` (or `db`.`parent`)
    const std::size_t name_at = at + 1;
    std::size_t after = name_at;
    const auto name = sql::parse_quoted_identifier(text, after);
    if (!name) {
      return std::nullopt;
    }
    constexpr std::string_view k_foreign_key = " FOREIGN KEY (";
    if (!text.substr(after).starts_with(k_foreign_key)) {
      at = after;  // a CHECK constraint: its name stays
      continue;
    }
    if (!is_plain_table_name(*name) || name->size() > sql::k_max_identifier_length) {
      return std::nullopt;
    }
    const auto known = std::find(names.begin(), names.end(), *name);
    const std::size_t number = static_cast<std::size_t>(known - names.begin());
    if (known == names.end()) {
      names.push_back(*name);
    }
    out += text.substr(copied, name_at - copied);
    out += k_constraint_mark;
    out += std::to_string(number);
    out += k_constraint_mark;
    copied = after;
    ++found;
    at = after + k_foreign_key.size();
    constexpr std::string_view k_references = " REFERENCES ";
    if (!skip_column_list(text, at) || !text.substr(at).starts_with(k_references)) {
      return std::nullopt;
    }
    at += k_references.size();
    const std::size_t parent_at = at;
    const auto parent = sql::parse_quoted_identifier(text, at);
    if (!parent) {
      return std::nullopt;
    }
    if (text.substr(at).starts_with(".")) {
      ++at;  // another database's table: its name stays
      if (!sql::parse_quoted_identifier(text, at)) {
        return std::nullopt;
      }
    } else if (*parent == table) {
      out += text.substr(copied, parent_at - copied);  // a reference to itself
      out += k_name_mark;
      copied = at;
    }
  }
  // Every "foreign key" of the text is one of those read: none in a string or a name.
  if (found != foreign_keys) {
    return std::nullopt;
  }
  out += text.substr(copied);
  return out;
}

}  // namespace ifnbackup::restore
