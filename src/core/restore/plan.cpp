// The plan of a restore, shown to the operator before anything is touched: the target, the file
// verified and judged, the tables it replaces, what the server says.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/signing.hpp"
#include "restore/file_checks.hpp"
#include "restore/phases.hpp"
#include "restore/table_sections.hpp"
#include "restore/target_database.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

namespace {

// --tables with a section index: only the prologue and those tables are read and checked.
// `by_range`: verify_before_restore (each range's SHA-256), else the whole content hashed.
void verify_file(RestorePlan& plan, const RestoreOptions& options, const std::filesystem::path& pinned,
                 const std::function<void(const LoadProgress&)>& progress, bool by_range = true) {
  std::optional<TableSections> partial;
  if (!options.tables.empty()) {
    partial = verify_table_sections(pinned, options.tables);
  }
  if (partial) {
    plan.verification = std::move(partial->verification);
    plan.sections = std::move(partial->ranges);
    if (plan.verification.ok()) {
      log_info("section index: read and checked {} of {} compressed bytes (the prologue and the chosen tables)",
               plan.verification.compressed_checked, plan.verification.compressed_bytes);
    }
  } else {
    std::function<void(const VerifyProgress&)> verifying;
    if (progress) {
      verifying = [&progress](const VerifyProgress& read) {
        LoadProgress step;
        step.step = RestoreStep::verifying;
        step.done = read.compressed_read;
        step.total = read.compressed_total;
        progress(step);
      };
    }
    plan.verification = by_range ? verify_before_restore(pinned, verifying, options.threads)
                                 : verify_backup_file(pinned, verifying, options.threads);
  }
  plan.verification.path = plan.file;
  plan.source_database = header_database(plan.verification.header);
  if (!plan.verification.ok()) {
    refuse_file(plan.verification);
  }
}

// A file of some tables only (the safety snapshot of a --tables restore) replaces those tables,
// never the whole database, even without --tables.
void choose_tables(RestorePlan& plan, const RestoreOptions& options) {
  const auto scope = plan.verification.header.find("scope");
  plan.some_tables_file = scope != plan.verification.header.end() && scope->second == "tables";
  plan.tables = options.tables;
  if (plan.tables.empty() && plan.some_tables_file) {
    for (const auto& table : plan.verification.tables) {
      plan.tables.push_back(table.name);
    }
    if (plan.tables.empty()) {
      throw Error(ErrorCode::usage,
                  tx("{} holds some tables of a database, and none here; nothing to do", plan.file.string()),
                  tx("choose a backup that holds tables: 'ifnbackup list' shows them"));
    }
  }
  // --tables: names the backup holds, in a file whose manifest says so; refused before anything.
  if (!plan.tables.empty()) {
    check_table_choice(plan.verification, plan.tables);
  }
}

}  // namespace

RestorePlan plan_target(const RestoreOptions& options) {
  RestorePlan plan;
  plan.into = !options.into.empty();
  plan.target_database = plan.into ? options.into : options.connection.database;
  if (plan.target_database.empty()) {
    throw Error(ErrorCode::usage, tx("no database to restore into"), tx("give --database (or --into DB)"));
  }
  if (const std::size_t length = sql::identifier_length(plan.target_database); length > sql::k_max_identifier_length) {
    throw Error(ErrorCode::usage,
                tx("cannot restore into '{}': {} characters, a database name holds at most {}; nothing was changed",
                   printable(plan.target_database), length, sql::k_max_identifier_length),
                tx("name a shorter database with --into"));
  }
  return plan;
}

void plan_file(RestorePlan& plan, const RestoreOptions& options, const std::filesystem::path& pinned,
               const std::function<void(const LoadProgress&)>& progress) {
  log_info("verifying {}", plan.file.string());
  verify_file(plan, options, pinned, progress);
  // A mysqldump file may hold what a backup of one database should not: shown, and run only when
  // the operator says so.
  if (plan.verification.foreign_statements > 0 && !options.allow_foreign_statements) {
    throw Error(ErrorCode::foreign_statement,
                tx("{} holds {} statement{} outside what a backup of one database may hold, first at {}; "
                   "nothing was restored",
                   plan.file.string(), plan.verification.foreign_statements,
                   plan.verification.foreign_statements == 1 ? "" : "s", plan.verification.first_foreign_statement),
                tx("read the file; if you trust what it does, --allow-foreign-statements runs it"));
  }
  // Who made it, before anything is touched: an unsigned or foreign file of ours needs --trust-unsigned.
  const Keyring keys = Keyring::load(options.signing);
  keys.judge(plan.verification);
  // The ranges' SHA-256 prove the content only with the checksum line signed by a key trusted here:
  // anyone's key signs a line naming any SHA-256. Loaded anyway (--trust-unsigned): hashed whole first.
  const SignerTrust trust = plan.verification.signer.trust;
  if (plan.verification.sha256_by_range && options.trust_unsigned && trust != SignerTrust::ours &&
      trust != SignerTrust::trusted) {
    spdlog::info("{} is not signed by a trusted key: its whole content hashed, as ifnbackup verify does",
                 plan.file.string());
    verify_file(plan, options, pinned, progress, false);
    keys.judge(plan.verification);
  }
  plan.trust_unsigned = options.trust_unsigned;
  refuse_untrusted(plan.verification, keys, options.trust_unsigned);
  choose_tables(plan, options);
}

void plan_server(RestorePlan& plan, const RestoreOptions& options) {
  auto server = db::Connection::open(options.connection, false);
  plan.server = fmt::format("{} ({})", server->description(), server->server().version);
  plan.target_exists = database_exists(*server, plan.target_database);
  plan.database_collation = plain_collation(plan.verification);
  if (plan.target_exists) {
    plan.target_collation = collation_of(*server, plan.target_database);
    plan.target_now = what_it_holds(*server, plan.target_database, plan.tables);
  }
  if (plan.target_exists && !plan.tables.empty()) {
    // Refuses views and sequences now; the chosen tables missing are created by the restore.
    const auto existing = existing_tables(*server, plan.target_database, plan.tables);
    for (const auto& table : plan.tables) {
      if (std::find(existing.begin(), existing.end(), table) == existing.end()) {
        plan.new_tables.push_back(table);
      }
    }
  }
  // Asked now, before the question: an account that may not do it learns so with nothing changed.
  plan.no_binlog = options.no_binlog;
  if (options.no_binlog) {
    try {
      server->execute(k_no_binlog);
    } catch (const Error& error) {
      throw Error(
          ErrorCode::server,
          tx("--no-binlog: this account may not turn binary logging off ({}); nothing was changed", error.message()),
          tx("leave out --no-binlog, or grant the account BINLOG ADMIN (MariaDB) or SUPER"));
    }
  }
}

}  // namespace ifnbackup::restore
