#include "restore_report.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/i18n.hpp"
#include "ifnbackup/printable.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

namespace {

constexpr auto k_tick = std::chrono::seconds(1);
constexpr auto k_log_every = std::chrono::seconds(10);
// The rate is measured over this much of the recent past, and an ETA shown once it spans k_eta_after.
constexpr auto k_rate_window = std::chrono::seconds(20);
constexpr auto k_eta_after = std::chrono::seconds(3);

std::string bar(double fraction) {
  constexpr int k_width = 20;
  const int filled = std::clamp(static_cast<int>(fraction * k_width), 0, k_width);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(k_width - filled), '.') + "]";
}

std::string seconds_words(double seconds) {
  return seconds < 60 ? fmt::format("{:.0f} s", seconds)
                      : duration_words(std::chrono::seconds(static_cast<long long>(seconds)));
}

// `quoted` for a table name from the file: printable, one line.
std::string shown_table(const std::string& name) {
  std::string shown = printable(name);
  std::replace(shown.begin(), shown.end(), '\n', ' ');
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  return "`" + shown + "`";
}

std::string verdict_words(ProofVerdict verdict) {
  switch (verdict) {
    case ProofVerdict::not_recorded:
      return tr("not recorded");
    case ProofVerdict::skipped:
      return tr("skipped");
    case ProofVerdict::identical:
      return tr("identical");
    case ProofVerdict::different:
      return tr("DIFFERENT");
    case ProofVerdict::cannot_prove:
      return tr("cannot prove");
  }
  return proof_verdict_name(verdict);
}

}  // namespace

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0);
}

std::string grouped(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  const std::string separator = messages_in_french() ? " " : ",";
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += separator;
    }
    out.push_back(digits[i]);
  }
  return out;
}

std::string duration_words(std::chrono::seconds elapsed) {
  const long long total = std::max<long long>(0, elapsed.count());
  const long long days = total / 86400;
  const long long hours = total % 86400 / 3600;
  const long long minutes = total % 3600 / 60;
  if (days > 0) {
    return trf("{} d {} h", days, hours);
  }
  if (hours > 0) {
    return fmt::format("{} h {} min", hours, minutes);
  }
  if (minutes > 0) {
    return fmt::format("{} min", minutes);
  }
  return fmt::format("{} s", total);
}

std::string step_words(RestoreStep step) {
  switch (step) {
    case RestoreStep::verifying:
      return tr("verifying the file");
    case RestoreStep::safety_snapshot:
      return tr("safety snapshot");
    case RestoreStep::loading_rows:
      return tr("loading rows");
    case RestoreStep::building_indexes:
      return tr("building indexes");
    case RestoreStep::restoring_objects:
      return tr("views, routines, triggers, events");
    case RestoreStep::proving:
      return tr("proving the content");
    case RestoreStep::rolling_back:
      return tr("rolling back to the safety snapshot");
    case RestoreStep::checking_schema:
      return tr("checking the schema");
  }
  return "?";
}

ProgressReporter::ProgressReporter() : m_tty(StatusLine::instance().on_terminal()) {
  m_ticker = std::thread([this] { tick(); });
}

ProgressReporter::~ProgressReporter() {
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_ticker.join();
  StatusLine::instance().close();
}

void ProgressReporter::finish() {
  const std::lock_guard lock(m_mutex);
  m_have = false;
  StatusLine::instance().close();
}

void ProgressReporter::tick() {
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    m_wake.wait_for(lock, k_tick);
    if (!m_stop && m_have) {
      render(std::chrono::steady_clock::now());
    }
  }
}

void ProgressReporter::operator()(const LoadProgress& p) {
  const std::lock_guard lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  const bool new_step = !m_have || p.step != m_last.step || p.subject != m_last.subject;
  if (new_step) {
    m_step_start = now;
    m_samples.clear();
  }
  m_last = p;
  m_have = true;
  m_samples.emplace_back(now, p.done);
  while (m_samples.size() > 2 && now - m_samples.front().first > k_rate_window) {
    m_samples.pop_front();
  }
  if (new_step && !m_tty) {
    m_last_log = now - k_log_every;  // a plain line at once
  }
  render(now);
}

