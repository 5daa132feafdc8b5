#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/restore.hpp"
#include "pitr_report.hpp"
#include "restore_report.hpp"
#include "status_line.hpp"

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
  std::string until;       // restore --until: point in time, from a backup and the binary log archive
  std::string until_gtid;  // restore --until-gtid: up to and including that GTID's transaction
};

// When the backup's snapshot was taken: its header's UTC start (ours), else the completion line (local
// time, mysqldump's); nullopt when neither reads.
std::optional<std::chrono::system_clock::time_point> backup_moment(const VerifyResult& v) {
  std::tm parts{};
  const auto started = v.header.find("started");
  if (started != v.header.end() && ::strptime(started->second.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts) != nullptr) {
    return std::chrono::system_clock::from_time_t(::timegm(&parts));
  }
  parts = {};
  if (!v.completed_at.empty() && ::strptime(v.completed_at.c_str(), "%Y-%m-%d %H:%M:%S", &parts) != nullptr) {
    parts.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&parts));
  }
  return std::nullopt;
}

// "il y a 3 h 12 min" / "3 h 12 min ago"; a date in the future says so.
std::string age_words(std::chrono::system_clock::time_point when) {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - when);
  if (age.count() < 0) {
    return trf("{} in the future: check this machine's clock", duration_words(-age));
  }
  return trf("{} ago", duration_words(age));
}

