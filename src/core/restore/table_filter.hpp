#pragma once
// restore --tables: which statements of one of our dumps belong to the chosen tables.
#include <set>
#include <string>
#include <string_view>

namespace ifnbackup::restore {

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
