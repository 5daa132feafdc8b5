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
// A foreign key's name, numbered in the order its table's statements give them: "\x02" N "\x02".
constexpr char k_constraint_mark = '\x02';
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
// literal and the client's charset, a TIMESTAMP default and the time zone, a foreign key to a table
// absent or of another column type and foreign_key_checks): saved when a table is
// held back and the session changes after it, and set back around its run when something names it.
// Any other variable's SET runs the tables held back first.
constexpr std::array<std::string_view, 5> k_definition_session = {
    "sql_mode", "character_set_client", "collation_connection", "time_zone", "foreign_key_checks"};
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

namespace {

// Counts the (non-overlapping) occurrences of `what` in `text`.
std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) {
    ++count;
  }
  return count;
}

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
  m_current_by_word.clear();
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
  std::vector<std::string> definition;
  std::vector<std::string> constraints;
  bool shareable = is_plain_table_name(table.name) && table.name.size() <= sql::k_max_identifier_length &&
                   !m_words.contains(key_name) && !m_held.contains(key_name);
  for (const Statement& statement : table.statements) {
    auto text = definition_without_name(statement.text, table.name);
    if (text) {
      text = foreign_keys_without_names(*text, table.name, constraints);
    }
    if (text) {
      definition.push_back(std::move(*text));
    } else {
      shareable = false;
    }
  }
  // A foreign key's name is the database's, not the table's: shared only when nothing before named
  // it and it is a word of this table's statements once (the index InnoDB may add for it takes it).
  for (const std::string& constraint : constraints) {
    const std::string key = lower(constraint);
    std::size_t uses = 0;
    for (const Statement& statement : table.statements) {
      for_each_word(statement.text, [&](const std::string& word) { uses += word == key ? 1 : 0; });
    }
    shareable = shareable && uses == 1 && key != key_name && !m_words.contains(key);
  }
  // Tables held back that name it (as a foreign key's parent) run before it changes; then those its
  // statements' words name (another table of the same name, first; one named in a foreign key, a
  // generated column, a MERGE list...), or their foreign keys' names.
  run_held_naming(key_name, run);
  for (const Statement& statement : table.statements) {
    run_named(statement.text, run);
  }
  std::string joined;
  for (const std::string& text : definition) {
    joined += text;
    joined += '\0';
  }
  const auto same = shareable ? m_current.find(joined) : m_current.end();
  if (same != m_current.end()) {
    Held held{same->second, {}, table.name, m_session, constraints};
    m_held_under_session = true;
    for (const Statement& statement : table.statements) {
      held.lines.push_back(statement.line);
    }
    for (const std::string& constraint : constraints) {
      m_held_constraints.emplace(lower(constraint), key_name);
    }
    if (m_held_of.size() <= same->second) {
      m_held_of.resize(m_definitions.size());
    }
    if (m_held_of[same->second].empty()) {
      std::unordered_set<std::string> words;
      for (const std::string& text : m_definitions[same->second]) {
        for_each_word(text, [&](std::string word) { words.insert(std::move(word)); });
      }
      for (const std::string& word : words) {
        m_definitions_by_word[word].push_back(same->second);
      }
    }
    m_held_of[same->second].push_back(key_name);
    m_held.emplace(key_name, std::move(held));
  } else {
    for (Statement& statement : table.statements) {
      run(std::move(statement));
    }
    ran_table(key_name);
    if (shareable) {
      m_definitions.push_back(std::move(definition));
      m_current.emplace(joined, m_definitions.size() - 1);
      for (const std::string& text : m_definitions.back()) {
        for_each_word(text, [&](std::string word) { m_current_by_word[std::move(word)].push_back(joined); });
      }
    }
  }
  m_words.insert(key_name);
}

void SharedDefinitions::ran_table(const std::string& key) {
  // A definition that names this table (its foreign key's parent) was checked before it changed here.
  if (const auto found = m_current_by_word.find(key); found != m_current_by_word.end()) {
    for (const std::string& joined : found->second) {
      m_current.erase(joined);
    }
    m_current_by_word.erase(found);
  }
}

void SharedDefinitions::run_named(std::string_view text, const Run& run) {
  for_each_word(text, [&](std::string word) {
    if (!m_held.empty() && m_held.contains(word)) {
      run_held(word, run);
    } else if (const auto found = m_held_constraints.find(word); found != m_held_constraints.end()) {
      run_held(std::string(found->second), run);  // its foreign key's name, here again: a clash to see
    }
    m_words.insert(std::move(word));
  });
}

void SharedDefinitions::run_held(const std::string& key, const Run& run) {
  auto found = m_held.find(key);
  Held held = std::move(found->second);
  m_held.erase(found);
  ++m_run_when_named;
  run_held_naming(key, run);
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
    run(Statement{with_names(texts[i], quoted, held.constraints), i < held.lines.size() ? held.lines[i] : 0, true, 0});
  }
  if (restore) {
    run(Statement{std::move(back), first_line, true, 0});
  }
  for (const std::string& constraint : held.constraints) {
    m_held_constraints.erase(lower(constraint));
  }
  ran_table(key);
}

void SharedDefinitions::run_held_naming(const std::string& key, const Run& run) {
  const auto found = m_definitions_by_word.find(key);
  if (found == m_definitions_by_word.end()) {
    return;
  }
  std::vector<std::pair<std::uint64_t, std::string>> order;
  for (const std::size_t definition : found->second) {
    for (std::string& held_key : m_held_of[definition]) {
      if (const auto held = m_held.find(held_key); held != m_held.end()) {
        order.emplace_back(held->second.lines.empty() ? 0 : held->second.lines.front(), std::move(held_key));
      }
    }
    m_held_of[definition].clear();  // all run now (another held under it later is listed again)
  }
  std::sort(order.begin(), order.end());
  for (const auto& entry : order) {
    if (m_held.contains(entry.second)) {
      run_held(entry.second, run);
    }
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
