#pragma once
// The database a restore writes into: does it exist, its collation, its tables, its creation with the
// backup's.
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::restore {

inline constexpr unsigned k_database_exists = 1007;  // ER_DB_CREATE_EXISTS

bool database_exists(db::Connection& server, const std::string& database);

// Those of `tables` that are tables of `database` now (base or system-versioned, as the dumper
// sees them), in the order given. A name that is a view or a sequence there is refused
// (Error(usage)): the load's DROP TABLE would remove a sequence, and neither can be snapshotted as
// a table.
std::vector<std::string> existing_tables(db::Connection& server, const std::string& database,
                                         const std::vector<std::string>& tables);

// Drops those of `tables` that are tables of `database` now (existing_tables), in one statement under
// foreign_key_checks=0 (the session's own value back after): what each one's DROP TABLE IF EXISTS in the
// file does, done before the load starts. restore --tables drops them all first so that no table of
// the load is dropped beside another's CREATE, ALTER or DROP (MariaDB 10.11 refuses a parent's DROP
// with error 1205 while a table referencing it is dropped or created on another connection).
void drop_tables(db::Connection& server, const std::string& database, const std::vector<std::string>& tables);

// The header's "database-collation" when it is a plain name (letters, digits, underscores), else "".
std::string plain_collation(const VerifyResult& verification);

// The database's default collation now, "" when it does not exist or is not visible.
std::string collation_of(db::Connection& server, const std::string& database);

// What `database` holds now, as information_schema.TABLES says (base tables only; of `tables` only
// when given): shown in the plan. Reading it is all it does.
RestorePlan::TargetNow what_it_holds(db::Connection& server, const std::string& database,
                                     const std::vector<std::string>& tables);

// CREATE DATABASE [IF NOT EXISTS] with `collation` (empty: the server's default); a server that does
// not know that collation gets its default, with a warning. The server's answer, never thrown.
db::Connection::StatementResult try_create_database(db::Connection& server, const std::string& database,
                                                    const std::string& collation, bool if_not_exists);
// The same, Error(server) when the server refuses.
void create_database(db::Connection& server, const std::string& database, const std::string& collation,
                     bool if_not_exists);

// Empties an existing target by dropping and re-creating it with its own definition; one that does
// not exist is created with `collation`.
void recreate_database(db::Connection& server, const std::string& database, const std::string& collation);

}  // namespace ifnbackup::restore
