#include <algorithm>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/rotate.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

namespace {

// rotate with --offsite: the bucket's own rotation after the folder's, its outcome in the journal line.
struct OffsiteOutcome {
  std::optional<OffsiteRotateResult> result;
  std::optional<Error> error;  // the bucket could not be read, or its second reading disagreed
};

OffsiteOutcome rotate_bucket(GlobalSettings& settings, bool dry_run) {
  OffsiteOutcome outcome;
  OffsiteRotateOptions options;
  options.prefix = settings.prefix;
  options.policy = settings.retention;
  if (settings.offsite_retention_days >= 0) {
    options.policy.retention_days = settings.offsite_retention_days;
  }
  options.dry_run = dry_run;
  options.backup_dir = settings.backup_dir;
  try {
    options.offsite = make_offsite_options(settings);
    outcome.result = rotate_offsite(options);
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted || error.code() == ErrorCode::usage) {
      throw;
    }
    outcome.error = error;
  }
  auto& run = settings.run;
  if (outcome.error) {
    run.offsite = "failed";
    run.offsite_message = outcome.error->what();
  } else {
    const auto& r = *outcome.result;
    run.offsite = r.failed == 0 ? "ok" : "failed";
    std::size_t to_remove = 0;
    for (const auto& backup : r.backups) {
      to_remove += backup.decision.remove ? backup.objects.size() : 0;
    }
    run.offsite_message =
        dry_run ? fmt::format("{}: dry run, {} object(s) would be removed, {} backup(s) of ours listed", r.url,
                              to_remove, r.backups.size())
                : fmt::format("{}: {} object(s) removed, {} removal(s) failed, {} backup(s) of ours listed", r.url,
                              r.removed, r.failed, r.backups.size());
    run.offsite_file = r.newest_good;
  }
  return outcome;
}

void binlog_json(util::JsonWriter& json, const BinlogRetentionResult& archive);

void offsite_json(util::JsonWriter& json, const OffsiteOutcome& outcome, bool dry_run) {
  json.key("offsite");
  if (!outcome.result && !outcome.error) {
    json.null();
    return;
  }
  json.begin_object();
  if (outcome.error) {
    json.field("error", outcome.error->what()).field("hint", outcome.error->hint()).end_object();
    return;
  }
  const auto& r = *outcome.result;
  json.field("url", r.url).key("decisions").begin_array();
  for (const auto& backup : r.backups) {
    json.begin_object().field("name", backup.decision.entry.name).key("objects").begin_array();
    for (const auto& object : backup.objects) {
      json.value(object);
    }
    json.end_array()
        .field("good", backup.good)
        .field("remove", backup.decision.remove)
        .field("reason", backup.decision.reason.english)
        .field("failure", backup.failure)
        .end_object();
  }
  json.end_array().key("not_ours").begin_array();
  for (const auto& name : r.not_ours) {
    json.value(name);
  }
  json.end_array()
      .field("dry_run", dry_run)
      .field("removed", static_cast<std::uint64_t>(r.removed))
      .field("failed", static_cast<std::uint64_t>(r.failed))
      .field("bytes_freed", r.bytes_freed)
      .field("newest_good", r.newest_good);
  binlog_json(json, r.binlog);
  json.field("binlog_problem", r.binlog_problem.english).end_object();
}

// A verdict ("keep", "would remove", or their translation) padded to the verdict column: 13 columns,
// or the widest verdict of the language.
std::string pad(const std::string& verdict) {
  const std::size_t width = std::max<std::size_t>({13, display_columns(tr("keep")), display_columns(tr("would remove")),
                                                   display_columns(tr("removed")), display_columns(tr("FAILED"))});
  return pad_columns(verdict, width);
}

void binlog_text(const BinlogRetentionResult& archive, bool dry_run, bool offsite = false);

void offsite_text(const OffsiteOutcome& outcome, bool dry_run) {
  if (outcome.error) {
    return;  // the error and its hint come as the run's own
  }
  const auto& r = *outcome.result;
  std::string out = trf("offsite {}\n", r.url);
  std::size_t to_remove = 0;
  for (const auto& backup : r.backups) {
    to_remove += backup.decision.remove ? backup.objects.size() : 0;
    const char* verdict = !backup.decision.remove   ? tr("keep")
                          : dry_run                 ? tr("would remove")
                          : !backup.failure.empty() ? tr("FAILED")
                                                    : tr("removed");
    for (const auto& object : backup.objects) {
      out += fmt::format("{} {:<50} {}\n", pad(verdict), object, backup.decision.reason.local);
    }
    if (!backup.failure.empty()) {
      out += fmt::format("{} {}\n", pad(""), backup.failure);
    }
  }
  for (const auto& name : r.not_ours) {
    out +=
        fmt::format("{} {:<50} {}\n", pad(tr("keep")), name,
                    tr("not ours: no x-amz-meta-ifnbackup-sha256 header (not uploaded by ifnbackup), never touched"));
  }
  if (dry_run) {
    out += trf("dry run: {} object(s) would be removed offsite, nothing was deleted\n", to_remove);
  } else {
    out += trf("{} object(s) removed offsite, {} freed, {} removal(s) failed\n", r.removed, human_size(r.bytes_freed),
               r.failed);
  }
  std::cout << printable(out);
  binlog_text(r.binlog, dry_run, true);
  if (!r.binlog_problem.empty()) {
    std::cout << printable(r.binlog_problem.local + "\n");
  }
}