// The plan, in the operator's language: the file, the backup beside what the target holds now, what
// will be lost. Names, paths and the server's version come from outside: printable() on the whole.
void print_plan(const RestorePlan& plan) {
  const auto& v = plan.verification;
  std::uint64_t rows = 0;
  for (const auto& table : v.tables) {
    if (plan.tables.empty() || std::find(plan.tables.begin(), plan.tables.end(), table.name) != plan.tables.end()) {
      rows += table.rows;
    }
  }
  const std::size_t backup_tables = plan.tables.empty() ? v.tables.size() : plan.tables.size();
  const auto moment = backup_moment(v);
  const std::string taken = moment ? local_time(*moment) + ", " + age_words(*moment)
                                   : (v.completed_at.empty() ? std::string("?") : v.completed_at);
  const auto line = [](const std::string& label, const std::string& value) {
    return fmt::format("  {:<17}{}\n", label.empty() ? label : label + " ", value);
  };
  std::string out = "\n" + std::string(tr("Restore")) + "\n";
  out += line(tr("file"), plan.file.string());
  out += line(tr("backup of"), taken);
  {
    // Our own file that no key we trust signed reaches the plan only through --trust-unsigned.
    const bool vouched = v.signer.trust == SignerTrust::ours || v.signer.trust == SignerTrust::trusted;
    out += line(tr("signature"), describe_signer(v) + (v.status == VerifyStatus::ok && !vouched && plan.trust_unsigned
                                                           ? std::string(tr("; accepted because of --trust-unsigned"))
                                                           : std::string()));
  }
  if (v.statements > 0) {
    std::string statements = trf("{} statements, of which {} create or drop views, triggers, routines or events",
                                 grouped(v.statements), grouped(v.object_statements));
    statements += v.foreign_statements == 0 ? std::string(tr(", none outside the target database"))
                                            : trf("; {} OUTSIDE what a backup of one database holds, first at {}",
                                                  v.foreign_statements, v.first_foreign_statement);
    out += line(tr("statements"), statements);
  }
  out += line(tr("server"), plan.server);
  out +=
      line(tr("database"), plan.target_exists ? plan.target_database
                                              : trf("{} (does not exist: it will be created)", plan.target_database));
  if (!plan.database_collation.empty() && plan.target_exists && !plan.target_collation.empty() &&
      plan.target_collation != plan.database_collation) {
    out += line(tr("collation"), trf("the database keeps its own ({}); the backup comes from a database in {}",
                                     plan.target_collation, plan.database_collation));
  } else if (!plan.database_collation.empty() && !plan.target_exists) {
    out += line(tr("collation"), trf("{} (the backed-up database's)", plan.database_collation));
  }
  const bool other_source = plan.source_database && *plan.source_database != plan.target_database;
  out += line(tr("source"), !plan.source_database       ? std::string(tr("database not recorded (mysqldump file)"))
                            : other_source && plan.into ? trf("backup of database '{}', copied into '{}' (--into)",
                                                              *plan.source_database, plan.target_database)
                                                        : trf("backup of database '{}'", *plan.source_database));
  if (plan.no_binlog) {
    out += line(tr("binlog"), tr("off for this restore (--no-binlog): replicas do not get it"));
  }
  if (!plan.tables.empty()) {
    std::string names;
    for (const auto& table : plan.tables) {
      names += (names.empty() ? "" : ", ") + table;
    }
    out += line(tr("tables"), trf("{} (only; the other tables stay as they are)", names));
    if (plan.some_tables_file) {
      out += line(std::string(), tr("(this file holds only these tables: the safety snapshot of a --tables restore)"));
    }
  }

  // The backup beside what it replaces.
  const std::string backup_size = trf("{} compressed, {} of SQL", mib(v.compressed_bytes), mib(v.uncompressed_bytes));
  const std::string column_format =
      fmt::format("  {{:<17}}{{:<{}}}{{}}\n", std::max<std::size_t>(34, backup_size.size() + 3));
  out += "\n" + fmt::format(fmt::runtime(column_format), "", tr("in the backup"), tr("in the database now"));
  const auto& now = plan.target_now;
  const std::string none = tr("(nothing: it does not exist)");
  out +=
      fmt::format(fmt::runtime(column_format), tr("tables"), grouped(backup_tables), now ? grouped(now->tables) : none);
  out += fmt::format(fmt::runtime(column_format), tr("rows"),
                     v.status == VerifyStatus::ok ? grouped(rows) : std::string(tr("not recorded")),
                     now ? trf("about {} (server estimate)", grouped(now->estimated_rows)) : "");
  out +=
      fmt::format(fmt::runtime(column_format), tr("size"), backup_size, now ? trf("{} on disk", mib(now->bytes)) : "");
  out += fmt::format(fmt::runtime(column_format), tr("last change"), moment ? local_time(*moment) : taken,
                     !now                         ? std::string()
                     : now->newest_change.empty() ? std::string(tr("not known to the server"))
                                                  : trf("{} (server statistics)", now->newest_change));
  if (v.status == VerifyStatus::ok && v.partial) {
    out += "  " +
           trf("only the sections restored were read and checked ({} of {}; 'ifnbackup verify' checks the "
               "whole file)",
               mib(v.compressed_checked), mib(v.compressed_bytes)) +
           "\n";
  } else if (v.status != VerifyStatus::ok) {
    out += "  " + std::string(tr("mysqldump file, no manifest (gzip and completion marker verified)")) + "\n";
  }
  out += "\n";
  if (other_source && !plan.into) {
    out +=
        trf("WARNING: THIS FILE IS A BACKUP OF DATABASE '{}', NOT OF '{}'.\nCheck that it is the file you want "
            "before typing OUI.\n",
            *plan.source_database, plan.target_database);
  }
  if (plan.target_exists) {
    out += plan.tables.empty()
               ? trf("WARNING: the restore REPLACES ALL THE CURRENT DATA of database '{}'.\n", plan.target_database)
               : trf("WARNING: the restore REPLACES ALL THE CURRENT DATA of these tables in database '{}'.\n",
                     plan.target_database);
    out += moment ? trf("Changes made after {} ({}) will be lost; the safety snapshot (pre_restore_safety_...), "
                        "written first, keeps them.\n",
                        local_time(*moment), age_words(*moment))
                  : std::string(tr("Changes made after the backup will be lost; the safety snapshot "
                                   "(pre_restore_safety_...), written first, keeps them.\n"));
  }
  StatusLine::instance().print(printable(out));  // server version, names and paths come from outside
}

// `name` as a MariaDB identifier.
std::string backquoted(const std::string& name) {
  std::string quoted = "`";
  for (const char c : name) {
    quoted += c == '`' ? std::string("``") : std::string(1, c);
  }
  return quoted + "`";
}

