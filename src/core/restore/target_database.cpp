// The database a restore writes into: does it exist, its collation, its creation with the backup's.
#include "restore/target_database.hpp"

#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

bool database_exists(db::Connection& server, const std::string& database) {
  return server
             .query_value(fmt::format("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                                      sql::quote_string(database)))
             .value_or("0") != "0";
}

std::vector<std::string> existing_tables(db::Connection& server, const std::string& database,
                                         const std::vector<std::string>& tables) {
  std::map<std::string, std::string> types;
  for (auto& row : server
                       .query(fmt::format("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                                          "WHERE TABLE_SCHEMA = {}",
                                          sql::quote_string(database)))
                       .rows) {
    if (row.size() >= 2 && row[0] && row[1]) {
      types[std::move(*row[0])] = std::move(*row[1]);
    }
  }
  std::vector<std::string> found;
  for (const auto& table : tables) {
    const auto type = types.find(table);
    if (type == types.end() || type->second == "TEMPORARY") {
      continue;
    }
    if (type->second == "VIEW" || type->second == "SEQUENCE") {
      throw Error(ErrorCode::usage,
                  tx("'{}' is a {} in database '{}': --tables replaces tables only; nothing was changed", table,
                     type->second, database),
                  tx("drop or rename it first, or restore into another database with --into"));
    }
    found.push_back(table);
  }
  return found;
}

// A collation name from a file's header: letters, digits and underscores, or nothing.
std::string plain_collation(const VerifyResult& verification) {
  const auto found = verification.header.find("database-collation");
  if (found == verification.header.end()) {
    return {};
  }
  return sql::is_plain_name(found->second) ? found->second : std::string();
}

std::string collation_of(db::Connection& server, const std::string& database) {
  return server
      .query_value("SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                   sql::quote_string(database))
      .value_or("");
}

RestorePlan::TargetNow what_it_holds(db::Connection& server, const std::string& database,
                                     const std::vector<std::string>& tables) {
  std::string query = fmt::format(
      "SELECT COUNT(*), COALESCE(SUM(TABLE_ROWS), 0), COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0), "
      "DATE_FORMAT(GREATEST(COALESCE(MAX(UPDATE_TIME), MAX(CREATE_TIME)), COALESCE(MAX(CREATE_TIME), "
      "MAX(UPDATE_TIME))), '%Y-%m-%d %H:%i:%s') FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND "
      "TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
      sql::quote_string(database));
  if (!tables.empty()) {
    std::string names;
    for (const auto& table : tables) {
      names += (names.empty() ? "" : ", ") + sql::quote_string(table);
    }
    query += fmt::format(" AND TABLE_NAME IN ({})", names);
  }
  RestorePlan::TargetNow now;
  const auto result = server.query(query);
  if (!result.rows.empty() && result.rows[0].size() >= 4) {
    const auto& row = result.rows[0];
    now.tables = std::stoull(row[0].value_or("0"));
    now.estimated_rows = std::stoull(row[1].value_or("0"));
    now.bytes = std::stoull(row[2].value_or("0"));
    now.newest_change = row[3].value_or("");
  }
  return now;
}

// Creates a database that does not exist with the backup's collation (and so its character set);
// a server that does not know that collation (another version or product) gets its default, said.
void create_database(db::Connection& server, const std::string& database, const std::string& collation,
                     bool if_not_exists) {
  const auto created = try_create_database(server, database, collation, if_not_exists);
  if (!created.ok) {
    throw Error(ErrorCode::server,
                tx("cannot create database '{}': error {}: {}", database, created.error_number, created.error),
                tx("grant the account CREATE on it, or create the database first"));
  }
}

db::Connection::StatementResult try_create_database(db::Connection& server, const std::string& database,
                                                    const std::string& collation, bool if_not_exists) {
  const std::string create =
      fmt::format("CREATE DATABASE {}{}", if_not_exists ? "IF NOT EXISTS " : "", sql::quote_identifier(database));
  if (!collation.empty()) {
    auto created = server.run_statement(fmt::format("{} COLLATE {}", create, collation));
    if (created.ok || created.error_number == k_database_exists) {
      return created;
    }
    log_warn(
        "cannot create '{}' with the backup's collation {} (error {}: {}): created with the server's "
        "default",
        database, collation, created.error_number, created.error);
  }
  return server.run_statement(create);
}

// Empties the target by dropping and re-creating it with its own definition (character set,
// collation): objects that exist now but not in the backup cannot survive the load. A target that
// does not exist is created with the backup's collation.
void drop_tables(db::Connection& server, const std::string& database, const std::vector<std::string>& tables) {
  const auto found = existing_tables(server, database, tables);
  if (found.empty()) {
    return;
  }
  std::string drop = "DROP TABLE IF EXISTS ";
  for (std::size_t i = 0; i < found.size(); ++i) {
    drop.append(i == 0 ? "" : ", ")
        .append(sql::quote_identifier(database))
        .append(".")
        .append(sql::quote_identifier(found[i]));
  }
  server.execute("SET @ifnbackup_foreign_key_checks = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0");
  server.execute(drop);
  server.execute("SET SESSION foreign_key_checks = @ifnbackup_foreign_key_checks");
}

void recreate_database(db::Connection& server, const std::string& database, const std::string& collation) {
  const std::string name = sql::quote_identifier(database);
  if (!database_exists(server, database)) {
    create_database(server, database, collation, false);
    return;
  }
  std::string create = fmt::format("CREATE DATABASE {}", name);
  auto definition = server.query(fmt::format("SHOW CREATE DATABASE {}", name));
  if (!definition.rows.empty() && definition.rows[0].size() >= 2 && definition.rows[0][1]) {
    create = *definition.rows[0][1];
  }
  server.execute(fmt::format("DROP DATABASE {}", name));
  server.execute(create);
}

}  // namespace ifnbackup::restore
