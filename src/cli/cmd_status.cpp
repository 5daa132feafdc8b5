#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/status.hpp"
#include "metrics.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

namespace {

using Clock = std::chrono::system_clock;

const char* const k_status_commands[] = {"backup", "verify", "rotate", "restore", "drill"};

const char* day_symbol(DayState state) {
  switch (state) {
    case DayState::ok:
      return "█";
    case DayState::unverified:
      return "▒";
    case DayState::failed:
      return "✗";
    case DayState::missing:
      return "·";
  }
  return "?";
}

std::int64_t seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

// The last run's file, or why it failed; a drill's also says what it proved and how long the restore
// took: the RTO measured.
std::string run_detail(const RunRecord& run) {
  if (!run.ok()) {
    return run.message;
  }
  if (run.command != "drill") {
    return run.file;
  }
  return trf("{} into {}: {} of {} tables proven, restored in {:.1f} s", run.file, run.database, run.tables_proven,
             run.tables, static_cast<double>(run.restore_ms) / 1000.0);
}

void write_json(const MonitoringSituation& s, const std::vector<HistoryDay>& history, Clock::time_point now) {
  util::JsonWriter json;
  json.begin_object().field("backup_dir", s.backup_dir.string());
  json.field("folder_readable", s.folder_readable);
  json.field("folder_problem", s.folder_problem.english);
  json.key("last_good_backup");
  if (const auto* good = s.newest_good()) {
    json.begin_object()
        .field("name", good->name)
        .field("date", local_date(good->local))
        .field("age_seconds", seconds_between(good->taken, now))
        .field("size", good->size)
        .end_object();
  } else {
    json.null();
  }
  json.field("backups", static_cast<std::uint64_t>(s.backups.size()));
  json.field("safety_snapshots", static_cast<std::uint64_t>(s.safety_snapshots));
  json.field("verify_failures", static_cast<std::uint64_t>(s.verify_failures()));
  json.key("newest_not_restorable").value(!s.backups.empty() && s.backups.front().health == Health::unrestorable);
  json.field("bytes_used", s.bytes_used);
  json.key("free_bytes");
  s.space ? json.value(s.space->free_bytes) : json.null();
  json.key("total_bytes");
  s.space ? json.value(s.space->total_bytes) : json.null();
  json.key("free_percent");
  s.space ? json.value(s.space->free_percent()) : json.null();
  json.key("last_runs").begin_object();
  for (const char* command : k_status_commands) {
    json.key(command);
    if (const RunRecord* run = s.last_run(command)) {
      json.begin_object()
          .field("start", format_iso8601(run->start))
          .field("end", format_iso8601(run->end))
          .field("result", run->result)
          .field("exit_code", run->exit_code)
          .field("file", run->file)
          .field("bytes", run->bytes)
          .field("rows", run->rows)
          .field("duration_ms", run->duration_ms)
          .field("message", run->message);
      if (run->command == "drill") {
        json.field("database", run->database)
            .field("tables", run->tables)
            .field("tables_proven", run->tables_proven)
            .field("restore_ms", run->restore_ms);
      }
      json.end_object();
    } else {
      json.null();
    }
  }
  json.end_object();
  json.key("history").begin_array();
  for (const auto& day : history) {
    json.begin_object()
        .field("date", fmt::format("{:04}-{:02}-{:02}", day.year, day.month, day.day))
        .field("state", day_state_name(day.state))
        .field("backups", static_cast<std::uint64_t>(day.backups))
        .field("bytes", day.bytes)
        .end_object();
  }
  json.end_array();
  json.key("offsite");
  const auto offsite = s.newest_offsite(now);
  const RunRecord* upload = s.last_offsite_upload();
  if (offsite || upload != nullptr) {
    json.begin_object().key("newest");
    if (offsite) {
      json.begin_object()
          .field("name", offsite->name)
          .field("age_seconds", seconds_between(offsite->taken, now))
          .field("seen_by", offsite->run->command)
          .field("seen_at", format_iso8601(offsite->run->end))
          .end_object();
    } else {
      json.null();
    }
    json.key("last_upload");
    if (upload != nullptr) {
      json.begin_object()
          .field("command", upload->command)
          .field("end", format_iso8601(upload->end))
          .field("result", upload->offsite)
          .field("message", upload->offsite_message)
          .end_object();
    } else {
      json.null();
    }
    json.field("source", "journal").end_object();
  } else {
    json.null();
  }
  json.key("binlog");
  if (const auto& archive = s.binlog; archive.exists) {
    json.begin_object()
        .field("first", archive.first)
        .field("last", archive.last)
        .field("newest_event", static_cast<std::uint64_t>(archive.newest_event))
        .field("in_step", static_cast<std::uint64_t>(archive.in_step))
        .field("recovery_point", static_cast<std::uint64_t>(archive.recovery_point()))
        .field("lag_seconds", archive.recovery_point() == 0
                                  ? std::int64_t{-1}
                                  : std::max<std::int64_t>(0, Clock::to_time_t(now) - archive.recovery_point()))
        .field("archiver_running", archive.archiver_running)
        .field("window_from", static_cast<std::uint64_t>(archive.window_from))
        .field("window_backup", archive.window_backup)
        .field("files", archive.files)
        .field("bytes", archive.bytes)
        .field("problem", archive.problem)
        .key("gaps")
        .begin_array();
    for (const auto& gap : archive.gaps) {
      json.value(gap);
    }
    json.end_array().key("offsite");
    if (const auto copies = s.offsite_archive()) {
      json.begin_object()
          .field("newest", copies->newest)
          .field("seen_at", copies->run == nullptr ? std::string() : format_iso8601(copies->run->end))
          .field("behind", static_cast<std::uint64_t>(copies->behind))
          .field("first_behind", copies->first_behind)
          .field("waiting_seconds",
                 copies->behind == 0
                     ? std::int64_t{0}
                     : std::max<std::int64_t>(0, Clock::to_time_t(now) - std::int64_t{copies->waiting_since}))
          .field("source", "journal")
          .end_object();
    } else {
      json.null();
    }
    json.end_object();
  } else {
    json.null();
  }
  json.field("journal_skipped_lines", static_cast<std::uint64_t>(s.journal_skipped_lines));
  json.end_object();
  std::cout << json.str() << "\n";
}

// One character per day for the state, and one for the size (eighths of the largest day).
std::string chart(const std::vector<HistoryDay>& history) {
  static const char* const k_levels[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::uint64_t largest = 0;
  for (const auto& day : history) {
    largest = std::max(largest, day.bytes);
  }
  std::string states, sizes;
  for (const auto& day : history) {
    states += day_symbol(day.state);
    const std::uint64_t level = largest == 0 || day.bytes == 0 ? 0 : 1 + (day.bytes * 7) / largest;
    sizes += k_levels[std::min<std::uint64_t>(level, 8)];
  }
  // The two row labels in one column, as wide as the longer in the operator's language.
  const std::size_t width = std::max<std::size_t>({5, display_columns(tr("state")), display_columns(tr("size"))});
  std::string out = fmt::format("  {:<{}} {}\n  {:<{}} {}\n", tr("state"), width, states, tr("size"), width, sizes);
  if (!history.empty()) {
    const auto& first = history.front();
    const auto& last = history.back();
    const std::string left = fmt::format("{:02}/{:02}", first.day, first.month);
    const std::string right = fmt::format("{:02}/{:02}", last.day, last.month);
    const std::size_t gap =
        history.size() > left.size() + right.size() ? history.size() - left.size() - right.size() : 1;
    out += fmt::format("{}{}{}{}\n", std::string(width + 3, ' '), left, std::string(gap, ' '), right);
  }
  out += tr("  █ ok   ▒ not verified   ✗ failed   · missing;  size: ▁ to █ of the largest day\n");
  return out;
}

const char* const k_labels[] = {N_("Backup folder"), N_("Last good backup"), N_("Backups"),     N_("NOT RESTORABLE"),
                                N_("Free space"),    N_("Offsite copy"),     N_("Last upload"), N_("Binary log"),
                                N_("Restorable to"), N_("Archive offsite")};

// The dashboard's labels in one column, as wide as the longest in the operator's language and at
// least 18 columns (fmt pads by the columns a UTF-8 text takes, accents included).
std::size_t label_width() {
  std::size_t widest = 16;
  for (const char* text : k_labels) {
    widest = std::max(widest, display_columns(tr(text)));
  }
  return widest + 2;
}

std::string label(const char* text) {
  return fmt::format("{:<{}}", tr(text), label_width());
}

// The offsite copy as the journal knows it: no network call (list --offsite asks the bucket).
std::string offsite_text(const MonitoringSituation& s, Clock::time_point now, bool configured) {
  const auto offsite = s.newest_offsite(now);
  const RunRecord* upload = s.last_offsite_upload();
  if (!configured && !offsite && upload == nullptr) {
    return {};
  }
  const std::string indent(label_width(), ' ');
  std::string out;
  if (offsite) {
    out += fmt::format(
        "{}{}\n{}{}\n", label("Offsite copy"), offsite->name, indent,
        trf("{} old, seen by {} on {} (journal)", human_age(std::chrono::seconds(seconds_between(offsite->taken, now))),
            offsite->run->command, local_time(offsite->run->end)));
  } else {
    out += fmt::format("{}{}\n", label("Offsite copy"), tr("none in the journal (run: ifnbackup push)"));
  }
  if (upload != nullptr) {
    out += fmt::format("{}{} {} ({}): {}\n", label("Last upload"), upload->offsite == "ok" ? tr("ok") : tr("FAILED"),
                       local_time(upload->end), upload->command, upload->offsite_message);
  }
  return out;
}

// The binary log archive, when the folder holds one: its recovery point and the window restore --until
// reaches (docs/pitr.md).
std::string binlog_text(const MonitoringSituation& s, Clock::time_point now, bool offsite_configured) {
  const auto& archive = s.binlog;
  if (!archive.exists) {
    return {};
  }
  const std::string indent(label_width(), ' ');
  if (!archive.problem.empty()) {
    return fmt::format("{}{}\n", label("Binary log"), trf("CANNOT BE READ: {}", archive.problem));
  }
  const auto point = archive.recovery_point();
  const auto lag = std::chrono::seconds(std::max<std::int64_t>(0, Clock::to_time_t(now) - point));
  std::string out =
      fmt::format("{}{}\n{}{}\n", label("Binary log"),
                  point == 0 ? std::string(tr("archive holds no event yet"))
                             : trf("recovery point {} ({} behind), newest event {}", format_event_time(point),
                                   human_age(lag), format_event_time(archive.newest_event)),
                  indent,
                  trf("archive {} to {}, {} files, {}; archiver {}", archive.first, archive.last, archive.files,
                      human_size(archive.bytes), archive.archiver_running ? tr("running") : tr("not running")));
  out += fmt::format("{}{}\n", label("Restorable to"),
                     archive.window_from == 0
                         ? std::string(tr("no moment yet: no good backup whose binlog position the archive holds"))
                         : trf("from {} ({}) to {}", format_event_time(archive.window_from), archive.window_backup,
                               format_event_time(archive.newest_event)));
  for (const auto& gap : archive.gaps) {
    out += fmt::format("{}{}\n", indent, trf("GAP: {}", gap));
  }
  const auto offsite = s.offsite_archive();
  if (offsite && (offsite_configured || offsite->run != nullptr)) {
    const std::string where = offsite->newest.empty() ? std::string(tr("none known (journal): run ifnbackup push"))
                                                      : trf("to {}, seen by push on {} (journal)", offsite->newest,
                                                            local_time(offsite->run->end));
    const std::string behind = offsite->behind == 0
                                   ? std::string(tr("every complete log of the folder is offsite"))
                                   : trf("{} complete log(s) not offsite yet, the oldest ({}) complete for {}",
                                         offsite->behind, offsite->first_behind,
                                         human_age(std::chrono::seconds(std::max<std::int64_t>(
                                             0, Clock::to_time_t(now) - std::int64_t{offsite->waiting_since}))));
    out += fmt::format("{}{}\n{}{}\n", label("Archive offsite"), where, indent, behind);
  }
  return out;
}

void write_text(const MonitoringSituation& s, const std::vector<HistoryDay>& history, Clock::time_point now,
                bool offsite_configured) {
  const std::string indent(label_width(), ' ');
  std::string out = fmt::format("{}{}\n", label("Backup folder"), s.backup_dir.string());
  if (!s.folder_readable) {
    out += fmt::format("{}{}\n", indent, s.folder_problem.local);
  }
  if (const auto* good = s.newest_good()) {
    out += fmt::format("{}{}\n{}{}\n", label("Last good backup"), good->name, indent,
                       trf("{}, {} old, {}", local_date(good->local),
                           human_age(std::chrono::seconds(seconds_between(good->taken, now))), human_size(good->size)));
  } else {
    out += fmt::format("{}{}\n", label("Last good backup"), tr("none (run: ifnbackup backup, or ifnbackup verify)"));
  }
  out += fmt::format(
      "{}{}", label("Backups"),
      trf("{} ({} safety snapshot(s)), {} used", s.backups.size(), s.safety_snapshots, human_size(s.bytes_used)));
  out += s.verify_failures() > 0 ? trf(", {} FAILED verification\n", s.verify_failures()) : "\n";
  if (!s.backups.empty() && s.backups.front().health == Health::unrestorable) {
    out += fmt::format("{}{}: {}\n", label("NOT RESTORABLE"), s.backups.front().name, s.backups.front().reason);
  }
  if (s.space) {
    out += fmt::format("{}{}\n", label("Free space"),
                       trf("{} of {} ({:.1f} %)", human_size(s.space->free_bytes), human_size(s.space->total_bytes),
                           s.space->free_percent()));
  }
  out += offsite_text(s, now, offsite_configured);
  out += binlog_text(s, now, offsite_configured);
  out += fmt::format("{}\n", tr("Last runs"));
  for (const char* command : k_status_commands) {
    const RunRecord* run = s.last_run(command);
    if (run == nullptr) {
      out += fmt::format("  {:<8} {}\n", command, tr("never (in the journal)"));
      continue;
    }
    out += fmt::format("  {:<8} {}  {:<16} {:>7.1f} s  {}\n", command, local_time(run->start),
                       run->ok() ? std::string(tr("ok")) : trf("FAILED {}", run->result),
                       static_cast<double>(run->duration_ms) / 1000.0, run_detail(*run));
  }
  out += trf("Last {} days (oldest left, today right)\n", history.size());
  out += chart(history);
  std::cout << printable(out);  // a run's message may quote the server
}

int show_status(const GlobalSettings& settings) {
  if (settings.backup_dir.empty()) {
    throw Error(ErrorCode::usage, tx("no backup folder"), tx("give --backup-dir or 'backup-dir' in the config file"));
  }
  const auto now = Clock::now();
  const auto situation = gather_for_monitoring(settings);
  const auto history = backup_history(situation, now, 30);
  if (settings.json) {
    write_json(situation, history, now);
  } else {
    write_text(situation, history, now, settings.offsite.enabled());
  }
  if (!situation.folder_readable) {
    throw Error(ErrorCode::not_found, situation.folder_problem,
                tx("check --backup-dir (or 'backup-dir' in the config file) and that this user may read it"));
  }
  return 0;
}

}  // namespace

Command add_status_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "";  // read-only: no log file
  command.results_on_stdout = true;
  command.app = app.add_subcommand("status", "Dashboard: last good backup, space, last runs, the last 30 days");
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.app->footer(
      "Reads the backup folder, its verification state and the run journal (journal.jsonl in\n"
      "--log-dir, else the backup folder). Nothing is verified or changed: see 'check' for alerts.");
  command.action = [&settings]() { return show_status(settings); };
  return command;
}

}  // namespace ifnbackup::cli
