// Objects with bodies or dependencies: triggers, sequences, views, routines, packages, events.
// Bodies contain ';', so they are written between DELIMITER ;; and DELIMITER ;, each under the
// sql_mode, character set and collation it was created with, as mariadb-dump does.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "backup/definition_text.hpp"
#include "backup/dump.hpp"
#include "ifnbackup/error.hpp"
#include "sql/text.hpp"

namespace ifnbackup::backup {

namespace {

std::string qualified(const std::string& database, const std::string& name) {
  return sql::quote_identifier(database) + "." + sql::quote_identifier(name);
}

// A charset or collation name as SHOW CREATE gives it, when safe to write unquoted; empty otherwise.
std::string plain_name(const std::string& name) {
  return sql::is_plain_name(name) ? name : std::string();
}

// The column called `name` (case-insensitive) of the single row of a SHOW CREATE; empty when the
// server has no such column (an older server, TiDB) or it is NULL.
std::string column_named(const db::ResultTable& result, std::string_view name) {
  for (std::size_t i = 0; i < result.columns.size() && i < result.rows[0].size(); ++i) {
    const std::string& column = result.columns[i];
    const bool same =
        column.size() == name.size() && std::equal(column.begin(), column.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        });
    if (same) {
      return result.rows[0][i].value_or("");
    }
  }
  return {};
}

// An object's definition and the session it was created in, as SHOW CREATE gives them. Read
// with character_set_results = binary, as mariadb-dump does: the text comes back in the bytes its
// creator sent, which the SET character_set_client written before it makes the server read again
// as it first did (a function made under SET NAMES latin1 stays a latin1 function).
struct Definition {
  std::string text;
  std::string sql_mode;
  std::string time_zone;             // events only
  std::string character_set_client;  // empty when unknown or not a plain name
  std::string collation_connection;
  std::string database_collation;  // routines, triggers, events: the database's when created
};

class BinaryResults {
 public:
  explicit BinaryResults(db::Connection& connection) : m_connection(connection) {
    m_connection.execute("SET SESSION character_set_results = binary");
  }
  ~BinaryResults() {
    try {
      m_connection.execute("SET SESSION character_set_results = utf8mb4");
    } catch (const std::exception&) {
      // the connection is gone: the dump fails on its next statement anyway
    }
  }
  BinaryResults(const BinaryResults&) = delete;
  BinaryResults& operator=(const BinaryResults&) = delete;

