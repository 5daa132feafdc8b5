#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/listing.hpp"
#include "ifnbackup/offsite.hpp"

namespace ifnbackup::cli {

namespace {

std::string verification_text(const VerificationRecord* record) {
  if (record == nullptr) {
    return tr("never verified");
  }
  const std::string when = local_time(record->verified_at);
  // Whole, but nothing to restore: never "latest", not in the retention floor.
  const char* no_table = record->holds_tables ? "" : tr(", no table");
  if (record->not_restorable() && (record->status == VerifyStatus::ok || record->status == VerifyStatus::ok_legacy)) {
    return trf("NOT RESTORABLE: schema check failed ({})", when);
  }
  switch (record->status) {
    case VerifyStatus::ok:
      // The backup's read-back: its bytes proven, its statements left to a full verification.
      return record->check == VerifyCheck::written ? trf("OK{} ({}, read back after writing)", no_table, when)
                                                   : trf("OK{} ({})", no_table, when);
    case VerifyStatus::ok_legacy:
      return trf("OK legacy{} ({})", no_table, when);
    case VerifyStatus::corrupt:
      return trf("CORRUPT ({})", when);
    case VerifyStatus::incomplete:
      return trf("INCOMPLETE ({})", when);
  }
  return "?";
}

const char* kind_word(BackupKind kind) {
  return kind == BackupKind::partial           ? tr("partial")
         : kind == BackupKind::safety_snapshot ? tr("safety")
                                               : tr("backup");
}

std::string listing_json(const FolderListing& listing, std::chrono::system_clock::time_point now) {
  util::JsonWriter json;
  json.begin_object().field("backup_dir", listing.backup_dir.string()).key("files").begin_array();
  for (const auto& file : listing.files) {
    const auto& record = file.verification;
    json.begin_object()
        .field("name", file.entry.name)
        .field("kind", backup_kind_name(file.entry.kind))
        .field("date", local_date(file.entry.local))
        .field("age_seconds", static_cast<std::int64_t>(file.age.count()))
        .field("size", static_cast<std::uint64_t>(file.entry.size));
    json.key("tables");
    file.counts_known() ? json.value(record->tables) : json.null();
    json.key("rows");
    file.counts_known() ? json.value(record->rows) : json.null();
    json.key("verification");
    if (!record) {
      json.null();
    } else {
      json.begin_object()
          .field("status", verify_status_name(record->status))
          .field("reason", record->reason)
          .field("verified_at", local_time(record->verified_at))
          .field("check", verify_check_name(record->check))
          .end_object();
    }
    json.end_object();
  }
  const auto& space = listing.space;
  const auto& newest = listing.newest_good;
  json.end_array()
      .key("summary")
      .begin_object()
      .field("backups", static_cast<std::uint64_t>(listing.backups))
      .field("safety_snapshots", static_cast<std::uint64_t>(listing.safety_snapshots))
      .field("partials", static_cast<std::uint64_t>(listing.partials))
      .field("foreign_files", static_cast<std::uint64_t>(listing.foreign))
      .field("bytes_used", listing.bytes_used);
  json.key("free_bytes");
  space ? json.value(space->free_bytes) : json.null();
  json.key("total_bytes");
  space ? json.value(space->total_bytes) : json.null();
  json.key("free_percent");
  space ? json.value(space->free_percent()) : json.null();
  json.key("newest_good_backup");
  newest ? json.value(newest->entry.name) : json.null();
  json.key("newest_good_age_seconds");
  newest ? json.value(static_cast<std::int64_t>(
               std::chrono::duration_cast<std::chrono::seconds>(now - newest->entry.timestamp).count()))
         : json.null();
  json.end_object().end_object();
  return json.str();
}

void print_listing(const FolderListing& listing) {
  // fmt pads by the columns a UTF-8 text takes: French words with accents keep the columns.
  std::string table = fmt::format("{:<46} {:<8} {:<19} {:>9} {:>10} {:>7} {:>10}  {}\n", tr("NAME"), tr("KIND"),
                                  tr("DATE"), tr("AGE"), tr("SIZE"), tr("TABLES"), tr("ROWS"), tr("VERIFIED"));
  for (const auto& file : listing.files) {
    const VerificationRecord* record = file.verification ? &*file.verification : nullptr;
    table += fmt::format(
        "{:<46} {:<8} {:<19} {:>9} {:>10} {:>7} {:>10}  {}\n", file.entry.name, kind_word(file.entry.kind),
        local_date(file.entry.local), human_age(file.age), human_size(file.entry.size),
        file.counts_known() ? std::to_string(record->tables) : "-",
        file.counts_known() ? std::to_string(record->rows) : "-",
        file.entry.kind == BackupKind::partial ? tr("being written, or left by a crash") : verification_text(record));
  }
  std::cout << table << "\n";
  std::cout << trf("{} backup(s), {} safety snapshot(s), {} partial(s): {} used", listing.backups,
                   listing.safety_snapshots, listing.partials, human_size(listing.bytes_used));
  if (listing.space) {
    std::cout << trf("; {} free of {} ({:.1f} %)", human_size(listing.space->free_bytes),
                     human_size(listing.space->total_bytes), listing.space->free_percent());
  }
  std::cout << "\n";
  if (listing.newest_good) {
    std::cout << trf("newest good backup: {} ({} old)\n", listing.newest_good->entry.name,
                     human_age(listing.newest_good->age));
  } else {
    std::cout << tr("newest good backup: none verified (run: ifnbackup verify)\n");
  }
  if (listing.foreign > 0) {
    std::cout << trf("{} other file(s) in the folder are not backups of ours and are never touched\n", listing.foreign);
  }
}

int list_folder(const GlobalSettings& settings) {
  const auto now = std::chrono::system_clock::now();
  const FolderListing listing = list_backup_folder(settings.backup_dir, settings.prefix, now);
  if (settings.json) {
    std::cout << listing_json(listing, now) << "\n";
  } else {
    print_listing(listing);
  }
  return 0;
}

// `list --offsite`: our backups in the bucket, each with a HEAD for our SHA-256 header.
int list_offsite_copies(const GlobalSettings& settings) {
  if (!settings.offsite.enabled()) {
    throw Error(ErrorCode::usage, tx("list --offsite needs the bucket: --offsite s3://BUCKET/PREFIX before 'list'"),
                tx("set it once as offsite = s3://... in the config file or IFNBACKUP_OFFSITE"));
  }
  const auto options = make_offsite_options(settings);
  const std::string prefix = settings.prefix;
  const auto objects = list_offsite(
      options,
      [&prefix](std::string_view name) {
        auto parsed = parse_backup_name(name, prefix);
        return parsed && parsed->kind == BackupKind::backup;
      },
      true);
  if (settings.json) {
    util::JsonWriter json;
    json.begin_object().field("offsite", options.url).key("objects").begin_array();
    for (auto it = objects.rbegin(); it != objects.rend(); ++it) {
      json.begin_object()
          .field("name", it->name)
          .field("key", it->key)
          .field("size", it->size)
          .field("last_modified", it->last_modified)
          .field("sha256", it->sha256)
          .field("has_hash", !it->sha256.empty())
          .end_object();
    }
    json.end_array().field("count", static_cast<std::uint64_t>(objects.size())).end_object();
    std::cout << json.str() << "\n";
    return 0;
  }
  std::string table =
      fmt::format("{:<46} {:>10} {:<24}  {}\n", tr("NAME"), tr("SIZE"), tr("UPLOADED (UTC)"), tr("SHA-256 (ours)"));
  // Newest first, as `list` shows the folder: our names sort by their time.
  for (auto it = objects.rbegin(); it != objects.rend(); ++it) {
    table += fmt::format("{:<46} {:>10} {:<24}  {}\n", it->name, human_size(it->size), it->last_modified,
                         it->sha256.empty() ? tr("none: not uploaded by ifnbackup, or by a failed run") : it->sha256);
  }
  std::cout << table << trf("\n{} backup(s) of ours under {}\n", objects.size(), options.url);
  return 0;
}

}  // namespace

Command add_list_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "";  // read-only: no log file
  command.results_on_stdout = true;
  command.app = app.add_subcommand("list", "List the backups, newest first, with their verification state");
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  auto offsite = std::make_shared<bool>(false);
  command.app->add_flag("--offsite", *offsite,
                        "List the backups in the --offsite bucket (size, upload time, our SHA-256 header) instead of "
                        "the folder");
  command.action = [&settings, offsite]() { return *offsite ? list_offsite_copies(settings) : list_folder(settings); };
  return command;
}

}  // namespace ifnbackup::cli
