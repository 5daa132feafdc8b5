#include "pitr_report.hpp"

#include <ctime>

#include <fmt/format.h>

#include "ifnbackup/i18n.hpp"
#include "ifnbackup/printable.hpp"
#include "restore_report.hpp"

namespace ifnbackup::cli {

namespace {

std::string line(const std::string& label, const std::string& value) {
  return fmt::format("  {:<17}{}\n", label, value);
}

}  // namespace

std::string format_recovery_span(const RecoverySpan& span) {
  std::string out = "\n" + std::string(tr("Point-in-time restore")) + "\n";
  out += line(tr("target"), span.target);
  out += line(tr("backup"), trf("{} (started {})", printable(span.backup.filename().string()), span.backup_started));
  if (span.transactions == 0) {
    out += line(tr("binary log"), trf("{}: nothing committed between the backup and the target", span.from));
  } else {
    out += line(tr("binary log"), trf("{} to {}, committed {} to {}", span.from, span.to,
                                      format_event_time(span.first_event), format_event_time(span.last_event)));
    out += line(tr("replayed"), trf("{} transactions of the database ({} events in the span, {} transactions of "
                                    "every database)",
                                    span.database_transactions, span.events, span.transactions));
    if (span.statements_elsewhere > 0) {
      out += line(tr("WARNING"), trf("{} statements run from another default database name this one: they are NOT "
                                     "replayed (binlog_format=ROW avoids this)",
                                     span.statements_elsewhere));
    }
    if (span.server_wide_statements > 0) {
      out += line(tr("not replayed"),
                  trf("{} account or server statements run from the database (CREATE USER, "
                      "GRANT, FLUSH...): a database's restore leaves the server's accounts as they are",
                      span.server_wide_statements));
    }
  }
  if (span.in_step_until != 0) {
    out += line(tr("archive"), trf("in step with the server until {}: nothing was written from its newest event to "
                                   "the target",
                                   format_event_time(span.in_step_until)));
  }
  return out;
}

std::string format_replay_end(const RecoverySpan& span, std::uint64_t statements, std::chrono::milliseconds took) {
  return trf("Binary log replayed in {}: {} to {}, {} transactions of the database, {} statements.", took_words(took),
             span.from, span.to, span.database_transactions, statements) +
         "\n";
}

}  // namespace ifnbackup::cli