 private:
  db::Connection& m_connection;
};

// Character sets whose multi-byte characters may hold the bytes of `\` or `'` (0x5C in a second byte
// of sjis, cp932, gbk, big5): no splitter that reads bytes — ours, mysql.cc, which splits with its own
// charset — can cut a body in them. Such an object is written in utf8mb4 instead, under
// character_set_client = utf8mb4 and its own collation_connection: its literals are converted to the
// same connection character set, so it behaves the same; only its recorded character_set_client says
// utf8mb4.
bool has_ascii_trail_bytes(const std::string& charset) {
  return charset == "sjis" || charset == "cp932" || charset == "gbk" || charset == "big5";
}

Definition show_create(db::Connection& connection, const std::string& what, const std::string& database,
                       const std::string& name, std::string_view text_column) {
  const std::string sql = fmt::format("SHOW CREATE {} {}", what, qualified(database, name));
  db::ResultTable result;
  {
    const BinaryResults binary(connection);
    result = connection.query(sql);
  }
  if (!result.rows.empty() && has_ascii_trail_bytes(column_named(result, "character_set_client"))) {
    result = connection.query(sql);  // in utf8mb4, the connection's own
    for (std::size_t i = 0; i < result.columns.size() && i < result.rows[0].size(); ++i) {
      if (result.columns[i] == "character_set_client" || result.columns[i] == "CHARACTER_SET_CLIENT") {
        result.rows[0][i] = "utf8mb4";
      }
    }
  }
  Definition definition;
  if (!result.rows.empty()) {
    definition.text = column_named(result, text_column);
  }
  if (definition.text.empty()) {
    throw Error(ErrorCode::server, tx("cannot read the definition of {} {}.{}", what, database, name),
                tx("the backup account needs SHOW VIEW, TRIGGER, EVENT and SELECT on mysql.proc "
                   "(or SHOW CREATE ROUTINE) privileges"));
  }
  definition.sql_mode = column_named(result, "sql_mode");
  definition.time_zone = column_named(result, "time_zone");
  definition.character_set_client = plain_name(column_named(result, "character_set_client"));
  definition.collation_connection = plain_name(column_named(result, "collation_connection"));
  definition.database_collation = plain_name(column_named(result, "Database Collation"));
  if (definition.collation_connection.empty()) {
    definition.character_set_client.clear();
  }
  return definition;
}

std::string stored_comment(db::Connection& connection, const std::string& sql) {
  const BinaryResults binary(connection);
  return connection.query_value(sql).value_or("");
}

// Everything around an object's CREATE: the session it was created in (sql_mode, character set
// and collation of its client, time zone for an event, the database's collation when it differs
// from the database's own), set before it and put back after, as mariadb-dump writes them.
// `drop` (a DROP ... IF EXISTS, or nothing) comes after the sql_mode: DROP PACKAGE is only read
// under sql_mode=ORACLE, which is the package's own.
void write_body(DumpWriter& out, const Definition& definition, const std::string& database_collation,
                const std::string& drop = {}) {
  std::string text;
  const bool charset = !definition.character_set_client.empty();
  if (charset) {
    text += fmt::format(
        "/*!50003 SET @saved_cs_client = @@character_set_client */;\n"
        "/*!50003 SET @saved_cs_results = @@character_set_results */;\n"
        "/*!50003 SET @saved_col_connection = @@collation_connection */;\n"
        "/*!50003 SET character_set_client = {} */;\n"
        "/*!50003 SET character_set_results = {} */;\n"
        "/*!50003 SET collation_connection = {} */;\n",
        definition.character_set_client, definition.character_set_client, definition.collation_connection);
  }
  // A routine's parameters and variables without a charset took the database's when it was made.
  const bool switch_database = !definition.database_collation.empty() && !database_collation.empty() &&
                               definition.database_collation != database_collation;
  if (switch_database) {
    text += fmt::format("ALTER DATABASE COLLATE {};\n", definition.database_collation);
  }
  text += fmt::format("/*!50003 SET @saved_sql_mode = @@sql_mode */;\n/*!50003 SET sql_mode = {} */;\n",
                      sql::quote_string(definition.sql_mode));
  if (!definition.time_zone.empty()) {
    text += fmt::format("/*!50106 SET @saved_time_zone = @@time_zone */;\n/*!50106 SET time_zone = {} */;\n",
                        sql::quote_string(definition.time_zone));
  }
  if (!drop.empty()) {
    text += drop + ";\n";
  }
  // The delimiter on a line of its own, as mariadb-dump writes it: a body may end in a `#` or `-- `
  // comment (clients that keep comments store them), which would swallow a delimiter on its line.
  text += fmt::format("DELIMITER ;;\n{}\n;;\nDELIMITER ;\n", definition.text);
  if (!definition.time_zone.empty()) {
    text += "/*!50106 SET time_zone = @saved_time_zone */;\n";
  }
  text += "/*!50003 SET sql_mode = @saved_sql_mode */;\n";
  if (switch_database) {
    text += fmt::format("ALTER DATABASE COLLATE {};\n", database_collation);
  }
  if (charset) {
    text +=
        "/*!50003 SET character_set_client = @saved_cs_client */;\n"
        "/*!50003 SET character_set_results = @saved_cs_results */;\n"
        "/*!50003 SET collation_connection = @saved_col_connection */;\n";
  }
  out.write(text + "\n");
}

}  // namespace

