#pragma once
// The dumper: one consistent snapshot of one database written as mysqldump-compatible SQL.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backup/dump_writer.hpp"
#include "db/connection.hpp"
#include "ifnbackup/manifest.hpp"
#include "ifnbackup/options.hpp"
#include "proof/row_digest.hpp"
#include "proof/table_reading.hpp"

namespace ifnbackup::backup {

// Where the snapshot stands in the server's history (for point-in-time recovery).
struct SnapshotInfo {
  std::string binlog_file;
  std::string binlog_position;
  std::string gtid_position;
  std::string tidb_tso;
  std::string describe() const;  // "binlog=mysql-bin.000003:1234 gtid=0-1-42", or "none"
};

// Sets the session up (utf8mb4, UTC, empty sql_mode) and opens one consistent snapshot.
SnapshotInfo start_snapshot(db::Connection& connection);

enum class TableKind { table, view, sequence };

struct TableObject {
  std::string name;
  TableKind kind = TableKind::table;
  // MERGE (MRG_MyISAM): its rows belong to the tables it unites, dumped with those; only its
  // definition is written, after every table (mariadb-dump skips MERGE data too).
  bool merge = false;
  // InnoDB ignores ALTER TABLE ... DISABLE KEYS: its rows go without the pair (issue 20: two
  // lines per table that a file of many small tables pays for in size).
  bool innodb = false;
  // The server's estimates of its size (information_schema.TABLES DATA_LENGTH, from the last statistics,
  // and TABLE_ROWS, which InnoDB also counts between them: a table just loaded has the DATA_LENGTH of
  // an empty one but its rows counted); nullopt when the server gives none. They only choose where its
  // keys go (small_for_keys_in_create): a wrong estimate costs load time, never content.
  std::optional<std::uint64_t> estimated_bytes{};
  std::optional<std::uint64_t> estimated_rows{};
};

// The restore's measured break-even (k_keys_in_create_bytes) was on rows of about 64 bytes of INSERT:
// a table counting more rows than threshold / 64 is not small whatever its DATA_LENGTH says.
inline constexpr std::uint64_t k_measured_row_bytes = 64;
bool small_for_keys_in_create(const TableObject& table, std::size_t keys_in_create_bytes);

enum class RoutineKind { function, procedure, package, package_body };

struct DatabaseObjects {
  std::vector<TableObject> tables;  // tables, views and sequences, in byte order of name
  std::vector<std::string> procedures;
  std::vector<std::string> functions;
  std::vector<std::string> packages;        // CREATE PACKAGE (sql_mode=ORACLE)
  std::vector<std::string> package_bodies;  // CREATE PACKAGE BODY
  std::vector<std::string> events;
};

// The database's default character set and collation (information_schema.SCHEMATA).
struct DatabaseDefaults {
  std::string charset;
  std::string collation;
};
DatabaseDefaults database_defaults(db::Connection& connection, const std::string& database);

DatabaseObjects list_objects(db::Connection& connection, const std::string& database);

struct DumpSettings {
  std::string database;
  std::size_t max_insert_bytes = 1024 * 1024;
  std::string tool_version;
  std::vector<std::string> only_tables;  // empty: every object of the database
  // A table estimated below this (TableObject::estimated_bytes) keeps its keys in its CREATE TABLE
  // unless it has a foreign key (BackupOptions::keys_in_create_bytes); 0: every table defers them.
  std::size_t keys_in_create_bytes = k_keys_in_create_bytes;
};

struct DumpSummary {
  SnapshotInfo snapshot;
  std::vector<TableCount> tables;  // base tables and their row counts
  std::uint64_t rows = 0;
};

// Writes the whole database; the caller finishes the writer (manifest, checksum, marker).
DumpSummary dump_database(db::Connection& connection, const DumpSettings& settings, DumpWriter& out);

// Pieces of dump_database, one file each.
// Columns that foreign keys of this database's tables reference in it, by table (their keys are
// never deferred: a child's constraint may be added before the parent's ALTER runs). TABLE_SCHEMA in
// the filter: the server then opens this database's tables only, not every table of every database.
// A foreign key from another database is not seen (with FOREIGN_KEY_CHECKS=0 the load does not need
// the key, added back after the rows anyway).
std::map<std::string, std::set<std::string>> referenced_columns(db::Connection& connection,
                                                                const std::string& database);
struct WrittenTable {
  std::string add_keys;      // the ALTER TABLE adding the keys and foreign keys deferred after the rows
  bool partitioned = false;  // its rows go without DISABLE/ENABLE KEYS (see write_table_rows)
};
// Writes the definition: its secondary keys and foreign keys deferred after the rows
// (deferred_keys.hpp), or, when `small` and it has no foreign key, whole as SHOW CREATE TABLE gives it
// (one DDL for the loader; an ALTER TABLE naming a constraint that cannot be added says more than a
// CREATE TABLE failing with errno 150, so a table with a foreign key keeps its ALTER).
WrittenTable write_create_table(db::Connection& connection, const std::string& database, const std::string& table,
                                const std::set<std::string>& referenced, bool small, DumpWriter& out);
void write_deferred_keys(const std::string& add_keys, DumpWriter& out);
// Writes the rows as extended INSERTs and adds each row's text to `digest` (proof/row_digest).
// Between DISABLE KEYS and ENABLE KEYS, as mysqldump does, unless `keys_toggle` is false: on a
// partitioned table ENABLE KEYS reopens the partitions and re-reads the AUTO_INCREMENT counter, so a
// counter exhausted at the column's maximum (as the source has it) came back at that maximum; InnoDB
// ignores the pair (TableObject::innodb).
// `columns`: the table's (proof::database_columns).
std::uint64_t write_table_rows(db::Connection& connection, const std::string& database, const std::string& table,
                               const proof::TableColumns& columns, std::size_t max_insert_bytes, bool keys_toggle,
                               DumpWriter& out, proof::RowDigest& digest);
// The triggers of every table of `database`, by table, each table's in firing order (one query
// for all: a database of many tables would pay a round trip per table).
std::map<std::string, std::vector<std::string>> trigger_names(db::Connection& connection, const std::string& database);
// `database_collation`: the database's own, to tell a trigger, routine or event made under another.
void write_triggers(db::Connection& connection, const std::string& database, const std::vector<std::string>& triggers,
                    const std::string& database_collation, DumpWriter& out);
void write_sequence(db::Connection& connection, const std::string& database, const std::string& sequence,
                    DumpWriter& out);
void write_view_placeholder(db::Connection& connection, const std::string& database, const std::string& view,
                            DumpWriter& out);
// The real views, each after the views it reads.
void write_views(db::Connection& connection, const std::string& database, const std::vector<std::string>& views,
                 DumpWriter& out);
void write_routine(db::Connection& connection, const std::string& database, const std::string& name, RoutineKind kind,
                   const std::string& database_collation, DumpWriter& out);
void write_event(db::Connection& connection, const std::string& database, const std::string& name,
                 const std::string& database_collation, DumpWriter& out);
// A MERGE table's definition only (TableObject::merge).
void write_merge_table(db::Connection& connection, const std::string& database, const std::string& table,
                       DumpWriter& out);

// SHOW CREATE TABLE text without `database`. in sequence defaults (nextval(`db`.`seq`)).
std::string strip_own_database(std::string create, const std::string& database);

}  // namespace ifnbackup::backup