void ProgressReporter::render(std::chrono::steady_clock::time_point now) {
  const LoadProgress& p = m_last;
  const double elapsed = std::chrono::duration<double>(now - m_step_start).count();
  double rate = 0;  // of p.done, per second, over the recent past
  bool rate_known = false;
  if (m_samples.size() >= 2) {
    const double span = std::chrono::duration<double>(m_samples.back().first - m_samples.front().first).count();
    if (span > 0) {
      rate = static_cast<double>(m_samples.back().second - m_samples.front().second) / span;
      rate_known = m_samples.back().first - m_samples.front().first >= k_eta_after;
    }
  }
  // The line in the operator's language; built again in English for the log file.
  const auto line = [&] {
    std::string text = step_words(p.step);
    switch (p.step) {
      case RestoreStep::verifying:
      case RestoreStep::loading_rows:
      case RestoreStep::rolling_back:
      case RestoreStep::checking_schema: {
        if (p.total == 0) {
          break;  // the step has just begun
        }
        const double fraction = static_cast<double>(p.done) / static_cast<double>(p.total);
        text += fmt::format("  {} {:3.0f} %  {} / {}", bar(fraction), fraction * 100, mib(p.done), mib(p.total));
        if (rate > 0) {
          text += fmt::format("  {}/s", mib(static_cast<std::uint64_t>(rate)));
        }
        if (p.rows > 0) {
          text += "  " + trf("{} rows", grouped(p.rows));
        }
        text += "  " + (rate_known && rate > 0 && p.total > p.done
                            ? trf("ETA {}", seconds_words(static_cast<double>(p.total - p.done) / rate))
                            : trf("{} elapsed", seconds_words(elapsed)));
        break;
      }
      case RestoreStep::safety_snapshot:
        text += "  " + trf("{} of SQL written", mib(p.done));
        if (rate > 0) {
          text += fmt::format("  {}/s", mib(static_cast<std::uint64_t>(rate)));
        }
        if (p.rows > 0) {
          text += "  " + trf("{} rows", grouped(p.rows));
        }
        text += "  " + trf("{} elapsed", seconds_words(elapsed));
        break;
      case RestoreStep::building_indexes:
        text = trf("building indexes of {}", shown_table(p.subject)) + "  " +
               trf("{} elapsed (the server gives no percentage)", seconds_words(elapsed));
        break;
      case RestoreStep::restoring_objects:
        text += "  " + trf("{} elapsed", seconds_words(elapsed));
        break;
      case RestoreStep::proving:
        text += "  " + trf("table {} of {}: {}", p.done + 1, p.total, shown_table(p.subject));
        break;
    }
    return text;
  };
  const std::string text = line();
  if (m_tty) {
    StatusLine::instance().show(text);
  } else if (now - m_last_log >= k_log_every) {
    m_last_log = now;
    std::string english;
    {
      const EnglishOnly english_only;
      english = line();
    }
    log_text(spdlog::level::info, Text(english, text));
  }
}

std::string format_table_checks(const std::vector<TableCheck>& checks) {
  std::string table =
      fmt::format("{:<40} {:>12} {:>12}  {}\n", tr("table"), tr("backup"), tr("restored"), tr("content"));
  for (const auto& check : checks) {
    // A table's name comes from the file: no raw control byte reaches the terminal.
    std::string name = printable(check.table);  // and its line breaks and tabs too: one line a table
    for (std::size_t at = name.find_first_of("\n\t"); at != std::string::npos; at = name.find_first_of("\n\t", at)) {
      name.replace(at, 1, name[at] == '\n' ? "\\x0a" : "\\x09");
    }
    table += fmt::format("{:<40} {:>12} {:>12}  {}\n", name, check.expected, check.actual, verdict_words(check.proof));
  }
  return table;
}

std::string took_words(std::chrono::milliseconds took) {
  const double seconds = static_cast<double>(took.count()) / 1000.0;
  return seconds < 60 ? fmt::format("{:.1f} s", seconds)
                      : duration_words(std::chrono::duration_cast<std::chrono::seconds>(took));
}

std::string format_step_times(const std::vector<StepTime>& steps) {
  std::string out;
  for (const auto& step : steps) {
    out += (out.empty() ? "" : " · ") + step_words(step.step) + " " + took_words(step.took);
  }
  return out;
}

void warn_about_unproven(const std::vector<TableCheck>& checks, bool ours) {
  const bool unrecorded = std::any_of(
      checks.begin(), checks.end(), [](const TableCheck& check) { return check.proof == ProofVerdict::not_recorded; });
  if (unrecorded) {
    log_text(spdlog::level::warn, tx("this file has no content digests (written by mysqldump or an older "
                                     "ifnbackup): only row counts were checked"));
  } else if (checks.empty() && !ours) {
    log_text(spdlog::level::warn,
             tx("this file has no manifest (mysqldump's): nothing could be checked after the load"));
  }
}

}  // namespace ifnbackup::cli