void binlog_json(util::JsonWriter& json, const BinlogRetentionResult& archive) {
  json.key("binlog");
  if (!archive.exists) {
    json.null();
    return;
  }
  json.begin_object().field("needed_from", archive.needed_from).field("needed_by", archive.needed_by).key("files");
  json.begin_array();
  for (const auto& file : archive.files) {
    json.begin_object()
        .field("name", file.name)
        .field("bytes", file.bytes)
        .field("remove", file.remove)
        .field("reason", file.reason.english)
        .end_object();
  }
  json.end_array()
      .field("removed", static_cast<std::uint64_t>(archive.removed))
      .field("bytes_freed", archive.bytes_freed)
      .end_object();
}

void binlog_text(const BinlogRetentionResult& archive, bool dry_run, bool offsite) {
  if (!archive.exists) {
    return;
  }
  std::string out;
  std::size_t to_remove = 0;
  for (const auto& file : archive.files) {
    to_remove += file.remove ? 1 : 0;
    out += fmt::format("{:<13} {:<46} {}\n",
                       !file.remove ? tr("keep")
                       : dry_run    ? tr("would remove")
                                    : tr("removed"),
                       "binlog/" + file.name, file.reason.local);
  }
  if (dry_run) {
    out += offsite ? trf("dry run: {} archived binary log copy(ies) would be removed offsite, nothing was deleted\n",
                         to_remove)
                   : trf("dry run: {} archived binary log file(s) would be removed, nothing was deleted\n", to_remove);
  } else {
    out += offsite ? trf("{} archived binary log copy(ies) removed offsite, {} freed\n", archive.removed,
                         human_size(archive.bytes_freed))
                   : trf("{} archived binary log file(s) removed, {} freed\n", archive.removed,
                         human_size(archive.bytes_freed));
  }
  std::cout << printable(out);
}

int rotate_folder(GlobalSettings& settings, bool dry_run) {
  RotateOptions options;
  options.backup_dir = settings.backup_dir;
  options.prefix = settings.prefix;
  options.database = settings.connection.database;
  options.policy = settings.retention;
  options.dry_run = dry_run;
  if (settings.offsite.enabled()) {
    make_offsite_options(settings);  // a usage error before anything is removed
  }
  const auto result = run_rotate(options);
  const auto archive = rotate_binlog_archive(settings.backup_dir, result.decisions, dry_run);
  // The folder's rotation is done and kept whatever happens to the bucket's.
  OffsiteOutcome offsite;
  if (settings.offsite.enabled()) {
    offsite = rotate_bucket(settings, dry_run);
  }

  if (settings.json) {
    util::JsonWriter json;
    json.begin_object().field("dry_run", dry_run).key("decisions").begin_array();
    for (const auto& decision : result.decisions) {
      json.begin_object()
          .field("name", decision.entry.name)
          .field("kind", backup_kind_name(decision.entry.kind))
          .field("remove", decision.remove)
          .field("reason", decision.reason.english)
          .end_object();
    }
    json.end_array()
        .field("removed", static_cast<std::uint64_t>(result.removed))
        .field("bytes_freed", result.bytes_freed);
    binlog_json(json, archive);
    offsite_json(json, offsite, dry_run);
    json.end_object();
    std::cout << json.str() << "\n";
  } else if (!settings.quiet) {
    std::size_t to_remove = 0;
    for (const auto& decision : result.decisions) {
      if (decision.entry.kind == BackupKind::foreign) {
        continue;
      }
      to_remove += decision.remove ? 1 : 0;
      // A reason may name another database: its name comes from a file, control bytes and all.
      std::cout << printable(fmt::format(
          "{} {:<46} {}\n", pad(decision.remove ? (dry_run ? tr("would remove") : tr("removed")) : tr("keep")),
          decision.entry.name, decision.reason.local));
    }
    if (dry_run) {
      std::cout << trf("dry run: {} file(s) would be removed, nothing was deleted\n", to_remove);
    } else {
      std::cout << trf("{} file(s) removed, {} freed\n", result.removed, human_size(result.bytes_freed));
    }
    binlog_text(archive, dry_run);
    if (offsite.result) {
      offsite_text(offsite, dry_run);
    }
  }
  if (offsite.error) {
    throw Error(ErrorCode::offsite,
                tx("the backup folder was rotated ({} file(s) removed), but not the bucket: {}", result.removed,
                   offsite.error->what()),
                offsite.error->hint());
  }
  if (offsite.result && offsite.result->failed > 0) {
    const auto& r = *offsite.result;
    const auto failed = std::find_if(r.backups.begin(), r.backups.end(),
                                     [](const OffsiteDecision& backup) { return !backup.failure.empty(); });
    // Else an archive copy's removal failed: its reason says why.
    const auto archive_failed = std::find_if(
        r.binlog.files.begin(), r.binlog.files.end(),
        [](const BinlogRetentionFile& file) { return file.reason.english.starts_with("cannot remove it"); });
    const std::string first = failed != r.backups.end() ? failed->failure
                              : archive_failed != r.binlog.files.end()
                                  ? "binlog/" + archive_failed->name + ": " + archive_failed->reason.english
                                  : std::string("?");
    throw Error(ErrorCode::offsite,
                tx("{} removal(s) in {} failed (first: {}); the backup folder was rotated ({} file(s) "
                   "removed) and nothing of the floor was touched",
                   r.failed, r.url, first, result.removed),
                tx("the key may lack s3:DeleteObject, or the storage failed: rotate again later; nothing is lost"));
  }
  if (offsite.result && !offsite.result->binlog_problem.empty()) {
    throw Error(ErrorCode::offsite, offsite.result->binlog_problem,
                tx("another rotate, a lifecycle rule or a person removed objects meanwhile, or the storage listed "
                   "only part of the bucket: run 'ifnbackup list --offsite' and rotate again"));
  }
  return 0;
}

}  // namespace

