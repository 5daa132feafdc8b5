#include "metrics.hpp"

#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"

namespace ifnbackup::cli {

void write_metrics_file(const GlobalSettings& settings, std::optional<CheckStatus> check_status) {
  if (settings.metrics_file.empty()) {
    return;
  }
  try {
    const auto situation =
        gather_situation(settings.backup_dir, settings.prefix, journal_dir(settings), settings.connection.database);
    write_metrics(settings.metrics_file, format_metrics(situation, check_status));
  } catch (const Error& error) {
    log_warn("metrics file {} not written: {}", settings.metrics_file, error.message());
  }
}

}  // namespace ifnbackup::cli
