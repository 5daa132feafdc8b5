// The restore, in the order that keeps the operator's data safe: nothing is touched before the
// file is verified, the plan confirmed and the safety snapshot written.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "backup/dump.hpp"
#include "db/connection.hpp"
#include "db/database_lock.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/signing.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "restore/content_proof.hpp"
#include "restore/file_checks.hpp"
#include "restore/script_loader.hpp"
#include "restore/table_sections.hpp"
#include "restore/target_database.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

namespace {

using restore::check_table_choice;
using restore::file_identity;
using restore::PinnedFile;
using restore::refuse_file;
using restore::refuse_untrusted;
using restore::throw_if_not_as_dumped;
using restore::collation_of;
using restore::create_database;
using restore::database_exists;
using restore::plain_collation;
using restore::recreate_database;

// Those of `tables` that are tables of `database` now (base or system-versioned, as the dumper
// sees them), in the order given. A name that is a view or a sequence there is refused: the load's
// DROP TABLE would remove a sequence, and neither can be snapshotted as a table.
std::vector<std::string> existing_tables(db::Connection& server, const std::string& database,
                                         const std::vector<std::string>& tables) {
  std::map<std::string, std::string> types;
  for (auto& row : server
                       .query(fmt::format("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                                          "WHERE TABLE_SCHEMA = {}",
                                          backup::sql_literal(database)))
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
                  fmt::format("'{}' is a {} in database '{}': --tables replaces tables only; nothing was changed",
                              table, type->second, database),
                  "drop or rename it first, or restore into another database with --into");
    }
    found.push_back(table);
  }
  return found;
}

ConnectionOptions for_database(ConnectionOptions connection, const std::string& database) {
  connection.database = database;
  return connection;
}

constexpr std::string_view k_no_binlog = "SET SESSION sql_log_bin = 0";

// A connection for the restore's writes; with no_binlog they stay out of the binary log (the
// session only: nothing to put back).
std::unique_ptr<db::Connection> open_writer(const ConnectionOptions& connection, bool select_database,
                                            bool no_binlog) {
  auto opened = db::Connection::open(connection, select_database);
  if (no_binlog) {
    opened->execute(k_no_binlog);
  }
  // The main connection waits while the workers load a big table, and they wait while it builds
  // indexes: the server must not close an idle one (wait_timeout is often minutes behind proxies).
  opened->execute("SET SESSION wait_timeout = 31536000");
  return opened;
}

// Loads `file` into `database`, dropped and re-created first (or, for --tables, created if
// missing). Every connection is opened before anything is dropped, so a server that refuses
// more of them costs speed (fewer workers), never a roll-back.
restore::LoadStats load_into(const ConnectionOptions& connection, const std::string& database,
                             const std::filesystem::path& file, restore::LoadSettings settings, bool no_binlog,
                             unsigned workers, const std::string& collation) {
  auto target = open_writer(connection, false, no_binlog);
  std::vector<std::unique_ptr<db::Connection>> extra;
  for (unsigned i = 0; i < workers; ++i) {
    try {
      extra.push_back(open_writer(connection, false, no_binlog));
    } catch (const Error& error) {
      spdlog::warn("the server refused another connection ({}): rows load on {}", error.what(),
                   extra.empty() ? std::string("the main one") : std::to_string(extra.size()));
      break;
    }
  }
  if (settings.only_tables) {
    // Some tables only: the others stay.
    create_database(*target, database, collation, true);
  } else {
    recreate_database(*target, database, collation);
  }
  const std::string use = fmt::format("USE {}", db::quote_identifier(database));
  target->execute(use);
  // A statement the server would refuse as too large is refused before it is held whole: memory
  // stays bounded by the server's own limit, not by the file (an unterminated quote in a 1 MB gzip
  // can inflate to gigabytes).
  if (const auto packet = target->query_value("SELECT @@max_allowed_packet")) {
    try {
      settings.max_statement_bytes = std::min<std::size_t>(settings.max_statement_bytes, std::stoull(*packet));
    } catch (const std::exception&) {
      // keep the client's own limit
    }
  }
  settings.workers.clear();
  for (auto& worker : extra) {
    worker->execute(use);
    settings.workers.push_back(worker.get());
  }
  if (!settings.interruptible) {
    return restore::load_script(*target, file, settings);
  }
  // SIGINT/SIGTERM make every connection's blocked call fail at once (a worker may wait on a lock).
  util::InterruptWatcher watcher([&target, &extra] {
    target->cancel();
    for (auto& worker : extra) {
      worker->cancel();
    }
  });
  return restore::load_script(*target, file, settings);
}

}  // namespace

