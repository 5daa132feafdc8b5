#pragma once
// How the dumper reads a table's rows, shared by the dumper and the restore's content proof, so
// that both encode every row the same way: the session (utf8mb4, UTC, empty sql_mode), the
// columns (generated ones left out, invisible ones named, FLOAT read as DOUBLE), and each value
// as sql/value_encoding writes it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "proof/row_digest.hpp"

namespace ifnbackup::proof {

// sql_mode '' (backslash escapes on, backticks in SHOW CREATE), time_zone '+00:00' (TIMESTAMP
// values as stored). The connection's character set is utf8mb4 already (db::Connection).
void set_reading_session(db::Connection& connection);

struct TableColumns {
  std::vector<std::string> names;
  std::string column_list;  // `a`,`b` for the INSERT
  std::string select_list;  // `a`,(`f` + 0e0) for the SELECT
  // A column whose text may legitimately differ on a server of another version (FLOAT/DOUBLE
  // printing, JSON normalisation, spatial encoding): named here, for "cannot prove".
  std::vector<std::string> version_sensitive;
};

// The columns a row can be inserted into, in table order; empty when it has none.
TableColumns table_columns(db::Connection& connection, const std::string& database, const std::string& table);

// The same for every table of `database` at once (one query instead of one per table), by table
// name; a table without columns is absent.
std::map<std::string, TableColumns> database_columns(db::Connection& connection, const std::string& database);

// SELECT of those columns, for mysql_use_result.
std::string table_select(const TableColumns& columns, const std::string& database, const std::string& table);

// Appends `(v1,v2,...)` for one streamed row: the text a dump writes and the digest hashes.
void append_row(std::string& out, const std::vector<db::FieldInfo>& fields, const db::RowView& row);

// Reads the table as the dumper does and returns its digest (rows() counts them).
RowDigest digest_table(db::Connection& connection, const std::string& database, const std::string& table);

// The same of a stream of table_select's result.
RowDigest digest_rows(db::ResultStream& stream);

}  // namespace ifnbackup::proof
