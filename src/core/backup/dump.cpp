#include "backup/dump.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "sql/text.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup::backup {

namespace {

// information_schema.TABLES DATA_LENGTH or TABLE_ROWS, a decimal count; nullopt for anything else.
std::optional<std::uint64_t> parse_estimate(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> names_of(db::Connection& connection, const std::string& sql) {
  std::vector<std::string> names;
  for (auto& row : connection.query(sql).rows) {
    if (!row.empty() && row[0]) {
      names.push_back(std::move(*row[0]));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// mysqldump's header: the loader's session is set for a faithful, fast load and put back after.
constexpr std::string_view k_session_header =
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
    "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n"
    "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
    "/*!40103 SET TIME_ZONE='+00:00' */;\n"
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
    "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
    "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n";

constexpr std::string_view k_session_footer =
    "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
    "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
    "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
    "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
    "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
    "/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n"
    "/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n"
    "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n";

void write_header(db::Connection& connection, const DumpSettings& settings, const SnapshotInfo& snapshot,
                  const DatabaseDefaults& defaults, DumpWriter& out) {
  // A file of some tables only says so: restoring it replaces those tables, never the database.
  std::string scope = settings.only_tables.empty() ? "" : "-- ifnbackup-scope: tables\n";
  // The database's defaults: a restore creating the database gives it these (tables and routines
  // declared without a character set take the database's).
  if (!defaults.charset.empty() && !defaults.collation.empty()) {
    scope += fmt::format("-- ifnbackup-database-charset: {}\n-- ifnbackup-database-collation: {}\n", defaults.charset,
                         defaults.collation);
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  out.write(fmt::format(
      "-- ifnbackup {} dump of database {}\n"
      "-- ifnbackup-format: 5\n"
      "{}"
      "-- ifnbackup-server: {}\n"
      "-- ifnbackup-started: {:%Y-%m-%dT%H:%M:%SZ}\n"
      "-- ifnbackup-snapshot: {}\n"
      "{}"
      "-- Restore with: ifnbackup restore FILE (or: gunzip -c FILE | mariadb DATABASE)\n\n",
      settings.tool_version, comment_identifier(settings.database), format_database_header_line(settings.database),
      connection.server().version, now, snapshot.describe(), scope));
  out.write(k_session_header);
}

}  // namespace

DatabaseDefaults database_defaults(db::Connection& connection, const std::string& database) {
  auto result = connection.query(
      fmt::format("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                  "WHERE SCHEMA_NAME = {}",
                  sql::quote_string(database)));
  DatabaseDefaults defaults;
  if (!result.rows.empty() && result.rows[0].size() >= 2 && result.rows[0][0] && result.rows[0][1] &&
      sql::is_plain_name(*result.rows[0][0]) && sql::is_plain_name(*result.rows[0][1])) {
    defaults.charset = *result.rows[0][0];
    defaults.collation = *result.rows[0][1];
  }
  return defaults;
}

DatabaseObjects list_objects(db::Connection& connection, const std::string& database) {
  DatabaseObjects objects;
  const std::string schema = sql::quote_string(database);
  auto tables = connection.query(
      fmt::format("SELECT TABLE_NAME, TABLE_TYPE, ENGINE, DATA_LENGTH, TABLE_ROWS FROM information_schema.TABLES "
                  "WHERE TABLE_SCHEMA = {}",
                  schema));
  for (auto& row : tables.rows) {
    if (row.size() < 2 || !row[0] || !row[1]) {
      continue;
    }
    TableObject object{std::move(*row[0]), TableKind::table};
    if (*row[1] == "VIEW") {
      object.kind = TableKind::view;
    } else if (*row[1] == "SEQUENCE") {
      object.kind = TableKind::sequence;
    } else if (*row[1] == "TEMPORARY") {
      continue;
    }
    object.merge = row.size() > 2 && row[2] && (*row[2] == "MRG_MyISAM" || *row[2] == "MRG_MYISAM");
    object.innodb = row.size() > 2 && row[2] && *row[2] == "InnoDB";
    if (row.size() > 4 && row[3] && row[4]) {
      object.estimated_bytes = parse_estimate(*row[3]);
      object.estimated_rows = parse_estimate(*row[4]);
    }
    objects.tables.push_back(std::move(object));
  }
  std::sort(objects.tables.begin(), objects.tables.end(),
            [](const TableObject& a, const TableObject& b) { return a.name < b.name; });
  if (connection.server().is_tidb) {
    return objects;  // TiDB has no routines, events or triggers
  }
  objects.procedures = names_of(connection, fmt::format("SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                                        "WHERE ROUTINE_SCHEMA = {} AND ROUTINE_TYPE = 'PROCEDURE'",
                                                        schema));
  objects.functions = names_of(connection, fmt::format("SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                                       "WHERE ROUTINE_SCHEMA = {} AND ROUTINE_TYPE = 'FUNCTION'",
                                                       schema));
  objects.packages = names_of(connection, fmt::format("SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                                      "WHERE ROUTINE_SCHEMA = {} AND ROUTINE_TYPE = 'PACKAGE'",
                                                      schema));
  objects.package_bodies =
      names_of(connection, fmt::format("SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                                       "WHERE ROUTINE_SCHEMA = {} AND ROUTINE_TYPE = 'PACKAGE BODY'",
                                       schema));
  objects.events = names_of(
      connection, fmt::format("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {}", schema));
  return objects;
}

bool small_for_keys_in_create(const TableObject& table, std::size_t keys_in_create_bytes) {
  return table.estimated_bytes && table.estimated_rows && *table.estimated_bytes < keys_in_create_bytes &&
         *table.estimated_rows < keys_in_create_bytes / k_measured_row_bytes;
}

DumpSummary dump_database(db::Connection& connection, const DumpSettings& settings, DumpWriter& out) {
  DumpSummary summary;
  summary.snapshot = start_snapshot(connection);
  spdlog::debug("snapshot: {}", summary.snapshot.describe());
  DatabaseObjects objects = list_objects(connection, settings.database);
  if (!settings.only_tables.empty()) {
    // Some base tables only (and their triggers): no sequence, view, event or routine.
    const std::set<std::string> wanted(settings.only_tables.begin(), settings.only_tables.end());
    std::erase_if(objects.tables, [&wanted](const TableObject& object) {
      return object.kind != TableKind::table || !wanted.contains(object.name);
    });
    if (objects.tables.size() != wanted.size()) {
      std::string missing;
      for (const auto& name : wanted) {
        const bool found = std::any_of(objects.tables.begin(), objects.tables.end(),
                                       [&name](const TableObject& object) { return object.name == name; });
        missing += found ? "" : (missing.empty() ? "" : ", ") + sql::quote_identifier(name);
      }
      throw Error(ErrorCode::not_found,
                  tx("{} of the {} tables to dump are not base tables of '{}': {}",
                     wanted.size() - objects.tables.size(), wanted.size(), settings.database, missing),
                  tx("check the table names (SHOW FULL TABLES lists the base tables; a view is not dumped alone)"));
    }
    objects.procedures.clear();
    objects.functions.clear();
    objects.packages.clear();
    objects.package_bodies.clear();
    objects.events.clear();
  }
  const DatabaseDefaults defaults = database_defaults(connection, settings.database);
  write_header(connection, settings, summary.snapshot, defaults, out);

  // Sequences first: a table's DEFAULT NEXTVAL(seq) needs the sequence to exist at CREATE TABLE.
  for (const auto& object : objects.tables) {
    if (object.kind == TableKind::sequence) {
      write_sequence(connection, settings.database, object.name, out);
    }
  }
  // Then tables, each followed by its rows, its deferred secondary indexes and foreign keys (a big
  // table's, or one with a foreign key: a small one has its keys in its CREATE TABLE), and then its
  // triggers (so they don't fire on load).
  const auto referenced = referenced_columns(connection, settings.database);
  // Columns and triggers of every table in one query each, read inside the snapshot's transaction:
  // a table altered since makes its SELECT fail with 1412 and the backup start again (run_backup).
  const auto columns = proof::database_columns(connection, settings.database);
  const auto triggers = trigger_names(connection, settings.database);
  const std::vector<std::string> no_triggers;
  const std::set<std::string> none;
  for (const auto& object : objects.tables) {
    if (object.kind != TableKind::table || object.merge) {
      continue;
    }
    util::check_interrupted();
    out.begin_table(object.name);
    const auto parent = referenced.find(object.name);
    // The estimate only chooses where the keys go: a stale one costs load time, never content.
    const bool small = small_for_keys_in_create(object, settings.keys_in_create_bytes);
    const WrittenTable written = write_create_table(connection, settings.database, object.name,
                                                    parent == referenced.end() ? none : parent->second, small, out);
    proof::RowDigest digest;
    const auto table_columns = columns.find(object.name);
    const auto rows = write_table_rows(connection, settings.database, object.name,
                                       table_columns != columns.end()
                                           ? table_columns->second
                                           : proof::table_columns(connection, settings.database, object.name),
                                       settings.max_insert_bytes, !written.partitioned && !object.innodb, out, digest);
    write_deferred_keys(written.add_keys, out);
    const auto table_triggers = triggers.find(object.name);
    write_triggers(connection, settings.database,
                   table_triggers != triggers.end() ? table_triggers->second : no_triggers, defaults.collation, out);
    out.end_table(rows);
    // A small table's digest is left to the reader, who computes it from the rows' text in the file.
    summary.tables.push_back(TableCount{object.name, rows, digest.computed_by_reader() ? std::string() : digest.hex()});
    summary.rows += rows;
    spdlog::debug("table {}: {} rows", object.name, rows);
  }
  // Views may use views: a placeholder for each first, the real definitions last (after routines).
  out.begin_objects();
  for (const auto& object : objects.tables) {
    if (object.kind == TableKind::table && object.merge) {
      write_merge_table(connection, settings.database, object.name, out);
      const auto table_triggers = triggers.find(object.name);
      write_triggers(connection, settings.database,
                     table_triggers != triggers.end() ? table_triggers->second : no_triggers, defaults.collation, out);
    }
  }
  for (const auto& object : objects.tables) {
    if (object.kind == TableKind::view) {
      write_view_placeholder(connection, settings.database, object.name, out);
    }
  }
  for (const auto& name : objects.events) {
    write_event(connection, settings.database, name, defaults.collation, out);
  }
  // mariadb-dump's order: functions, procedures, packages, package bodies.
  for (const auto& name : objects.functions) {
    write_routine(connection, settings.database, name, RoutineKind::function, defaults.collation, out);
  }
  for (const auto& name : objects.procedures) {
    write_routine(connection, settings.database, name, RoutineKind::procedure, defaults.collation, out);
  }
  for (const auto& name : objects.packages) {
    write_routine(connection, settings.database, name, RoutineKind::package, defaults.collation, out);
  }
  for (const auto& name : objects.package_bodies) {
    write_routine(connection, settings.database, name, RoutineKind::package_body, defaults.collation, out);
  }
  std::vector<std::string> views;
  for (const auto& object : objects.tables) {
    if (object.kind == TableKind::view) {
      views.push_back(object.name);
    }
  }
  write_views(connection, settings.database, views, out);
  out.write(k_session_footer);
  // Reading is over: end the snapshot's transaction (it only read).
  connection.execute("ROLLBACK");
  return summary;
}

}  // namespace ifnbackup::backup
