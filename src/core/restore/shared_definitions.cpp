#include "restore/shared_definitions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

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

}  // namespace

std::optional<std::string> definition_without_name(std::string_view statement, std::string_view name) {
  const std::string quoted = sql::quote_identifier(name);
  for (const std::string_view head : k_heads) {
    if (statement.starts_with(head) && statement.substr(head.size()).starts_with(quoted)) {
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
    Held held{same->second, {}, table.name};
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
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string text = texts[i];
    text.replace(text.find(k_name_mark), 1, quoted);
    run(Statement{std::move(text), i < held.lines.size() ? held.lines[i] : 0, true, 0});
  }
}

}  // namespace ifnbackup::restore