RestoreResult run_restore(const RestoreOptions& options, const RestoreCallbacks& callbacks) {
  const auto started = std::chrono::steady_clock::now();
  util::install_interrupt_handlers();
  RestorePlan plan;
  plan.into = !options.into.empty();
  plan.target_database = plan.into ? options.into : options.connection.database;
  if (plan.target_database.empty()) {
    throw Error(ErrorCode::usage, "no database to restore into", "give --database (or --into DB)");
  }
  if (const std::size_t length = db::identifier_length(plan.target_database);
      length > db::k_max_identifier_length) {
    throw Error(
        ErrorCode::usage,
        printable(fmt::format("cannot restore into '{}': {} characters, a database name holds at most {}; "
                              "nothing was changed",
                              plan.target_database, length, db::k_max_identifier_length)),
        "name a shorter database with --into");
  }

  // 1-2. The file, verified in full before anything else.
  // "latest" is the newest backup of the configured database, also when restoring it --into another.
  plan.file =
      resolve_backup_file(options.file, options.backup_dir, options.prefix, options.connection.database);
  spdlog::info("verifying {}", plan.file.string());
  const auto verified_identity = file_identity(plan.file);
  // One open file from the verification to the load: what is loaded is the file that was
  // verified, even if its name is replaced meanwhile (its content is hashed again as it loads).
  const PinnedFile pinned(plan.file);
  // --tables with a section index: only the prologue and those tables are read and checked.
  std::optional<restore::TableSections> partial;
  if (!options.tables.empty()) {
    partial = restore::verify_table_sections(pinned.path(), options.tables);
  }
  if (partial) {
    plan.verification = std::move(partial->verification);
    plan.sections = std::move(partial->ranges);
    if (plan.verification.ok()) {
      spdlog::info("section index: read and checked {} of {} compressed bytes (the prologue and the chosen tables)",
                   plan.verification.compressed_checked, plan.verification.compressed_bytes);
    }
  } else {
    plan.verification = verify_backup_file(pinned.path(), {}, options.threads);
  }
  plan.verification.path = plan.file;
  plan.source_database = header_database(plan.verification.header);
  if (!plan.verification.ok()) {
    refuse_file(plan.verification);
  }
  // A mysqldump file may hold what a backup of one database should not: shown, and run only when
  // the operator says so.
  if (plan.verification.foreign_statements > 0 && !options.allow_foreign_statements) {
    throw Error(ErrorCode::foreign_statement,
                fmt::format("{} holds {} statement{} outside what a backup of one database may hold, first at {}; "
                            "nothing was restored",
                            plan.file.string(), plan.verification.foreign_statements,
                            plan.verification.foreign_statements == 1 ? "" : "s",
                            plan.verification.first_foreign_statement),
                "read the file; if you trust what it does, --allow-foreign-statements runs it");
  }
  // Who made it, before anything is touched: an unsigned or foreign file of ours needs --trust-unsigned.
  {
    const Keyring keys = Keyring::load(options.signing);
    keys.judge(plan.verification);
    plan.trust_unsigned = options.trust_unsigned;
    refuse_untrusted(plan.verification, keys, options.trust_unsigned);
  }

  // A file of some tables only (the safety snapshot of a --tables restore) replaces those tables,
  // never the whole database, even without --tables.
  const auto scope = plan.verification.header.find("scope");
  plan.some_tables_file = scope != plan.verification.header.end() && scope->second == "tables";
  plan.tables = options.tables;
  if (plan.tables.empty() && plan.some_tables_file) {
    for (const auto& table : plan.verification.tables) {
      plan.tables.push_back(table.name);
    }
    if (plan.tables.empty()) {
      throw Error(ErrorCode::usage, fmt::format("{} holds some tables of a database, and none here; nothing to do",
                                                plan.file.string()));
    }
  }
  // --tables: names the backup holds, in a file whose manifest says so; refused before anything.
  if (!plan.tables.empty()) {
    check_table_choice(plan.verification, plan.tables);
  }

  // 3. The plan, and the operator's answer.
  {
    auto server = db::Connection::open(options.connection, false);
    plan.server = fmt::format("{} ({})", server->description(), server->server().version);
    plan.target_exists = database_exists(*server, plan.target_database);
    plan.database_collation = plain_collation(plan.verification);
    if (plan.target_exists) {
      plan.target_collation = collation_of(*server, plan.target_database);
    }
    if (plan.target_exists && !plan.tables.empty()) {
      existing_tables(*server, plan.target_database, plan.tables);  // refuses views and sequences now
    }
    // Asked now, before the question: an account that may not do it learns so with nothing changed.
    plan.no_binlog = options.no_binlog;
    if (options.no_binlog) {
      try {
        server->execute(k_no_binlog);
      } catch (const Error& error) {
        throw Error(ErrorCode::server,
                    fmt::format("--no-binlog: this account may not turn binary logging off ({}); nothing was changed",
                                error.what()),
                    "leave out --no-binlog, or grant the account BINLOG ADMIN (MariaDB) or SUPER");
      }
    }
  }
  if (!callbacks.confirm || !callbacks.confirm(plan)) {
    throw Error(ErrorCode::aborted, "restore aborted: not confirmed; nothing was changed",
                "type OUI (in capitals) at the question, or give --yes in scripts");
  }
  util::check_interrupted();

  // 4. The safety snapshot, under the folder's lock so no backup or rotation runs meanwhile.
  io::ensure_private_folder(options.backup_dir);
  std::optional<io::FolderLock> lock;
  if (options.lock_backup_folder || plan.target_exists) {
    lock.emplace(options.backup_dir);
  }
  // The folder lock does not see a restore of the same database from another folder.
  const db::DatabaseLock database_lock(options.connection, plan.target_database);
  // The lock was not held while the operator read the plan: a rotation may have removed or
  // replaced the file meanwhile. Check before anything is dropped. (Unlocked, a drill loads the
  // file it holds open, whatever a rotation does to its name.)
  if (lock && file_identity(plan.file) != verified_identity) {
    throw Error(ErrorCode::not_found,
                fmt::format("{} was removed or changed while waiting for the confirmation; nothing was restored",
                            plan.file.string()),
                "run the restore again (ifnbackup list shows the backups)");
  }
  RestoreResult result;
  result.file = plan.file;
  result.target_database = plan.target_database;
  // The tables the load replaces that exist now (--tables): the snapshot holds those only, and a
  // roll-back drops the others, which the load created.
  std::vector<std::string> replaced_tables;
  if (plan.target_exists && !plan.tables.empty()) {
    auto server = db::Connection::open(for_database(options.connection, plan.target_database), false);
    replaced_tables = existing_tables(*server, plan.target_database, plan.tables);
  }
  if (plan.target_exists && (plan.tables.empty() || !replaced_tables.empty())) {
    BackupOptions snapshot;
    snapshot.connection = for_database(options.connection, plan.target_database);
    snapshot.backup_dir = options.backup_dir;
    snapshot.prefix = std::string(k_safety_snapshot_prefix);
    snapshot.compress_level = options.compress_level;
    snapshot.threads = options.threads;
    snapshot.only_tables = replaced_tables;
    snapshot.signing = options.signing;
    if (replaced_tables.empty()) {
      spdlog::info("writing the safety snapshot of '{}'", plan.target_database);
    } else {
      spdlog::info("writing the safety snapshot of the {} table{} of '{}' the restore replaces", replaced_tables.size(),
                   replaced_tables.size() == 1 ? "" : "s", plan.target_database);
    }
    try {
      result.safety_snapshot = write_backup(snapshot).file;
    } catch (const Error& error) {
      throw Error(error.code(), fmt::format("safety snapshot failed, nothing was restored: {}", error.what()),
                  error.hint());
    }
    spdlog::info("safety snapshot: {}", result.safety_snapshot.string());
  } else if (plan.target_exists) {
    spdlog::info("none of the tables to restore exists in '{}': there is nothing to snapshot", plan.target_database);
  } else {
    spdlog::warn("database '{}' does not exist: it will be created, there is nothing to snapshot",
                 plan.target_database);
  }

  // --tables: what going back by hand needs beside the snapshot (it holds only tables that existed).
  auto created_hint = [&]() -> std::string {
    std::string names;
    for (const auto& table : plan.tables) {
      if (std::find(replaced_tables.begin(), replaced_tables.end(), table) == replaced_tables.end()) {
        names += (names.empty() ? "" : ", ") + db::quote_identifier(table);
      }
    }
    return names.empty() ? std::string() : ", then drop the tables this restore created: " + names;
  };

  // 5-6. The load, and the roll-back if it fails.
  restore::LoadSettings settings;
  settings.keep_going = options.force;
  settings.progress = callbacks.progress;
  settings.ours = plan.verification.status == VerifyStatus::ok;
  settings.shown_name = plan.file.filename().string();
  if (plan.sections.empty()) {
    settings.expected_sha256 = plan.verification.sha256;
    settings.expected_content_bytes = plan.verification.content_bytes;
  }
  settings.allow_foreign = options.allow_foreign_statements;
  if (!plan.tables.empty()) {
    settings.only_tables = std::set<std::string>(plan.tables.begin(), plan.tables.end());
  }
  for (const Section& section : plan.sections) {
    settings.ranges.emplace_back(section.at, section.size);
  }
  // Our own files only: their INSERTs depend on nothing but their table (a mysqldump file may
  // LOCK TABLES or turn autocommit off around them).
  const unsigned workers = plan.verification.status == VerifyStatus::ok ? std::max(1u, options.threads) : 0;
  // The proof reads the tables as the load left them, before any event restored with them ran.
  std::unique_ptr<db::Connection> proof_snapshot;
  const bool proving =
      !options.no_proof && std::any_of(plan.verification.tables.begin(), plan.verification.tables.end(),
                                       [](const TableCount& table) { return !table.digest.empty(); });
  if (proving) {
    settings.before_first_event = [&] {
      proof_snapshot = restore::open_proof_snapshot(options.connection, plan.target_database);
    };
  }
  try {
    if (options.no_binlog) {
      spdlog::info("binary logging is off for this restore's sessions (--no-binlog): replicas do not get it");
    }
    restore::LoadStats stats;
    try {
      stats = load_into(options.connection, plan.target_database, pinned.path(), settings, options.no_binlog, workers,
                        plan.database_collation);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& unexpected) {
      // out of memory, a thread that cannot start: still a failed load, rolled back below
      throw Error(ErrorCode::internal, fmt::format("the load stopped: {}", unexpected.what()));
    }
    result.statements = stats.statements;
    result.warnings = stats.warnings;
    result.failed_statements = stats.failed;
    // 7. What is now in the tables against what the backup recorded: row counts, and the content
    // digests read back as the dumper reads (a restore that changed a row is a failed restore).
    if (callbacks.before_checks) {
      callbacks.before_checks(plan.target_database);
    }
    std::vector<TableCount> restored = plan.verification.tables;
    if (settings.only_tables) {
      std::erase_if(restored, [&](const TableCount& table) { return !settings.only_tables->contains(table.name); });
    }
    restore::ProofSettings proof;
    proof.prove = !options.no_proof;
    proof.source_server = plan.verification.header.contains("server") ? plan.verification.header.at("server") : "";
    proof.snapshot = proof_snapshot.get();
    result.checks = restore::check_tables(options.connection, plan.target_database, restored, proof);
    proof_snapshot.reset();
    if (!options.force) {
      throw_if_not_as_dumped(result.checks, !result.safety_snapshot.empty());  // rolled back below
    }
  } catch (const Error& error) {
    proof_snapshot.reset();  // its transaction would hold the roll-back's DROP TABLE
    spdlog::error("restore failed: {}", error.what());
    if (options.no_rollback) {
      const bool not_as_dumped =
          error.code() == ErrorCode::check_mismatch || error.code() == ErrorCode::content_mismatch;
      throw Error(not_as_dumped ? error.code() : ErrorCode::restore_failed,
                  fmt::format("restore failed and was NOT rolled back (--no-rollback): {}", error.what()),
                  result.safety_snapshot.empty()
                      ? std::string("the database is partly loaded")
                      : fmt::format("the database is partly loaded; to go back: ifnbackup restore {}{}",
                                    result.safety_snapshot.filename().string(), created_hint()));
    }
    try {
      restore::LoadSettings rollback;
      rollback.phase = "rollback";
      rollback.interruptible = false;
      rollback.progress = callbacks.progress;
      rollback.ours = true;  // our own snapshot
      if (!plan.target_exists) {
        auto server = open_writer(options.connection, false, options.no_binlog);
        server->execute(fmt::format("DROP DATABASE IF EXISTS {}", db::quote_identifier(plan.target_database)));
      } else {
        if (!plan.tables.empty()) {
          rollback.only_tables = std::set<std::string>(replaced_tables.begin(), replaced_tables.end());
        }
        if (!result.safety_snapshot.empty()) {
          spdlog::info("rolling back: loading {}", result.safety_snapshot.string());
          load_into(options.connection, plan.target_database, result.safety_snapshot, rollback, options.no_binlog, 0,
                    plan.target_collation);
        }
        // --tables: the chosen tables that did not exist before the load go again.
        auto server = open_writer(options.connection, false, options.no_binlog);
        server->execute(fmt::format("USE {}", db::quote_identifier(plan.target_database)));
        server->execute("SET SESSION foreign_key_checks = 0");  // another table may reference it
        for (const auto& table : plan.tables) {
          if (std::find(replaced_tables.begin(), replaced_tables.end(), table) == replaced_tables.end()) {
            server->execute(fmt::format("DROP TABLE IF EXISTS {}", db::quote_identifier(table)));
          }
        }
      }
    } catch (const Error& rollback_error) {
      throw Error(ErrorCode::restore_failed,
                  fmt::format("restore failed ({}) and the roll-back failed too ({})", error.what(),
                              rollback_error.what()),
                  !plan.target_exists || result.safety_snapshot.empty()
                      ? fmt::format("'{}' was partly loaded and nothing was there to snapshot: drop what was "
                                    "loaded or restore again",
                                    plan.target_database)
                      : fmt::format("restore the safety snapshot by hand: ifnbackup restore {}",
                                    result.safety_snapshot.filename().string()));
    }
    const bool not_as_dumped =
        error.code() == ErrorCode::check_mismatch || error.code() == ErrorCode::content_mismatch;
    throw Error(not_as_dumped ? error.code() : ErrorCode::restore_rolled_back,
                fmt::format("restore failed: {}. It was rolled back: {} '{}' {} as {} before{}", error.what(),
                            plan.tables.empty() ? "database" : "the chosen tables of", plan.target_database,
                            plan.tables.empty() ? "is" : "are", plan.tables.empty() ? "it was" : "they were",
                            plan.target_exists ? "" : " (absent)"),
                not_as_dumped ? error.hint() : std::string("see restore.log for the failing statement"));
  }

  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  // --force: statements failed and the operator chose to go on; the checks are reported, not rolled back.
  throw_if_not_as_dumped(result.checks, !result.safety_snapshot.empty());
  return result;
}

}  // namespace ifnbackup
