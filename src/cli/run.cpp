#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/version.hpp"
#include "metrics.hpp"

namespace ifnbackup::cli {

namespace {

void add_global_options(CLI::App& app, GlobalSettings& s) {
  auto& c = s.connection;
  const char* server = "Server";
  app.add_option("--host", c.host, "Server host name or IP (default: the option file's, else localhost)")
      ->group(server);
  app.add_option("--port", c.port, "Server TCP port")->group(server);
  app.add_option("--socket", c.socket, "Server Unix socket")->group(server);
  app.add_option("--user", c.user, "MySQL account (default: the option file's)")->group(server);
  app.add_option("--database", c.database, "Database to back up or restore (at most 64 characters)")
      ->check(database_name_check())
      ->group(server);
  app.add_option("--defaults-file", c.defaults_file,
                 "MySQL option file with [client] user/password (default: ~/.my.cnf and the system files)")
      ->group(server);
  app.add_option("--password-file", c.password_file,
                 "File holding the password on its first line; refused unless mode 0600 or stricter")
      ->group(server);
  app.add_option("--ssl-mode", c.ssl_mode,
                 "DISABLED, PREFERRED, REQUIRED (encrypted, certificate not checked), VERIFY_CA (certificate signed "
                 "by --ssl-ca, names not checked) or VERIFY_IDENTITY (and --host is a name in it); REQUIRED and "
                 "stronger never connect without TLS")
      ->group(server);
  app.add_option("--ssl-ca", c.ssl_ca,
                 "CA certificate file the server's certificate must chain to (default for VERIFY_CA/VERIFY_IDENTITY: "
                 "the system's CAs in /etc/ssl/certs)")
      ->group(server);
  app.add_option("--ssl-cert", c.ssl_cert,
                 "Client certificate file (PEM), for an account created REQUIRE X509, SUBJECT or ISSUER")
      ->group(server);
  app.add_option("--ssl-key", c.ssl_key, "Private key of --ssl-cert (PEM); refused unless mode 0600 or stricter")
      ->group(server);
  app.add_option("--ssl-fingerprint", c.ssl_fingerprint,
                 "SHA-256 fingerprint of the server's certificate (64 hex digits, colons allowed): only that "
                 "certificate is accepted, whatever its CA and names; needs --host (TCP)")
      ->group(server);
  const char* files = "Files";
  app.add_option("--backup-dir", s.backup_dir, "Backup folder (created 0700 if missing)")->group(files);
  app.add_option("--log-dir", s.log_dir, "Log folder (default: the backup folder)")->group(files);
  app.add_option("--prefix", s.prefix,
                 "Backup file name prefix (not starting with '.' or '-', no '/', 200 bytes at most, not "
                 "pre_restore_safety: the "
                 "safety snapshots' prefix)")
      ->capture_default_str()
      ->group(files);
  app.add_option("--compress-level", s.compress_level,
                 "gzip level, 1 (fast) to 9 (small), or auto: level 5, and 6 where a sample of the blocks shows 5 "
                 "within 3 % of gzip -6's size")
      // "auto" in any case is stored as k_auto_compress_level (0); a 0 given as a level is refused, as
      // before auto existed (gzip has no level 0, zlib's is no compression at all).
      ->transform(CLI::Validator(
          [](std::string& value) -> std::string {
            int level = 0;
            if (CLI::detail::to_lower(value) == "auto") {
              value = std::to_string(k_auto_compress_level);
            } else if (!CLI::detail::lexical_cast(value, level) || level < 1 || level > 9) {
              return "Value " + value + " is not a level: use 1 (fastest) to 9 (smallest), or auto";
            }
            return {};
          },
          "LEVEL"))
      ->default_str("auto")
      ->group(files);
  app.add_option("--threads", s.threads,
                 "backup: compressing threads; restore: connections loading a big table's rows at once (from 64 tables "
                 "on, small tables load on 2 connections per thread, at most 8; never more than half of the "
                 "connections the server and the account have free), and connections reading the tables back for "
                 "the content proof; verify: decoding threads (default: the number of cores)")
      ->check(CLI::Range(1, 256))
      ->group(files);
  app.add_option("--config", s.config_file, "Config file (INI; default /etc/ifnbackup.conf when present)")
      ->group(files);
  app.add_option("--signing-key", s.signing_key,
                 "Private key that signs backups, made 0600 at the first backup; 'trusted-keys' in its folder lists "
                 "the other machines' keys restore trusts (default: /etc/ifnbackup/signing-key for root, else "
                 "~/.config/ifnbackup/signing-key)")
      ->group(files);
  app.add_flag("-q,--quiet", s.quiet, "Print nothing but errors (for cron: mail only on failure)");
  app.add_flag("-v,--verbose", s.verbose, "Print debug messages");
  // Present only to refuse it with a clear message: a password in argv is visible in ps.
  app.add_option("-p,--password", "never accepted: see --defaults-file and --password-file")->group("");
}

// The `error:` and `hint:` lines (the hint's own label, not `error: hint:`): the operator's language on
// the terminal, English in the log file.
// The labels `error:`, `hint:` and `warning:` are the same in every language (the procedure and
// scripts look for them), like the confirmation word OUI.
int report(const Error& error) {
  log_text(spdlog::level::err, error.message());
  const Text& hint = error.hint_text();
  if (!hint.empty()) {
    log_hint(hint);
  }
  return static_cast<int>(error.code());
}

const std::set<std::string> k_journaled_commands = {"backup", "restore", "verify", "rotate", "drill", "push"};

// The run's journal line (and, for backup and drill, the metrics file): a failure here is only a warning,
// the run's own exit code stands.
void record_run(GlobalSettings& settings, int code) {
  auto& run = settings.run;
  run.end = std::chrono::system_clock::now();
  run.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(run.end - run.start).count();
  run.exit_code = code;
  run.result = code == 0 ? "ok" : error_code_name(static_cast<ErrorCode>(code));
  if (run.message.empty() && code != 0) {
    run.message = fmt::format("exit {} ({})", code, run.result);
  }
  const std::string dir = journal_dir(settings);
  if (dir.empty()) {
    return;
  }
  try {
    append_journal(dir, run);
  } catch (const Error& error) {
    log_warn("run not recorded in the journal: {}", error.message());
  }
  if (run.command == "backup" || run.command == "drill") {
    write_metrics_file(settings);
  }
}

}  // namespace

std::string journal_dir(const GlobalSettings& settings) {
  return settings.log_dir.empty() ? settings.backup_dir : settings.log_dir;
}

int run(int argc, char** argv) {
  // Until the command's own logging is set up, messages go to stderr (stdout is for results).
  {
    auto early = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    early->set_formatter(labelled_formatter("%^%*%$: %v"));
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("ifnbackup-early", printable_sink(early, true)));
  }
  CLI::App app{"ifnbackup: consistent, verified logical backups of a MySQL/MariaDB/TiDB database", "ifnbackup"};
  app.set_version_flag("--version", std::string(k_version));
  app.require_subcommand(1);
  app.fallthrough();
  GlobalSettings settings;
  add_global_options(app, settings);
  add_retention_options(app, settings);
  add_offsite_options(app, settings);
  add_encryption_options(app, settings);

