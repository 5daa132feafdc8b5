#include "restore/shared_definitions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "restore/definition_words.hpp"
#include "restore/statement_words.hpp"
#include "restore/table_filter.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

using namespace definition_words;

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
