// ifnbackup binlog archive [--follow] | binlog status | binlog pull: the server's binary log kept in the
// backup folder between backups, for restore --until, and brought back from the bucket (docs/pitr.md).
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"

namespace ifnbackup::cli {

namespace {

struct BinlogFlags {
  std::string action;
  bool follow = false;
  unsigned chunk_seconds = 2;
  bool accept_gap = false;
  std::uint32_t replica_id = 1766112345;
};

int archive(GlobalSettings& settings, const BinlogFlags& flags) {
  BinlogArchiveOptions options;
  options.connection = settings.connection;
  options.backup_dir = settings.backup_dir;
  options.follow = flags.follow;
  options.chunk_seconds = std::chrono::seconds(flags.chunk_seconds);
  options.accept_gap = flags.accept_gap;
  options.replica_id = flags.replica_id;
  options.compress_level = settings.compress_level;
  if (flags.follow) {
    options.on_progress = [](const Text& line) { log_text(spdlog::level::info, line); };
  }
  const auto result = run_binlog_archive(options);
  settings.run.bytes = result.bytes;
  if (!settings.quiet) {
    std::cout << trf(
        "binlog archive: {} events ({} bytes) archived, {} chunks closed, {} whole files; the archive "
        "ends at {} (newest event {})\n",
        result.events, result.bytes, result.chunks, result.whole_files, result.position,
        format_event_time(result.newest_event));
    if (result.stopped_by_signal) {
      std::cout << tr("binlog archive: stopped by a signal; what was received is archived\n");
    }
  }
  return 0;
}

int status(const GlobalSettings& settings) {
  const auto status = read_binlog_archive_status(settings.backup_dir);
  if (settings.json) {
    util::JsonWriter json;
    json.begin_object()
        .field("exists", status.exists)
        .field("first", status.first)
        .field("last", status.last)
        .field("newest_event", static_cast<std::uint64_t>(status.newest_event))
        .field("files", status.files)
        .field("bytes", status.bytes)
        .key("gaps")
        .begin_array();
    for (const auto& gap : status.gaps) {
      json.value(gap);
    }
    json.end_array().end_object();
    std::cout << json.str() << "\n";
    return 0;
  }
  if (!status.exists) {
    std::cout << tr("binlog archive: empty (run `ifnbackup binlog archive`)\n");
    return 0;
  }
  std::cout << trf("binlog archive: from {} to {}, newest event {}; {} files, {} bytes\n", status.first, status.last,
                   format_event_time(status.newest_event), status.files, status.bytes);
  for (const auto& gap : status.gaps) {
    std::cout << trf("GAP: {}\n", gap);
  }
  return 0;
}

int pull(GlobalSettings& settings) {
  if (!settings.offsite.enabled()) {
    throw Error(ErrorCode::usage, tx("binlog pull needs --offsite s3://BUCKET/PREFIX"),
                tx("give --offsite (or IFNBACKUP_OFFSITE, or offsite = ... in the config file)"));
  }
  const auto result =
      pull_binlog_archive(make_offsite_options(settings), settings.backup_dir, make_identities(settings));
  if (!settings.quiet) {
    for (const auto& name : result.ignored) {
      std::cout << printable(trf("left in the bucket: binlog/{} (not an archived whole file of ours)\n", name));
    }
    std::cout << trf("binlog pull: {} file(s) brought into {}, {} already there\n", result.fetched.size(),
                     settings.backup_dir + "/binlog", result.present.size());
  }
  return 0;
}

}  // namespace

Command add_binlog_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<BinlogFlags>();
  Command command;
  command.log_name = "binlog";
  command.results_on_stdout = true;
  command.app = app.add_subcommand("binlog",
                                   "Archive the server's binary log into the backup folder, for restore "
                                   "--until (point-in-time recovery)");
  command.app
      ->add_option("action", flags->action,
                   "archive: copy the binary log the archive lacks (catch up and exit, or --follow); status: what "
                   "the archive holds; pull: bring the archive's copies back from the --offsite bucket")
      ->required()
      ->check(CLI::IsMember({"archive", "status", "pull"}));
  command.app->add_flag("--follow", flags->follow,
                        "archive: keep reading as the server writes, until SIGTERM (a service); reconnects after a "
                        "server restart");
  command.app
      ->add_option("--chunk-seconds", flags->chunk_seconds,
                   "archive: close the chunk of the file being written after this many seconds (the recovery "
                   "point)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  command.app->add_flag("--accept-gap", flags->accept_gap,
                        "archive: when the server purged files not yet archived, go on from its oldest file (the "
                        "gap stays: times in it cannot be restored)");
  command.app
      ->add_option("--replica-id", flags->replica_id,
                   "archive: the server id announced to the server (unique among its replicas)")
      ->capture_default_str()
      ->check(CLI::Range(1U, 4294967295U));
  command.app->add_flag("--json", settings.json, "status: print it as JSON");
  command.app->footer(
      "The archive is <backup-dir>/binlog/: each server file byte for byte, gzip, complete or absent\n"
      "(<log>.gz, or closed chunks <log>.from-<offset>.gz of the file being written). Exit 24 when the\n"
      "server purged a file not yet archived (a gap). Needs REPLICATION SLAVE and BINLOG MONITOR\n"
      "(MariaDB) or REPLICATION CLIENT (MySQL). push sends its whole files to the --offsite bucket\n"
      "(<prefix>binlog/); pull brings them back (checked, decrypted with --identity). See docs/pitr.md.");
  command.action = [&settings, flags]() {
    if (flags->action == "pull") {
      return pull(settings);
    }
    return flags->action == "archive" ? archive(settings, *flags) : status(settings);
  };
  return command;
}

}  // namespace ifnbackup::cli
