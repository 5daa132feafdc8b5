#include "proof/table_reading.hpp"

#include <fmt/format.h>

#include "sql/text.hpp"
#include "sql/value_encoding.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup::proof {

void set_reading_session(db::Connection& connection) {
  connection.execute("SET SESSION sql_mode = ''");
  connection.execute("SET SESSION time_zone = '+00:00'");
}

namespace {

constexpr std::string_view k_column_fields = "COLUMN_NAME, EXTRA, DATA_TYPE";

// One row of information_schema.COLUMNS (k_column_fields, from `first`) added to `columns`.
void add_column(TableColumns& columns, std::vector<std::optional<std::string>>& row, std::size_t first) {
  const std::string extra = row[first + 1].value_or("");
  // Generated columns are computed by the server and refuse values.
  const bool generated = extra.find("VIRTUAL") != std::string::npos ||
                         extra.find("STORED GENERATED") != std::string::npos ||
                         extra.find("PERSISTENT") != std::string::npos;
  if (generated || !row[first]) {
    return;
  }
  const std::string type = row[first + 2].value_or("");
  const std::string name = sql::quote_identifier(*row[first]);
  columns.column_list += (columns.column_list.empty() ? "" : ",") + name;
  // The text protocol prints FLOAT with 6 digits, which loses precision; as a DOUBLE the same
  // value prints exactly and converts back to the identical FLOAT.
  columns.select_list += (columns.select_list.empty() ? "" : ",") + (type == "float" ? "(" + name + " + 0e0)" : name);
  if (type == "float" || type == "double" || type == "json" || type == "geometry" || type == "point" ||
      type == "linestring" || type == "polygon" || type == "multipoint" || type == "multilinestring" ||
      type == "multipolygon" || type == "geometrycollection" || type == "geomcollection") {
    columns.version_sensitive.push_back(*row[first]);
  }
  columns.names.push_back(std::move(*row[first]));
}

}  // namespace

TableColumns table_columns(db::Connection& connection, const std::string& database, const std::string& table) {
  auto result =
      connection.query(fmt::format("SELECT {} FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND "
                                   "TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
                                   k_column_fields, sql::quote_string(database), sql::quote_string(table)));
  TableColumns columns;
  for (auto& row : result.rows) {
    add_column(columns, row, 0);
  }
  return columns;
}

std::map<std::string, TableColumns> database_columns(db::Connection& connection, const std::string& database) {
  auto result =
      connection.query(fmt::format("SELECT TABLE_NAME, {} FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} "
                                   "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                                   k_column_fields, sql::quote_string(database)));
  std::map<std::string, TableColumns> tables;
  for (auto& row : result.rows) {
    if (row.size() >= 4 && row[0]) {
      add_column(tables[*row[0]], row, 1);
    }
  }
  return tables;
}

std::string table_select(const TableColumns& columns, const std::string& database, const std::string& table) {
  return fmt::format("SELECT /*!40001 SQL_NO_CACHE */ {} FROM {}.{}", columns.select_list,
                     sql::quote_identifier(database), sql::quote_identifier(table));
}

void append_row(std::string& out, const std::vector<db::FieldInfo>& fields, const db::RowView& row) {
  out.push_back('(');
  for (unsigned i = 0; i < fields.size(); ++i) {
    if (i != 0) {
      out.push_back(',');
    }
    sql::append_sql_value(out, fields[i].kind, row.values[i], row.lengths[i]);
  }
  out.push_back(')');
}

RowDigest digest_table(db::Connection& connection, const std::string& database, const std::string& table) {
  RowDigest digest;
  const TableColumns columns = table_columns(connection, database, table);
  if (columns.names.empty()) {
    return digest;
  }
  auto stream = connection.stream(table_select(columns, database, table));
  return digest_rows(stream);
}

RowDigest digest_rows(db::ResultStream& stream) {
  RowDigest digest;
  const auto& fields = stream.fields();
  std::string encoded;
  db::RowView row;
  while (stream.next(row)) {
    if ((digest.rows() & 0x3ff) == 0) {
      util::check_interrupted();
    }
    encoded.clear();
    // Room for the row's text at once (each value takes at most twice its bytes, quoted or in hex,
    // or NULL): grown by doubling, a huge value's text would be copied into twice its size.
    std::size_t bound = 2 + 5 * fields.size();
    for (unsigned i = 0; i < fields.size(); ++i) {
      bound += 2 * row.lengths[i];
    }
    encoded.reserve(bound);
    append_row(encoded, fields, row);
    digest.add_row(encoded);
  }
  return digest;
}

}  // namespace ifnbackup::proof
