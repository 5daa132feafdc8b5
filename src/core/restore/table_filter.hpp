#pragma once
// restore --tables: which statements of one of our dumps belong to the chosen tables.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup::restore {

// The table a statement of a table's own part of our dumps names: DROP TABLE IF EXISTS (one table),
// CREATE TABLE, INSERT INTO, ALTER TABLE (bare or in a /*!NNNNN */ comment). std::nullopt for
// anything else.
std::optional<std::string> statement_table(std::string_view statement);

// Pure. A small table's CREATE TABLE with the keys and foreign keys its dump defers to after the
// rows (`add_keys`: "ALTER TABLE `t`\n  ADD k1,\n  ADD k2", as backup/deferred_keys writes it) put
// back at the end of its definitions, where the server sorts them as the ALTER TABLE would (primary,
// unique, plain, each in the order given; foreign keys by name): SHOW CREATE TABLE is the same, and
// the server builds a tiny table's indexes with its rows instead of in a second DDL. std::nullopt
// when either text is not of that shape (then both run as they are).
std::optional<std::string> create_with_keys(std::string_view create, std::string_view add_keys);

// True when a statement may add a foreign key: its text names FOREIGN KEY, in any letter case, with any
// white space or comment between the words, wherever
// (a comment saying so too: a false alarm costs speed, never order).
bool may_add_foreign_key(std::string_view statement);

// Pure. The tables of this database that a statement's foreign keys reference (" FOREIGN KEY (...)
// REFERENCES `p`", as SHOW CREATE TABLE and our deferred keys write them), in order; a parent named
// with its database is left out (it is not loaded with these tables), and so is `table` itself.
std::vector<std::string> foreign_key_parents(std::string_view text, std::string_view table);

// Pure. A table's deferred keys (`add_keys`, the layout create_with_keys reads) cut in two: its keys,
// and its FOREIGN KEY constraints, each list in its given order, as "ALTER TABLE `t`\n  ADD ..." (empty
// when it has none). The server prints constraints by name and keys by kind in the order added, so the
// two statements leave SHOW CREATE TABLE as the one would. std::nullopt when the text is not of that
// shape (a quote or parenthesis unclosed, a comment): then it is held whole. `backslash_escapes`: a
// backslash escapes inside quotes (the session's sql_mode).
struct KeysAndForeignKeys {
  std::string keys;
  std::string foreign_keys;
};
std::optional<KeysAndForeignKeys> split_foreign_keys(std::string_view add_keys, bool backslash_escapes);

// Fed every statement of a dump in order, says which to run: session settings (SET, bare or in
// a /*!NNNNN */ comment) always; DROP TABLE IF EXISTS, CREATE TABLE, INSERT INTO and ALTER TABLE
// of a chosen table; and the CREATE TRIGGER statements that follow a table's rows (our dumps
// write a table's triggers right after it). Everything else — other tables, views, routines,
// events, sequences — is skipped.
class TableFilter {
 public:
  explicit TableFilter(std::set<std::string> tables) : m_tables(std::move(tables)) {}
  bool keep(std::string_view statement);

 private:
  std::set<std::string> m_tables;
  bool m_current_kept = false;  // the table the last table statement named is chosen
};

}  // namespace ifnbackup::restore