void add_retention_options(CLI::App& app, GlobalSettings& settings) {
  auto& p = settings.retention;
  const char* group = "Retention (rotate, and backup's rotation after success)";
  const std::string for_ever = fmt::format("{} keeps for ever", k_max_retention_days);
  const auto days = whole_number_in(0, k_max_retention_days, "days", for_ever);
  const auto count = whole_number_in(0, k_max_keep_count, "backups", "0 turns the rule off");
  app.add_option("--retention-days", p.retention_days,
                 fmt::format("Keep every backup younger than this, 0 to {} days ({})", k_max_retention_days, for_ever))
      ->capture_default_str()
      ->check(days)
      ->group(group);
  app.add_option("--min-keep", p.min_keep,
                 fmt::format("Always keep the newest N backups that verify as good and hold a table, whatever their "
                             "age, 1 to {}",
                             k_max_keep_count))
      ->capture_default_str()
      ->check(
          whole_number_in(1, k_max_keep_count, "backups", "at least 1: rotation must never remove every good backup"))
      ->group(group);
  app.add_option("--keep-daily", p.keep_daily,
                 fmt::format("Also keep the newest backup of each of the last N days, 0 (off) to {}", k_max_keep_count))
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--keep-weekly", p.keep_weekly, "... of each of the last N ISO weeks")
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--keep-monthly", p.keep_monthly, "... of each of the last N months")
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--safety-retention-days", p.safety_retention_days,
                 fmt::format("Keep safety snapshots younger than this, 0 to {} days (the newest is always kept)",
                             k_max_retention_days))
      ->capture_default_str()
      ->check(days)
      ->group(group);
  app.add_option("--offsite-retention-days", settings.offsite_retention_days,
                 fmt::format("rotate with --offsite: keep every backup in the bucket younger than this, 0 to {} days "
                             "(default: --retention-days); the same --min-keep floor and GFS rules",
                             k_max_retention_days))
      ->check(days)
      ->group(group);
}

Command add_rotate_command(CLI::App& app, GlobalSettings& settings) {
  auto dry_run = std::make_shared<bool>(false);
  Command command;
  command.log_name = "backup";
  command.results_on_stdout = true;
  command.app = app.add_subcommand("rotate", "Remove old backups by the retention policy, never the last good ones");
  command.app->add_flag("--dry-run", *dry_run, "Print what would be removed, and why; delete nothing");
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.app->footer(
      "Only files named like our backups are candidates. Ages come from the name, not the mtime.\n"
      "Backups never verified are verified first: a corrupt file, one that holds no table and one dated\n"
      "in the future never count toward --min-keep.\n"
      "With --offsite, the bucket is rotated after the folder by the same policy (--offsite-retention-days):\n"
      "only objects named as our backups (NAME.sql.gz, NAME.sql.gz.age) that carry our SHA-256 header; the\n"
      "bucket is listed again before anything is removed. Exit 22 when the bucket's rotation failed (the\n"
      "folder's rotation is kept). docs/offsite.md.\n"
      "A binary log archive (binlog/, binlog archive) loses the files of server logs older than the oldest\n"
      "binlog position a kept backup records; never its newest log nor a file it did not write. docs/pitr.md.");
  command.action = [&settings, dry_run]() { return rotate_folder(settings, *dry_run); };
  return command;
}

}  // namespace ifnbackup::cli
