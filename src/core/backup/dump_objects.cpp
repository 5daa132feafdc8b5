// Objects with bodies or dependencies: triggers, sequences, views, routines, events.
// Bodies contain ';', so they are written between DELIMITER ;; and DELIMITER ;, each under
// the sql_mode it was created with, as mysqldump does.
#include <fmt/format.h>

#include "backup/dump.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup::backup {

namespace {

std::string qualified(const std::string& database, const std::string& name) {
  return db::quote_identifier(database) + "." + db::quote_identifier(name);
}

// Column `column` of the single row of SHOW CREATE ...; a NULL means the account may not see it.
std::string show_create(db::Connection& connection, const std::string& what, const std::string& database,
                        const std::string& name, std::size_t column, std::vector<std::string>* row_out = nullptr) {
  auto result = connection.query(fmt::format("SHOW CREATE {} {}", what, qualified(database, name)));
  if (result.rows.empty() || result.rows[0].size() <= column || !result.rows[0][column]) {
    throw Error(ErrorCode::server,
                fmt::format("cannot read the definition of {} {}.{}", what, database, name),
                "the backup account needs SHOW VIEW, TRIGGER, EVENT and SELECT on mysql.proc "
                "(or SHOW CREATE ROUTINE) privileges");
  }
  if (row_out != nullptr) {
    for (auto& value : result.rows[0]) {
      row_out->push_back(value.value_or(""));
    }
  }
  return *result.rows[0][column];
}

void write_body(DumpWriter& out, const std::string& sql_mode, const std::string& body,
                const std::string& time_zone = {}) {
  std::string text = fmt::format("/*!50003 SET @saved_sql_mode = @@sql_mode */;\n"
                                 "/*!50003 SET sql_mode = {} */;\n",
                                 sql_literal(sql_mode));
  if (!time_zone.empty()) {
    text += fmt::format("/*!50106 SET @saved_time_zone = @@time_zone */;\n/*!50106 SET time_zone = {} */;\n",
                        sql_literal(time_zone));
  }
  // The delimiter on a line of its own, as mariadb-dump writes it: a body may end in a `#` or `-- `
  // comment (clients that keep comments store them), which would swallow a delimiter on its line.
  text += fmt::format("DELIMITER ;;\n{}\n;;\nDELIMITER ;\n", body);
  if (!time_zone.empty()) {
    text += "/*!50106 SET time_zone = @saved_time_zone */;\n";
  }
  text += "/*!50003 SET sql_mode = @saved_sql_mode */;\n\n";
  out.write(text);
}

}  // namespace

void write_triggers(db::Connection& connection, const std::string& database, const std::string& table,
                    DumpWriter& out) {
  // Within one event and timing, creation order is firing order.
  auto triggers = connection.query(fmt::format(
      "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = {} AND "
      "EVENT_OBJECT_TABLE = {} ORDER BY EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER",
      sql_literal(database), sql_literal(table)));
  for (const auto& row : triggers.rows) {
    if (!row[0]) {
      continue;
    }
    std::vector<std::string> fields;
    const std::string body = show_create(connection, "TRIGGER", database, *row[0], 2, &fields);
    write_body(out, fields.at(1), body);
  }
}

void write_sequence(db::Connection& connection, const std::string& database, const std::string& sequence,
                    DumpWriter& out) {
  const std::string create = show_create(connection, "SEQUENCE", database, sequence, 1);
  const auto next = connection.query_value(
      fmt::format("SELECT next_not_cached_value FROM {}", qualified(database, sequence)));
  const std::string name = db::quote_identifier(sequence);
  out.write(fmt::format("--\n-- Sequence {}\n--\n\nDROP TABLE IF EXISTS {};\n{};\n", name, name, create));
  if (next) {
    // The next value not yet handed out: the restored sequence continues where this one was.
    out.write(fmt::format("DO SETVAL({}, {}, 0);\n", name, *next));
  }
  out.write("\n");
}

void write_view_placeholder(db::Connection& connection, const std::string& database, const std::string& view,
                            DumpWriter& out) {
  auto columns = connection.query(fmt::format(
      "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
      "ORDER BY ORDINAL_POSITION",
      sql_literal(database), sql_literal(view)));
  std::string select;
  for (const auto& row : columns.rows) {
    select += fmt::format("{}\n 1 AS {}", select.empty() ? "" : ",", db::quote_identifier(row[0].value_or("")));
  }
  if (select.empty()) {
    select = " 1 AS `ifnbackup_placeholder`";
  }
  const std::string name = db::quote_identifier(view);
  out.write(fmt::format("--\n-- Temporary view structure for view {}\n--\n\n"
                        "DROP TABLE IF EXISTS {};\n/*!50001 DROP VIEW IF EXISTS {}*/;\n"
                        "/*!50001 CREATE VIEW {} AS SELECT{} */;\n\n",
                        name, name, name, name, select));
}

void write_view(db::Connection& connection, const std::string& database, const std::string& view, DumpWriter& out) {
  const std::string create = show_create(connection, "VIEW", database, view, 1);
  const std::string name = db::quote_identifier(view);
  out.write(fmt::format("--\n-- Final view structure for view {}\n--\n\n/*!50001 DROP VIEW IF EXISTS {}*/;\n"
                        "{};\n\n",
                        name, name, create));
}

void write_routine(db::Connection& connection, const std::string& database, const std::string& name,
                   bool is_function, DumpWriter& out) {
  const char* what = is_function ? "FUNCTION" : "PROCEDURE";
  std::vector<std::string> fields;
  const std::string body = show_create(connection, what, database, name, 2, &fields);
  out.write(fmt::format("--\n-- {} {}\n--\n\n/*!50003 DROP {} IF EXISTS {} */;\n", is_function ? "Function" : "Procedure",
                        db::quote_identifier(name), what, db::quote_identifier(name)));
  write_body(out, fields.at(1), body);
}

void write_event(db::Connection& connection, const std::string& database, const std::string& name, DumpWriter& out) {
  std::vector<std::string> fields;
  const std::string body = show_create(connection, "EVENT", database, name, 3, &fields);
  out.write(fmt::format("--\n-- Event {}\n--\n\n/*!50106 DROP EVENT IF EXISTS {} */;\n", db::quote_identifier(name),
                        db::quote_identifier(name)));
  write_body(out, fields.at(1), body, fields.at(2));
}

}  // namespace ifnbackup::backup