std::map<std::string, std::vector<std::string>> trigger_names(db::Connection& connection, const std::string& database) {
  // Within one event and timing, creation order is firing order.
  auto result = connection.query(
      fmt::format("SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
                  "EVENT_OBJECT_SCHEMA = {} ORDER BY EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, "
                  "ACTION_ORDER",
                  sql::quote_string(database)));
  std::map<std::string, std::vector<std::string>> triggers;
  for (auto& row : result.rows) {
    if (row.size() >= 2 && row[0] && row[1]) {
      triggers[*row[0]].push_back(std::move(*row[1]));
    }
  }
  return triggers;
}

void write_triggers(db::Connection& connection, const std::string& database, const std::vector<std::string>& triggers,
                    const std::string& database_collation, DumpWriter& out) {
  for (const auto& trigger : triggers) {
    Definition definition = show_create(connection, "TRIGGER", database, trigger, "SQL Original Statement");
    definition.text = without_trigger_schema(std::move(definition.text), definition.sql_mode);
    write_body(out, definition, database_collation);
  }
}

void write_sequence(db::Connection& connection, const std::string& database, const std::string& sequence,
                    DumpWriter& out) {
  auto result = connection.query(fmt::format("SHOW CREATE SEQUENCE {}", qualified(database, sequence)));
  if (result.rows.empty() || result.rows[0].size() < 2 || !result.rows[0][1]) {
    throw Error(ErrorCode::server, tx("cannot read the definition of sequence {}.{}", database, sequence),
                tx("the sequence was dropped during the backup, or the account may not see it: run the backup "
                   "again ('ifnbackup doctor' checks the account's privileges)"));
  }
  const std::string create = *result.rows[0][1];
  auto state =
      connection.query(fmt::format("SELECT next_not_cached_value, cycle_count FROM {}", qualified(database, sequence)));
  const std::string name = sql::quote_identifier(sequence);
  out.write(fmt::format("--\n-- Sequence {}\n--\n\nDROP TABLE IF EXISTS {};\n{};\n", comment_identifier(sequence), name,
                        create));
  if (!state.rows.empty() && state.rows[0].size() >= 2 && state.rows[0][0]) {
    // The next value not yet handed out, and for a CYCLE sequence the round it is in: the restored
    // sequence continues where this one was (SETVAL's fourth argument sets the round).
    const std::string round = state.rows[0][1].value_or("0");
    out.write(round == "0" ? fmt::format("DO SETVAL({}, {}, 0);\n", name, *state.rows[0][0])
                           : fmt::format("DO SETVAL({}, {}, 0, {});\n", name, *state.rows[0][0], round));
  }
  out.write("\n");
}

void write_view_placeholder(db::Connection& connection, const std::string& database, const std::string& view,
                            DumpWriter& out) {
  auto columns = connection.query(
      fmt::format("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
                  "ORDER BY ORDINAL_POSITION",
                  sql::quote_string(database), sql::quote_string(view)));
  std::string select;
  for (const auto& row : columns.rows) {
    select += fmt::format("{}\n 1 AS {}", select.empty() ? "" : ",", sql::quote_identifier(row[0].value_or("")));
  }
  if (select.empty()) {
    select = " 1 AS `ifnbackup_placeholder`";
  }
  const std::string name = sql::quote_identifier(view);
  out.write(
      fmt::format("--\n-- Temporary view structure for view {}\n--\n\n"
                  "DROP TABLE IF EXISTS {};\n/*!50001 DROP VIEW IF EXISTS {}*/;\n"
                  "/*!50001 CREATE VIEW {} AS SELECT{} */;\n\n",
                  comment_identifier(view), name, name, name, select));
}

