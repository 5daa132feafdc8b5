#include "restore/tables_side_by_side.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iterator>
#include <utility>

#include "restore/table_filter.hpp"

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

TablesSideBySide::TablesSideBySide(
    InsertPool& pool, MainConnection main,
    const std::optional<std::vector<std::pair<std::string, std::string>>>& parents_after_children)
    : m_pool(pool), m_main(std::move(main)) {
  if (parents_after_children) {
    m_parents_after_children.emplace();
    for (const auto& [child, parent] : *parents_after_children) {
      m_parents_after_children->emplace(lower_name(child), lower_name(parent));
    }
  }
}

void TablesSideBySide::add(std::string table, Statement&& statement, const StatementClass& kind) {
  if (m_table && m_table->name != table) {
    end_table();
  }
  if (!m_table) {
    m_main.enter_step(kind, statement.text);  // rows again, after another table's index build was shown
    // The same name again (a view's placeholder, a file with a table twice): after its earlier turns.
    m_pool.wait_for_table(table);
    wait_for_children(table);
    m_seen.insert(table);
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
  const bool alter = statement.text.starts_with("ALTER TABLE ");
  if (alter && may_add_foreign_key(statement.text)) {
    hold_foreign_keys(m_table->name, statement);
    if (statement.text.empty()) {
      return;
    }
  }
  if (alter) {
    m_pool.wait_for_table(m_table->name);  // its rows are in
    // Its deferred keys: built on a loading connection while the next tables load on the others
    // (shown until the next table starts).
    m_main.enter_step(kind, statement.text);
    const bool in_place = m_main.keys_in_place(statement.text);
    m_pool.submit_turn(alone(std::move(statement)), {m_table->name}, true, in_place);
    return;
  }
  if (may_add_foreign_key(statement.text)) {
    m_pool.drain();  // a CREATE TABLE with its foreign keys: alone
    ++m_tables_alone;
  } else {
    m_pool.wait_for_table(m_table->name);
  }
  m_main.enter_step(kind, statement.text);
  m_main.run_here(statement, kind.kind);
}

void TablesSideBySide::hold_foreign_keys(const std::string& table, Statement& statement) {
  auto split = split_foreign_keys(statement.text, m_main.backslash_escapes());
  if (split && split->foreign_keys.empty()) {
    return;  // the words were in a name or comment
  }
  ++m_foreign_keys_held;
  if (!split) {
    note_parents(table, statement.text);
    m_held.push_back(HeldForeignKeys{table, std::exchange(statement, Statement{{}, statement.line}),
                                     m_pool.settings_given()});  // not our layout: whole
    return;
  }
  note_parents(table, split->foreign_keys);
  m_held.push_back(
      HeldForeignKeys{table, Statement{std::move(split->foreign_keys), statement.line, statement.default_delimiter, 0},
                      m_pool.settings_given()});
  statement.text = std::move(split->keys);
}

double TablesSideBySide::add_held_foreign_keys() {
  if (m_held.empty()) {
    return 0;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto& first = m_held.front().statement;
  m_main.enter_step(m_main.classify(first.text), first.text);
  for (auto& held : std::exchange(m_held, {})) {
    m_pool.submit_turn(alone(std::move(held.statement)), {std::move(held.table)}, false, false, held.settings);
  }
  m_pool.drain();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void TablesSideBySide::end_table() {
  if (!m_table) {
    return;
  }
  if (!m_table->big) {
    ++m_small_tables;
    auto& statements = m_table->statements;
    bool load_alone = false;
    for (auto statement = statements.begin(); statement != statements.end();) {
      if (is_row_insert(statement->text) || !may_add_foreign_key(statement->text)) {
        ++statement;
      } else if (statement->text.starts_with("ALTER TABLE ")) {
        hold_foreign_keys(m_table->name, *statement);
        statement = statement->text.empty() ? statements.erase(statement) : statement + 1;
      } else {
        load_alone = true;  // a CREATE TABLE with its foreign keys
        ++statement;
      }
    }
    if (m_table->bytes <= k_keys_in_create_bytes && statements.size() >= 2 &&
        statements.back().text.starts_with("ALTER TABLE ")) {
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
    if (load_alone) {
      send_turn();
      m_pool.drain();
      m_pool.submit_turn(std::move(statements), {m_table->name});
      m_pool.drain();
      ++m_tables_alone;
      m_table.reset();
      return;
    }
    m_turn_bytes += m_table->bytes;
    std::move(m_table->statements.begin(), m_table->statements.end(), std::back_inserter(m_turn));
    m_turn_tables.push_back(std::move(m_table->name));
    if (m_turn_tables.size() >= k_turn_tables || m_turn_bytes >= k_turn_bytes) {
      send_turn();
    }
  }
  m_table.reset();
}

void TablesSideBySide::note_parents(const std::string& table, std::string_view text) {
  for (const std::string& parent : foreign_key_parents(text, table)) {
    if (m_parents_after_children &&
        !m_parents_after_children->contains(std::pair(lower_name(table), lower_name(parent)))) {
      continue;  // the file writes the parent first: the stock client checks the constraint against it
    }
    if (lower_name(parent) != lower_name(table)) {
      m_children_of[lower_name(parent)].push_back(table);
    }
  }
}

void TablesSideBySide::wait_for_children(const std::string& table) {
  const auto found = m_children_of.find(lower_name(table));
  if (found == m_children_of.end()) {
    return;
  }
  m_children_of.clear();  // every held foreign key goes in now
  // The children's turns end (nothing else runs then), and their foreign keys are added before the
  // parent is dropped or created, as the stock client adds them in the file's order.
  send_turn();
  m_pool.drain();
  m_early_keys_seconds += add_held_foreign_keys();
}

void TablesSideBySide::send_turn() {
  if (!m_turn.empty()) {
    m_pool.submit_turn(std::exchange(m_turn, {}), std::exchange(m_turn_tables, {}));
  }
  m_turn_tables.clear();
  m_turn_bytes = 0;
}

}  // namespace ifnbackup::restore
