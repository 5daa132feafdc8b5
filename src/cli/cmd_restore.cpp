#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/restore.hpp"
#include "restore_report.hpp"

namespace ifnbackup::cli {

namespace {

struct RestoreFlags {
  std::string file;
  bool from_offsite = false;  // file is NAME or latest in the --offsite bucket
  std::string into;
  bool yes = false;
  bool force = false;
  bool no_rollback = false;
  bool no_binlog = false;
  bool no_proof = false;
  bool allow_foreign = false;
  bool trust_unsigned = false;
  std::vector<std::string> tables;
};

void print_plan(const RestorePlan& plan) {
  const auto& v = plan.verification;
  std::uint64_t rows = 0;
  for (const auto& table : v.tables) {
    rows += table.rows;
  }
  std::string out = fmt::format("\nRestauration / restore\n  fichier   : {}\n", plan.file.string());
  out += fmt::format("  date      : {}\n", v.completed_at.empty() ? "?" : v.completed_at);
  out += fmt::format("  taille    : {} compressed, {} of SQL\n", mib(v.compressed_bytes), mib(v.uncompressed_bytes));
  if (v.status == VerifyStatus::ok && v.partial) {
    out += fmt::format(
        "  contenu   : {} tables, {} rows; only the sections restored were read and checked "
        "({} of {}; 'ifnbackup verify' checks the whole file)\n",
        v.tables.size(), rows, mib(v.compressed_checked), mib(v.compressed_bytes));
  } else if (v.status == VerifyStatus::ok) {
    out += fmt::format("  contenu   : {} tables, {} rows (checksum verified)\n", v.tables.size(), rows);
  } else {
    out += "  contenu   : mysqldump file, no manifest (gzip and completion marker verified)\n";
  }
  {
    // Our own file that no key we trust signed reaches the plan only through --trust-unsigned.
    const bool vouched = v.signer.trust == SignerTrust::ours || v.signer.trust == SignerTrust::trusted;
    out += fmt::format("  signature : {}{}\n", describe_signer(v),
                       v.status == VerifyStatus::ok && !vouched && plan.trust_unsigned
                           ? "; accepted because of --trust-unsigned"
                           : "");
  }
  if (v.statements > 0) {
    out += fmt::format("  ordres    : {} statements, of which {} create or drop views, triggers, routines or events",
                       v.statements, v.object_statements);
    out += v.foreign_statements == 0 ? std::string(", none outside the target database\n")
                                     : fmt::format("; {} OUTSIDE what a backup of one database holds, first at {}\n",
                                                   v.foreign_statements, v.first_foreign_statement);
  }
  out += fmt::format("  serveur   : {}\n  base      : {}{}\n", plan.server, plan.target_database,
                     plan.target_exists ? "" : " (n'existe pas : elle sera créée)");
  if (!plan.database_collation.empty() && plan.target_exists && !plan.target_collation.empty() &&
      plan.target_collation != plan.database_collation) {
    out += fmt::format("  collation : la base garde la sienne ({}) ; le backup vient d'une base en {}\n",
                       plan.target_collation, plan.database_collation);
  } else if (!plan.database_collation.empty() && !plan.target_exists) {
    out += fmt::format("  collation : {} (celle de la base sauvegardée)\n", plan.database_collation);
  }
  const bool other_source = plan.source_database && *plan.source_database != plan.target_database;
  out += fmt::format("  source    : {}\n",
                     !plan.source_database       ? std::string("base d'origine non enregistrée (fichier mysqldump)")
                     : other_source && plan.into ? fmt::format("sauvegarde de la base '{}', copiée dans '{}' (--into)",
                                                               *plan.source_database, plan.target_database)
                                                 : fmt::format("sauvegarde de la base '{}'", *plan.source_database));
  if (plan.no_binlog) {
    out += "  binlog    : désactivé pour cette restauration (--no-binlog) : les réplicas ne la reçoivent pas\n";
  }
  if (!plan.tables.empty()) {
    std::string names;
    for (const auto& table : plan.tables) {
      names += (names.empty() ? "" : ", ") + table;
    }
    out += fmt::format("  tables    : {} (seulement ; les autres tables restent telles quelles)\n", names);
    if (plan.some_tables_file) {
      out +=
          "              (ce fichier ne contient que ces tables : le backup de sécurité d'une restauration "
          "--tables)\n";
    }
  }
  out += "\n";
  if (other_source && !plan.into) {
    out += fmt::format(
        "ATTENTION : CE FICHIER EST UNE SAUVEGARDE DE LA BASE '{}', PAS DE '{}'.\n"
        "Vérifiez que c'est bien le fichier voulu avant de taper OUI.\n",
        *plan.source_database, plan.target_database);
  }
  if (plan.target_exists && plan.tables.empty()) {
    out += fmt::format(
        "ATTENTION : la restauration ÉCRASE TOUTES LES DONNÉES ACTUELLES de la base '{}'.\n"
        "Un backup de sécurité (pre_restore_safety_...) sera créé avant.\n",
        plan.target_database);
  } else if (plan.target_exists) {
    out += fmt::format(
        "ATTENTION : la restauration ÉCRASE TOUTES LES DONNÉES ACTUELLES de ces tables dans la base "
        "'{}'.\nUn backup de sécurité de ces tables (pre_restore_safety_...) sera créé avant.\n",
        plan.target_database);
  }
  std::cerr << printable(out);  // server version, names and paths come from outside
}

bool ask_oui() {
  std::cerr << "Tapez OUI (en majuscules) pour continuer : " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << "\n";
    spdlog::error("no answer (end of input)");
    return false;
  }
  // Exactly OUI: "oui", "OUI " or "yes" are refused, so a stray keystroke never restores.
  if (answer != "OUI") {
    spdlog::error("answer '{}' is not OUI", answer);
    return false;
  }
  return true;
}

void add_restore_flags(CLI::App& app, RestoreFlags& flags) {
  app.add_option("file", flags.file,
                 "Backup file: a path, a name in the backup folder, latest (the newest backup not known to be bad) "
                 "or latest-safety (the newest safety snapshot); with --from-offsite, a name in the bucket or latest")
      ->required();
  app.add_flag("-y,--yes", flags.yes, "Do not ask for OUI (scripts)");
  app.add_flag("--from-offsite", flags.from_offsite,
               "The file is NAME (or latest) in the --offsite bucket: downloaded into the backup folder through a "
               ".partial, checked against the SHA-256 recorded at upload, then restored as any file (works on an "
               "empty folder)");
  app.add_option("--into", flags.into,
                 "Restore into this database instead (created if missing, at most 64 characters); the "
                 "configured one is untouched")
      ->check(database_name_check());
  app.add_option("--tables", flags.tables,
                 "Replace only these tables (comma-separated) and their triggers; the rest of the database "
                 "is left as it is (files written by ifnbackup)")
      ->delimiter(',');
  app.add_flag("--no-binlog", flags.no_binlog,
               "Keep the restore out of the binary log (SET SESSION sql_log_bin = 0; needs BINLOG ADMIN or "
               "SUPER): faster, but replicas do not get it");
  app.add_flag("--force", flags.force, "Go on after a failed statement and report them all");
  app.add_flag("--no-proof", flags.no_proof,
               "Do not read the restored tables back to prove their content against the backup's digests "
               "(row counts only): saves one read of the data, at the risk of a changed row going unseen");
  app.add_flag("--allow-foreign-statements", flags.allow_foreign,
               "Run a mysqldump file even though it holds statements outside the target database (USE, "
               "another database's tables, SET GLOBAL, accounts...), which the plan lists; never for our "
               "own files, which may not hold them");
  app.add_flag("--trust-unsigned", flags.trust_unsigned,
               "Restore a file of ours that is unsigned (written before backups were signed) or signed by "
               "a key neither this machine's nor trusted (see 'ifnbackup key'); the plan says who signed "
               "it. Command line only");
  app.add_flag("--no-rollback", flags.no_rollback,
               "If the load fails, leave the database as it is instead of loading the safety snapshot");
  app.footer(
      "Order: verify the file, show the plan and ask for OUI, write pre_restore_safety_YYYYMMDD_HHMMSS.sql.gz,\n"
      "load, roll back to the snapshot on failure, compare row counts. Exit codes: docs/exit-codes.md.\n"
      "Our own files load only when signed by this machine's key or a trusted one (exit 20 otherwise);\n"
      "mysqldump files are unsigned by nature and load as they are.");
}

RestoreOptions make_restore_options(const GlobalSettings& settings, const RestoreFlags& flags) {
  RestoreOptions options;
  options.connection = settings.connection;
  options.backup_dir = settings.backup_dir;
  options.file = flags.file;
  options.prefix = settings.prefix;
  options.into = flags.into;
  options.force = flags.force;
  options.no_rollback = flags.no_rollback;
  options.no_proof = flags.no_proof;
  options.allow_foreign_statements = flags.allow_foreign;
  options.signing.key_file = settings.signing_key;
  options.trust_unsigned = flags.trust_unsigned;
  options.no_binlog = flags.no_binlog;
  options.tables = flags.tables;
  options.compress_level = settings.compress_level;
  if (settings.threads > 0) {
    options.threads = settings.threads;
  }
  return options;
}

// restore --from-offsite: the object downloaded and checked into the backup folder; the restore then verifies
// it as any file before it touches anything.
std::filesystem::path fetch_from_offsite(const GlobalSettings& settings, const std::string& which) {
  if (!settings.offsite.enabled()) {
    throw Error(ErrorCode::usage, "--from-offsite needs --offsite s3://BUCKET/PREFIX",
                "give --offsite (or offsite = ... in the config file)");
  }
  const auto offsite = make_offsite_options(settings);
  const std::string name = which == "latest" ? newest_offsite_backup(offsite, settings.prefix) : which;
  return download_from_offsite(offsite, name, settings.backup_dir).file;
}

// Logs and shows the plan, then asks for OUI (or takes --yes); the run's metrics learn the file.
bool confirm_plan(const RestorePlan& plan, GlobalSettings& settings, bool yes) {
  settings.run.file = plan.file.filename().string();
  settings.run.bytes = plan.verification.compressed_bytes;
  for (const auto& table : plan.verification.tables) {
    settings.run.rows += table.rows;
  }
  spdlog::info("restore of {} (a backup of {}) into '{}' on {} requested by uid {}", plan.file.string(),
               plan.source_database ? "'" + *plan.source_database + "'" : std::string("an unrecorded database"),
               plan.target_database, plan.server, ::getuid());
  if (plan.source_database && *plan.source_database != plan.target_database && !plan.into) {
    spdlog::warn("{} is a backup of database '{}', not of '{}', which it replaces", plan.file.filename().string(),
                 *plan.source_database, plan.target_database);
  }
  if (!settings.quiet) {
    print_plan(plan);
  }
  if (yes) {
    spdlog::info("confirmed by --yes");
    return true;
  }
  const bool confirmed = ask_oui();
  spdlog::info(confirmed ? "confirmed: OUI typed" : "not confirmed");
  return confirmed;
}

}  // namespace

