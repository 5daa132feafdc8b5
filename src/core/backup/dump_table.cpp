// One base table: its definition and its rows as extended INSERTs.
#include <fmt/format.h>

#include "backup/deferred_keys.hpp"
#include "backup/definition_text.hpp"
#include "backup/dump.hpp"
#include "ifnbackup/error.hpp"
#include "proof/table_reading.hpp"
#include "sql/text.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup::backup {

namespace {

std::string qualified(const std::string& database, const std::string& table) {
  return sql::quote_identifier(database) + "." + sql::quote_identifier(table);
}

}  // namespace

std::string strip_own_database(std::string create, const std::string& database) {
  // MariaDB writes a sequence default as nextval(`db`.`seq`): without the database name the
  // file restores into any database (--into, or gunzip | mariadb otherdb) with its own sequence.
  const std::string qualified_call = "nextval(" + sql::quote_identifier(database) + ".";
  for (auto at = create.find(qualified_call); at != std::string::npos; at = create.find(qualified_call, at)) {
    create.replace(at, qualified_call.size(), "nextval(");
  }
  return create;
}

std::map<std::string, std::set<std::string>> referenced_columns(db::Connection& connection,
                                                                const std::string& database) {
  auto result = connection.query(
      fmt::format("SELECT REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                  "WHERE TABLE_SCHEMA = {0} AND REFERENCED_TABLE_SCHEMA = {0} AND REFERENCED_COLUMN_NAME IS NOT NULL",
                  sql::quote_string(database)));
  std::map<std::string, std::set<std::string>> columns;
  for (auto& row : result.rows) {
    if (row.size() >= 2 && row[0] && row[1]) {
      columns[*row[0]].insert(std::move(*row[1]));
    }
  }
  return columns;
}

WrittenTable write_create_table(db::Connection& connection, const std::string& database, const std::string& table,
                                const std::set<std::string>& referenced, bool small, DumpWriter& out) {
  auto create = connection.query(fmt::format("SHOW CREATE TABLE {}", qualified(database, table)));
  if (create.rows.empty() || create.rows[0].size() < 2 || !create.rows[0][1]) {
    throw Error(ErrorCode::server, tx("SHOW CREATE TABLE {} returned nothing", table),
                tx("the table was dropped or renamed during the backup, or the account may not see it: run the "
                   "backup again ('ifnbackup doctor' checks the account's privileges)"));
  }
  const std::string name = sql::quote_identifier(table);
  std::string definition = strip_own_database(*create.rows[0][1], database);
  // TiDB before 6.2 refuses an ALTER TABLE with several ADD KEY (and builds indexes its own way):
  // its tables are written whole.
  DeferredKeys split = connection.server().is_tidb ? DeferredKeys{std::move(definition), {}}
                                                   : defer_secondary_keys(definition, name, referenced);
  if (small && !split.add_keys.empty() && !split.foreign_keys) {
    split = DeferredKeys{std::move(definition), {}};
  }
  out.write(fmt::format("--\n-- Table structure for table {}\n--\n\nDROP TABLE IF EXISTS {};\n{};\n\n",
                        comment_identifier(table), name, split.create));
  return WrittenTable{std::move(split.add_keys), is_partitioned(split.create)};
}

void write_merge_table(db::Connection& connection, const std::string& database, const std::string& table,
                       DumpWriter& out) {
  auto create = connection.query(fmt::format("SHOW CREATE TABLE {}", qualified(database, table)));
  if (create.rows.empty() || create.rows[0].size() < 2 || !create.rows[0][1]) {
    throw Error(ErrorCode::server, tx("SHOW CREATE TABLE {} returned nothing", table),
                tx("the table was dropped or renamed during the backup, or the account may not see it: run the "
                   "backup again ('ifnbackup doctor' checks the account's privileges)"));
  }
  const std::string name = sql::quote_identifier(table);
  out.write(
      fmt::format("--\n-- Table structure for MERGE table {} (its rows are those of the tables it unites)\n"
                  "--\n\nDROP TABLE IF EXISTS {};\n{};\n\n",
                  name, name, strip_own_database(*create.rows[0][1], database)));
}

void write_deferred_keys(const std::string& add_keys, DumpWriter& out) {
  if (!add_keys.empty()) {
    // No comment line before it: per table, one costs more in the compressed file than it tells.
    out.write(fmt::format("{};\n\n", add_keys));
  }
}

std::uint64_t write_table_rows(db::Connection& connection, const std::string& database, const std::string& table,
                               const proof::TableColumns& columns, std::size_t max_insert_bytes, bool keys_toggle,
                               DumpWriter& out, proof::RowDigest& digest) {
  if (columns.names.empty()) {
    return 0;
  }
  const std::string insert_prefix =
      fmt::format("INSERT INTO {} ({}) VALUES ", sql::quote_identifier(table), columns.column_list);

  // The savepoint lets the server release the table's metadata lock once it is read.
  connection.execute("SAVEPOINT ifnbackup_table");
  std::uint64_t rows = 0;
  {
    auto stream = connection.stream(proof::table_select(columns, database, table));
    const auto& fields = stream.fields();
    std::string& buffer = out.buffer();
    std::size_t statement_start = 0;
    bool in_statement = false;
    db::RowView row;
    out.write(fmt::format("--\n-- Dumping data for table {}\n--\n\n", comment_identifier(table)));
    if (keys_toggle) {
      out.write(fmt::format("/*!40000 ALTER TABLE {} DISABLE KEYS */;\n", sql::quote_identifier(table)));
    }
    while (stream.next(row)) {
      if ((rows & 0x3ff) == 0) {
        util::check_interrupted();
      }
      if (!in_statement) {
        out.statement_begin();  // may start a part: the buffer is flushed, at a statement's end
      }
      const std::size_t row_start = buffer.size();
      if (in_statement) {
        buffer.push_back(',');
      } else {
        statement_start = row_start;
        buffer.append(insert_prefix);
      }
      const std::size_t row_text = buffer.size();
      proof::append_row(buffer, fields, row);
      // The digest hashes the row's text as written: the proof after a restore encodes it the same way.
      digest.add_row(std::string_view(buffer).substr(row_text));
      ++rows;
      if (in_statement && buffer.size() - statement_start > max_insert_bytes) {
        // This row would make the statement too long: end the statement before it and
        // start the next one with it.
        std::string pending = buffer.substr(row_start + 1);
        buffer.resize(row_start);
        buffer.append(";\n");
        out.statement_end();
        out.statement_begin();
        statement_start = buffer.size();
        buffer.append(insert_prefix);
        buffer.append(pending);
      }
      in_statement = true;
      if (buffer.size() - statement_start > max_insert_bytes) {
        buffer.append(";\n");
        in_statement = false;
        out.statement_end();
      }
    }
    if (in_statement) {
      buffer.append(";\n");
    }
    out.write(keys_toggle ? fmt::format("/*!40000 ALTER TABLE {} ENABLE KEYS */;\n\n", sql::quote_identifier(table))
                          : std::string("\n"));
  }
  connection.execute("ROLLBACK TO SAVEPOINT ifnbackup_table");
  return rows;
}

}  // namespace ifnbackup::backup
