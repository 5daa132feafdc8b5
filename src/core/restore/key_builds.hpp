#pragma once
// Which deferred keys a content proof may read beside (restore/load.cpp): an index build that
// leaves a table's rows and clustered index as they are.
#include <string_view>

namespace ifnbackup::restore {

// Pure. True when `statement` is `ALTER TABLE name ADD ...` of plain and UNIQUE keys (B-tree) only,
// each clause of the shapes SHOW CREATE TABLE prints (our deferred keys, their foreign keys held
// apart: restore/tables_side_by_side.hpp): on an InnoDB table with a primary key the server adds them
// in place without rebuilding the table, so a snapshot begun before still reads its rows by the
// primary key. Anything else (a foreign key, which copies the table under FOREIGN_KEY_CHECKS=1;
// FULLTEXT, SPATIAL, a long UNIQUE USING HASH, PRIMARY KEY, a column, a table option, ALGORITHM=COPY,
// FORCE) is false: the proof then waits for it.
bool adds_keys_in_place(std::string_view statement, bool ansi_quotes, bool backslash_escapes);

}  // namespace ifnbackup::restore