Command add_restore_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<RestoreFlags>();
  Command command;
  command.log_name = "restore";
  command.app = app.add_subcommand("restore", "Restore a backup into the database, after a safety snapshot");
  add_restore_flags(*command.app, *flags);
  command.action = [&settings, flags]() {
    // Checked before the question: the safety snapshot needs a folder, and failing after OUI was
    // typed would leave the operator with a bare "error while creating folder".
    if (settings.backup_dir.empty()) {
      throw Error(ErrorCode::usage, "no backup folder: restore writes its safety snapshot there",
                  "give --backup-dir or 'backup-dir' in the config file");
    }
    RestoreOptions options = make_restore_options(settings, *flags);
    if (flags->from_offsite) {
      options.file = fetch_from_offsite(settings, flags->file).string();
    }
    ProgressReporter progress;
    RestoreCallbacks callbacks;
    bool ours = false;
    callbacks.confirm = [&](const RestorePlan& plan) {
      ours = plan.verification.status == VerifyStatus::ok;
      return confirm_plan(plan, settings, flags->yes);
    };
    if (!settings.quiet) {
      callbacks.progress = [&progress](const LoadProgress& p) { progress(p); };
    }
    const auto result = run_restore(options, callbacks);
    if (!settings.quiet && !result.checks.empty()) {
      std::cerr << format_table_checks(result.checks);
    }
    warn_about_unproven(result.checks, ours);
    spdlog::info(
        "restore complete: {} into '{}' ({} statements, {} warnings{}, {:.1f} s); safety snapshot: {}",
        result.file.string(), result.target_database, result.statements, result.warnings,
        result.failed_statements ? fmt::format(", {} FAILED (--force)", result.failed_statements) : "",
        static_cast<double>(result.duration.count()) / 1000.0,
        result.safety_snapshot.empty() ? "none (nothing to replace existed)" : result.safety_snapshot.string());
    return result.failed_statements > 0 ? static_cast<int>(ErrorCode::restore_failed) : 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