bool ask_oui() {
  StatusLine::instance().print(tr("Type OUI (in capitals) to go on: "));
  std::string answer;
  errno = 0;
  if (!std::getline(std::cin, answer)) {
    StatusLine::instance().print("\n");
    if (errno != EINTR) {  // Ctrl-C: the restore says it was interrupted
      log_text(spdlog::level::err, tx("no answer (end of input)"));
    }
    return false;
  }
  // Exactly OUI: "oui", "OUI " or "yes" are refused, so a stray keystroke never restores.
  if (answer != "OUI") {
    log_text(spdlog::level::err, tx("answer '{}' is not OUI", answer));
    return false;
  }
  return true;
}

void add_restore_flags(CLI::App& app, RestoreFlags& flags) {
  app.add_option("file", flags.file,
                 "Backup file: a path, a name in the backup folder, latest (the newest backup not known to be bad) "
                 "or latest-safety (the newest safety snapshot), s3://BUCKET/PREFIX/NAME (downloaded first); with "
                 "--from-offsite, a name in the bucket or latest; none with --until. A .age file is decrypted with "
                 "--identity");
  app.add_option("--until", flags.until,
                 "Point-in-time recovery: 'YYYY-MM-DD HH:MM:SS' in the server's time zone. Restores the newest good "
                 "backup taken before it, then replays the archived binary log (ifnbackup binlog archive) of the "
                 "database up to that second, whole transactions only (docs/pitr.md)");
  app.add_option("--until-gtid", flags.until_gtid,
                 "Point-in-time recovery to a MariaDB GTID (domain-server-sequence, e.g. 0-1-35356): restores the "
                 "newest good backup that does not hold it, then replays the archived binary log of the database up "
                 "to and including that transaction; refused when the archive does not reach it (docs/pitr.md)");
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
      ->delimiter(',')
      // One value per --tables: the file argument is optional now (--until), so a greedy list would take it.
      ->allow_extra_args(false);
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
  // The command a failed restore prints starts with this program's own path, as installed.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && !self.empty()) {
    options.program = self.string();
  }
  return options;
}

// Logs and shows the plan, then asks for OUI (or takes --yes); the run's metrics learn the file.
bool confirm_plan(const RestorePlan& plan, GlobalSettings& settings, bool yes) {
  settings.run.file = plan.file.filename().string();
  settings.run.bytes = plan.verification.compressed_bytes;
  for (const auto& table : plan.verification.tables) {
    settings.run.rows += table.rows;
  }
  log_info("restore of {} (a backup of {}) into '{}' on {} requested by uid {}", plan.file.string(),
           plan.source_database ? Text("'" + *plan.source_database + "'") : tx("an unrecorded database"),
           plan.target_database, plan.server, ::getuid());
  if (plan.source_database && *plan.source_database != plan.target_database && !plan.into) {
    log_warn("{} is a backup of database '{}', not of '{}', which it replaces", plan.file.filename().string(),
             *plan.source_database, plan.target_database);
  }
  if (!settings.quiet) {
    print_plan(plan);
  }
  if (yes) {
    log_info("confirmed by --yes");
    return true;
  }
  const bool confirmed = ask_oui();
  log_text(spdlog::level::info, confirmed ? tx("confirmed: OUI typed") : tx("not confirmed"));
  return confirmed;
}

}  // namespace