  std::vector<Command> commands;
  commands.push_back(add_backup_command(app, settings));
  commands.push_back(add_restore_command(app, settings));
  commands.push_back(add_drill_command(app, settings));
  commands.push_back(add_verify_command(app, settings));
  commands.push_back(add_list_command(app, settings));
  commands.push_back(add_rotate_command(app, settings));
  commands.push_back(add_status_command(app, settings));
  commands.push_back(add_check_command(app, settings));
  commands.push_back(add_schedule_command(app, settings));
  commands.push_back(add_doctor_command(app, settings));
  commands.push_back(add_key_command(app, settings));
  commands.push_back(add_push_command(app, settings));
  commands.push_back(add_binlog_command(app, settings));

  for (auto& command : commands) {
    const std::string footer = command.app->get_footer();
    command.app->footer(footer + (footer.empty() ? "" : "\n") +
                        "Server, file and retention options (--database, --backup-dir, --defaults-file, ...) go\n"
                        "before or after the command name: 'ifnbackup --help' lists them all.");
  }
  if (auto text = generated_docs(app, argc, argv)) {  // the build makes ifnbackup.1 from this
    std::cout << *text;
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : static_cast<int>(ErrorCode::usage);
  }

  for (auto& command : commands) {
    if (!command.app->parsed()) {
      continue;
    }
    // Once the configuration is known, every outcome of a journaled command is one journal line.
    bool journaled = false;
    int code = 0;
    settings.run.command = command.app->get_name();
    settings.run.start = std::chrono::system_clock::now();
    try {
      if (app.get_option("--password")->count() > 0) {
        throw Error(
            ErrorCode::usage, tx("ifnbackup never takes a password on the command line (it shows in ps)"),
            tx("put it in a MySQL option file (--defaults-file, [client] password=...) or a 0600 --password-file"));
      }
      apply_environment_and_config(app, command.app, settings);
      check_backup_prefix(settings.prefix);  // every command that names or finds backups
      journaled = k_journaled_commands.count(settings.run.command) > 0;
      setup_logging(settings, command);
      code = command.action();
    } catch (const Error& error) {
      code = report(error);
      settings.run.message = error.what();
    } catch (const std::exception& error) {
      log_error("internal error: {}", error.what());
      code = static_cast<int>(ErrorCode::internal);
      settings.run.message = fmt::format("internal error: {}", error.what());
    }
    if (journaled) {
      record_run(settings, code);
    }
    return code;
  }
  return static_cast<int>(ErrorCode::usage);
}

BackupOptions make_backup_options(const GlobalSettings& settings) {
  BackupOptions options;
  options.connection = settings.connection;
  options.backup_dir = settings.backup_dir;
  options.prefix = settings.prefix;
  options.compress_level = settings.compress_level;
  options.signing.key_file = settings.signing_key;
  if (settings.threads > 0) {
    options.threads = settings.threads;
  }
  // For the tests only (as IFNBACKUP_TEST_S3_MIN_PART_SIZE): 0 defers every table's keys after its
  // rows, so that tests of that path through the command can keep their tables small.
  if (const char* value = std::getenv("IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES"); value != nullptr && *value != '\0') {
    options.keys_in_create_bytes = std::strtoull(value, nullptr, 10);
  }
  return options;
}

}  // namespace ifnbackup::cli
