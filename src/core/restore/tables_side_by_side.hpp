#pragma once
// Tables loaded side by side (our own files, with loading connections; issues 13 and 20): the
// statements of each table, as the reader meets them, gathered into the turns of the loading
// connections (restore/insert_pool.hpp). A table whose statements — DROP, CREATE, rows, deferred
// keys — together stay within k_small_table_bytes is small: it goes whole to one connection, in one
// turn with the small tables next to it (up to k_turn_tables of them, k_turn_bytes together), while
// the other connections load other tables. A bigger table has its DDL run on the main connection,
// its rows spread over every loading connection, then its deferred keys sent to one of them as soon
// as its rows are in, so that its index build runs beside the next tables' rows. Where these sizes
// come from: docs/benchmarks.md (measured break-even).
//
// No foreign key is added while a table is dropped or created on another connection: MariaDB 10.11
// crashes (signal 11 in ALTER TABLE) when one connection adds a constraint referencing a table that
// another drops and creates, and refuses DROPs with "lock wait timeout" beside it. So every ADD
// CONSTRAINT ... FOREIGN KEY of the deferred keys is held back (split_foreign_keys) and run by
// add_held_foreign_keys, when no turn runs and none is sent until they are in; under the file's
// FOREIGN_KEY_CHECKS=0 InnoDB adds one without reading rows. A table whose CREATE TABLE itself holds a
// foreign key (files before 2026-11-30, a table the dumper could not defer) loads alone: every turn
// before it finished, none beside it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ifnbackup/options.hpp"
#include "restore/insert_pool.hpp"
#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"

namespace ifnbackup::restore {

constexpr std::size_t k_small_table_bytes = 1024 * 1024;
// A small table within k_keys_in_create_bytes (ifnbackup/options.hpp, shared with the dumper) has its
// deferred keys (its foreign keys aside, held back) put back into its CREATE TABLE (create_with_keys):
// one DDL instead of two (a file whose dumper deferred them anyway: its estimate was stale, set to 0,
// or the table has foreign keys).
constexpr std::size_t k_turn_bytes = 1024 * 1024;
constexpr std::size_t k_turn_tables = 32;

class TablesSideBySide {
 public:
  // What the turns need of the load that reads the file (restore/script_loader.cpp).
  struct MainConnection {
    // The step shown for a statement about to run (or sent to be run) for this load.
    std::function<void(const StatementClass&, std::string_view)> enter_step;
    // Runs a statement on the main connection (a big table's DDL), its failure thrown.
    std::function<void(const Statement&, StatementKind)> run_here;
    // What a statement does, under the modes the main connection has now.
    std::function<StatementClass(const std::string&)> classify;
    // Whether a backslash escapes inside quotes, under the modes the main connection has now.
    std::function<bool()> backslash_escapes;
    // Whether a statement only adds keys that leave its table's rows as they are
    // (adds_keys_in_place), under the modes the main connection has now.
    std::function<bool(const std::string&)> keys_in_place;
  };

  // `parents_after_children`: LoadSettings'; given, only a parent of one of these pairs waits for its
  // children's turns (wait_for_children), the others' held constraints wait for the end of the tables.
  TablesSideBySide(InsertPool& pool, MainConnection main,
                   const std::optional<std::vector<std::pair<std::string, std::string>>>& parents_after_children = {});

  // A statement of a table's own part (its DDL, rows or deferred keys), its table named.
  void add(std::string table, Statement&& statement, const StatementClass& kind);
  // Every table read so far sent to the loading connections: before anything else runs on the main
  // connection (the caller then drains the pool), and at the end of the file.
  void send_all();
  // Every held foreign key added, on the loading connections at once, and waited for: called when no
  // turn runs (the caller drained the pool after send_all) and before any other is sent. Returns the
  // wall time it took. Throws the first failure (the restore rolls back).
  double add_held_foreign_keys();

  // Whether a table of this name (exactly so written) was read by this load.
  bool seen(const std::string& table) const { return m_seen.contains(table); }

  std::uint64_t small_tables() const { return m_small_tables; }
  std::uint64_t big_tables() const { return m_big_tables; }
  std::uint64_t keys_in_create() const { return m_keys_in_create; }
  std::uint64_t foreign_keys_held() const { return m_foreign_keys_held; }
  // Whether constraints wait for add_held_foreign_keys now.
  bool holding_foreign_keys() const { return !m_held.empty(); }
  std::uint64_t tables_alone() const { return m_tables_alone; }
  // The wall time of the held foreign keys added before a parent started (wait_for_children), taken.
  double take_early_keys_seconds() { return std::exchange(m_early_keys_seconds, 0.0); }

 private:
  void run_big_table(Statement&& statement, const StatementClass& kind);
  // The table being read is complete: a small one joins the turn being gathered.
  void end_table();
  void send_turn();
  // A table's deferred keys: its foreign keys held back, the rest left in `statement` (empty: nothing).
  void hold_foreign_keys(const std::string& table, Statement& statement);
  // Foreign keys of `table` held back: the parents they name (a table of this database).
  void note_parents(const std::string& table, std::string_view text);
  // `table` starts: when a held foreign key names it, every turn ends and every held foreign key is
  // added first (nothing is dropped or created meanwhile), so that a constraint is added before its
  // parent is created when the file has it so — the server checks a constraint against a parent that
  // exists, and the stock client, in the file's order, adds it before.
  void wait_for_children(const std::string& table);

  InsertPool& m_pool;
  MainConnection m_main;
  // The table being read: its statements held while it may still be small.
  struct TableRead {
    std::string name;
    std::vector<Statement> statements;
    std::size_t bytes = 0;
    bool big = false;
  };
  std::optional<TableRead> m_table;
  std::set<std::string> m_seen;  // every table read
  // Small tables gathered for one connection's turn.
  std::vector<Statement> m_turn;
  std::vector<std::string> m_turn_tables;
  // Tables whose turns add a foreign key naming a table not started yet, by that parent's name (in
  // lower case). The stock client adds such a constraint before its parent exists, which
  // foreign_key_checks=0 accepts whatever the parent turns out to be; once the parent exists, the
  // server checks the constraint against it (error 1825 for one the source no longer matches): so a
  // parent starts only once those turns ended, as in the file's order.
  double m_early_keys_seconds = 0;
  std::unordered_map<std::string, std::vector<std::string>> m_children_of;
  // The file adds these (child, parent) foreign keys before the parent exists (lower case); not set:
  // read in the file's order, where any parent not started yet is written after its child.
  std::optional<std::set<std::pair<std::string, std::string>>> m_parents_after_children;
  std::size_t m_turn_bytes = 0;
  std::uint64_t m_small_tables = 0;
  std::uint64_t m_big_tables = 0;
  std::uint64_t m_keys_in_create = 0;
  // ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, one per table, until add_held_foreign_keys; each
  // added under the session settings given when it was read (InsertPool::settings_given).
  struct HeldForeignKeys {
    std::string table;
    Statement statement;
    std::size_t settings = 0;
  };
  std::vector<HeldForeignKeys> m_held;
  std::uint64_t m_foreign_keys_held = 0;
  std::uint64_t m_tables_alone = 0;
};

}  // namespace ifnbackup::restore