Command add_restore_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<RestoreFlags>();
  Command command;
  command.log_name = "restore";
  command.own_screen = true;
  command.app = app.add_subcommand("restore", "Restore a backup into the database, after a safety snapshot");
  add_restore_flags(*command.app, *flags);
  command.action = [&settings, flags]() {
    // Checked before the question: the safety snapshot needs a folder, and failing after OUI was
    // typed would leave the operator with a bare "error while creating folder".
    if (settings.backup_dir.empty()) {
      throw Error(ErrorCode::usage, tx("no backup folder: restore writes its safety snapshot there"),
                  tx("give --backup-dir or 'backup-dir' in the config file"));
    }
    const bool point_in_time_asked = !flags->until.empty() || !flags->until_gtid.empty();
    if (!flags->until.empty() && !flags->until_gtid.empty()) {
      throw Error(ErrorCode::usage, tx("restore takes --until or --until-gtid, not both"),
                  tx("give the time, or the GTID of the last transaction to replay"));
    }
    if (flags->file.empty() != point_in_time_asked) {
      throw Error(ErrorCode::usage,
                  !point_in_time_asked ? tx("restore needs a backup file (or latest), or --until")
                                       : tx("restore --until chooses the backup itself: give no file"),
                  tx("ifnbackup restore latest, or ifnbackup restore --until 'YYYY-MM-DD HH:MM:SS'"));
    }
    if (point_in_time_asked && (flags->from_offsite || !flags->tables.empty() || flags->force)) {
      throw Error(ErrorCode::usage, tx("restore --until works on the whole database, from the local folder"),
                  tx("leave out --from-offsite, --tables and --force"));
    }
    RestoreOptions options = make_restore_options(settings, *flags);
    // From the bucket or encrypted: a plain file in the folder first, then verified as any file.
    if (!point_in_time_asked) {
      options.file = plain_backup_file(settings, flags->file, flags->from_offsite);
    }
    ProgressReporter progress;
    RestoreCallbacks callbacks;
    bool ours = false;
    std::vector<std::string> new_tables;
    callbacks.confirm = [&](const RestorePlan& plan) {
      progress.finish();  // the verification's line goes before the plan and the question
      ours = plan.verification.status == VerifyStatus::ok;
      new_tables = plan.new_tables;
      return confirm_plan(plan, settings, flags->yes);
    };
    if (!settings.quiet) {
      callbacks.progress = [&progress](const LoadProgress& p) { progress(p); };
    }
    std::optional<PointInTimeResult> point_in_time;
    if (point_in_time_asked) {
      PointInTimeOptions pit;
      pit.restore = options;
      pit.until = flags->until;
      pit.until_gtid = flags->until_gtid;
      point_in_time = run_point_in_time_restore(pit, callbacks, [&settings](const RecoverySpan& span) {
        log_info(
            "restore --until {}: backup {}, binary log {} to {}, {} transactions of the database ({} in "
            "all, {} events)",
            span.target, span.backup.string(), span.from, span.to, span.database_transactions, span.transactions,
            span.events);
        if (!settings.quiet) {
          std::cout << format_recovery_span(span);
        }
      });
    }
    const RestoreResult result = point_in_time ? point_in_time->restore : run_restore(options, callbacks);
    progress.finish();
    if (!settings.quiet && !result.checks.empty()) {
      StatusLine::instance().print(format_table_checks(result.checks));
    }
    warn_about_unproven(result.checks, ours);
    if (!settings.quiet) {
      std::string end =
          "\n" + trf("Restore done in {}: {}", took_words(result.duration), format_step_times(result.steps)) + "\n";
      if (!result.undo_command.empty()) {
        end +=
            trf("To put '{}' back as it was before this restore (from its safety snapshot):", result.target_database) +
            "\n  " + result.undo_command + "\n";
      }
      if (!new_tables.empty()) {
        // The snapshot holds the chosen tables that existed; those the restore created go by hand.
        std::string drop;
        for (const auto& table : new_tables) {
          drop += (drop.empty() ? "" : ", ") + backquoted(result.target_database) + "." + backquoted(table);
        }
        end += tr("The tables this restore created, which its safety snapshot does not hold, are dropped by:") +
               std::string("\n  DROP TABLE ") + drop + ";\n";
      }
      if (point_in_time) {
        end += format_replay_end(point_in_time->span, point_in_time->statements, point_in_time->replay_duration);
      }
      StatusLine::instance().print(printable(end));
    }
    log_info("restore complete: {} into '{}' ({} statements, {} warnings{}, {:.1f} s); safety snapshot: {}",
             result.file.string(), result.target_database, result.statements, result.warnings,
             result.failed_statements ? tx(", {} FAILED (--force)", result.failed_statements) : Text(),
             static_cast<double>(result.duration.count()) / 1000.0,
             result.safety_snapshot.empty() ? tx("none (nothing to replace existed)")
                                            : Text(result.safety_snapshot.string()));
    return result.failed_statements > 0 ? static_cast<int>(ErrorCode::restore_failed) : 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
