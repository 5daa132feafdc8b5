#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/disk_space.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup::cli {

namespace {

std::string verification_text(const VerificationRecord* record) {
  if (record == nullptr) {
    return "never verified";
  }
  const std::string when = local_time(record->verified_at);
  // Whole, but nothing to restore: never "latest", not in the retention floor.
  const char* no_table = record->holds_tables ? "" : ", no table";
  if (record->not_restorable() && (record->status == VerifyStatus::ok || record->status == VerifyStatus::ok_legacy)) {
    return fmt::format("NOT RESTORABLE: schema check failed ({})", when);
  }
  switch (record->status) {
    case VerifyStatus::ok: return fmt::format("OK{} ({})", no_table, when);
    case VerifyStatus::ok_legacy: return fmt::format("OK legacy{} ({})", no_table, when);
    case VerifyStatus::corrupt: return fmt::format("CORRUPT ({})", when);
    case VerifyStatus::incomplete: return fmt::format("INCOMPLETE ({})", when);
  }
  return "?";
}

int list_folder(const GlobalSettings& settings) {
  if (settings.backup_dir.empty()) {
    throw Error(ErrorCode::usage, "no backup folder", "give --backup-dir or 'backup-dir' in the config file");
  }
  const std::filesystem::path dir = settings.backup_dir;
  const auto entries = scan_backup_folder(dir, settings.prefix);
  const auto state = VerificationState::load(dir);
  const auto now = std::chrono::system_clock::now();

  std::size_t backups = 0, snapshots = 0, partials = 0, foreign = 0;
  std::uint64_t used = 0;
  const CatalogEntry* newest_good = nullptr;
  util::JsonWriter json;
  json.begin_object().key("backup_dir").value(dir.string()).key("files").begin_array();
  std::string table = fmt::format("{:<46} {:<8} {:<19} {:>9} {:>10} {:>7} {:>10}  {}\n", "NAME", "KIND", "DATE",
                                  "AGE", "SIZE", "TABLES", "ROWS", "VERIFIED");
  for (const auto& entry : entries) {
    if (entry.kind == BackupKind::foreign) {
      // Not ours: not listed, never touched. Our own lock, state and log files are not counted.
      if (entry.name.front() != '.' && entry.name != "backup.log" && entry.name != "restore.log" &&
          entry.name != "drill.log" && entry.name != "journal.jsonl") {
        ++foreign;
      }
      continue;
    }
    const VerificationRecord* record = state.find(entry);
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.timestamp);
    const char* kind = entry.kind == BackupKind::partial ? "partial"
                       : entry.kind == BackupKind::safety_snapshot ? "safety"
                                                                    : "backup";
    used += entry.size;
    if (entry.kind == BackupKind::backup) {
      ++backups;
      if (newest_good == nullptr && health_of(record) == Health::good && !dated_in_future(entry.timestamp, now)) {
        newest_good = &entry;
      }
    } else if (entry.kind == BackupKind::safety_snapshot) {
      ++snapshots;
    } else {
      ++partials;
    }
    // Counts come from the manifest: only a file that verified ok has one (a legacy dump has none).
    const bool known = record != nullptr && record->status == VerifyStatus::ok;
    table += fmt::format("{:<46} {:<8} {:<19} {:>9} {:>10} {:>7} {:>10}  {}\n", entry.name, kind,
                         local_date(entry.local), human_age(age), human_size(entry.size),
                         known ? std::to_string(record->tables) : "-", known ? std::to_string(record->rows) : "-",
                         entry.kind == BackupKind::partial ? "being written, or left by a crash"
                                                           : verification_text(record));
    json.begin_object()
        .key("name").value(entry.name)
        .key("kind").value(backup_kind_name(entry.kind))
        .key("date").value(local_date(entry.local))
        .key("age_seconds").value(static_cast<std::int64_t>(age.count()))
        .key("size").value(static_cast<std::uint64_t>(entry.size));
    json.key("tables");
    known ? json.value(record->tables) : json.null();
    json.key("rows");
    known ? json.value(record->rows) : json.null();
    json.key("verification");
    if (record == nullptr) {
      json.null();
    } else {
      json.begin_object()
          .key("status").value(verify_status_name(record->status))
          .key("reason").value(record->reason)
          .key("verified_at").value(local_time(record->verified_at))
          .end_object();
    }
    json.end_object();
  }
  const auto space = disk_space(dir);
  json.end_array().key("summary").begin_object()
      .key("backups").value(static_cast<std::uint64_t>(backups))
      .key("safety_snapshots").value(static_cast<std::uint64_t>(snapshots))
      .key("partials").value(static_cast<std::uint64_t>(partials))
      .key("foreign_files").value(static_cast<std::uint64_t>(foreign))
      .key("bytes_used").value(used);
  json.key("free_bytes");
  space ? json.value(space->free_bytes) : json.null();
  json.key("total_bytes");
  space ? json.value(space->total_bytes) : json.null();
  json.key("free_percent");
  space ? json.value(space->free_percent()) : json.null();
  json.key("newest_good_backup");
  newest_good ? json.value(newest_good->name) : json.null();
  json.key("newest_good_age_seconds");
  newest_good ? json.value(static_cast<std::int64_t>(
                    std::chrono::duration_cast<std::chrono::seconds>(now - newest_good->timestamp).count()))
              : json.null();
  json.end_object().end_object();

  if (settings.json) {
    std::cout << json.str() << "\n";
    return 0;
  }
  std::cout << table << "\n";
  std::cout << fmt::format("{} backup(s), {} safety snapshot(s), {} partial(s): {} used", backups, snapshots, partials,
                           human_size(used));
  if (space) {
    std::cout << fmt::format("; {} free of {} ({:.1f} %)", human_size(space->free_bytes),
                             human_size(space->total_bytes), space->free_percent());
  }
  std::cout << "\n";
  if (newest_good != nullptr) {
    std::cout << fmt::format("newest good backup: {} ({} old)\n", newest_good->name,
                             human_age(std::chrono::duration_cast<std::chrono::seconds>(now - newest_good->timestamp)));
  } else {
    std::cout << "newest good backup: none verified (run: ifnbackup verify)\n";
  }
  if (foreign > 0) {
    std::cout << fmt::format("{} other file(s) in the folder are not backups of ours and are never touched\n", foreign);
  }
  return 0;
}

}  // namespace

Command add_list_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "";  // read-only: no log file
  command.results_on_stdout = true;
  command.app = app.add_subcommand("list", "List the backups, newest first, with their verification state");
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.action = [&settings]() { return list_folder(settings); };
  return command;
}

}  // namespace ifnbackup::cli
