#include "restore/tables_side_by_side.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

#include "restore/table_filter.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

namespace {

// One statement as a turn, moved: an initializer list would copy it (its elements are const), and a
// row statement may be hundreds of MiB (tests/cli/test_memory_bounds.sh).
std::vector<Statement> alone(Statement&& statement) {
  std::vector<Statement> turn;
  turn.push_back(std::move(statement));
  return turn;
}

// A table's name as a key that matches it in any case (a server with lower_case_table_names: the
// conservative side, waiting for more turns than needed at worst).
std::string lower_name(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void TablesSideBySide::add(std::string table, Statement&& statement, const StatementClass& kind) {
  if (m_table && m_table->name != table) {
    end_table();
  }
  if (!m_table) {
    m_main.enter_step(kind, statement.text);  // rows again, after another table's index build was shown
    // The same name again (a view's placeholder, a file with a table twice): after its earlier turns.
    m_pool.wait_for_table(table);
    wait_for_children(table);
    m_table.emplace(TableRead{std::move(table), {}, 0, false});
  }
  if (!m_table->big && m_table->bytes + statement.text.size() <= k_small_table_bytes) {
    m_table->bytes += statement.text.size();
    m_table->statements.push_back(std::move(statement));
    return;
  }
  if (!m_table->big) {
    m_table->big = true;
    ++m_big_tables;
    auto held = std::exchange(m_table->statements, {});
    for (auto& earlier : held) {
      const auto earlier_kind = m_main.classify(earlier.text);
      run_big_table(std::move(earlier), earlier_kind);
    }
  }
  run_big_table(std::move(statement), kind);
}

void TablesSideBySide::send_all() {
  end_table();
  send_turn();
}

void TablesSideBySide::run_big_table(Statement&& statement, const StatementClass& kind) {
  if (is_row_insert(statement.text)) {
    m_pool.submit_turn(alone(std::move(statement)), {m_table->name}, true);
    return;
  }
  m_pool.wait_for_table(m_table->name);  // its rows are in
  if (statement.text.starts_with("ALTER TABLE ")) {
    // Its deferred keys: built on a loading connection while the next tables load on the others
    // (shown until the next table starts).
    m_main.enter_step(kind, statement.text);
    note_parents(m_table->name, statement.text);
    m_pool.submit_turn(alone(std::move(statement)), {m_table->name}, true);
    return;
  }
  m_main.enter_step(kind, statement.text);
  m_main.run_here(statement, kind.kind);
}

void TablesSideBySide::end_table() {
  if (!m_table) {
    return;
  }
  if (!m_table->big) {
    ++m_small_tables;
    auto& statements = m_table->statements;
    // Not a table with foreign keys: their ALTER TABLE failing says which constraint could not be
    // added (a CREATE TABLE failing says only "errno 150").
    if (m_table->bytes <= k_keys_in_create_bytes && statements.size() >= 2 &&
        statements.back().text.starts_with("ALTER TABLE ") &&
        statements.back().text.find(" FOREIGN KEY (") == std::string::npos) {
      const auto create = std::find_if(statements.begin(), statements.end(), [](const Statement& statement) {
        return statement.text.starts_with("CREATE TABLE ");
      });
      if (create != statements.end()) {
        if (auto merged = create_with_keys(create->text, statements.back().text)) {
          create->text = std::move(*merged);
          statements.pop_back();
          ++m_keys_in_create;
        }
      }
    }
    m_turn_bytes += m_table->bytes;
    for (const Statement& statement : statements) {
      note_parents(m_table->name, statement.text);
    }
    std::move(m_table->statements.begin(), m_table->statements.end(), std::back_inserter(m_turn));
    m_turn_tables.push_back(std::move(m_table->name));
    if (m_turn_tables.size() >= k_turn_tables || m_turn_bytes >= k_turn_bytes) {
      send_turn();
    }
  }
  m_table.reset();
}

void TablesSideBySide::note_parents(const std::string& table, std::string_view text) {
  constexpr std::string_view k_foreign_key = " FOREIGN KEY (";
  constexpr std::string_view k_references = " REFERENCES ";
  for (auto at = text.find(k_foreign_key); at != std::string_view::npos; at = text.find(k_foreign_key, at + 1)) {
    const auto references = text.find(k_references, at);
    if (references == std::string_view::npos) {
      return;
    }
    std::size_t name_at = references + k_references.size();
    auto parent = sql::parse_quoted_identifier(text, name_at);
    if (parent && name_at < text.size() && text[name_at] == '.') {
      ++name_at;  // `db`.`parent`: a table of another database is not loaded here
      continue;
    }
    if (parent && !(lower_name(*parent) == lower_name(table))) {
      m_children_of[lower_name(*parent)].push_back(table);
    }
  }
}

void TablesSideBySide::wait_for_children(const std::string& table) {
  const auto found = m_children_of.find(lower_name(table));
  if (found == m_children_of.end()) {
    return;
  }
  const std::vector<std::string> children = std::move(found->second);
  m_children_of.erase(found);
  for (const std::string& child : children) {
    if (std::find(m_turn_tables.begin(), m_turn_tables.end(), child) != m_turn_tables.end()) {
      send_turn();  // still gathered here: sent, then waited for
      break;
    }
  }
  for (const std::string& child : children) {
    m_pool.wait_for_table(child);
  }
}

void TablesSideBySide::send_turn() {
  if (!m_turn.empty()) {
    m_pool.submit_turn(std::exchange(m_turn, {}), std::exchange(m_turn_tables, {}));
  }
  m_turn_tables.clear();
  m_turn_bytes = 0;
}

}  // namespace ifnbackup::restore