namespace {

void write_view(const std::string& view, const Definition& definition, DumpWriter& out) {
  const std::string name = sql::quote_identifier(view);
  std::string text = fmt::format("--\n-- Final view structure for view {}\n--\n\n/*!50001 DROP VIEW IF EXISTS {}*/;\n",
                                 comment_identifier(view), name);
  // A view's literals and comparisons take the character set and collation of the session that
  // made it.
  if (!definition.character_set_client.empty()) {
    text += fmt::format(
        "/*!50001 SET @saved_cs_client = @@character_set_client */;\n"
        "/*!50001 SET @saved_cs_results = @@character_set_results */;\n"
        "/*!50001 SET @saved_col_connection = @@collation_connection */;\n"
        "/*!50001 SET character_set_client = {} */;\n"
        "/*!50001 SET character_set_results = {} */;\n"
        "/*!50001 SET collation_connection = {} */;\n"
        "{};\n"
        "/*!50001 SET character_set_client = @saved_cs_client */;\n"
        "/*!50001 SET character_set_results = @saved_cs_results */;\n"
        "/*!50001 SET collation_connection = @saved_col_connection */;\n\n",
        definition.character_set_client, definition.character_set_client, definition.collation_connection,
        definition.text);
  } else {
    text += fmt::format("{};\n\n", definition.text);
  }
  out.write(text);
}

}  // namespace

void write_views(db::Connection& connection, const std::string& database, const std::vector<std::string>& views,
                 DumpWriter& out) {
  std::vector<Definition> definitions;
  for (const auto& view : views) {
    definitions.push_back(show_create(connection, "VIEW", database, view, "Create View"));
  }
  std::vector<std::string> texts;
  for (const auto& definition : definitions) {
    texts.push_back(definition.text);
  }
  for (const std::size_t i : dependency_order(views, texts)) {
    write_view(views[i], definitions[i], out);
  }
}

void write_routine(db::Connection& connection, const std::string& database, const std::string& name, RoutineKind kind,
                   const std::string& database_collation, DumpWriter& out) {
  const char* what = kind == RoutineKind::function    ? "FUNCTION"
                     : kind == RoutineKind::procedure ? "PROCEDURE"
                     : kind == RoutineKind::package   ? "PACKAGE"
                                                      : "PACKAGE BODY";
  const char* title = kind == RoutineKind::function    ? "Function"
                      : kind == RoutineKind::procedure ? "Procedure"
                      : kind == RoutineKind::package   ? "Package"
                                                       : "Package body";
  Definition definition = show_create(connection, what, database, name, fmt::format("Create {}", title));
  const std::string comment = stored_comment(
      connection, fmt::format("SELECT ROUTINE_COMMENT FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {} "
                              "AND ROUTINE_NAME = {} AND ROUTINE_TYPE = {}",
                              sql::quote_string(database), sql::quote_string(name), sql::quote_string(what)));
  definition.text =
      comment_for_mode(std::move(definition.text), definition.sql_mode, comment, fmt::format("{} {}", title, name));
  out.write(fmt::format("--\n-- {} {}\n--\n\n", title, comment_identifier(name)));
  write_body(out, definition, database_collation,
             fmt::format("/*!50003 DROP {} IF EXISTS {} */", what, sql::quote_identifier(name)));
}

void write_event(db::Connection& connection, const std::string& database, const std::string& name,
                 const std::string& database_collation, DumpWriter& out) {
  Definition definition = show_create(connection, "EVENT", database, name, "Create Event");
  const std::string comment = stored_comment(
      connection, fmt::format("SELECT EVENT_COMMENT FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {} "
                              "AND EVENT_NAME = {}",
                              sql::quote_string(database), sql::quote_string(name)));
  definition.text =
      comment_for_mode(std::move(definition.text), definition.sql_mode, comment, fmt::format("event {}", name));
  out.write(fmt::format("--\n-- Event {}\n--\n\n/*!50106 DROP EVENT IF EXISTS {} */;\n", comment_identifier(name),
                        sql::quote_identifier(name)));
  write_body(out, definition, database_collation);
}

}  // namespace ifnbackup::backup
