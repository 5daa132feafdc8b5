#pragma once
// Moving a table's secondary indexes and foreign keys after its rows (docs/backup-format.md,
// "Secondary indexes and foreign keys after the rows").
#include <optional>
#include <set>
#include <string>

namespace ifnbackup::backup {

struct DeferredKeys {
  std::string create;         // the CREATE TABLE to write before the rows
  std::string add_keys;       // "ALTER TABLE `t`\n  ADD KEY ...,\n  ADD CONSTRAINT ..." after them; empty: none
  bool foreign_keys = false;  // add_keys adds a FOREIGN KEY constraint
};

// Splits SHOW CREATE TABLE text. Moves every FOREIGN KEY constraint, the trailing run of the UNIQUE
// keys and that of the plain keys of an InnoDB table that has a primary key; a run stops at a key
// led by a column in referenced_columns (the parent side of a foreign key, which another table's
// constraint may need before this table's ALTER) or by its AUTO_INCREMENT column, or at a long
// UNIQUE (USING HASH). Anything it does not recognise (partitions, system versioning, an expression
// key, an unexpected line) leaves the definition whole.
DeferredKeys defer_secondary_keys(const std::string& create, const std::string& quoted_table,
                                  const std::set<std::string>& referenced_columns);

}  // namespace ifnbackup::backup
