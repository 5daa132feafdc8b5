#pragma once
// The command line: parsing, logging set-up and exit codes. Each subcommand is one call into
// the core library (cmd_<name>.cpp); nothing here talks to the server or to zlib.
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/journal.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup::cli {

// Options shared by every subcommand (accepted before or after its name).
struct GlobalSettings {
  ConnectionOptions connection;
  std::string backup_dir;
  std::string log_dir;  // empty: the backup folder
  std::string prefix{k_default_backup_prefix};
  int compress_level = k_default_compress_level;
  unsigned threads = 0;  // 0: not given, BackupOptions' default (the number of cores)
  std::string config_file;
  std::string signing_key;  // empty: default_signing_key_file()
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  RetentionPolicy retention;
  bool no_rotate = false;        // backup: skip the rotation after success
  bool no_schema_check = false;  // backup: skip loading the schema into a scratch database
  unsigned retries = 2;          // backup: dumps started again after a schema change
  // The journal line of this run (docs/monitoring.md): run() sets command, times and result;
  // backup, restore and drill fill file, bytes and rows; drill its own fields too.
  RunRecord run;
  std::string metrics_file;  // backup, drill, check: Prometheus text file to (re)write
  // --offsite and --s3-*: backup's copy, push, list --offsite. region empty: AWS_REGION, AWS_DEFAULT_REGION,
  // else us-east-1 (make_offsite_options).
  OffsiteOptions offsite;
  unsigned s3_retry_seconds = 300;
  int offsite_retention_days = -1;  // rotate: the bucket's retention; -1: retention.retention_days
  // --encrypt-to (each may hold several, blank- or comma-separated), --encrypt-to-file, --encrypt-local:
  // backup and push (make_encryption). --identity: what reads encrypted files (make_identities).
  std::vector<std::string> encrypt_to;
  std::string encrypt_to_file;
  bool encrypt_local = false;
  std::string identity_file;
};

// A subcommand's work, run once options are final; returns the exit code.
using Action = std::function<int()>;

struct Command {
  CLI::App* app = nullptr;
  Action action;
  std::string log_name;  // "backup" -> <log-dir>/backup.log
  // The command prints its results on stdout: the console shows only warnings and errors.
  bool results_on_stdout = false;
  // The command only reads (verify): a log file it cannot open (a read-only folder) is a warning,
  // and logging goes to stderr only. Otherwise it is an error: backup and restore keep their log.
  bool log_file_optional = false;
  // The command draws its own screen on a terminal (restore, drill: the plan, a status line, the end
  // in the operator's language): there the console shows only warnings and errors, the log file
  // keeps every line (in English). Not a terminal (cron, a pipe): every line as usual.
  bool own_screen = false;
};

Command add_backup_command(CLI::App& app, GlobalSettings& settings);
Command add_restore_command(CLI::App& app, GlobalSettings& settings);
Command add_drill_command(CLI::App& app, GlobalSettings& settings);
Command add_verify_command(CLI::App& app, GlobalSettings& settings);
Command add_list_command(CLI::App& app, GlobalSettings& settings);
Command add_rotate_command(CLI::App& app, GlobalSettings& settings);
Command add_status_command(CLI::App& app, GlobalSettings& settings);
Command add_check_command(CLI::App& app, GlobalSettings& settings);
Command add_schedule_command(CLI::App& app, GlobalSettings& settings);
Command add_doctor_command(CLI::App& app, GlobalSettings& settings);
Command add_key_command(CLI::App& app, GlobalSettings& settings);
Command add_push_command(CLI::App& app, GlobalSettings& settings);
Command add_binlog_command(CLI::App& app, GlobalSettings& settings);
void add_offsite_options(CLI::App& app, GlobalSettings& settings);
void add_encryption_options(CLI::App& app, GlobalSettings& settings);
// The recipients given, each checked: Error(usage) naming the bad one, before any dump.
Encryption make_encryption(const GlobalSettings& settings);
// The secret keys of --identity (0600 or refused: Error(config)); empty when not given.
std::vector<AgeIdentity> make_identities(const GlobalSettings& settings);
// restore and drill: the file argument as a plain .sql.gz on disk. s3://BUCKET/PREFIX/NAME, or NAME|latest
// with `from_offsite` (--offsite's bucket), is downloaded into the backup folder through a .partial and
// decrypted when it is a .age; a local .age (by path, name or latest) is decrypted beside the others.
// Anything else is returned as given.
std::string plain_backup_file(const GlobalSettings& settings, const std::string& file, bool from_offsite);
// The offsite settings as given, the region from the environment when not, checked (Error(usage)).
OffsiteOptions make_offsite_options(const GlobalSettings& settings);
// `ifnbackup --help-man` or `--help-bash-completion` (alone): ifnbackup(1) or the bash completion
// script generated from app; nullopt for any other command line.
std::optional<std::string> generated_docs(const CLI::App& app, int argc, char** argv);
void add_retention_options(CLI::App& app, GlobalSettings& settings);

// Validators whose messages say the range in words (validators.cpp). `note` says why, when a bound
// needs it ("at least 1: ...").
CLI::Validator whole_number_in(long long low, long long high, const std::string& unit, const std::string& note = {});
CLI::Validator number_in(double low, double high, const std::string& unit);
// A database name the server can hold: at most 64 characters.
CLI::Validator database_name_check();

// Logging to stderr (nothing but errors with -q) and to <log-dir>/<log_name>.log, every message
// through printable() (no raw control byte reaches the terminal or the file).
void setup_logging(const GlobalSettings& settings, const Command& command);

// Applies IFNBACKUP_* environment variables, then the config file, to options not given on
// the command line (flags win over the environment, which wins over the file).
void apply_environment_and_config(CLI::App& app, CLI::App* subcommand, GlobalSettings& settings);

BackupOptions make_backup_options(const GlobalSettings& settings);

// The journal's folder: --log-dir, else the backup folder.
std::string journal_dir(const GlobalSettings& settings);

int run(int argc, char** argv);

}  // namespace ifnbackup::cli
