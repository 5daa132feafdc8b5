#pragma once
// --metrics-file for backup and check: the Prometheus text file, rewritten after the run.
#include <optional>

#include "cli.hpp"
#include "ifnbackup/status.hpp"

namespace ifnbackup::cli {

// Rewrites settings.metrics_file (if set) from the folder and the journal; a failure is a warning,
// never the run's exit code.
// gather_situation with the binary log archive's facts (when the folder holds an archive).
MonitoringSituation gather_for_monitoring(const GlobalSettings& settings);

void write_metrics_file(const GlobalSettings& settings, std::optional<CheckStatus> check_status = {});

}  // namespace ifnbackup::cli
