#include "restore/shared_definitions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "restore/statement_words.hpp"
#include "restore/table_filter.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {
namespace {

constexpr char k_name_mark = '\x01';
constexpr std::array<std::string_view, 3> k_heads = {"DROP TABLE IF EXISTS ", "CREATE TABLE ", "ALTER TABLE "};

bool is_word_byte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

std::string lower(std::string_view text) {
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
bool is_plain_table_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return c < 0x80 && (std::isalnum(c) != 0 || c == '_' || c == '$');
  });
}

// The session variables of a dump (restore/statement_policy lets no other be set) a table's CREATE
// or ALTER may be read, or refused, differently under (a zero date default and the sql_mode, a
// literal and the client's charset, a TIMESTAMP default and the time zone): saved when a table is
// held back and the session changes after it, and set back around its run when something names it.
// Any other variable's SET runs the tables held back first.
constexpr std::array<std::string_view, 4> k_definition_session = {"sql_mode", "character_set_client",
                                                                  "collation_connection", "time_zone"};
// Variables a dump sets that change nothing in how a table without a foreign key is read.
constexpr std::array<std::string_view, 4> k_other_session = {"character_set_results", "unique_checks",
                                                             "foreign_key_checks", "sql_notes"};

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

void SharedDefinitions::feed(Statement&& statement, const Run& run) {
  auto table = statement_table(statement.text);
  if (table && !statement.text.starts_with("INSERT")) {
    if (m_table && m_table->name != *table) {
      end_table(run);
    }
    if (!m_table) {
      m_table.emplace(Table{std::move(*table), {}});
    }
    m_table->statements.push_back(std::move(statement));
    return;
  }
  end_table(run);
  run_named(statement.text, run);
  // Whatever it is, it may change the session the next definitions run under.
  m_current.clear();
  const SessionChange change = session_change(statement.text);
  if (change == SessionChange::unknown) {
    run_all_held(statement.line, run);  // under the session they were held under, before it changes
  } else if (change == SessionChange::saved && m_held_under_session) {
    // Tables held under the session as it is: it is saved, for whatever names them after it changed.
    std::string text = "SET ";
    for (const std::string_view variable : k_definition_session) {
      text += fmt::format("{}@ifnbackup_held{}_{} = @@SESSION.{}", text.size() > 4 ? ", " : "", m_session, variable,
                          variable);
    }
    run(Statement{std::move(text), statement.line, true, 0});
    ++m_session;
    m_held_under_session = false;
  }
  run(std::move(statement));
}

void SharedDefinitions::finish(const Run& run) {
  end_table(run);
}

void SharedDefinitions::end_table(const Run& run) {
  if (!m_table) {
    return;
  }
  Table table = std::move(*m_table);
  m_table.reset();
  const std::string key_name = lower(table.name);
  // Its own definition's words name tables held back (another table of the same name, or one named in
  // a generated column, a MERGE list...): those run first. Its name in its head is not one of them.
  std::vector<std::string> definition;
  bool shareable = is_plain_table_name(table.name) && !m_words.contains(key_name) && !m_held.contains(key_name);
  for (const Statement& statement : table.statements) {
    auto text = definition_without_name(statement.text, table.name);
    const std::string_view body = text ? std::string_view(*text) : std::string_view(statement.text);
    run_named(body, run);
    if (!text || lower(body).find("foreign key") != std::string::npos) {
      shareable = false;
    }
    if (text) {
      definition.push_back(std::move(*text));
    }
  }
  if (m_held.contains(key_name)) {
    run_held(key_name, run);  // a table of this name again: the earlier one is there first
    shareable = false;
  }
  std::string joined;
  for (const std::string& text : definition) {
    joined += text;
    joined += '\0';
  }
  const auto same = shareable ? m_current.find(joined) : m_current.end();
  if (same != m_current.end()) {
    Held held{same->second, {}, table.name, m_session};
    m_held_under_session = true;
    for (const Statement& statement : table.statements) {
      held.lines.push_back(statement.line);
    }
    m_held.emplace(key_name, std::move(held));
  } else {
    for (Statement& statement : table.statements) {
      run(std::move(statement));
    }
    if (shareable) {
      m_definitions.push_back(std::move(definition));
      m_current.emplace(std::move(joined), m_definitions.size() - 1);
    }
  }
  m_words.insert(key_name);
}

void SharedDefinitions::run_named(std::string_view text, const Run& run) {
  for_each_word(text, [&](std::string word) {
    if (!m_held.empty() && m_held.contains(word)) {
      run_held(word, run);
    }
    m_words.insert(std::move(word));
  });
}

void SharedDefinitions::run_held(const std::string& key, const Run& run) {
  auto found = m_held.find(key);
  Held held = std::move(found->second);
  m_held.erase(found);
  ++m_run_when_named;
  const auto& texts = m_definitions[held.definition];
  const std::string quoted = sql::quote_identifier(held.name);
  const std::uint64_t first_line = held.lines.empty() ? 0 : held.lines.front();
  // The session changed since it was held: its own, saved then, around it.
  const bool restore = held.session != m_session;
  std::string now = "SET ";
  std::string back = "SET ";
  for (const std::string_view variable : k_definition_session) {
    const std::string_view comma = now.size() > 4 ? ", " : "";
    now += fmt::format("{}@ifnbackup_now_{} = @@SESSION.{}, SESSION {} = @ifnbackup_held{}_{}", comma, variable,
                       variable, variable, held.session, variable);
    back += fmt::format("{}SESSION {} = @ifnbackup_now_{}", comma, variable, variable);
  }
  if (restore) {
    run(Statement{std::move(now), first_line, true, 0});
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string text = texts[i];
    text.replace(text.find(k_name_mark), 1, quoted);
    run(Statement{std::move(text), i < held.lines.size() ? held.lines[i] : 0, true, 0});
  }
  if (restore) {
    run(Statement{std::move(back), first_line, true, 0});
  }
}

void SharedDefinitions::run_all_held(std::uint64_t line, const Run& run) {
  std::vector<std::pair<std::uint64_t, std::string>> order;
  for (const auto& [key, held] : m_held) {
    order.emplace_back(held.lines.empty() ? line : held.lines.front(), key);
  }
  std::sort(order.begin(), order.end());
  for (const auto& entry : order) {
    run_held(entry.second, run);
  }
  m_held_under_session = false;
}

}  // namespace ifnbackup::restore
